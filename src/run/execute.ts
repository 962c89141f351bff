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
import type { PlannedChanges } from './plan-changes.js'

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
  readonly deletes: number | null
  readonly errors: number | null
  readonly checks: number | null
  readonly durationSeconds: number
  /** Why it failed or was skipped, in a sentence. */
  readonly reason?: string
  /** `plan` only: what the run would change, with the first paths of each kind. */
  readonly planned?: PlannedChanges
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

/** What the executor tells as it goes (it never waits on them): the action prints grouped logs, tests record order. */
export interface ExecuteEvents {
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
  /** What the invocation would have changed, when a guard's dry run found it (the files a refused sync would delete). */
  readonly planned?: PlannedChanges
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
  readonly events?: ExecuteEvents
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
  return new Execution(invocations, options).run()
}

/**
 * One executor run: which invocations wait, run and are done, and what each job's dependents need to know. `pump`
 * starts whatever may start; each invocation that ends pumps again.
 */
class Execution {
  private readonly now: () => number
  private readonly dependencies: ReadonlyMap<string, readonly Dependency[]>
  private readonly clash: Set<number>[]
  private readonly results: Array<InvocationResult | undefined>
  /** Position in run order: among invocations that clash, the earlier one goes first. */
  private readonly rank: Int32Array
  private readonly pending: Set<number>
  private readonly running = new Set<number>()
  /** Invocations of each job not yet finished, and the first problem of each job, for its dependents. */
  private readonly unfinished = new Map<string, number>()
  private readonly jobProblem = new Map<string, string>()
  private failed = false
  private done: () => void = () => {}

  constructor(
    private readonly invocations: readonly Invocation[],
    private readonly options: ExecuteOptions,
  ) {
    this.now = options.now ?? Date.now
    this.dependencies = options.dependencies ?? new Map<string, readonly Dependency[]>()
    this.clash = conflicts(invocations)
    this.results = invocations.map(() => undefined)
    const order = runOrder(invocations, this.dependencies)
    this.rank = new Int32Array(invocations.length)
    order.forEach((i, r) => {
      this.rank[i] = r
    })
    this.pending = new Set(order)
    for (const inv of invocations) this.unfinished.set(inv.job, (this.unfinished.get(inv.job) ?? 0) + 1)
  }

  async run(): Promise<InvocationResult[]> {
    await new Promise<void>((resolve) => {
      this.done = resolve
      this.pump()
    })
    return this.results.map((r, i) => r ?? skipped(this.invocations[i] as Invocation, 'not started'))
  }

  /** Starts what may start; skipping one invocation can release its own dependents, so it repeats until stable. */
  private pump(): void {
    let progressed = true
    while (progressed) {
      progressed = false
      if (this.failed && this.options.failFast) this.skipPending()
      for (const i of this.pending) {
        if (this.running.size >= Math.max(1, this.options.maxParallel)) break
        const inv = this.invocations[i] as Invocation
        const g = this.gate(inv)
        if (g.skip !== undefined) {
          this.pending.delete(i)
          this.finish(i, skipped(inv, g.skip), undefined)
          progressed = true
        } else if (g.ready && !this.blocked(i)) {
          this.pending.delete(i)
          this.running.add(i)
          void this.runOne(i).then(() => {
            this.running.delete(i)
            this.pump()
          })
        }
      }
    }
    if (this.pending.size === 0 && this.running.size === 0) this.done()
  }

  /** fail-fast: every invocation not started yet is skipped. */
  private skipPending(): void {
    for (const i of this.pending) {
      this.finish(
        i,
        skipped(
          this.invocations[i] as Invocation,
          'not started: fail-fast stopped the run after an earlier failure',
        ),
        undefined,
      )
    }
    this.pending.clear()
  }

  /** Whether an invocation that clashes with `i` runs now, or waits before it in run order. */
  private blocked(i: number): boolean {
    for (const k of this.clash[i] ?? []) {
      if (this.running.has(k)) return true
      if (this.pending.has(k) && (this.rank[k] as number) < (this.rank[i] as number)) return true
    }
    return false
  }

  /** Whether the jobs `inv` depends on are done; a reason to skip it when one of them did not succeed. */
  private gate(inv: Invocation): { ready: boolean; skip?: string } {
    for (const dep of this.dependencies.get(inv.job) ?? []) {
      if (!this.unfinished.has(dep.job)) continue
      if ((this.unfinished.get(dep.job) ?? 0) > 0) return { ready: false }
      const problem = this.jobProblem.get(dep.job)
      if (problem !== undefined) {
        const why = dep.kind === 'needs' ? `it needs "${dep.job}"` : `it reads what "${dep.job}" writes`
        return { ready: false, skip: `not started: ${why}, and "${dep.job}" ${problem}` }
      }
    }
    return { ready: true }
  }

  private finish(i: number, result: InvocationResult, outcome: RcloneOutcome | undefined): void {
    const inv = this.invocations[i] as Invocation
    this.results[i] = result
    this.unfinished.set(inv.job, (this.unfinished.get(inv.job) ?? 1) - 1)
    if (result.status !== 'success' && !this.jobProblem.has(inv.job)) {
      this.jobProblem.set(inv.job, result.status === 'failed' ? 'failed' : `was ${result.status}`)
    }
    if (result.status === 'failed') this.failed = true
    this.options.events?.onFinish?.(inv, result, outcome)
  }

  private async runOne(i: number): Promise<void> {
    const inv = this.invocations[i] as Invocation
    const startedAt = this.now()
    this.options.events?.onStart?.(inv)
    try {
      const { result, outcome } = await runInvocation(inv, startedAt, this.options, this.now)
      this.finish(i, result, outcome)
    } catch (e) {
      const endedAt = this.now()
      const reason = `the action failed to run this invocation: ${e instanceof Error ? e.message : String(e)}`
      this.finish(
        i,
        {
          ...empty(inv),
          status: 'failed',
          reason,
          durationSeconds: round((endedAt - startedAt) / 1000),
          startedAt,
          endedAt,
        },
        undefined,
      )
    }
  }
}

/** One invocation: the hooks before (which may refuse it or change its arguments), rclone, the hooks after. */
async function runInvocation(
  inv: Invocation,
  startedAt: number,
  options: ExecuteOptions,
  now: () => number,
): Promise<{ result: InvocationResult; outcome?: RcloneOutcome }> {
  let args: readonly string[] = inv.args
  for (const hook of options.hooks ?? []) {
    const decision = await hook.before?.(inv, args)
    if (decision === undefined) continue
    if ('args' in decision) args = decision.args
    else return { result: refused(inv, decision, startedAt, now()) }
  }
  const events = options.events
  events?.onCommand?.(inv, args)
  const logFile = options.logFile?.()
  const outcome = await options.runner(args, {
    env: options.env,
    cwd: options.cwd,
    ...(logFile ? { logFile } : {}),
    onLine: events?.onLine ? (line) => events.onLine?.(inv, line) : undefined,
    onChange: events?.onChange ? (kind, path) => events.onChange?.(inv, kind, path) : undefined,
  })
  let result = toResult(inv, outcome, startedAt, now(), options.version)
  for (const hook of options.hooks ?? []) {
    const verdict = await hook.after?.(inv, result, outcome)
    if (verdict) result = { ...result, ...verdict }
  }
  return { result, outcome }
}

/** The result of an invocation a hook refused to start. */
function refused(inv: Invocation, refusal: Refusal, startedAt: number, endedAt: number): InvocationResult {
  return {
    ...empty(inv),
    status: refusal.status,
    reason: refusal.reason,
    exitCode: refusal.exitCode ?? null,
    errors: refusal.status === 'failed' ? 1 : 0,
    ...(refusal.errorLines ? { errorLines: refusal.errorLines } : {}),
    ...(refusal.planned ? { planned: refusal.planned } : {}),
    startedAt,
    endedAt,
  }
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
  // rclone puts the cause on a line of its own ("RequestError: send request failed\ncaused by: ... connection
  // refused"): the reason keeps it, on the same line.
  return last === undefined ? meaning : `${meaning}: ${last.trim().replace(/\s*\n\s*/g, '; ')}`
}
