// The main job, end to end: the bundled action (node dist/index.js, as a runner starts it) on the example jobs in
// jobs/, with the real rclone from PATH. Destinations are under .demo/; the step summary and outputs are printed.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const runner = path.join(root, '.demo', '.runner')
rmSync(path.join(root, '.demo'), { recursive: true, force: true })
mkdirSync(path.join(runner, 'temp'), { recursive: true })
mkdirSync(path.join(runner, 'tool-cache'), { recursive: true })
// Empty folders are not kept by git; make one so create-empty-src-dirs has something to show.
mkdirSync(path.join(root, 'examples/data/docs/empty-folder'), { recursive: true })
const outputFile = path.join(runner, 'output')
const summaryFile = path.join(runner, 'summary.md')
writeFileSync(outputFile, '')
writeFileSync(summaryFile, '')

const rcloneVersion = process.env.INPUT_RCLONE_VERSION ?? 'system'
const env = {
  ...process.env,
  GITHUB_WORKSPACE: root,
  GITHUB_OUTPUT: outputFile,
  GITHUB_STEP_SUMMARY: summaryFile,
  RUNNER_TEMP: path.join(runner, 'temp'),
  RUNNER_TOOL_CACHE: path.join(runner, 'tool-cache'),
  INPUT_COMMAND: process.argv[2] ?? 'run',
  INPUT_PATH: 'jobs',
  'INPUT_RCLONE-VERSION': rcloneVersion,
  'INPUT_MAX-PARALLEL': '2',
}
const r = spawnSync(process.execPath, [path.join(root, 'dist/index.js')], {
  cwd: root,
  env,
  stdio: 'inherit',
})
console.log('\n===== step summary =====\n')
console.log(readFileSync(summaryFile, 'utf8'))
console.log('===== outputs =====\n')
console.log(
  readFileSync(outputFile, 'utf8')
    .replace(/^ghadelimiter_.*\n/gm, '')
    .replace(/<<ghadelimiter_.*$/gm, ':'),
)
process.exitCode = r.status ?? 1
