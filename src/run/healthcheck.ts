/**
 * Health pings in the healthchecks.io protocol (https://healthchecks.io/docs/http_api/), once per URL per run:
 * `{url}/start` when the first job using it starts, `{url}` when all their destinations succeeded, `{url}/fail` otherwise, each a POST with a
 * short plain-text body (status and counts per destination; paths with credentials redacted, and every masked
 * secret scrubbed). A ping is tried a few times with a short timeout; one that still fails is a warning, never a
 * failed job. `env:NAME` reads the URL from a variable, so a URL that is itself a secret stays out of the repository.
 */

import type { ValidJob } from '../jobs/validate.js'
import { retry } from '../retry.js'
import type { InvocationResult } from './execute.js'
import type { Invocation } from './plan.js'

/** How a ping is sent; tests pass their own settings, with a sleep that does not wait. */
export interface PingSettings {
  readonly attempts: number
  readonly timeoutMs: number
  readonly backoffMs: number
  readonly sleep?: (ms: number) => Promise<void>
}

/** The defaults: three tries, 10 s each, 1 s then 2 s apart. */
export const PING_DEFAULTS: PingSettings = { attempts: 3, timeoutMs: 10_000, backoffMs: 1000 }

/** The URL a job's `healthcheck` names: itself, or the variable's value for `env:NAME`; undefined when unset. */
export function resolvePingUrl(spec: string, env: NodeJS.ProcessEnv): { url?: string; problem?: string } {
  if (!spec.startsWith('env:')) return { url: spec.replace(/\/+$/, '') }
  const name = spec.slice(4)
  const value = env[name]?.trim()
  if (!value) return { problem: `healthcheck: the variable ${name} is not set, so no pings are sent` }
  if (!/^https?:\/\//.test(value))
    return { problem: `healthcheck: the variable ${name} does not hold an http(s) URL` }
  return { url: value.replace(/\/+$/, '') }
}

/** A ping that failed: retried unless the server answered with a client error, which a retry will not change. */
class PingError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message)
  }
}

/** Sends one ping; resolves to undefined on success, or the last error in words. Never throws. */
export async function ping(
  url: string,
  body: string,
  settings: PingSettings = PING_DEFAULTS,
): Promise<string | undefined> {
  const once = async () => {
    let res: Response
    try {
      res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'rclone-jobs' },
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
    } catch (e) {
      const words =
        e instanceof Error
          ? e.cause instanceof Error
            ? `${e.message}: ${e.cause.message}`
            : e.message
          : String(e)
      throw new PingError(words, true)
    }
    await res.arrayBuffer().catch(() => undefined)
    // A client error will not change on a retry (a wrong URL, a deleted check); 429 and 5xx may.
    if (!res.ok) throw new PingError(`HTTP ${res.status}`, res.status === 429 || res.status >= 500)
  }
  try {
    await retry(once, settings, (e) => e instanceof PingError && e.retryable)
    return undefined
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

/** The body of a final ping: the verdict, then one line per job and destination. */
export function pingBody(
  jobs: readonly string[],
  results: readonly InvocationResult[],
  show: (p: string) => string,
): string {
  const ok = results.every((r) => r.status === 'success')
  const n = (v: number | null) => (v === null ? 'unknown' : String(v))
  const what = jobs.length === 1 ? `job "${jobs[0]}"` : `jobs ${jobs.map((j) => `"${j}"`).join(', ')}`
  const lines = [`rclone-jobs: ${what} ${ok ? 'succeeded' : 'did not succeed'}`]
  for (const r of results) {
    lines.push(
      `${r.job} → ${show(r.destination)}: ${r.status}, ${n(r.transfers)} transferred, ${n(r.bytes)} bytes, ${n(r.deletes)} deleted, ${n(r.errors)} errors, ${r.durationSeconds}s${r.reason ? ` (${r.reason.slice(0, 300)})` : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** What the pings say to the step log, and how they keep secrets out of what they send. */
export interface PingReport {
  warn: (message: string) => void
  info: (message: string) => void
  scrub: (text: string) => string
  show: (path: string) => string
}

/**
 * The pings of one run, once per URL: jobs may share a URL (a `healthcheck` in `_defaults.yml`). `/start` goes when
 * the first job using a URL starts; when the last invocation of its jobs ends, `/fail` goes if any of them did not
 * succeed (failed, refused, incomplete, skipped after a failure), else the success ping.
 */
export class HealthPings {
  private readonly byUrl = new Map<
    string,
    { jobs: string[]; remaining: number; results: InvocationResult[] }
  >()
  private readonly started = new Set<string>()
  private readonly pending: Array<Promise<void>> = []

  constructor(
    private readonly urls: ReadonlyMap<string, string>,
    invocations: readonly Invocation[],
    private readonly report: PingReport,
    private readonly settings: PingSettings = PING_DEFAULTS,
  ) {
    for (const inv of invocations) {
      const url = urls.get(inv.job)
      if (url === undefined) continue
      const entry = this.byUrl.get(url) ?? { jobs: [], remaining: 0, results: [] }
      if (!entry.jobs.includes(inv.job)) entry.jobs.push(inv.job)
      entry.remaining++
      this.byUrl.set(url, entry)
    }
  }

  /** The `/start` ping, before the first invocation of a URL's jobs; awaited so the start is recorded first. */
  async start(inv: Invocation): Promise<void> {
    const url = this.urls.get(inv.job)
    if (url === undefined || this.started.has(url)) return
    this.started.add(url)
    const jobs = this.byUrl.get(url)?.jobs ?? [inv.job]
    await this.send(
      jobs,
      `${url}/start`,
      `rclone-jobs: ${jobs.length === 1 ? `job "${inv.job}"` : `${jobs.length} jobs`} started\n`,
    )
  }

  /** Records a finished invocation; the last one of a URL's jobs sends the success or failure ping. */
  finish(inv: Invocation, result: InvocationResult): void {
    const url = this.urls.get(inv.job)
    const entry = url === undefined ? undefined : this.byUrl.get(url)
    if (url === undefined || entry === undefined) return
    entry.results.push(result)
    if (--entry.remaining > 0) return
    const ok = entry.results.every((r) => r.status === 'success')
    this.pending.push(
      this.send(entry.jobs, ok ? url : `${url}/fail`, pingBody(entry.jobs, entry.results, this.report.show)),
    )
  }

  /** Waits for every ping sent. */
  async settle(): Promise<void> {
    await Promise.all(this.pending)
  }

  private async send(jobs: readonly string[], url: string, body: string): Promise<void> {
    const what = url.endsWith('/start') ? 'start' : url.endsWith('/fail') ? 'fail' : 'success'
    const who = jobs.join(', ')
    const error = await ping(url, this.report.scrub(body), this.settings)
    if (error === undefined) this.report.info(`healthcheck: ${who}: ${what} ping sent`)
    else
      this.report.warn(
        `healthcheck: ${who}: the ${what} ping failed (${this.report.scrub(error)}); ${jobs.length === 1 ? 'the job itself is' : 'the jobs themselves are'} not affected`,
      )
  }
}

/**
 * The health pings of the jobs that have a `healthcheck`, or undefined when none has. Each URL is a credential
 * (anyone with it can report a job healthy): `mask` hides it before anything is printed.
 */
export function healthPings(
  jobs: readonly ValidJob[],
  invocations: readonly Invocation[],
  env: NodeJS.ProcessEnv,
  report: PingReport & { mask: (secret: string) => void },
  settings: PingSettings = PING_DEFAULTS,
): HealthPings | undefined {
  const urls = new Map<string, string>()
  for (const j of jobs) {
    if (j.job.healthcheck === undefined) continue
    const r = resolvePingUrl(j.job.healthcheck, env)
    if (r.problem !== undefined) report.warn(`${j.name}: ${r.problem}`)
    if (r.url === undefined) continue
    report.mask(r.url)
    urls.set(j.name, r.url)
  }
  return urls.size === 0 ? undefined : new HealthPings(urls, invocations, report, settings)
}
