/**
 * Which rclone the end-to-end tests talk to. This machine has only the real rclone 1.60.1; with
 * `RCLONE_JOBS_TEST_RCLONE=1.75` the tests run it through rclone-translator.mjs, which writes the log and exit codes
 * of rclone v1.75.0, by putting a shim named `rclone` first on PATH.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** The translator script. */
export const TRANSLATOR = fileURLToPath(new URL('./rclone-translator.mjs', import.meta.url))

/** The environment variable that selects the rclone behaviour the end-to-end tests run against. */
export const TEST_RCLONE_VAR = 'RCLONE_JOBS_TEST_RCLONE'

/** The rclone behaviour asked for: `1.75` (the translator) or undefined (the real rclone as installed). */
export function testedRclone(env: NodeJS.ProcessEnv = process.env): '1.75' | undefined {
  const v = env[TEST_RCLONE_VAR]
  if (v === undefined || v === '' || v === 'system') return undefined
  if (v === '1.75' || v === '1.75.0') return '1.75'
  throw new Error(
    `${TEST_RCLONE_VAR}=${v}: only "1.75" (the translator) or unset (the installed rclone) is known`,
  )
}

function isShim(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').slice(0, 4096).includes('rclone-translator')
  } catch {
    return false
  }
}

/**
 * The absolute path of the real rclone on `pathVar` (`command -v rclone`), skipping translator shims. Throws a
 * clear error when there is none: tests that need rclone fail, never skip.
 */
export function realRclone(pathVar = process.env.PATH ?? ''): string {
  const dirs = pathVar.split(path.delimiter).filter((d) => d !== '' && !isShim(path.join(d, 'rclone')))
  let found = ''
  try {
    found = execFileSync('/bin/sh', ['-c', 'command -v rclone'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: dirs.join(path.delimiter) },
    }).trim()
  } catch {
    found = ''
  }
  if (!path.isAbsolute(found)) {
    throw new Error(
      'the rclone translator needs the real rclone on PATH ("command -v rclone" found nothing; apt-get install -y rclone, or see rclone.org/install)',
    )
  }
  return found
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

let shimDir: string | undefined

/**
 * A folder with an executable `rclone` shim that runs the translator over the real rclone (found on PATH before the
 * shim is added, and passed on as RCLONE_JOBS_REAL_RCLONE). One per test process, removed when it exits.
 */
export function translatorShimDir(): string {
  if (shimDir !== undefined) return shimDir
  const real = realRclone()
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rclone-1.75-'))
  const shim = path.join(dir, 'rclone')
  writeFileSync(
    shim,
    `#!/bin/sh\n# rclone-translator shim: rclone ${real} as v1.75.0 writes its log and exit codes\n` +
      `RCLONE_JOBS_REAL_RCLONE=${sq(real)}\nexport RCLONE_JOBS_REAL_RCLONE\n` +
      `exec ${sq(process.execPath)} ${sq(TRANSLATOR)} "$@"\n`,
  )
  chmodSync(shim, 0o755)
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  shimDir = dir
  return dir
}

/** The shim's absolute path. */
export function translatorShim(): string {
  return path.join(translatorShimDir(), 'rclone')
}

/** PATH with the translator shim first, so `rclone` is "rclone v1.75.0". */
export function translatedPath(pathVar = process.env.PATH ?? ''): string {
  const dir = translatorShimDir()
  const rest = pathVar.split(path.delimiter).filter((d) => d !== '' && d !== dir)
  return [dir, ...rest].join(path.delimiter)
}

/** The PATH the tests give rclone's callers: the translator's when RCLONE_JOBS_TEST_RCLONE=1.75, else PATH as is. */
export function testPath(pathVar = process.env.PATH ?? ''): string {
  return testedRclone() === '1.75' ? translatedPath(pathVar) : pathVar
}

/** The rclone binary the tests start: the shim's absolute path under 1.75, else `rclone` from PATH. */
export function testRcloneBinary(): string {
  return testedRclone() === '1.75' ? translatorShim() : 'rclone'
}
