/**
 * The runner the time budget wraps (issue 20, defect 5), driven by a fake rclone that runs until it is stopped: past
 * the budget and its grace every run is stopped and none is started, except bisync and the bisync state store.
 */
import { describe, expect, it } from 'vitest'
import type { RcloneOutcome, RcloneRunner, RunOptions } from '../src/rclone/runner.js'
import { BUDGET_GRACE_MS, budgetedRunner, stoppedByBudget } from '../src/run/time-budget.js'

/** A fake rclone that ends by itself after `ms`, or when its signal fires; it records what it ran. */
function fakeRclone(ms: number) {
  const ran: string[][] = []
  const runner: RcloneRunner = (args, options: RunOptions = {}) =>
    new Promise<RcloneOutcome>((resolve) => {
      ran.push([...args])
      const none = { count: 0, first: [] }
      const end = (signal: string | null) =>
        resolve({
          exitCode: signal ? null : 0,
          signal,
          stats: undefined,
          changes: { copy: none, update: none, delete: none, bytes: 0 },
          errorMessages: [],
          textLines: [],
        })
      const timer = setTimeout(() => end(null), ms)
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer)
        end('SIGTERM')
      })
    })
  return { runner, ran }
}

describe('budgetedRunner', () => {
  // The budget and its grace end 100 ms from now: the step started that long before.
  const settings = (budgetMs: number | undefined) => ({
    budgetMs,
    startedAt: Date.now() - (budgetMs ?? 0) - BUDGET_GRACE_MS + 100,
    now: Date.now,
    store: 's3:ops/state',
  })

  it('stops a run at the end of the budget and its grace, and starts none after it', async () => {
    const fake = fakeRclone(5_000)
    const run = budgetedRunner(fake.runner, settings(5_000))
    const stopped = await run(['sync', '--', 'src', 'dst'])
    expect(stopped).toMatchObject({ exitCode: null, signal: 'SIGTERM' })
    expect(stoppedByBudget(stopped)).toBe(true)
    const never = await run(['lsf', '--', 'src'])
    expect(stoppedByBudget(never)).toBe(true)
    expect(never.errorMessages).toEqual(['not started: the time budget and its grace were spent'])
    expect(fake.ran).toEqual([['sync', '--', 'src', 'dst']])
  })

  it('never cuts a bisync, nor a command on the bisync state store', async () => {
    const fake = fakeRclone(300)
    const run = budgetedRunner(fake.runner, settings(5_000))
    for (const args of [
      ['bisync', '--resync', '--', 'a', 'b'],
      ['--use-json-log', 'copyto', '--', '/tmp/lock.json', 's3:ops/state/pairs/x/lock.json'],
    ]) {
      const out = await run(args)
      expect(out.exitCode, args.join(' ')).toBe(0)
      expect(stoppedByBudget(out)).toBe(false)
    }
  })

  it('without a budget is the runner itself; a run stopped by its own signal is not the budget', async () => {
    const fake = fakeRclone(5_000)
    expect(budgetedRunner(fake.runner, settings(undefined))).toBe(fake.runner)
    const run = budgetedRunner(fake.runner, { ...settings(60_000), startedAt: Date.now() })
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 20)
    const out = await run(['lsf', '--', 'src'], { signal: stop.signal })
    expect(out.signal).toBe('SIGTERM')
    expect(stoppedByBudget(out)).toBe(false)
  })
})
