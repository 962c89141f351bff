/**
 * The one retry loop of the action (the installer's downloads, the health pings): a few attempts with a doubling
 * backoff, for errors that a retry can fix. The wait is a parameter, so tests never sleep.
 */

/** How to retry. */
export interface RetryPolicy {
  /** Attempts in all, at least 1. */
  readonly attempts: number
  /** The first wait in ms; each later one doubles. */
  readonly backoffMs: number
  /** How a wait happens; `setTimeout` by default. Tests pass one that returns at once and records the waits. */
  readonly sleep?: (ms: number) => Promise<void>
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Calls `attempt` until it succeeds, the error is not `retryable`, or the attempts are spent; then throws the last
 * error. `onRetry` hears each error that is retried and the wait before the next attempt.
 */
export async function retry<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  retryable: (error: unknown) => boolean,
  onRetry?: (error: unknown, waitMs: number, next: number) => void,
): Promise<T> {
  const attempts = Math.max(1, policy.attempts)
  let wait = policy.backoffMs
  for (let n = 1; ; n++) {
    try {
      return await attempt(n)
    } catch (e) {
      if (n >= attempts || !retryable(e)) throw e
      onRetry?.(e, wait, n + 1)
      await (policy.sleep ?? sleep)(wait)
      wait *= 2
    }
  }
}
