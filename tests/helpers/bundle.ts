/** Runs the committed bundle exactly as a runner does. */
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { actionEnv } from './action-env.js'
import { testPath } from './rclone-versions.js'

// RCLONE_JOBS_BUNDLE runs another build (an older one, to show that a test fails without a fix).
const bundle = path.resolve(process.env.RCLONE_JOBS_BUNDLE ?? 'dist/index.js')

/** What the bundle left: exit status, the log, outputs and the summary. */
export interface BundleRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  readonly outputs: Record<string, string>
  readonly summary: string
}

/**
 * Runs `node dist/index.js` as a runner does: INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP and
 * RUNNER_TOOL_CACHE under `workspace/.runner`. Asynchronous, so servers in the test process keep answering. With
 * RCLONE_JOBS_TEST_RCLONE=1.75 the rclone-translator shim comes first on PATH.
 */
export async function runBundle(
  workspace: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<BundleRun> {
  const runner = path.join(workspace, '.runner')
  mkdirSync(path.join(runner, 'temp'), { recursive: true })
  mkdirSync(path.join(runner, 'tool-cache'), { recursive: true })
  const a = actionEnv(runner, inputs, {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(runner, 'temp'),
    RUNNER_TOOL_CACHE: path.join(runner, 'tool-cache'),
    ...extraEnv,
  })
  const env: NodeJS.ProcessEnv = { PATH: testPath(), HOME: process.env.HOME, ...a.env }
  const child = spawn(process.execPath, [bundle], {
    cwd: workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c
  })
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  return { status, stdout, stderr, outputs: a.outputs(), summary: a.summary() }
}
