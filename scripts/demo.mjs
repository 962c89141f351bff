// The main job, end to end: the bundled action (node dist/index.js, as a runner starts it) on the example jobs in
// jobs/, with a real rclone. Destinations are under .demo/; the step summary and outputs are printed.
// With rclone on PATH the demo uses it; without, the action's own installer downloads the pinned release
// (checksum-verified) into a tool cache under .demo/, from downloads.rclone.org or RCLONE_DOWNLOAD_URL (a mirror).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const demo = path.join(root, '.demo')
const runner = path.join(demo, '.runner')
// A fresh start every time, but the tool cache stays: a second demo does not download rclone again.
for (const entry of existsSync(demo) ? readdirSync(demo) : []) {
  if (entry !== 'tool-cache') rmSync(path.join(demo, entry), { recursive: true, force: true })
}
mkdirSync(path.join(runner, 'temp'), { recursive: true })
const toolCache = path.join(demo, 'tool-cache')
mkdirSync(toolCache, { recursive: true })
// Empty folders are not kept by git; make one so create-empty-src-dirs has something to show.
mkdirSync(path.join(root, 'examples/data/docs/empty-folder'), { recursive: true })
const outputFile = path.join(runner, 'output')
const summaryFile = path.join(runner, 'summary.md')
writeFileSync(outputFile, '')
writeFileSync(summaryFile, '')

const onPath = spawnSync('rclone', ['version'], { stdio: 'ignore' }).status === 0
const pinned = /DEFAULT_RCLONE_VERSION = '([\d.]+)'/.exec(
  readFileSync(path.join(root, 'src/constants.ts'), 'utf8'),
)?.[1]
const rcloneVersion = process.env.INPUT_RCLONE_VERSION ?? (onPath ? 'system' : '')
const mirror = process.env.RCLONE_DOWNLOAD_URL ?? ''
if (rcloneVersion === 'system') console.log('rclone-jobs demo: using the rclone on PATH')
else {
  const from = mirror || 'https://downloads.rclone.org'
  console.log(
    `rclone-jobs demo: ${onPath ? '' : 'no rclone on PATH; '}installing rclone ${rcloneVersion || pinned} with the action's own installer (checksum-verified) from ${from} into .demo/tool-cache`,
  )
}

const env = {
  ...process.env,
  GITHUB_WORKSPACE: root,
  GITHUB_OUTPUT: outputFile,
  GITHUB_STEP_SUMMARY: summaryFile,
  RUNNER_TEMP: path.join(runner, 'temp'),
  RUNNER_TOOL_CACHE: toolCache,
  INPUT_COMMAND: process.argv[2] ?? 'run',
  INPUT_PATH: 'jobs',
  'INPUT_RCLONE-VERSION': rcloneVersion,
  'INPUT_RCLONE-DOWNLOAD-URL': mirror,
  'INPUT_MAX-PARALLEL': '2',
}
const r = spawnSync(process.execPath, [path.join(root, 'dist/index.js')], {
  cwd: root,
  env,
  encoding: 'utf8',
})
// What a runner shows: debug lines are hidden unless a workflow asks for them (ACTIONS_STEP_DEBUG).
process.stdout.write(r.stdout.replace(/^::debug::.*\n/gm, ''))
process.stderr.write(r.stderr)
const installed = existsSync(path.join(toolCache, 'rclone', rcloneVersion || pinned || 'none'))
if (r.status !== 0 && rcloneVersion !== 'system' && !installed) {
  console.error(
    `rclone-jobs demo: rclone could not be installed (see the error above). Install rclone (apt-get install -y rclone, brew install rclone, or https://rclone.org/install) or set RCLONE_DOWNLOAD_URL to a mirror laid out like https://downloads.rclone.org, then run npm run demo again.`,
  )
  process.exit(r.status ?? 1)
}
console.log('\n===== step summary =====\n')
console.log(readFileSync(summaryFile, 'utf8'))
console.log('===== outputs =====\n')
console.log(
  readFileSync(outputFile, 'utf8')
    .replace(/^ghadelimiter_.*\n/gm, '')
    .replace(/<<ghadelimiter_.*$/gm, ':'),
)
process.exitCode = r.status ?? 1
