/** Runs the action in-process, through the real @actions/core and the real rclone, with a runner-style env. */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { type RunDeps, run } from '../../src/main.js'
import { createRcloneRunner, type RcloneRunner } from '../../src/rclone/runner.js'
import { actionEnv, applyEnv } from './action-env.js'
import { testRcloneBinary } from './rclone-versions.js'

/** What a run left behind. */
export interface ActionRun {
  readonly failed: boolean
  readonly outputs: Record<string, string>
  readonly summary: string
  /** Every argument vector rclone was started with (`version` included). */
  readonly calls: string[][]
  /** The parsed `results` output. */
  readonly results: Array<Record<string, unknown>>
  /** Everything written to stdout (the step log). */
  readonly log: string
}

/**
 * Runs the action with `inputs` in `workspace`. `rclone-version` defaults to `system`: `rclone` from PATH, or the
 * rclone-translator shim ("rclone v1.75.0") when RCLONE_JOBS_TEST_RCLONE=1.75. `deps` can replace parts of the
 * outside world (a runner that records calls wraps the real one).
 */
export async function runAction(
  workspace: string,
  inputs: Record<string, string>,
  options: {
    env?: Record<string, string>
    deps?: Partial<RunDeps>
    runner?: (real: RcloneRunner) => RcloneRunner
  } = {},
): Promise<ActionRun> {
  const scratch = path.join(workspace, '.runner')
  mkdirSync(scratch, { recursive: true })
  const a = actionEnv(
    scratch,
    { 'rclone-version': 'system', ...inputs },
    {
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: path.join(scratch, 'temp'),
      ...options.env,
    },
  )
  mkdirSync(path.join(scratch, 'temp'), { recursive: true })
  const rclone = testRcloneBinary()
  const restore = applyEnv(a.env)
  const calls: string[][] = []
  const chunks: string[] = []
  const origWrite = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }) as typeof process.stdout.write
  const prevExit = process.exitCode
  process.exitCode = 0
  try {
    const wrap = options.runner ?? ((r: RcloneRunner) => r)
    await run({
      cwd: workspace,
      env: { ...process.env },
      now: Date.now,
      resolveRclone: async () => rclone,
      makeRunner: (binary) => {
        const real = wrap(createRcloneRunner(binary))
        return (args, o) => {
          calls.push([...args])
          return real(args, o)
        }
      },
      ...options.deps,
    })
  } finally {
    process.stdout.write = origWrite
    restore()
  }
  const failed = process.exitCode === 1
  process.exitCode = prevExit
  const outputs = a.outputs()
  return {
    failed,
    outputs,
    summary: a.summary(),
    calls,
    results: outputs.results ? (JSON.parse(outputs.results) as Array<Record<string, unknown>>) : [],
    log: chunks.join(''),
  }
}
