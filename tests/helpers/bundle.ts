/** Runs the committed bundle exactly as a runner does. */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { actionEnv } from './action-env.js'

const bundle = path.resolve('dist/index.js')

/** Runs the committed bundle exactly as a runner does: a node process with INPUT_* and the runner's files. */
export function runBundle(
  workspace: string,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
) {
  const runner = path.join(workspace, '.runner')
  mkdirSync(path.join(runner, 'temp'), { recursive: true })
  mkdirSync(path.join(runner, 'tool-cache'), { recursive: true })
  const a = actionEnv(runner, inputs, {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(runner, 'temp'),
    RUNNER_TOOL_CACHE: path.join(runner, 'tool-cache'),
    ...extraEnv,
  })
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...a.env }
  const p = spawnSync(process.execPath, [bundle], { cwd: workspace, env, encoding: 'utf8', timeout: 120_000 })
  return { status: p.status, stdout: p.stdout, stderr: p.stderr, outputs: a.outputs(), summary: a.summary() }
}
