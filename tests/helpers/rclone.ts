/** Test helpers for the real rclone: find it or fail loudly, make temporary trees, read them back. */
import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { testRcloneBinary } from './rclone-versions.js'

/**
 * Throws a clear error when rclone is not installed: tests that need it never skip silently. Returns the version
 * the tests run against (1.75.0 through the translator when RCLONE_JOBS_TEST_RCLONE=1.75).
 */
export function requireRclone(): string {
  try {
    const out = execFileSync(testRcloneBinary(), ['version'], { encoding: 'utf8' })
    const m = /rclone v?(\d+\.\d+\.\d+)/.exec(out)
    if (!m) throw new Error(`unexpected "rclone version" output: ${out.slice(0, 200)}`)
    return m[1] as string
  } catch (e) {
    throw new Error(
      `these tests need the real rclone on PATH (apt-get install -y rclone, or see rclone.org/install): ${e instanceof Error ? e.message : String(e)}`,
    )
  }
}

const made: string[] = []
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'rclone-jobs-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(d)
  return d
}

/** Writes files from a `{ 'a/b.txt': 'content' }` map under `root`. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel)
    mkdirSync(path.dirname(full), { recursive: true })
    writeFileSync(full, content)
  }
}

/**
 * Gives `rel` one modification time under each of `sides` (folders of `root`): files written a millisecond apart
 * differ in time, and rclone then updates the destination's time, which a test comparing two runs must not see.
 */
export function sameModTime(root: string, sides: readonly string[], rel: string): void {
  const when = new Date('2026-01-01T00:00:00Z')
  for (const side of sides) utimesSync(path.join(root, side, rel), when, when)
}

/** Reads every file under `root` into `{ rel: content }`; empty folders appear as `rel/`. */
export function readTree(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string): void => {
    const entries = readdirSync(dir)
    if (entries.length === 0 && dir !== root)
      out[`${path.relative(root, dir).split(path.sep).join('/')}/`] = ''
    for (const e of entries.sort()) {
      const full = path.join(dir, e)
      if (statSync(full).isDirectory()) walk(full)
      else out[path.relative(root, full).split(path.sep).join('/')] = readFileSync(full, 'utf8')
    }
  }
  try {
    walk(root)
  } catch {
    return {}
  }
  return out
}

/** Every file under `root` with its content and modification time, to prove that nothing changed. */
export function snapshotTree(root: string): Record<string, string> {
  const tree = readTree(root)
  return Object.fromEntries(
    Object.entries(tree).map(([rel, content]) => [
      rel,
      `${content}@${rel.endsWith('/') ? '' : statSync(path.join(root, rel)).mtimeMs}`,
    ]),
  )
}
