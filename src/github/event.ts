/**
 * What the workflow event says, read from the runner's environment and the event payload file: which cron fired
 * a `schedule` event, and the base commit of a pull request. An edge of the action: it reads files, nothing else.
 */
import { readFile } from 'node:fs/promises'

/** The event as far as job selection cares: its name, and for `schedule` the cron that fired or why it is unknown. */
export interface EventTrigger {
  readonly eventName?: string
  /** `github.event.schedule`: the cron string that fired. */
  readonly schedule?: string
  /** Why a schedule event's cron could not be read; then nothing may run. */
  readonly unreadable?: string
}

/**
 * The trigger from the runner's environment and event payload. A schedule event whose payload does not say which
 * cron fired is unreadable: running every job then would run the crons of other schedules too.
 */
export async function readTrigger(env: NodeJS.ProcessEnv): Promise<EventTrigger> {
  const eventName = env.GITHUB_EVENT_NAME
  if (eventName !== 'schedule') return { eventName }
  const file = env.GITHUB_EVENT_PATH
  if (!file)
    return {
      eventName,
      unreadable: 'a schedule event without GITHUB_EVENT_PATH, so which cron fired is unknown',
    }
  let payload: { schedule?: unknown }
  try {
    payload = JSON.parse(await readFile(file, 'utf8')) as { schedule?: unknown }
  } catch (e) {
    return {
      eventName,
      unreadable: `the schedule event's payload (${file}) could not be read (${e instanceof Error ? e.message : String(e)}), so which cron fired is unknown`,
    }
  }
  if (typeof payload?.schedule !== 'string' || payload.schedule.trim() === '') {
    return {
      eventName,
      unreadable: `the schedule event's payload (${file}) has no "schedule", so which cron fired is unknown`,
    }
  }
  return { eventName, schedule: payload.schedule }
}

/** The base commit of a pull_request event, from its payload; undefined for other events. */
export async function pullRequestBase(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!/^pull_request(_target)?$/.test(env.GITHUB_EVENT_NAME ?? '')) return undefined
  if (!env.GITHUB_EVENT_PATH) return undefined
  try {
    const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { base?: { sha?: unknown } }
    }
    const sha = payload.pull_request?.base?.sha
    return typeof sha === 'string' && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : undefined
  } catch {
    return undefined
  }
}
