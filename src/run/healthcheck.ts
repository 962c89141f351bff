/**
 * Health pings in the healthchecks.io protocol (https://healthchecks.io/docs/http_api/): `{url}/start` when a job's
 * first invocation starts, `{url}` when all its destinations succeeded, `{url}/fail` otherwise, each a POST with a
 * short plain-text body (status and counts per destination; paths with credentials redacted, and every masked
 * secret scrubbed). A ping is tried a few times with a short timeout; one that still fails is a warning, never a
 * failed job. `env:NAME` reads the URL from a variable, so a URL that is itself a secret stays out of the repository.
 */

import type { InvocationResult } from './execute.js'
import type { Invocation } from './plan.js'

/** How a ping is sent; tests pass their own clock-free settings. */
export interface PingSettings {
  readonly attempts: number
  readonly timeoutMs: number
  readonly backoffMs: number
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

/** Sends one ping; resolves to undefined on success, or the last error in words. Never throws. */
export async function ping(
  url: string,
  body: string,
  settings: PingSettings = PING_DEFAULTS,
): Promise<string | undefined> {
  let last = ''
  for (let attempt = 1; attempt <= settings.attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'user-agent': 'rclone-jobs' },
        signal: AbortSignal.timeout(settings.timeoutMs),
      })
      await res.arrayBuffer().catch(() => undefined)
      if (res.ok) return undefined
      last = `HTTP ${res.status}`
      // A client error will not change on a retry (a wrong URL, a deleted check).
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return last
    } catch (e) {
      last =
        e instanceof Error
          ? e.cause instanceof Error
            ? `${e.message}: ${e.cause.message}`
            : e.message
          : String(e)
    }
    if (attempt < settings.attempts)
      await new Promise((r) => setTimeout(r, settings.backoffMs * 2 ** (attempt - 1)))
  }
  return last
}

/** The body of a job's final ping: its status, then one line per destination. */
export function pingBody(
  job: string,
  results: readonly InvocationResult[],
  show: (p: string) => string,
): string {
  const ok = results.every((r) => r.status === 'success')
  const n = (v: number | null) => (v === null ? 'unknown' : String(v))
  const lines = [`rclone-jobs: job "${job}" ${ok ? 'succeeded' : 'did not succeed'}`]
  for (const r of results) {
    lines.push(
      `${show(r.destination)}: ${r.status}, ${n(r.transfers)} transferred, ${n(r.bytes)} bytes, ${n(r.deletes)} deleted, ${n(r.errors)} errors, ${r.durationSeconds}s${r.reason ? ` (${r.reason.slice(0, 300)})` : ''}`,
    )
  }
  return `${lines.join('\n')}\n`
}

/** Pings for the jobs of one run, driven by the executor's start and finish events. */
export class HealthPings {
  private readonly remaining = new Map<string, number>()
  private readonly results = new Map<string, InvocationResult[]>()
  private readonly started = new Set<string>()
  private readonly pending: Array<Promise<void>> = []

  constructor(
    private readonly urls: ReadonlyMap<string, string>,
    invocations: readonly Invocation[],
    private readonly report: {
      warn: (message: string) => void
      info: (message: string) => void
      scrub: (text: string) => string
      show: (path: string) => string
    },
    private readonly settings: PingSettings = PING_DEFAULTS,
  ) {
    for (const inv of invocations) {
      if (!urls.has(inv.job)) continue
      this.remaining.set(inv.job, (this.remaining.get(inv.job) ?? 0) + 1)
    }
  }

  /** The `/start` ping, before a job's first invocation; awaited so the start is recorded before the work. */
  async start(inv: Invocation): Promise<void> {
    const url = this.urls.get(inv.job)
    if (url === undefined || this.started.has(inv.job)) return
    this.started.add(inv.job)
    await this.send(inv.job, `${url}/start`, `rclone-jobs: job "${inv.job}" started\n`)
  }

  /** Records a finished invocation; the job's last one sends the success or failure ping. */
  finish(inv: Invocation, result: InvocationResult): void {
    const url = this.urls.get(inv.job)
    if (url === undefined) return
    const list = this.results.get(inv.job) ?? []
    list.push(result)
    this.results.set(inv.job, list)
    const left = (this.remaining.get(inv.job) ?? 1) - 1
    this.remaining.set(inv.job, left)
    if (left > 0) return
    const ok = list.every((r) => r.status === 'success')
    this.pending.push(this.send(inv.job, ok ? url : `${url}/fail`, pingBody(inv.job, list, this.report.show)))
  }

  /** Waits for every ping sent. */
  async settle(): Promise<void> {
    await Promise.all(this.pending)
  }

  private async send(job: string, url: string, body: string): Promise<void> {
    const what = url.endsWith('/start') ? 'start' : url.endsWith('/fail') ? 'fail' : 'success'
    const error = await ping(url, this.report.scrub(body), this.settings)
    if (error === undefined) this.report.info(`healthcheck: ${job}: ${what} ping sent`)
    else
      this.report.warn(
        `healthcheck: ${job}: the ${what} ping failed (${this.report.scrub(error)}); the job itself is not affected`,
      )
  }
}
