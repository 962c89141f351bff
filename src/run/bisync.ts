/**
 * Bisync on ephemeral runners. rclone keeps bisync's listings in a work folder that a new runner does not have, so
 * the action keeps them in a state store (an rclone path, `bisync-state`), one folder per pair of places:
 * - the folder is named after where the two paths point (their places; a local path inside the workspace by its
 *   path relative to the workspace), not how they are spelled, so a checkout at another path finds its state;
 * - the listings are stored under neutral names and put back under the names this run's rclone will look for;
 * - before a run: take the pair's lock, restore the listings into a fresh `--workdir`; no listings (a first run, or
 *   a state marked lost) refuses, unless the job consents with `resync: true`, then resyncs once;
 * - after a successful run: write the new listings back, then release the lock. A failed run writes nothing, except
 *   that a critical error (rclone renames its listings to `.lst-err` and asks for a resync) marks the state lost,
 *   so the job's consent decides the next run;
 * - a plan (`--dry-run`) changes nothing: no lock, no state written or marked; it reads the state and reports.
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Place, placeKey } from '../places/place.js'
import type { RemoteLookup } from '../places/remotes.js'
import { sessionName } from '../rclone/bisync-listings.js'
import { type RcloneOutcome, type RcloneRunner, withFlags } from '../rclone/runner.js'
import { missingRootReason, prepareRoots } from './bisync-roots.js'
import type { InvocationHook, InvocationResult, Refusal, ResultPatch } from './execute.js'
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
  /** The workspace: where rclone runs, and what local places in the state key are relative to. */
  readonly cwd: string
  readonly dryRun: boolean
  /** The rclone version, for the listing names it uses. */
  readonly version: string
  /** Config remotes, for the listing names of alias remotes. */
  readonly remote?: RemoteLookup
  /** Who holds the lock: the workflow run, so a re-run attempt of the same run may take it over. */
  readonly owner?: string
  readonly now?: () => number
}

/** One side of a pair as the state key sees it: a local place inside the workspace by its relative path. */
function keyOfPlace(place: Place, workspace: string): string {
  if (place.root === 'local') {
    const abs = `/${place.segments.join('/')}`
    const rel = path.posix.relative(workspace.split(path.sep).join('/'), abs)
    if (rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel))) return `workspace\u0000${rel}`
  }
  return placeKey(place)
}

/** The store folder of one pair: named after the two places, so any spelling of them finds the same state. */
export function stateFolder(
  store: string,
  inv: Pick<Invocation, 'sourcePlace' | 'destinationPlace'>,
  workspace: string,
): string {
  const id = createHash('sha256')
    .update(`${keyOfPlace(inv.sourcePlace, workspace)}\n${keyOfPlace(inv.destinationPlace, workspace)}`)
    .digest('hex')
    .slice(0, 24)
  return `${store.replace(/\/+$/, '')}/pairs/${id}`
}

/** The consent message: what a resync does and how to allow it. */
export function consentMessage(inv: Invocation, reason: string): string {
  return `no bisync state for ${inv.job} → ${inv.destination} (${reason}); nothing was changed. A resync makes both sides the union of their files: files on only one side are copied to the other, and where both sides have a file the source's (Path1) version wins, so files deleted on one side since the last run come back. To allow one resync when no state exists, set "resync: true" on the job; the state is then kept for the next runs`
}

/** Whether rclone ended a bisync with a critical error that needs a resync, in any version's words. */
export function isCriticalBisyncError(outcome: RcloneOutcome, workdirFiles: readonly string[]): boolean {
  if (workdirFiles.some((f) => f.endsWith('.lst-err'))) return true
  return outcome.errorMessages.some((m) => /Must run --resync to recover/.test(m))
}

interface Work {
  readonly dir: string
  readonly folder: string
  readonly session: string
  readonly locked: boolean
}

/** The bisync hook, using `runner` for the store. */
export function bisyncHook(runner: RcloneRunner, settings: BisyncSettings): InvocationHook {
  return new BisyncStateStore(runner, settings)
}

/** The state store's side of each bisync: lock, restore, consent, save or mark lost, release. */
class BisyncStateStore implements InvocationHook {
  private readonly now: () => number
  private readonly owner: string
  private readonly work = new Map<Invocation, Work>()

  constructor(
    private readonly runner: RcloneRunner,
    private readonly settings: BisyncSettings,
  ) {
    this.now = settings.now ?? Date.now
    this.owner = settings.owner ?? randomUUID()
  }

  async before(
    inv: Invocation,
    args: readonly string[],
  ): Promise<Refusal | { args: readonly string[] } | undefined> {
    if (inv.mode !== 'bisync') return undefined
    if (this.settings.store === '' && this.settings.dryRun) return { status: 'skipped', reason: NOT_PLANNED }
    if (this.settings.store === '') {
      return {
        status: 'failed',
        reason:
          'bisync needs a state store so that a new runner does not need a resync: set the bisync-state input to an rclone path the action may write (e.g. b2:ops/rclone-jobs-state); nothing was changed',
      }
    }
    const folder = stateFolder(this.settings.store, inv, this.settings.cwd)
    const dir = await mkdtempIn(this.settings.tempDir, `bisync-${inv.job}-`)
    const session = sessionName(inv.source, inv.destination, this.settings)
    if (!this.settings.dryRun) {
      const refusal = await this.lock(inv, folder, dir)
      if (refusal) {
        await rm(dir, { recursive: true, force: true })
        return refusal
      }
    }
    const w: Work = { dir, folder, session, locked: !this.settings.dryRun }
    const restored = await this.restore(w)
    if (restored === 'ok') {
      this.work.set(inv, w)
      return { args: withFlags(args, [`--workdir=${dir}`]) }
    }
    if (!inv.resync) {
      await this.endWork(w)
      return { status: 'failed', reason: consentMessage(inv, NO_STATE[restored]) }
    }
    const roots = await prepareRoots(this.runner, inv, this.settings)
    if (roots) {
      await this.endWork(w)
      return roots
    }
    this.work.set(inv, w)
    return { args: withFlags(args, [`--workdir=${dir}`, '--resync']) }
  }

  async after(
    inv: Invocation,
    result: InvocationResult,
    outcome: RcloneOutcome,
  ): Promise<ResultPatch | undefined> {
    const w = this.work.get(inv)
    if (!w) return undefined
    this.work.delete(inv)
    try {
      const files = await readdir(w.dir).catch(() => [] as string[])
      if (result.status === 'failed' && isCriticalBisyncError(outcome, files))
        return await this.critical(inv, w, outcome)
      const missing =
        result.status === 'failed' &&
        (await missingRootReason(this.runner, inv, outcome, this.settings, w.folder))
      if (missing) return { reason: missing }
      if (result.status !== 'success' || this.settings.dryRun) return undefined
      const saved = await this.save(w, files, inv)
      if (saved.exitCode === 0) return undefined
      return {
        status: 'failed',
        reason: `bisync succeeded but its state could not be saved to ${this.settings.store} (${saved.errorMessages.at(-1) ?? `exit ${saved.exitCode}`}); the next run will need consent to resync`,
      }
    } finally {
      await this.endWork(w)
    }
  }

  /** Ends an invocation's work on the store: releases its lock (if it took one) and removes its work folder. */
  private async endWork(w: Work): Promise<void> {
    await this.release(w)
    await rm(w.dir, { recursive: true, force: true })
  }

  /** A critical error: rclone asks for a resync. A run marks the stored state lost; a plan only says so. */
  private async critical(inv: Invocation, w: Work, outcome: RcloneOutcome): Promise<ResultPatch> {
    if (this.settings.dryRun) {
      return {
        status: 'failed',
        reason: `the bisync dry run ended with a critical error (${lastWords(outcome)}); a run would now need a resync. Nothing was changed`,
      }
    }
    await this.markLost(w, lastWords(outcome))
    return {
      status: 'failed',
      reason: `bisync ended with a critical error and rclone asks for a resync (${lastWords(outcome)}); the stored state is marked lost. ${consentMessage(inv, 'the next run has no usable state')}`,
    }
  }

  private rc(args: string[], onStdout?: (line: string) => void): Promise<RcloneOutcome> {
    return this.runner(['--use-json-log', ...args], {
      env: this.settings.env,
      cwd: this.settings.cwd,
      onStdout,
    })
  }

  private async cat(file: string): Promise<string> {
    let text = ''
    await this.rc(['cat', '--', file], (l) => {
      text += `${l}\n`
    })
    return text
  }

  private async release(w: Work): Promise<void> {
    if (w.locked) await this.rc(['deletefile', '--', `${w.folder}/lock.json`])
  }

  /** Takes the pair's lock; a refusal when another run holds it or the store cannot be written. */
  private async lock(inv: Invocation, folder: string, dir: string): Promise<Refusal | undefined> {
    const held = parseLock(await this.cat(`${folder}/lock.json`))
    if (held && held.owner !== this.owner && this.now() - held.time < LOCK_TTL_MS) {
      return {
        status: 'failed',
        reason: `another run (${held.owner}, since ${new Date(held.time).toISOString()}) is bisyncing ${inv.job} → ${inv.destination}; nothing was changed. Give the workflow a concurrency group so runs over the same jobs queue instead`,
      }
    }
    const lockFile = path.join(dir, 'lock.json')
    await writeFile(lockFile, JSON.stringify({ owner: this.owner, time: this.now() }))
    const wrote = await this.rc(['copyto', '--', lockFile, `${folder}/lock.json`])
    await rm(lockFile, { force: true })
    if (wrote.exitCode !== 0) {
      return {
        status: 'failed',
        reason: `the bisync state store ${this.settings.store} could not be written (${wrote.errorMessages.at(-1) ?? `exit ${wrote.exitCode}`}); nothing was changed`,
        exitCode: wrote.exitCode,
      }
    }
    if (parseLock(await this.cat(`${folder}/lock.json`))?.owner !== this.owner) {
      return {
        status: 'failed',
        reason: `another run took the bisync lock of ${inv.job} → ${inv.destination} at the same moment; nothing was changed`,
      }
    }
    return undefined
  }

  /** Puts the stored listings into the work folder under this run's names. */
  private async restore(w: Work): Promise<'ok' | 'none' | 'incomplete' | 'lost'> {
    const stage = path.join(w.dir, 'restore')
    await mkdir(stage)
    await this.rc(['copy', '--', `${w.folder}/state`, stage])
    const have = new Set(await readdir(stage).catch(() => [] as string[]))
    try {
      if (have.has('lost.json')) return 'lost'
      if (!have.has('path1.lst') && !have.has('path2.lst')) return 'none'
      if (!have.has('path1.lst') || !have.has('path2.lst')) return 'incomplete'
      await rename(path.join(stage, 'path1.lst'), path.join(w.dir, `${w.session}.path1.lst`))
      await rename(path.join(stage, 'path2.lst'), path.join(w.dir, `${w.session}.path2.lst`))
      return 'ok'
    } finally {
      await rm(stage, { recursive: true, force: true })
    }
  }

  /** Stores the listings rclone left, under neutral names, with what they are about. */
  private async save(w: Work, files: readonly string[], inv: Invocation): Promise<RcloneOutcome> {
    const stage = path.join(w.dir, 'save')
    await mkdir(stage)
    for (const n of [1, 2]) {
      const name = files.find((f) => f.endsWith(`.path${n}.lst`))
      if (name === undefined) continue
      await rename(path.join(w.dir, name), path.join(stage, `path${n}.lst`))
    }
    const meta = {
      job: inv.job,
      path1: inv.source,
      path2: inv.destination,
      session: w.session,
      rcloneVersion: this.settings.version,
      savedAt: new Date(this.now()).toISOString(),
    }
    await writeFile(path.join(stage, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
    return this.rc(['sync', '--', stage, `${w.folder}/state`])
  }

  /** Marks the stored state lost (the listings stay, for inspection): the next run needs consent. */
  private async markLost(w: Work, why: string): Promise<void> {
    const file = path.join(w.dir, 'lost.json')
    await writeFile(file, JSON.stringify({ at: new Date(this.now()).toISOString(), why }))
    await this.rc(['copyto', '--', file, `${w.folder}/state/lost.json`])
  }
}

/** Why a plan leaves a bisync out when no state store is given: what it would compare is in the store. */
export const NOT_PLANNED =
  'not planned: a bisync is planned against the state its runs keep; set the bisync-state input to the store your run workflow uses to plan it'

/** Why there is no usable state, by what restoring it found. */
const NO_STATE = {
  none: 'a first run, or the state was lost',
  incomplete: 'the state is incomplete',
  lost: 'the state was marked lost after a critical error in an earlier run',
} as const

function lastWords(outcome: RcloneOutcome): string {
  const critical = outcome.errorMessages.filter((m) => /critical|Must run --resync/i.test(m))
  return (critical.at(0) ?? outcome.errorMessages.at(-1) ?? `exit ${outcome.exitCode}`).split(
    '\n',
  )[0] as string
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
