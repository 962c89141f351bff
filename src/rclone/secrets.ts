/**
 * The rclone config from the `rclone-config` secret: every secret-looking value is masked before anything is
 * printed, the file is written where only the runner's user can read it, outside the workspace, and removed at the
 * end. `RCLONE_CONFIG_*` variables get the same masking.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { UserError } from '../errors.js'
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
  /** The config as rclone reads it (decoded when it was given as base64); empty without one. */
  readonly text: string
  cleanup(): Promise<void>
}

/** A line of an rclone.conf: blank, a comment, a `[section]`, or `key = value`. */
const INI_LINE = /^\s*(?:$|[#;].*|\[[^\]\r\n]+\]\s*|[^=\s[#;][^=]*=.*)$/
/** The marker line of a config encrypted with `rclone config` (read with RCLONE_CONFIG_PASS). */
const ENCRYPTED = /^RCLONE_ENCRYPT_V\d+:\s*$/m

/** Whether the text is an rclone config: INI lines with at least one section, or an encrypted config. */
export function isRcloneConfig(text: string): boolean {
  if (ENCRYPTED.test(text)) return true
  const lines = text.split(/\r?\n/)
  return lines.every((l) => INI_LINE.test(l)) && lines.some((l) => /^\s*\[[^\]]+\]\s*$/.test(l))
}

/**
 * The `rclone-config` input as rclone reads it. Setup actions commonly keep the config base64-encoded in the
 * secret (`base64 -w0 rclone.conf`, or wrapped at 76 columns): a value that is not a config but decodes to one is
 * decoded. Anything else is a mistake to say, never to quote: the value is a secret, whatever it holds.
 */
export function readConfigInput(raw: string): { text: string; encoding: 'none' | 'ini' | 'base64' } {
  if (raw.trim() === '') return { text: '', encoding: 'none' }
  if (isRcloneConfig(raw)) return { text: raw, encoding: 'ini' }
  const compact = raw.replace(/\s+/g, '')
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    const decoded = Buffer.from(
      compact,
      compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64',
    )
    const text = decoded.toString('utf8')
    // A round trip through UTF-8 that changes the bytes means binary, not a config.
    if (Buffer.from(text, 'utf8').equals(decoded) && isRcloneConfig(text)) return { text, encoding: 'base64' }
  }
  const lines = raw.split(/\r?\n/).filter((l) => l.trim() !== '').length
  throw new UserError(
    `"rclone-config" is neither an rclone config (INI text: [remote] sections of key = value lines, as rclone config file shows) nor base64-encoded INI (${lines} non-empty line${lines === 1 ? '' : 's'}, not shown: the value is a secret); nothing was run. Store the config file's contents in the secret, or its base64 encoding (base64 -w0 rclone.conf)`,
  )
}

/**
 * Masks secrets (the input as given and decoded, the config's values, the environment's) with `mask`, reads a
 * base64-encoded config, refuses a value that is no config (`UserError`, which never quotes it), then writes the config (when given) to a fresh private
 * folder under `tempRoot` and points `RCLONE_CONFIG` at it.
 */
export async function prepareConfig(
  raw: string,
  env: NodeJS.ProcessEnv,
  tempRoot: string | undefined,
  mask: (secret: string) => void,
  log?: (message: string) => void,
): Promise<PreparedConfig> {
  // The input as given is a secret whatever it holds: masked whole before it is read. An encoded (or unreadable)
  // value is masked line by line too, since a wrapped base64 value may be printed a line at a time.
  if (raw.trim() !== '') mask(raw)
  const maskLines = () => {
    for (const line of raw.split(/\r?\n/)) if (line.trim().length >= 8) mask(line.trim())
  }
  let read: ReturnType<typeof readConfigInput>
  try {
    read = readConfigInput(raw)
  } catch (e) {
    maskLines()
    throw e
  }
  const config = read.text
  if (read.encoding === 'base64') {
    maskLines()
    mask(config)
    log?.('rclone-config: the value is base64-encoded; decoded it')
  }
  for (const s of [...configSecrets(config), ...environmentSecrets(env)]) mask(s)
  if (config.trim() === '') return { env, file: undefined, text: '', cleanup: async () => {} }
  const dir = await mkdtemp(path.join(tempRoot || os.tmpdir(), 'rclone-jobs-config-'))
  const file = path.join(dir, 'rclone.conf')
  // mkdtemp makes the folder 0700; the file is 0600: only the runner's user can read either.
  await writeFile(file, config.endsWith('\n') ? config : `${config}\n`, { mode: 0o600 })
  return {
    env: { ...env, RCLONE_CONFIG: file },
    file,
    text: config,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/**
 * The config rclone reads when none is given: `RCLONE_CONFIG`, else `$XDG_CONFIG_HOME/rclone/rclone.conf` or
 * `~/.config/rclone/rclone.conf`, else the old `~/.rclone.conf` (rclone's fs/config/config.go). Its text, or empty
 * when there is none or it cannot be read (rclone then reports the problem itself). An encrypted config reads as
 * its marker only: its remotes are unknown here.
 */
export async function readDefaultConfig(env: NodeJS.ProcessEnv): Promise<string> {
  const home = env.HOME || os.homedir()
  const candidates = env.RCLONE_CONFIG
    ? [env.RCLONE_CONFIG]
    : [
        path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'rclone', 'rclone.conf'),
        path.join(home, '.rclone.conf'),
      ]
  for (const file of candidates) {
    const text = await readFile(file, 'utf8').catch(() => undefined)
    if (text !== undefined) return text
  }
  return ''
}

/**
 * An empty config for a run that has none at all (local folders, connection strings, RCLONE_CONFIG_* remotes):
 * rclone otherwise says "Config file ... not found - using defaults" for every command it runs, in every log group.
 */
export async function emptyConfig(
  env: NodeJS.ProcessEnv,
  tempRoot: string | undefined,
): Promise<PreparedConfig> {
  const dir = await mkdtemp(path.join(tempRoot || os.tmpdir(), 'rclone-jobs-config-'))
  const file = path.join(dir, 'rclone.conf')
  await writeFile(file, '', { mode: 0o600 })
  return {
    env: { ...env, RCLONE_CONFIG: file },
    file,
    text: '',
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}
