/**
 * The rclone config from the `rclone-config` secret: every secret-looking value is masked before anything is
 * printed, the file is written where only the runner's user can read it, outside the workspace, and removed at the
 * end. `RCLONE_CONFIG_*` variables get the same masking.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { isCredentialKey, urlSecrets } from '../places/rclone-path.js'

/**
 * The values to mask in an rclone.conf text: every credential value, and for JSON values (OAuth tokens) each
 * string inside too, since rclone may log parts of them.
 */
export function configSecrets(text: string): string[] {
  const out = new Set<string>()
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue
    const eq = line.indexOf('=')
    if (eq < 0) continue
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1).trim()
    if (value === '') continue
    // A URL carries credentials of its own: a password in user:pass@, a token in its query.
    for (const s of urlSecrets(value)) out.add(s)
    if (isCredentialKey(key)) addSecret(out, value)
  }
  return [...out]
}

/** The values to mask among `RCLONE_CONFIG_<REMOTE>_<KEY>` (and `RCLONE_<BACKEND>_<KEY>`) variables. */
export function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>()
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '' || !name.startsWith('RCLONE_')) continue
    if (name === 'RCLONE_CONFIG' || name === 'RCLONE_CONFIG_DIR') continue
    if (name === 'RCLONE_CONFIG_PASS') {
      addSecret(out, value)
      continue
    }
    for (const s of urlSecrets(value)) out.add(s)
    // The key is the last underscore-separated words; try each suffix, so RCLONE_CONFIG_S3_SECRET_ACCESS_KEY is
    // recognised by "secret_access_key" and RCLONE_CONFIG_DAV_PASS by "pass".
    const words = name.toLowerCase().split('_')
    for (let i = words.length - 1; i >= 2; i--) {
      if (isCredentialKey(words.slice(i).join('_'))) {
        addSecret(out, value)
        break
      }
    }
  }
  return [...out]
}

function addSecret(out: Set<string>, value: string): void {
  out.add(value)
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as Record<string, unknown>
      for (const v of Object.values(parsed)) if (typeof v === 'string' && v.length >= 6) out.add(v)
    } catch {
      // Not JSON: the whole value is masked already.
    }
  }
}

/** A written config: the environment for rclone, and the cleanup that removes it. */
export interface PreparedConfig {
  readonly env: NodeJS.ProcessEnv
  readonly file: string | undefined
  cleanup(): Promise<void>
}

/**
 * Masks secrets (config and environment) with `mask`, then writes the config (when given) to a fresh private
 * folder under `tempRoot` and points `RCLONE_CONFIG` at it.
 */
export async function prepareConfig(
  config: string,
  env: NodeJS.ProcessEnv,
  tempRoot: string | undefined,
  mask: (secret: string) => void,
): Promise<PreparedConfig> {
  for (const s of [...configSecrets(config), ...environmentSecrets(env)]) mask(s)
  if (config.trim() === '') return { env, file: undefined, cleanup: async () => {} }
  const dir = await mkdtemp(path.join(tempRoot || os.tmpdir(), 'rclone-jobs-config-'))
  const file = path.join(dir, 'rclone.conf')
  // mkdtemp makes the folder 0700; the file is 0600: only the runner's user can read either.
  await writeFile(file, config.endsWith('\n') ? config : `${config}\n`, { mode: 0o600 })
  return {
    env: { ...env, RCLONE_CONFIG: file },
    file,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}
