/**
 * Stage 4: run invocations with bounded concurrency. Invocations whose paths overlap (the same destination, a
 * bisync pair, a source that another invocation writes) never run at the same time; the rest fill `maxParallel`.
 * The runner and the clock are parameters, so tests drive this with the real rclone.
 */

import { parseRclonePath, relation } from '../places/rclone-path.js'
import type { RcloneOutcome, RcloneRunner } from '../rclone/runner.js'
import type { Invocation } from './plan.js'

/** The result of one job and destination, as the `results` output reports it. */
export interface InvocationResult {
  readonly job: string
  /** The job's description, for the summary. */
  readonly description?: string
  readonly destination: string
  readonly mode: Invocation['mode']
  readonly status: 'success' | 'failed' | 'skipped'
  readonly exitCode: number | null
  readonly transfers: number
  readonly bytes: number
  readonly deletes: number
  readonly errors: number
  readonly checks: number
  readonly durationSeconds: number
  /** Why it failed or was skipped, in a sentence. */
  readonly reason?: string
  /** `plan` only: how many files the run would copy (new), update and delete. */
  readonly wouldCopy?: number
  readonly wouldUpdate?: number
  readonly wouldDelete?: number
  /** The last error lines rclone printed. */
  readonly errorLines?: readonly string[]
  /** Start and end, in ms from the clock, for scheduling checks and the log. */
  readonly startedAt?: number
  readonly endedAt?: number
}

/** Hooks the executor calls: the action prints grouped logs, tests record order. */
export interface ExecuteHooks {
  onStart?(inv: Invocation): void
  /** The exact arguments rclone is started with, after the hooks. */
  onCommand?(inv: Invocation, args: readonly string[]): void
  onLine?(inv: Invocation, line: string): void
  onFinish?(inv: Invocation, result: InvocationResult, outcome: RcloneOutcome | undefined): void
}

/** A refusal: the invocation does not run and this is its result. */
export interface Refusal {
  readonly status: 'failed' | 'skipped'
  readonly reason: string
  /** The exit code of the check that refused, when rclone ran one. */
  readonly exitCode?: number | null
  readonly errorLines?: readonly string[]
}

/**
 * A step around each invocation, for guards and state (empty-source guard, bisync state). `before` may refuse the
 * invocation or replace its arguments; `after` sees the result and may turn it into a failure.
 */
export interface InvocationHook {
  before?(
    inv: Invocation,
    args: readonly string[],
  ): Promise<Refusal | { args: readonly string[] } | undefined>
  after?(inv: Invocation, result: InvocationResult, outcome: RcloneOutcome): Promise<Refusal | undefined>
}

/** What the executor needs. */
export interface ExecuteOptions {
  readonly runner: RcloneRunner
  readonly maxParallel: number
  readonly failFast: boolean
  readonly env?: NodeJS.ProcessEnv
  readonly cwd: string
  readonly now?: () => number
  /** Log events. */
  readonly events?: ExecuteHooks
  /** Guards and state steps, applied in order before and after each invocation. */
  readonly hooks?: readonly InvocationHook[]
}

/** Which invocations must not run at the same time as each other: index pairs by overlapping paths. */
export function conflicts(invocations: readonly Invocation[], cwd: string): Set<number>[] {
  const parsed = invocations.map((inv) => {
    const writes = inv.writes.map((p) => parseRclonePath(p, cwd))
    const reads = inv.reads.map((p) => parseRclonePath(p, cwd))
    return { writes, reads, all: [...writes, ...reads] }
  })
  // Paths can only overlap on the same remote: compare within each remote's invocations, not all pairs.
  const byRemote = new Map<string, number[]>()
  parsed.forEach((p, i) => {
    for (const id of new Set(p.all.map((x) => x.remoteId))) {
      byRemote.set(id, [...(byRemote.get(id) ?? []), i])
    }
  })
  const out = invocations.map(() => new Set<number>())
  for (const members of byRemote.values()) {
    for (let x = 0; x < members.length; x++) {
      for (let y = 0; y < x; y++) {
        const i = members[x] as number
        const k = members[y] as number
        if (out[i]?.has(k)) continue
        const a = parsed[i] as (typeof parsed)[number]
        const b = parsed[k] as (typeof parsed)[number]
        const clash =
          a.writes.some((w) => b.all.some((o) => relation(w, o) !== undefined)) ||
          b.writes.some((w) => a.reads.some((o) => relation(w, o) !== undefined))
        if (clash) {
          out[i]?.add(k)
          out[k]?.add(i)
        }
      }
    }
  }
  return out
}

/** Runs every invocation and returns results in invocation order. Never throws for rclone failures. */
export async function executeInvocations(
  invocations: readonly Invocation[],
  options: ExecuteOptions,
): Promise<InvocationResult[]> {
  const now = options.now ?? Date.now
  const clash = conflicts(invocations, options.cwd)
  const results: Array<InvocationResult | undefined> = invocations.map(() => undefined)
  const pending = invocations.map((_, i) => i)
  const running = new Set<number>()
  let failed = false
  const limit = Math.max(1, options.maxParallel)

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      if (failed && options.failFast) {
        for (const i of pending.splice(0)) {
          const inv = invocations[i] as Invocation
          results[i] = skipped(inv, 'not started: fail-fast stopped the run after an earlier failure')
        }
      }
      for (let p = 0; p < pending.length && running.size < limit; ) {
        const i = pending[p] as number
        const blocked = [...running].some((r) => clash[i]?.has(r))
        // Keep order among conflicting invocations: an earlier pending one that clashes goes first.
        const waitsForEarlier = pending.slice(0, p).some((e) => clash[i]?.has(e))
        if (blocked || waitsForEarlier) {
          p++
          continue
        }
        pending.splice(p, 1)
        running.add(i)
        void runOne(i).then(() => {
          running.delete(i)
          pump()
        })
      }
      if (pending.length === 0 && running.size === 0) resolveAll()
    }

    const runOne = async (i: number): Promise<void> => {
      const inv = invocations[i] as Invocation
      const startedAt = now()
      options.events?.onStart?.(inv)
      let result: InvocationResult
      let outcome: RcloneOutcome | undefined
      try {
        let args: readonly string[] = inv.args
        let refusal: Refusal | undefined
        for (const hook of options.hooks ?? []) {
          const decision = await hook.before?.(inv, args)
          if (decision === undefined) continue
          if ('args' in decision) args = decision.args
          else {
            refusal = decision
            break
          }
        }
        if (refusal) {
          result = {
            ...empty(inv),
            status: refusal.status,
            reason: refusal.reason,
            exitCode: refusal.exitCode ?? null,
            errors: refusal.status === 'failed' ? 1 : 0,
            ...(refusal.errorLines ? { errorLines: refusal.errorLines } : {}),
            startedAt,
            endedAt: now(),
          }
        } else {
          options.events?.onCommand?.(inv, args)
          outcome = await options.runner(args, {
            env: options.env,
            cwd: options.cwd,
            onLine: options.events?.onLine ? (line) => options.events?.onLine?.(inv, line) : undefined,
          })
          result = toResult(inv, outcome, startedAt, now())
          for (const hook of options.hooks ?? []) {
            const verdict = await hook.after?.(inv, result, outcome)
            if (verdict) result = { ...result, status: verdict.status, reason: verdict.reason }
          }
        }
      } catch (e) {
        const endedAt = now()
        result = {
          ...empty(inv),
          status: 'failed',
          reason: `the action failed to run this invocation: ${e instanceof Error ? e.message : String(e)}`,
          durationSeconds: round((endedAt - startedAt) / 1000),
          startedAt,
          endedAt,
        }
      }
      if (result.status === 'failed') failed = true
      results[i] = result
      options.events?.onFinish?.(inv, result, outcome)
    }

    pump()
  })
  return results.map((r, i) => r ?? skipped(invocations[i] as Invocation, 'not started'))
}

function round(n: number): number {
  return Math.round(n * 100) / 100
}

function empty(inv: Invocation): Omit<InvocationResult, 'status'> {
  return {
    job: inv.job,
    ...(inv.description ? { description: inv.description } : {}),
    destination: inv.destination,
    mode: inv.mode,
    exitCode: null,
    transfers: 0,
    bytes: 0,
    deletes: 0,
    errors: 0,
    checks: 0,
    durationSeconds: 0,
  }
}

/** A result for an invocation that did not run. */
export function skipped(inv: Invocation, reason: string): InvocationResult {
  return { ...empty(inv), status: 'skipped', reason }
}

/** Describes an rclone exit code as rclone's documentation does. */
export function describeExitCode(code: number | null, signal: string | null): string {
  if (code === null) return `rclone was stopped by ${signal ?? 'a signal'}`
  const meaning: Record<number, string> = {
    1: 'a syntax or usage error',
    2: 'an error not otherwise categorised',
    3: 'a directory was not found',
    4: 'a file was not found',
    5: 'a temporary error (retrying might help)',
    6: 'a less serious error',
    7: 'a fatal error (retrying will not help)',
    8: 'the transfer limit (--max-transfer) was reached',
    9: 'the operation succeeded but no files were transferred',
    10: 'the duration limit (--max-duration) was reached',
  }
  return `rclone exited with code ${code}: ${meaning[code] ?? 'an unknown error'}`
}

function toResult(
  inv: Invocation,
  outcome: RcloneOutcome,
  startedAt: number,
  endedAt: number,
): InvocationResult {
  const s = outcome.stats
  const ok = outcome.exitCode === 0
  const errorLines = outcome.errorMessages.slice(-20)
  return {
    job: inv.job,
    ...(inv.description ? { description: inv.description } : {}),
    destination: inv.destination,
    mode: inv.mode,
    status: ok ? 'success' : 'failed',
    exitCode: outcome.exitCode,
    transfers: s?.transfers ?? 0,
    bytes: s?.bytes ?? 0,
    deletes: s?.deletes ?? 0,
    errors: s?.errors ?? (ok ? 0 : Math.max(1, outcome.errorMessages.length)),
    checks: s?.checks ?? 0,
    durationSeconds: round((endedAt - startedAt) / 1000),
    ...(ok
      ? {}
      : { reason: outcome.spawnError ?? describeExitCode(outcome.exitCode, outcome.signal), errorLines }),
    startedAt,
    endedAt,
  }
}
