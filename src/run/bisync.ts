/**
 * Bisync on ephemeral runners. rclone keeps bisync's listings in a work folder that a new runner does not have, so
 * the action keeps them in a state store (an rclone path, `bisync-state`) per job and destination:
 * - before a run: take the pair's lock in the store, restore the listings into a fresh `--workdir`;
 * - no listings (a first run, or lost state): refuse, unless the job consents with `resync: true`, then resync once;
 * - after a successful run: write the new listings back, then release the lock. A failed run writes nothing.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Diagnostic, formatKeyPath } from '../jobs/diagnostics.js'
import type { ValidJob } from '../jobs/validate.js'
import { parseRclonePath, relation } from '../places/rclone-path.js'
import type { RcloneRunner } from '../rclone/runner.js'
import type { InvocationHook, Refusal } from './execute.js'
import type { Invocation } from './plan.js'

/** How long a lock is honoured: a run that died without releasing it stops blocking after this. */
export const LOCK_TTL_MS = 6 * 60 * 60 * 1000

/** What the bisync hook needs. */
export interface BisyncSettings {
  /** The rclone path of the state store; empty when the input is not set. */
  readonly store: string
  /** Where fresh work folders are made (RUNNER_TEMP). */
  readonly tempDir: string | undefined
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  readonly dryRun: boolean
  /** Who holds the lock: the workflow run, so a re-run attempt of the same run may take it over. */
  readonly owner?: string
  readonly now?: () => number
}

/** The store folder of one job and destination. */
export function stateFolder(store: string, inv: Pick<Invocation, 'job' | 'source' | 'destination'>): string {
  const id = createHash('sha256').update(`${inv.source}\n${inv.destination}`).digest('hex').slice(0, 16)
  return `${store.replace(/\/+$/, '')}/${inv.job}/${id}`
}

/** Errors for job paths that overlap the state store: a sync there would copy or delete the state. */
export function storeOverlaps(store: string, jobs: readonly ValidJob[], cwd: string): Diagnostic[] {
  if (store === '') return []
  const st = parseRclonePath(store, cwd)
  const out: Diagnostic[] = []
  for (const j of jobs) {
    const paths: Array<[PropertyKey[], string]> = [[['source'], j.job.source]]
    for (const d of j.destinations) {
      paths.push([
        typeof j.job.destinations[d.index] === 'string'
          ? ['destinations', d.index]
          : ['destinations', d.index, 'path'],
        d.path,
      ])
    }
    for (const [keyPath, p] of paths) {
      if (relation(st, parseRclonePath(p, cwd)) === undefined) continue
      out.push({
        severity: 'error',
        file: j.file,
        ...j.locate(keyPath),
        key: formatKeyPath(keyPath),
        message: `"${p}" overlaps the bisync-state store "${store}"; a sync there would copy or delete the state. Keep the store outside every job's paths`,
      })
    }
  }
  return out
}

/** The consent message: what a resync does and how to allow it. */
export function consentMessage(inv: Invocation, reason: string): string {
  return `no bisync state for ${inv.job} → ${inv.destination} (${reason}); nothing was changed. A resync makes both sides the union of their files: files on only one side are copied to the other, and where both sides have a file the source's (Path1) version wins, so files deleted on one side since the last run come back. To allow one resync when no state exists, set "resync: true" on the job; the state is then kept for the next runs`
}

/** The bisync hook, using `runner` for the store. */
export function bisyncHook(runner: RcloneRunner, settings: BisyncSettings): InvocationHook {
  const now = settings.now ?? Date.now
  const owner = settings.owner ?? randomUUID()
  const work = new Map<Invocation, { dir: string; folder: string }>()
  const rc = (args: string[], onStdout?: (line: string) => void) =>
    runner(['--use-json-log', ...args], { env: settings.env, cwd: settings.cwd, onStdout })

  const release = async (folder: string) => {
    await rc(['deletefile', '--', `${folder}/lock.json`])
  }

  return {
    async before(inv, args): Promise<Refusal | { args: readonly string[] } | undefined> {
      if (inv.mode !== 'bisync') return undefined
      if (settings.store === '') {
        return {
          status: 'failed',
          reason:
            'bisync needs a state store so that a new runner does not need a resync: set the bisync-state input to an rclone path the action may write (e.g. b2:ops/rclone-jobs-state); nothing was changed',
        }
      }
      const folder = stateFolder(settings.store, inv)
      // The lock: refuse while another run holds it, then write ours and read it back to lose races cleanly.
      let held = ''
      await rc(['cat', '--', `${folder}/lock.json`], (l) => {
        held += l
      })
      const lock = parseLock(held)
      if (lock && lock.owner !== owner && now() - lock.time < LOCK_TTL_MS) {
        return {
          status: 'failed',
          reason: `another run (${lock.owner}, since ${new Date(lock.time).toISOString()}) is bisyncing ${inv.job} → ${inv.destination}; nothing was changed. Give the workflow a concurrency group so runs over the same jobs queue instead`,
        }
      }
      const dir = await mkdtempIn(settings.tempDir, `bisync-${inv.job}-`)
      const lockFile = path.join(dir, 'lock.json')
      await writeFile(lockFile, JSON.stringify({ owner, time: now() }))
      const wrote = await rc(['copyto', '--', lockFile, `${folder}/lock.json`])
      await rm(lockFile, { force: true })
      if (wrote.exitCode !== 0) {
        await rm(dir, { recursive: true, force: true })
        return {
          status: 'failed',
          reason: `the bisync state store ${settings.store} could not be written (${wrote.errorMessages.at(-1) ?? `exit ${wrote.exitCode}`}); nothing was changed`,
          exitCode: wrote.exitCode,
        }
      }
      let check = ''
      await rc(['cat', '--', `${folder}/lock.json`], (l) => {
        check += l
      })
      if (parseLock(check)?.owner !== owner) {
        await rm(dir, { recursive: true, force: true })
        return {
          status: 'failed',
          reason: `another run took the bisync lock of ${inv.job} → ${inv.destination} at the same moment; nothing was changed`,
        }
      }
      work.set(inv, { dir, folder })
      await rc(['copy', '--include=*.lst', '--', `${folder}/listings`, dir])
      const restored = (await readdir(dir)).filter((f) => f.endsWith('.lst'))
      const sep = args.indexOf('--')
      const withWorkdir = [...args.slice(0, sep), `--workdir=${dir}`]
      if (restored.length >= 2) return { args: [...withWorkdir, ...args.slice(sep)] }
      if (!inv.resync) {
        work.delete(inv)
        await release(folder)
        await rm(dir, { recursive: true, force: true })
        const reason =
          restored.length === 0 ? 'a first run, or the state was lost' : 'the state is incomplete'
        return { status: 'failed', reason: consentMessage(inv, reason) }
      }
      return { args: [...withWorkdir, '--resync', ...args.slice(sep)] }
    },

    async after(inv, result, outcome) {
      const w = work.get(inv)
      if (!w) return undefined
      work.delete(inv)
      try {
        // rclone names its listings after the canonical paths; when those changed (another workspace path, a
        // renamed remote), the stored listings do not match and rclone refuses. Discard them, so that the job's
        // consent decides the next run, instead of failing the same way forever.
        if (
          result.status === 'failed' &&
          outcome.errorMessages.some((m) => /cannot find prior Path1 or Path2 listings/.test(m))
        ) {
          await rc(['purge', '--', `${w.folder}/listings`])
          return {
            status: 'failed',
            reason: `the stored bisync state does not match these paths (they changed since it was written); nothing was changed and the state was discarded. ${consentMessage(inv, 'the next run has no state')}`,
          }
        }
        if (result.status !== 'success' || settings.dryRun) return undefined
        const saved = await rc(['sync', '--include=*.lst', '--', w.dir, `${w.folder}/listings`])
        if (saved.exitCode !== 0) {
          return {
            status: 'failed',
            reason: `bisync succeeded but its state could not be saved to ${settings.store} (${saved.errorMessages.at(-1) ?? `exit ${saved.exitCode}`}); the next run will need consent to resync`,
          }
        }
        return undefined
      } finally {
        await release(w.folder)
        await rm(w.dir, { recursive: true, force: true })
      }
    },
  }
}

function parseLock(text: string): { owner: string; time: number } | undefined {
  try {
    const v = JSON.parse(text) as { owner?: unknown; time?: unknown }
    return typeof v.owner === 'string' && typeof v.time === 'number'
      ? { owner: v.owner, time: v.time }
      : undefined
  } catch {
    return undefined
  }
}

async function mkdtempIn(root: string | undefined, prefix: string): Promise<string> {
  const base = root || os.tmpdir()
  await mkdir(base, { recursive: true })
  const dir = path.join(base, `${prefix}${randomUUID().slice(0, 8)}`)
  await mkdir(dir, { mode: 0o700 })
  return dir
}
