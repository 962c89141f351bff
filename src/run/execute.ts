/**
 * Stage 4: run invocations with bounded concurrency, in an order where each job runs after the jobs it depends on
 * (`needs`, and where data flows); a dependent of a job that did not succeed is skipped with the reason.
 * Invocations whose places overlap (the same destination, a bisync pair, a source that another invocation writes)
 * never run at the same time; the rest fill `maxParallel`.
 * The runner and the clock are parameters, so tests drive this with the real rclone.
 */
import type { Dependency } from '../jobs/validate.js'
import { PlaceIndex } from '../places/place-index.js'
import { describeExitCode } from '../rclone/exit-codes.js'
import type { ChangeKind, LogLine } from '../rclone/log-reader.js'
import type { RcloneOutcome, RcloneRunner } from '../rclone/runner.js'
import type { Invocation } from './plan.js'

/** The result of one job and destination, as the `results` output reports it. */
export interface InvocationResult {
  readonly job: string
  /** The job's description, for the summary. */
  readonly description?: string
  readonly destination: string
  readonly mode: Invocation['mode']
  /** `incomplete`: cut by a time limit (max-duration, the time-budget input); a warning, the next run goes on. */
  readonly status: 'success' | 'failed' | 'skipped' | 'incomplete'
  readonly exitCode: number | null
  /** The counts from rclone's final stats; null when rclone ran but no stats could be read (unknown, not zero). */
  readonly transfers: number | null
  readonly bytes: number | null
  /** false when `bytes` is rclone's printed figure, to 3 decimals of its unit (a text log); absent: exact. */
  readonly bytesExact?: false
  readonly deletes: number | null
  readonly errors: number | null
  readonly checks: number | null
  readonly durationSeconds: number
  /** Why it failed or was skipped, in a sentence. */
  readonly reason?: string
  /** `plan` only: how many files the run would copy (new), update and delete; null when unknown. */
  readonly wouldCopy?: number | null
  readonly wouldUpdate?: number | null
  readonly wouldDelete?: number | null
  /** The last error lines rclone printed. */
  readonly errorLines?: readonly string[]
  /** `versions`: this run's folder of replaced files, and the dated folders pruned (or, in a plan, that would be). */
  readonly versions?: { readonly folder: string; readonly pruned: readonly string[] }
  /** `check`: what differs between destination and source. */
  readonly check?: CheckCounts
  /** Start and end, in ms from the clock, for scheduling checks and the log. */
  readonly startedAt?: number
  readonly endedAt?: number
}

/** Hooks the executor calls: the action prints grouped logs, tests record order. */
export interface ExecuteHooks {
  onStart?(inv: Invocation): void
  /** The exact arguments rclone is started with, after the hooks. */
  onCommand?(inv: Invocation, args: readonly string[]): void
  /** A readable log line (its text is made when asked for). */
  onLine?(inv: Invocation, line: LogLine): void
  /** A file the invocation copied, updated or deleted (or would, in a plan). */
  onChange?(inv: Invocation, kind: ChangeKind, path: string): void
  onFinish?(inv: Invocation, result: InvocationResult, outcome: RcloneOutcome | undefined): void
}

/** What `check` found for one destination: counts of each kind and the first paths. */
export interface CheckCounts {
  readonly missingOnDestination: number
  readonly extraOnDestination: number
  readonly differ: number
  readonly errors: number
  readonly matching: number
  /** Matching files compared by size only (no hash in common, or `size-only`), and why; 0 when none. */
  readonly sizeOnly?: { readonly count: number; readonly reason: string }
  readonly first: {
    readonly missingOnDestination: readonly string[]
    readonly extraOnDestination: readonly string[]
    readonly differ: readonly string[]
    readonly errors: readonly string[]
  }
}

/** Changes a hook makes to a result after rclone ran. */
export type ResultPatch = Partial<Omit<InvocationResult, 'job' | 'destination' | 'mode'>>

/** A refusal: the invocation does not run and this is its result. */
export interface Refusal {
  readonly status: 'failed' | 'skipped' | 'incomplete'
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
  after?(inv: Invocation, result: InvocationResult, outcome: RcloneOutcome): Promise<ResultPatch | undefined>
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
  /** A fresh file path for an invocation's log (rclone writes it, the runner reads it in blocks); none: a pipe. */
  readonly logFile?: () => string
  /** The rclone version, for what its exit codes mean. */
  readonly version?: string
  /** For each job, the jobs that must finish (and succeed) before it starts. */
  readonly dependencies?: ReadonlyMap<string, readonly Dependency[]>
}

/**
 * Which invocations must not run at the same time: each one's set of others whose places overlap where either
 * writes (the same destination, a bisync pair's shared source, a source that another writes). Found through a place
 * index, not by comparing all pairs.
 */
export function conflicts(invocations: ReadonlyArray<Pick<Invocation, 'writes' | 'reads'>>): Set<number>[] {
  const index = new PlaceIndex<{ inv: number; writes: boolean }>()
  invocations.forEach((inv, i) => {
    for (const p of inv.writes) index.add(p, { inv: i, writes: true })
    for (const p of inv.reads) index.add(p, { inv: i, writes: false })
  })
  const out = invocations.map(() => new Set<number>())
  invocations.forEach((inv, i) => {
    for (const p of inv.writes) {
      for (const { value } of index.overlapping(p)) {
        if (value.inv === i) continue
        out[i]?.add(value.inv)
        out[value.inv]?.add(i)
      }
    }
  })
  return out
}

/**
 * The invocations' indices in an order where every job comes after the jobs it depends on, and otherwise in the
 * order given (file order). Dependencies on jobs not in this run are ignored.
 */
export function runOrder(
  invocations: readonly Invocation[],
  dependencies: ReadonlyMap<string, readonly Dependency[]>,
): number[] {
  const byJob = new Map<string, number[]>()
  invocations.forEach((inv, i) => {
    const list = byJob.get(inv.job)
    if (list) list.push(i)
    else byJob.set(inv.job, [i])
  })
  const order: number[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  // Depth-first, dependencies first; iterative so a long chain of jobs cannot overflow the stack.
  for (const start of byJob.keys()) {
    if (state.has(start)) continue
    const stack: Array<{ job: string; next: number }> = [{ job: start, next: 0 }]
    state.set(start, 'visiting')
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { job: string; next: number }
      const deps = dependencies.get(top.job) ?? []
      if (top.next < deps.length) {
        const dep = (deps[top.next++] as Dependency).job
        if (byJob.has(dep) && !state.has(dep)) {
          state.set(dep, 'visiting')
          stack.push({ job: dep, next: 0 })
        }
        continue
      }
      stack.pop()
      state.set(top.job, 'done')
      order.push(...(byJob.get(top.job) ?? []))
    }
  }
  return order
}

/** Runs every invocation and returns results in invocation order. Never throws for rclone failures. */
export async function executeInvocations(
  invocations: readonly Invocation[],
  options: ExecuteOptions,
): Promise<InvocationResult[]> {
  const now = options.now ?? Date.now
  const dependencies = options.dependencies ?? new Map<string, readonly Dependency[]>()
  const clash = conflicts(invocations)
  const results: Array<InvocationResult | undefined> = invocations.map(() => undefined)
  const order = runOrder(invocations, dependencies)
  // Position in run order: among invocations that clash, the earlier one goes first.
  const rank = new Int32Array(invocations.length)
  order.forEach((i, r) => {
    rank[i] = r
  })
  const pending = new Set(order)
  const running = new Set<number>()
  // Invocations of each job not yet finished, and the first failure of each job, for its dependents.
  const unfinished = new Map<string, number>()
  for (const inv of invocations) unfinished.set(inv.job, (unfinished.get(inv.job) ?? 0) + 1)
  const jobProblem = new Map<string, string>()
  let failed = false
  const limit = Math.max(1, options.maxParallel)

  const finish = (i: number, result: InvocationResult): void => {
    const inv = invocations[i] as Invocation
    results[i] = result
    unfinished.set(inv.job, (unfinished.get(inv.job) ?? 1) - 1)
    if (result.status !== 'success' && !jobProblem.has(inv.job)) {
      jobProblem.set(inv.job, result.status === 'failed' ? 'failed' : `was ${result.status}`)
    }
    if (result.status === 'failed') failed = true
  }

  /** Whether the jobs `inv` depends on are done; a reason to skip it when one of them did not succeed. */
  const gate = (inv: Invocation): { ready: boolean; skip?: string } => {
    for (const dep of dependencies.get(inv.job) ?? []) {
      if (!unfinished.has(dep.job)) continue
      if ((unfinished.get(dep.job) ?? 0) > 0) return { ready: false }
      const problem = jobProblem.get(dep.job)
      if (problem !== undefined) {
        const why = dep.kind === 'needs' ? `it needs "${dep.job}"` : `it reads what "${dep.job}" writes`
        return { ready: false, skip: `not started: ${why}, and "${dep.job}" ${problem}` }
      }
    }
    return { ready: true }
  }

  await new Promise<void>((resolveAll) => {
    const pump = (): void => {
      let progressed = true
      // Skipping one invocation can release its own dependents: repeat until nothing changes.
      while (progressed) {
        progressed = false
        if (failed && options.failFast) {
          for (const i of pending) {
            finish(
              i,
              skipped(
                invocations[i] as Invocation,
                'not started: fail-fast stopped the run after an earlier failure',
              ),
            )
            options.events?.onFinish?.(
              invocations[i] as Invocation,
              results[i] as InvocationResult,
              undefined,
            )
          }
          pending.clear()
        }
        for (const i of pending) {
          if (running.size >= limit) break
          const inv = invocations[i] as Invocation
          const g = gate(inv)
          if (g.skip !== undefined) {
            pending.delete(i)
            finish(i, skipped(inv, g.skip))
            options.events?.onFinish?.(inv, results[i] as InvocationResult, undefined)
            progressed = true
            continue
          }
          if (!g.ready) continue
          let blocked = false
          for (const k of clash[i] ?? []) {
            if (running.has(k) || (pending.has(k) && (rank[k] as number) < (rank[i] as number))) {
              blocked = true
              break
            }
          }
          if (blocked) continue
          pending.delete(i)
          running.add(i)
          void runOne(i).then(() => {
            running.delete(i)
            pump()
          })
        }
      }
      if (pending.size === 0 && running.size === 0) resolveAll()
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
          const logFile = options.logFile?.()
          outcome = await options.runner(args, {
            env: options.env,
            cwd: options.cwd,
            ...(logFile ? { logFile } : {}),
            onLine: options.events?.onLine ? (line) => options.events?.onLine?.(inv, line) : undefined,
            onChange: options.events?.onChange
              ? (kind, path) => options.events?.onChange?.(inv, kind, path)
              : undefined,
          })
          result = toResult(inv, outcome, startedAt, now(), options.version)
          for (const hook of options.hooks ?? []) {
            const verdict = await hook.after?.(inv, result, outcome)
            if (verdict) result = { ...result, ...verdict }
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
      finish(i, result)
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

function toResult(
  inv: Invocation,
  outcome: RcloneOutcome,
  startedAt: number,
  endedAt: number,
  version: string | undefined,
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
    transfers: s?.transfers ?? null,
    bytes: s?.bytes ?? null,
    ...(s?.bytesExact === false ? { bytesExact: false as const } : {}),
    deletes: s?.deletes ?? null,
    errors: s?.errors ?? null,
    checks: s?.checks ?? null,
    durationSeconds: round((endedAt - startedAt) / 1000),
    ...(ok
      ? {}
      : {
          reason: outcome.spawnError ?? failureReason(outcome, version),
          errorLines,
        }),
    startedAt,
    endedAt,
  }
}

/** Why an invocation failed: what the exit code means for this version, and rclone's last words. */
function failureReason(outcome: RcloneOutcome, version: string | undefined): string {
  const meaning = describeExitCode(outcome.exitCode, outcome.signal, version)
  const last = outcome.errorMessages.at(-1)
  // The AWS SDK puts the cause on a line of its own ("RequestError: send request failed\ncaused by: ... connection
  // refused"): the first lines, joined, say what happened.
  return last === undefined
    ? meaning
    : `${meaning}: ${last
        .split('\n')
        .slice(0, 3)
        .map((l) => l.trim())
        .join(' ')}`
}
