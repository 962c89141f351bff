// Benchmarks of the bundled action against plain rclone commands run the same way in the same run.
// Needs node and rclone on PATH, /usr/bin/time (CPU seconds of a process and the children it waited for), and for
// case 7 OpenSSH's sshd. Prints ratios (medians over interleaved runs) and writes bench/RESULTS.md.
// Usage: npm run bench [-- --runs N] [--large] [--only CASE] [--bundle OLD/dist/index.js]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
// --bundle PATH measures another build (an older dist/index.js, for before-and-after figures in one session).
const bundleArg = process.argv.indexOf('--bundle')
const bundleGiven =
  bundleArg > 0 ? path.resolve(process.argv[bundleArg + 1]) : path.join(root, 'dist/index.js')
const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7
// --large adds the 1,000,000-file memory figure; --only N runs one numbered case (for a quick look).
const LARGE = process.argv.includes('--large')
const onlyArg = process.argv.indexOf('--only')
const ONLY = onlyArg > 0 ? Number(process.argv[onlyArg + 1]) : undefined
const runCase = (n) => ONLY === undefined || ONLY === n
// Large trees go to tmpfs when there is one, so the figures measure the action, not the disk.
const fast = existsSync('/dev/shm')
  ? mkdtempSync('/dev/shm/rclone-jobs-bench-')
  : mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-bench-big-'))
const work = mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-bench-'))
// A HOME of its own for the action and plain rclone alike: the user's ~/.config/rclone/rclone.conf (which the action
// reads when no config is given, and validates remotes against) must not change what is measured.
process.env.HOME = path.join(work, 'home')
mkdirSync(process.env.HOME)
// The bundle is copied (with its package.json, which makes it a module) so that a rebuild while the bench runs
// does not change or remove what is measured.
const bundle = path.join(work, 'dist', 'index.js')
mkdirSync(path.dirname(bundle))
copyFileSync(bundleGiven, bundle)
copyFileSync(path.join(path.dirname(bundleGiven), 'package.json'), path.join(work, 'dist', 'package.json'))
const lines = []
const say = (s) => {
  console.log(s)
  lines.push(s)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

function writeTree(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    writeFileSync(path.join(dir, rel), content)
  }
}

// Reports the action process's own peak RSS and CPU time (RUSAGE_SELF, not rclone's) on stderr when it exits.
const RSS_HOOK = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('maxrss-kb='+u.maxRSS+' self-cpu-us='+(u.userCPUTime+u.systemCPUTime)+'\\n')})`

/**
 * Runs `file args` under /usr/bin/time: wall seconds, and CPU seconds (user + system) of the process and of the
 * children it waited for (for the action: node and every rclone it ran).
 */
function timed(file, args, options) {
  const cpuFile = path.join(work, 'cpu.txt')
  rmSync(cpuFile, { force: true })
  const t0 = process.hrtime.bigint()
  const p = spawnSync('/usr/bin/time', ['-o', cpuFile, '-f', 'cpu %U %S', file, ...args], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    ...options,
  })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  const m = /^cpu (\S+) (\S+)$/m.exec(existsSync(cpuFile) ? readFileSync(cpuFile, 'utf8') : '')
  return { p, seconds, cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN }
}

/**
 * The action as a runner starts it; returns wall seconds, stdout, CPU seconds (node and the rclone it ran), and with
 * `time` the action process's own peak RSS in KB and its own CPU seconds.
 */
function runAction(ws, inputs, { time = false, env: extraEnv = {} } = {}) {
  const runner = path.join(ws, '.runner')
  rmSync(runner, { recursive: true, force: true })
  mkdirSync(path.join(runner, 'temp'), { recursive: true })
  writeFileSync(path.join(runner, 'out'), '')
  writeFileSync(path.join(runner, 'summary'), '')
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: path.join(runner, 'out'),
    GITHUB_STEP_SUMMARY: path.join(runner, 'summary'),
    RUNNER_TEMP: path.join(runner, 'temp'),
    RUNNER_TOOL_CACHE: path.join(runner, 'tool-cache'),
    'INPUT_RCLONE-VERSION': 'system',
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v
  Object.assign(env, extraEnv)
  const args = time ? ['--import', RSS_HOOK, bundle] : [bundle]
  const { p, seconds, cpu } = timed(process.execPath, args, { cwd: ws, env })
  if (p.status !== 0)
    throw new Error(`the action failed (${p.status}):\n${p.stdout.slice(-3000)}\n${p.stderr.slice(-2000)}`)
  const rssKb = time ? Number(/maxrss-kb=(\d+)/.exec(p.stderr)?.[1]) : undefined
  const selfCpu = time ? Number(/self-cpu-us=(\d+)/.exec(p.stderr)?.[1]) / 1e6 : undefined
  return { seconds, stdout: p.stdout, rssKb, cpu, selfCpu }
}

/** Plain rclone with `args`: wall and CPU seconds. Its stderr goes to a pipe, as a workflow step's does. */
function runRclone(ws, args, env = process.env) {
  const r = timed('rclone', args, { cwd: ws, env })
  if (r.p.status !== 0) throw new Error(`plain rclone failed: ${r.p.stderr.slice(-2000)}`)
  return { seconds: r.seconds, cpu: r.cpu }
}

/** A shell script run the same way: one process, its wall time. */
function runScript(ws, script) {
  const t0 = process.hrtime.bigint()
  const p = spawnSync('sh', [script], { cwd: ws, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9
  if (p.status !== 0) throw new Error(`the plain script failed (${p.status}): ${p.stderr.slice(-2000)}`)
  return { seconds }
}

/** The exact rclone commands the action ran, as its log shows them ("$ rclone ..."). */
function commandsFromLog(stdout) {
  return stdout
    .split('\n')
    .map((l) => /(?:^|: )\$ (rclone .*)$/.exec(l)?.[1])
    .filter(Boolean)
}

/** Interleaves A and B runs; returns medians and the median of the pairwise ratios A/B. */
function pair(runs, a, b, before = () => {}) {
  const as = []
  const bs = []
  const ratios = []
  for (let i = 0; i < runs; i++) {
    before()
    const x = a().seconds
    before()
    const y = b().seconds
    as.push(x)
    bs.push(y)
    ratios.push(x / y)
  }
  return {
    a: median(as),
    b: median(bs),
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function waitPort(port) {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1')
      c.once('connect', () => {
        c.destroy()
        r(true)
      })
      c.once('error', () => r(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no server on ${port}`)
}

const fmt = (n, d = 3) => n.toFixed(d)
const cpu =
  (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ??
  os.cpus()[0]?.model ??
  'unknown'
const rcloneVersion = execFileSync('rclone', ['version'], { encoding: 'utf8' }).split('\n')[0]
const started = Date.now()

say(`# rclone-jobs benchmark results`)
say('')
say(
  `Run ${new Date().toISOString()} on ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${rcloneVersion}.`,
)
say(
  `The action measured: \`${path.relative(root, bundleGiven) || bundleGiven}\`${bundleArg > 0 ? ' (another build, given with --bundle)' : ''}.`,
)
say(
  `Each figure is a median over ${RUNS} interleaved runs (A, B, A, B, ...); ratios are the median of the per-pair ratios A/B, with their min-max.`,
)
say('')

// 1. Overhead: 20 small local jobs, max-parallel 1, vs the same rclone commands in a shell script.
if (runCase(1)) {
  const ws = path.join(work, 'overhead')
  const files = {}
  for (let j = 0; j < 20; j++) {
    files[`jobs/j${String(j).padStart(2, '0')}.yml`] = `source: src/j${j}\ndestinations: [dst/j${j}]\n`
    for (let f = 0; f < 5; f++) files[`src/j${j}/f${f}.txt`] = `job ${j} file ${f}\n`.repeat(50)
  }
  writeTree(ws, files)
  const warm = runAction(ws, { 'max-parallel': '1' })
  const cmds = commandsFromLog(warm.stdout)
  if (cmds.length !== 20) throw new Error(`expected 20 commands in the log, found ${cmds.length}`)
  const script = path.join(ws, 'plain.sh')
  writeFileSync(script, `set -e\n${cmds.map((c) => `${c} >/dev/null 2>&1`).join('\n')}\n`)
  const fresh = () => rmSync(path.join(ws, 'dst'), { recursive: true, force: true })
  const copy = pair(
    RUNS,
    () => runAction(ws, { 'max-parallel': '1' }),
    () => runScript(ws, script),
    fresh,
  )
  const steady = pair(
    RUNS,
    () => runAction(ws, { 'max-parallel': '1' }),
    () => runScript(ws, script),
  )
  say(
    '## 1. Overhead: 20 small local jobs, `max-parallel: 1`, vs the same 20 rclone commands in a shell script',
  )
  say('')
  say('| case | action (s) | plain rclone (s) | ratio action/plain | min-max | target |')
  say('| --- | ---: | ---: | ---: | --- | --- |')
  say(
    `| copy into empty destinations | ${fmt(copy.a)} | ${fmt(copy.b)} | **${fmt(copy.ratio)}x** | ${fmt(copy.min)}-${fmt(copy.max)} | <= 1.03x |`,
  )
  say(
    `| destinations already in sync | ${fmt(steady.a)} | ${fmt(steady.b)} | **${fmt(steady.ratio)}x** | ${fmt(steady.min)}-${fmt(steady.max)} | <= 1.03x |`,
  )
  say('')
  say(
    `Fixed cost of the action in this run: ${fmt(copy.a - copy.b)} s over 20 invocations (node start and bundle load, one \`rclone version\`, validation, the summary).`,
  )
  say('')
  // 2. max-parallel on the same 20 jobs (copy into empty destinations): what the default should be.
  const settings = ['1', '2', '4', '8']
  const times = Object.fromEntries(settings.map((m) => [m, []]))
  for (let i = 0; i < RUNS; i++) {
    for (const m of settings) {
      fresh()
      times[m].push(runAction(ws, { 'max-parallel': m }).seconds)
    }
  }
  say('## 2. `max-parallel` on the same 20 local jobs (copy into empty destinations)')
  say('')
  say('| max-parallel | action (s) | vs max-parallel 1 |')
  say('| ---: | ---: | ---: |')
  for (const m of settings)
    say(`| ${m} | ${fmt(median(times[m]))} | ${fmt(median(times[m]) / median(times['1']))}x |`)
  say('')
}

// 3. 1:N: one job to 3 loopback WebDAV servers, each transfer limited by bwlimit, vs the 3 commands in sequence.
if (runCase(3)) {
  const ws = path.join(work, 'fanout')
  const servers = []
  const config = []
  const dests = []
  for (let i = 0; i < 3; i++) {
    const dir = path.join(work, `dav-${i}`)
    mkdirSync(dir, { recursive: true })
    const port = await freePort()
    const child = spawn('rclone', ['serve', 'webdav', '--addr', `127.0.0.1:${port}`, dir], {
      stdio: 'ignore',
    })
    servers.push({ child, dir })
    await waitPort(port)
    config.push(`[dav${i}]\ntype = webdav\nurl = http://127.0.0.1:${port}\nvendor = other\n`)
    dests.push(`dav${i}:backup`)
  }
  const files = {
    'jobs/fan.yml': `source: src\ndestinations: [${dests.join(', ')}]\noptions: { bwlimit: 1M }\n`,
  }
  for (let f = 0; f < 4; f++) files[`src/f${f}.bin`] = 'x'.repeat(512 * 1024)
  writeTree(ws, files)
  const inputs = { 'rclone-config': config.join('\n'), 'max-parallel': '3' }
  const conf = path.join(ws, 'bench.conf')
  writeFileSync(conf, config.join('\n'))
  // Through the servers, not on their disks: rclone serve caches what it listed.
  const reset = () => {
    for (const d of dests)
      spawnSync('rclone', ['purge', d], { env: { ...process.env, RCLONE_CONFIG: conf }, stdio: 'ignore' })
  }
  reset()
  const warm = runAction(ws, inputs)
  const cmds = commandsFromLog(warm.stdout)
  if (cmds.length !== 3) throw new Error(`expected 3 commands, found ${cmds.length}`)
  const script = path.join(ws, 'plain.sh')
  writeFileSync(
    script,
    `set -e\nexport RCLONE_CONFIG=${conf}\n${cmds.map((c) => `${c} >/dev/null 2>&1`).join('\n')}\n`,
  )
  const r = pair(
    Math.min(RUNS, 3),
    () => runAction(ws, inputs),
    () => runScript(ws, script),
    reset,
  )
  for (const s of servers) s.child.kill()
  say(
    '## 3. 1:N: one job to 3 loopback WebDAV servers (2 MiB each, `bwlimit: 1M`), vs the 3 commands in sequence',
  )
  say('')
  say('| action, max-parallel 3 (s) | plain rclone in sequence (s) | ratio | min-max | target |')
  say('| ---: | ---: | ---: | --- | --- |')
  say(`| ${fmt(r.a)} | ${fmt(r.b)} | **${fmt(r.ratio)}x** | ${fmt(r.min)}-${fmt(r.max)} | <= 0.4x |`)
  say('')
}

/** A tree of `n` small files in folders of 1,000, written fast. */
function smallFiles(root, n) {
  for (let d = 0; d * 1000 < n; d++) {
    const dir = path.join(root, `d${String(d).padStart(4, '0')}`)
    mkdirSync(dir, { recursive: true })
    for (let f = d * 1000; f < Math.min(n, (d + 1) * 1000); f++)
      writeFileSync(path.join(dir, `f${f}.txt`), `${f}\n`)
  }
}

// 4. Validation at scale: 1,000, 4,000 and 10,000 job files, then 1,000 and 10,000 jobs as documents of one file,
// each a cold process; growth should be linear. CPU seconds beside wall seconds: on shared cores the wall time
// swings with whatever else runs, the CPU time much less.
if (runCase(4)) {
  const job = (j) =>
    `description: job ${j}\nsource: remote:src/${j}\ndestinations:\n  - b2:backup/${j}\n  - path: s3:archive/${j}\n    options: { checksum: true }\nfilters:\n  include: ["*.jpg", "*.png"]\noptions:\n  transfers: 8\n  max-delete: 100\nschedule: "${j % 60} 3 * * *"\n`
  /** Medians of wall seconds, CPU seconds and peak RSS (KB) of validating the tree `files`. */
  const measure = (name, files) => {
    const ws = path.join(fast, name)
    writeTree(ws, files)
    const t = []
    const c = []
    const m = []
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const r = runAction(ws, { command: 'validate' }, { time: true })
      t.push(r.seconds)
      c.push(r.selfCpu)
      m.push(r.rssKb)
    }
    rmSync(ws, { recursive: true, force: true })
    return { wall: median(t), cpu: median(c), rss: median(m) }
  }
  const sizes = [1000, 4000, 10000]
  const byFiles = {}
  for (const n of sizes) {
    const files = {}
    for (let j = 0; j < n; j++) files[`jobs/team-${j % 20}/job-${j}.yml`] = job(j)
    byFiles[n] = measure(`validate-${n}`, files)
  }
  // Short jobs, so that 10,000 of them stay under the 1 MiB a job file may hold.
  const docSizes = [1000, 10000]
  const byDocs = {}
  for (const n of docSizes) {
    const docs = []
    for (let j = 0; j < n; j++)
      docs.push(`name: job-${j}\nsource: remote:src/${j}\ndestinations: [b2:backup/${j}]\n`)
    byDocs[n] = measure(`validate-docs-${n}`, { 'jobs/all.yml': docs.join('---\n') })
  }
  const small = path.join(work, 'validate-10')
  const few = {}
  for (let j = 0; j < 10; j++) few[`jobs/job-${j}.yml`] = `source: src/${j}\ndestinations: [dst/${j}]\n`
  writeTree(small, few)
  const t10 = []
  const node = []
  for (let i = 0; i < RUNS; i++) {
    t10.push(runAction(small, { command: 'validate' }).seconds)
    const t0 = process.hrtime.bigint()
    spawnSync(process.execPath, ['-e', '0'])
    node.push(Number(process.hrtime.bigint() - t0) / 1e9)
  }
  const size = readFileSync(bundle).length
  say('## 4. Validation at scale (cold process, 2 destinations, filters, options and a cron per job)')
  say('')
  say('| job files | validate (s) | CPU (s) | per 1,000 files (s) | action peak RSS (MB) | target |')
  say('| ---: | ---: | ---: | ---: | ---: | --- |')
  for (const n of sizes) {
    const r = byFiles[n]
    say(
      `| ${n.toLocaleString('en')} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt((r.wall / n) * 1000)} | ${fmt(r.rss / 1024, 1)} | ${n === 10000 ? '<= 3 s' : ''} |`,
    )
  }
  say('')
  say(
    `Growth 1,000 → 10,000 files: **${fmt(byFiles[10000].wall / byFiles[1000].wall, 2)}x** the time for 10x the files (linear is 10x; quadratic would be 100x).`,
  )
  say('')
  say('| short jobs as documents (---) of one file | validate (s) | CPU (s) | action peak RSS (MB) |')
  say('| ---: | ---: | ---: | ---: |')
  for (const n of docSizes) {
    const r = byDocs[n]
    say(`| ${n.toLocaleString('en')} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(r.rss / 1024, 1)} |`)
  }
  say('')
  say(
    `Growth 1,000 → 10,000 documents: **${fmt(byDocs[10000].wall / byDocs[1000].wall, 2)}x** the time for 10x the documents.`,
  )
  say('')
  say('| figure | median |')
  say('| --- | ---: |')
  say(`| cold start: validate 10 job files | ${fmt(median(t10))} s |`)
  say(`| for scale: an empty \`node -e 0\` | ${fmt(median(node))} s |`)
  say(`| dist/index.js size | ${fmt(size / 1024, 0)} KiB |`)
  say('')
}

/**
 * Runs `variants` (name -> run function returning { seconds, cpu, selfCpu? }) `runs` times each, interleaved, with
 * `fresh()` before each; returns the times, CPU seconds and node's own CPU seconds per variant, and per-run ratios of
 * each variant to `base`.
 */
function interleaved(runs, variants, fresh, base) {
  const out = Object.fromEntries(Object.keys(variants).map((k) => [k, { wall: [], cpu: [], self: [] }]))
  const ratios = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
  for (let i = 0; i < runs; i++) {
    const run = {}
    for (const [k, f] of Object.entries(variants)) {
      fresh()
      const r = f()
      run[k] = r.seconds
      out[k].wall.push(r.seconds)
      out[k].cpu.push(r.cpu)
      if (r.selfCpu !== undefined) out[k].self.push(r.selfCpu)
    }
    for (const k of Object.keys(variants)) ratios[k].push(run[k] / run[base])
  }
  return { out, ratios }
}

/** Table rows for `interleaved`'s result: wall, ratio to the base (median, min-max), CPU. */
function variantRows({ out, ratios }, labels, base) {
  const rows = [
    `| command | wall (s) | vs ${labels[base].split(' (')[0]} (median of the per-run ratios, min-max) | CPU (s) |`,
  ]
  rows.push('| --- | ---: | ---: | ---: |')
  for (const [k, label] of Object.entries(labels)) {
    const cpu = median(out[k].cpu)
    const self = out[k].self.length ? median(out[k].self) : undefined
    const cpuText =
      self === undefined ? fmt(cpu) : `${fmt(cpu)} (node ${fmt(self)}, rclone ${fmt(cpu - self)})`
    const r = ratios[k]
    const ratio =
      k === base ? '1.000x' : `**${fmt(median(r))}x** (${fmt(Math.min(...r))}-${fmt(Math.max(...r))})`
    rows.push(`| ${label} | ${fmt(median(out[k].wall))} | ${ratio} | ${cpuText} |`)
  }
  return rows
}

/** Each run's wall seconds of each variant, for the record. */
function runRows({ out }, labels) {
  const rows = [
    `| run | ${Object.values(labels).join(' | ')} |`,
    `|${' ---: |'.repeat(Object.keys(labels).length + 1)}`,
  ]
  const n = Object.values(out)[0].wall.length
  for (let i = 0; i < n; i++)
    rows.push(
      `| ${i + 1} | ${Object.keys(labels)
        .map((k) => fmt(out[k].wall[i]))
        .join(' | ')} |`,
    )
  return rows
}

/** The action's rclone arguments from its log, with `--log-file` added before `--`, as the runner adds it. */
function withLogFile(command, logFile) {
  const args = command.split(' ').slice(1)
  const sep = args.indexOf('--')
  return [...args.slice(0, sep), `--log-file=${logFile}`, ...args.slice(sep)]
}

// 5. One sync of 100,000 small files on tmpfs: the action against plain `rclone sync -v` with its log in a file (the
// target: 1.25x), and, to show where the difference comes from, plain rclone with the action's flags (its JSON log)
// in a file, as the action runs it, and plain `rclone sync -v` into a pipe, as a workflow step's plain command runs.
if (runCase(5)) {
  const N = 100_000
  const ws = path.join(fast, 'big-sync')
  writeTree(ws, { 'jobs/big.yml': 'source: src\ndestinations: [dst]\n' })
  smallFiles(path.join(ws, 'src'), N)
  const logFile = path.join(fast, 'big-sync.log')
  const fresh = () => {
    rmSync(path.join(ws, 'dst'), { recursive: true, force: true })
    rmSync(logFile, { force: true })
  }
  fresh()
  const sync = commandsFromLog(runAction(ws, { 'max-parallel': '1' }).stdout).find((c) =>
    c.startsWith('rclone sync '),
  )
  if (!sync) throw new Error('no sync command in the log')
  const rss = []
  const variants = {
    textFile: () => runRclone(ws, ['sync', '-v', `--log-file=${logFile}`, 'src', 'dst']),
    action: () => {
      const r = runAction(ws, { 'max-parallel': '1' }, { time: true })
      rss.push(r.rssKb)
      return r
    },
    flagsFile: () => runRclone(ws, withLogFile(sync, logFile)),
    textPipe: () => runRclone(ws, ['sync', '-v', 'src', 'dst']),
  }
  const labels = {
    textFile: 'plain `rclone sync -v --log-file=F src dst`',
    action: 'the action (`node dist/index.js`, max-parallel 1)',
    flagsFile: `plain rclone as the action runs it (\`${sync.replace(/ -- src dst$/, '')} --log-file=F\`)`,
    textPipe: 'plain `rclone sync -v src dst`, its log into a pipe',
  }
  const r = interleaved(RUNS, variants, fresh, 'textFile')
  fresh()
  const logBytes = runAction(ws, { 'max-parallel': '1' }).stdout.length
  const m = (k, what = 'wall') => median(r.out[k][what])
  say(`## 5. One sync of ${N.toLocaleString('en')} small files (tmpfs, into an empty destination)`)
  say('')
  for (const row of variantRows(r, labels, 'textFile')) say(row)
  say('')
  say(
    `Target: the action <= 1.25x plain \`rclone sync -v\` with its log in a file. rclone's JSON log costs ${fmt((m('flagsFile') / m('textFile') - 1) * 100, 1)}% wall and ${fmt((m('flagsFile', 'cpu') / m('textFile', 'cpu') - 1) * 100, 1)}% rclone CPU over its text log (both in a file): its JSON logger looks up the calling function for every line. The action's own cost over the command it runs: ${fmt(m('action') - m('flagsFile'))} s wall (${fmt((m('action') / m('flagsFile') - 1) * 100, 1)}%); node's own CPU ${fmt(median(r.out.action.self))} s. Its log for this sync: ${fmt(logBytes / 1024, 1)} KiB (per-file lines bounded; the complete list is in report-dir). Action peak RSS: ${fmt(median(rss) / 1024, 1)} MB.`,
  )
  say('')
  say('Each run (wall s, in the order run):')
  say('')
  for (const row of runRows(r, labels)) say(row)
  say('')
  rmSync(ws, { recursive: true, force: true })
}

// 6. Memory against the number of files one sync touches: the action process's own peak RSS (not rclone's).
if (runCase(6)) {
  const sizes = LARGE ? [20_000, 100_000, 1_000_000] : [20_000, 100_000]
  const rows = []
  for (const n of sizes) {
    const ws = path.join(fast, `rss-${n}`)
    writeTree(ws, { 'jobs/big.yml': 'source: src\ndestinations: [dst]\n' })
    smallFiles(path.join(ws, 'src'), n)
    const m = []
    for (let i = 0; i < (n >= 1_000_000 ? 1 : Math.min(RUNS, 3)); i++) {
      rmSync(path.join(ws, 'dst'), { recursive: true, force: true })
      m.push(runAction(ws, { 'max-parallel': '1' }, { time: true }).rssKb)
    }
    rows.push([n, median(m)])
    rmSync(ws, { recursive: true, force: true })
  }
  say("## 6. The action's peak RSS against the number of files one sync touches")
  say('')
  say('| files | action peak RSS (MB) | target |')
  say('| ---: | ---: | --- |')
  for (const [n, kb] of rows) say(`| ${n.toLocaleString('en')} | ${fmt(kb / 1024, 1)} | <= 100 MB |`)
  say('')
  const [first, second] = rows
  say(
    `Growth ${first[0].toLocaleString('en')} → ${second[0].toLocaleString('en')} files: ${fmt((second[1] - first[1]) / 1024, 1)} MB (${fmt(((second[1] - first[1]) * 1024) / (second[0] - first[0]), 1)} bytes per file).${LARGE ? '' : ' Add `--large` for 1,000,000 files.'}`,
  )
  say('')
}

/**
 * OpenSSH's sshd on a free loopback port, SFTP only (`ForceCommand internal-sftp`: no shell, so rclone computes no
 * hashes over ssh), logging in with a fresh key as the current user; files under `root`. Returns the rclone.conf
 * section and a stop function (by pid).
 */
async function startSshd(dir, root) {
  mkdirSync(dir, { recursive: true })
  mkdirSync(root, { recursive: true })
  const key = path.join(dir, 'user_ed25519')
  const hostKey = path.join(dir, 'host_ed25519')
  for (const k of [key, hostKey]) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', k])
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(`${key}.pub`))
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const port = await freePort()
  const user = os.userInfo().username
  const conf = path.join(dir, 'sshd_config')
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      `AllowUsers ${user}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'ForceCommand internal-sftp',
      '',
    ].join('\n'),
  )
  const sshd = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((f) => existsSync(f)) ?? 'sshd'
  const child = spawn(sshd, ['-D', '-e', '-f', conf], { stdio: 'ignore' })
  await waitPort(port)
  const section = [
    '[sftp]',
    'type = sftp',
    'host = 127.0.0.1',
    `port = ${port}`,
    `user = ${user}`,
    `key_file = ${key}`,
    'shell_type = none',
    '',
  ].join('\n')
  return { section, stop: () => child.kill() }
}

// 7. A network remote: 10,000 small files synced to an SFTP server (OpenSSH on loopback, files on tmpfs), the action
// against plain `rclone sync -v` with its log in a file (the target: within 5%), and plain rclone as the action runs
// it (its JSON log in a file).
if (runCase(7)) {
  const N = 10_000
  const ws = path.join(fast, 'sftp-sync')
  const root = path.join(fast, 'sftp-root')
  const server = await startSshd(path.join(work, 'sshd'), root)
  try {
    const conf = path.join(work, 'sftp.conf')
    writeFileSync(conf, server.section)
    const dest = `sftp:${root}/dst`
    writeTree(ws, { 'jobs/net.yml': `source: src\ndestinations: ['${dest}']\n` })
    smallFiles(path.join(ws, 'src'), N)
    const logFile = path.join(fast, 'sftp-sync.log')
    const fresh = () => {
      rmSync(path.join(root, 'dst'), { recursive: true, force: true })
      rmSync(logFile, { force: true })
    }
    const inputs = { 'max-parallel': '1', 'rclone-config': server.section }
    fresh()
    const sync = commandsFromLog(runAction(ws, inputs).stdout).find((c) => c.startsWith('rclone sync '))
    if (!sync) throw new Error('no sync command in the log')
    const env = { ...process.env, RCLONE_CONFIG: conf }
    const variants = {
      textFile: () => runRclone(ws, ['sync', '-v', `--log-file=${logFile}`, 'src', dest], env),
      action: () => runAction(ws, inputs, { time: true }),
      flagsFile: () => runRclone(ws, withLogFile(sync, logFile), env),
    }
    const labels = {
      textFile: `plain \`rclone sync -v --log-file=F src ${dest.replace(root, 'ROOT')}\``,
      action: 'the action (`node dist/index.js`, max-parallel 1)',
      flagsFile: 'plain rclone as the action runs it (its flags, JSON log in a file)',
    }
    const runs = Math.min(RUNS, 5)
    const r = interleaved(runs, variants, fresh, 'textFile')
    const m = (k, what = 'wall') => median(r.out[k][what])
    say(
      `## 7. A network remote: ${N.toLocaleString('en')} small files to an SFTP server (OpenSSH sshd on loopback, SFTP only, files on tmpfs)`,
    )
    say('')
    for (const row of variantRows(r, labels, 'textFile')) say(row)
    say('')
    say(
      `Target: the action within 5% of plain \`rclone sync -v\` with its log in a file. rclone's JSON log costs ${fmt((m('flagsFile') / m('textFile') - 1) * 100, 1)}% wall and ${fmt((m('flagsFile', 'cpu') / m('textFile', 'cpu') - 1) * 100, 1)}% rclone CPU here; the action's own cost over the command it runs: ${fmt(m('action') - m('flagsFile'))} s (${fmt((m('action') / m('flagsFile') - 1) * 100, 1)}%).`,
    )
    say('')
    say('Each run (wall s, in the order run):')
    say('')
    for (const row of runRows(r, labels)) say(row)
    say('')
  } finally {
    server.stop()
    rmSync(ws, { recursive: true, force: true })
    rmSync(root, { recursive: true, force: true })
  }
}

say(
  `Whole benchmark: ${fmt((Date.now() - started) / 1000, 1)} s. Reproduce with \`npm run bench\` (needs rclone on PATH).`,
)
if (ONLY === undefined && bundleArg < 0)
  writeFileSync(path.join(root, 'bench/RESULTS.md'), `${lines.join('\n')}\n`)
rmSync(work, { recursive: true, force: true })
rmSync(fast, { recursive: true, force: true })
