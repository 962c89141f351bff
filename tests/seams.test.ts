/**
 * Seams (issue 19): features combined, and what users bring (a base64 config, RCLONE_* variables, a symlinked
 * workspace). Each case runs the bundle (`node dist/index.js`) as a runner does, with the real rclone.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main as cliMain } from '../src/cli.js'
import { readableDuration } from '../src/jobs/durations.js'
import { readLines } from '../src/line-files.js'
import { buildSummary } from '../src/report/summary.js'
import { type BundleRun, runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'

beforeAll(() => {
  requireRclone()
})

const base = { 'rclone-version': 'system' }
const results = (r: BundleRun) => JSON.parse(r.outputs.results ?? '[]') as Array<Record<string, unknown>>
/** Everything the step printed or wrote (log, summary, outputs), but the `::add-mask::` commands that hide secrets. */
const everything = (r: BundleRun) =>
  [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').replace(/::add-mask::.*\n/g, '')

describe('data at risk', () => {
  it('a run never prunes its own versions folder, however short keep is', async () => {
    const ws = tempDir()
    // keep: 1ms. Every dated folder is older than that by the time pruning runs, the run's own included.
    writeTree(ws, {
      'jobs/docs.yml': 'source: src\ndestinations: [dst]\nversions: { keep: 0.001s }\n',
      'src/a.txt': 'new version',
      'dst/a.txt': 'the only copy of the old version',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status, r.stdout).toBe(0)
    const [res] = results(r) as Array<{ versions: { folder: string; pruned: string[] } }>
    expect(res?.versions.pruned).not.toContain(res?.versions.folder)
    expect(readTree(path.join(ws, 'dst.versions'))).toEqual({
      [`${res?.versions.folder}/a.txt`]: 'the only copy of the old version',
    })
  })

  it('a keep under one day is a warning that says what it means', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/docs.yml': 'source: src\ndestinations: [dst]\nversions: { keep: 6m }\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'validate' })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toMatch(/::warning .*file=jobs\/docs\.yml,line=3,col=\d+::keep: 6m is 6 minutes/)
    expect(r.stdout).toContain('6M')
  })

  it('max-duration and cutoff-mode are refused on a bisync job, with the reason; rclone never starts', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/two-way.yml':
        'source: left\ndestinations: [right]\nmode: bisync\nresync: true\noptions:\n  max-duration: 1h\n  cutoff-mode: soft\n',
      'left/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'bisync-state': tempDir('state-') })
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/jobs\/two-way\.yml:6:\d+: error: options\.max-duration: .*bisync/)
    expect(r.stdout).toMatch(/jobs\/two-way\.yml:7:\d+: error: options\.cutoff-mode: .*bisync/)
    expect(r.stdout).toContain('resync')
    expect(r.stdout).not.toContain('$ rclone')
    expect(readdirSync(ws)).not.toContain('right')
  })

  it('the time-budget input never cuts a bisync: no --max-duration on its command', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\nresync: true\n',
      'jobs/one-way.yml': 'source: left\ndestinations: [copy]\nmode: copy\n',
      'left/a.txt': 'a',
      'right/b.txt': 'b',
    })
    const r = await runBundle(ws, {
      ...base,
      command: 'run',
      'bisync-state': tempDir('state-'),
      'time-budget': '1h',
      'max-parallel': '1',
    })
    expect(r.status, r.stdout).toBe(0)
    const commands = r.stdout.split('\n').filter((l) => l.startsWith('$ rclone '))
    const bisync = commands.filter((c) => c.startsWith('$ rclone bisync'))
    const copy = commands.filter((c) => c.startsWith('$ rclone copy'))
    expect(bisync).toHaveLength(1)
    expect(bisync[0]).not.toContain('--max-duration')
    expect(copy[0]).toContain('--max-duration=')
  })
})

describe('secrets in what the action writes', () => {
  it("report-dir's results.json goes through the same masking as the outputs", async () => {
    const ws = tempDir()
    const token = 'SEAMS-URL-TOKEN-4f1d2c'
    writeTree(ws, {
      'jobs/up.yml':
        'source: src\ndestinations: ["dav:backup"]\noptions: { retries: 1, low-level-retries: 1 }\n',
      'src/a.txt': 'a',
    })
    // Port 9 (discard) on loopback: nothing listens, so rclone's error quotes the URL with its token.
    const config = `[dav]\ntype = webdav\nurl = http://127.0.0.1:9/dav?token=${token}\nvendor = other\n`
    const r = await runBundle(ws, {
      ...base,
      command: 'run',
      'rclone-config': config,
      'max-parallel': '1',
    })
    expect(r.status).toBe(1)
    const dir = r.outputs['report-dir'] as string
    const written = readFileSync(path.join(dir, 'results.json'), 'utf8')
    expect(JSON.parse(written)[0]).toMatchObject({ job: 'up', status: 'failed' })
    expect(written).not.toContain(token)
    expect(written).toContain('***')
    expect(everything(r)).not.toContain(token)
  })

  it('a base64-encoded rclone-config is decoded, masked as given and decoded, and works', async () => {
    const ws = tempDir()
    const target = tempDir('target-')
    const secret = 'SEAMS-B64-SECRET-9a8b7c'
    const ini = `[here]\ntype = alias\nremote = ${target}\n\n[other]\ntype = webdav\nurl = http://127.0.0.1:9\npass = ${secret}\n`
    const encoded = Buffer.from(ini).toString('base64')
    writeTree(ws, { 'jobs/up.yml': 'source: src\ndestinations: ["here:backup"]\n', 'src/a.txt': 'a' })
    const r = await runBundle(ws, { ...base, command: 'run', 'rclone-config': encoded })
    expect(r.status, r.stdout).toBe(0)
    expect(readTree(path.join(target, 'backup'))).toEqual({ 'a.txt': 'a' })
    expect(r.stdout).toContain(`::add-mask::${encoded}`)
    expect(r.stdout).toContain(`::add-mask::${secret}`)
    expect(r.stdout).toContain('base64')
    const shown = [r.summary, JSON.stringify(r.outputs)].join('\n')
    expect(shown).not.toContain(encoded)
    expect(shown).not.toContain(secret)
  })

  it('a config that is neither INI nor base64 INI is refused before anything runs, never quoted', async () => {
    const ws = tempDir()
    const garbage = 'c29tZXRoaW5nIHRoYXQgaXMgbm90IGFuIElOSSBmaWxl'
    writeTree(ws, { 'jobs/up.yml': 'source: src\ndestinations: [dst]\n', 'src/a.txt': 'a' })
    for (const config of [garbage, 'not a config at all: SEAMS-PLAIN-7e6f']) {
      const r = await runBundle(ws, { ...base, command: 'run', 'rclone-config': config })
      expect(r.status).toBe(1)
      expect(r.stdout).toMatch(/::error::.*"rclone-config" is neither an rclone config .* nor base64/)
      const printed = r.stdout.replace(/::add-mask::.*\n/g, '')
      expect(printed).not.toContain(config)
      expect(printed).not.toContain('SEAMS-PLAIN')
      expect(r.summary).not.toContain(config)
      expect(r.stdout).not.toContain('$ rclone')
      expect(readdirSync(ws)).not.toContain('dst')
    }
  })
})

describe('settings users bring', () => {
  it('with a config, a remote it does not define is an error at its line naming the known ones; without one, silence', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations:\n  - here:backup\n  - nowhere:backup\n',
      'src/a.txt': 'a',
    })
    const config = `[here]\ntype = alias\nremote = ${tempDir('target-')}\n`
    const withConfig = await runBundle(ws, { ...base, command: 'validate', 'rclone-config': config })
    expect(withConfig.status).toBe(1)
    expect(withConfig.stdout).toContain(
      'jobs/up.yml:4:5: error: destinations[1]: the remote "nowhere" is not in the rclone config (its remotes are here)',
    )
    expect(withConfig.stdout).not.toContain('destinations[0]: the remote')
    // RCLONE_CONFIG_* variables define remotes too, whatever the case of the name.
    const fromEnv = await runBundle(
      ws,
      { ...base, command: 'validate', 'rclone-config': config },
      { RCLONE_CONFIG_NOWHERE_TYPE: 'local' },
    )
    expect(fromEnv.status, fromEnv.stdout).toBe(0)
    const noConfig = await runBundle(ws, { ...base, command: 'validate' }, { HOME: tempDir('home-') })
    expect(noConfig.status, noConfig.stdout).toBe(0)
    expect(noConfig.stdout).not.toContain('not in the rclone config')
  })

  it('a Windows path on a Linux runner is a warning at validation: C: is read as a remote there', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/win.yml': 'source: src\ndestinations: ["C:\\\\Users\\\\me\\\\data"]\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'validate' }, { HOME: tempDir('home-') })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toMatch(
      /::warning .*file=jobs\/win\.yml,line=2.*::"C:\\Users\\me\\data" looks like a Windows path, but on this Linux runner rclone reads "C:" as the name of a remote/,
    )
  })
})

describe('what the action reads back', () => {
  it('readLines joins a character split across two read blocks', () => {
    const dir = tempDir()
    const file = path.join(dir, 'names.txt')
    // The first 64 KiB block ends one byte into "日" (3 bytes), which the next block finishes.
    const lines = [`${'a'.repeat(65535)}日本`, 'ファイル', `${'é'.repeat(40000)}€`]
    writeFileSync(file, `${lines.join('\n')}\n`)
    const read: string[] = []
    readLines(file, (l) => read.push(l))
    expect(read).toEqual(lines)
  })

  it('check lists non-ASCII names whole in report-dir and the summary, past the first 64 KiB', async () => {
    const ws = tempDir()
    const files: Record<string, string> = { 'jobs/j.yml': 'source: src\ndestinations: [dst]\nmode: copy\n' }
    // Every line of rclone's --combined list is "+ " + 99 bytes + "\n" = 102 bytes, whatever the order: the first
    // 64 KiB block ends 52 bytes into a line, in the middle of a 3-byte character.
    const names = Array.from(
      { length: 1500 },
      (_, i) => `${'日'.repeat(30)}-${String(i).padStart(4, '0')}.txt`,
    )
    for (const n of names) files[`src/${n}`] = 'x'
    files['dst/.keep'] = ''
    writeTree(ws, files)
    const r = await runBundle(ws, { ...base, command: 'check' })
    expect(r.status).toBe(1)
    const dir = r.outputs['report-dir'] as string
    const listed = readFileSync(path.join(dir, 'j', '00-dst.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { path: string }).path)
    expect(listed.filter((p) => p !== '.keep').sort()).toEqual(names)
    expect(r.summary).not.toContain('\uFFFD')
  })
})

describe('reports say what happened', () => {
  it("a failed run's reason keeps rclone's cause, in results, the annotation and the summary", async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/up.yml':
        'source: src\ndestinations: [":s3,provider=Other,endpoint=\'http://127.0.0.1:9\':bucket/x"]\noptions: { retries: 1, low-level-retries: 1 }\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status).toBe(1)
    const reason = String(results(r)[0]?.reason)
    expect(reason).toContain('RequestError: send request failed; caused by:')
    expect(reason).toContain('connection refused')
    expect(r.stdout).toMatch(/::error title=rclone-jobs%3A up::.*caused by: .*connection refused/)
    expect(r.summary).toContain('connection refused')
  })
})

describe('rclone settings from the environment', () => {
  it('RCLONE_LOG_LEVEL, RCLONE_LOG_FILE, RCLONE_PROGRESS... are overridden, said once, and runs and plans still read rclone', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations: [dst]\n',
      'src/a.txt': 'a',
      'src/b.txt': 'b',
      'dst/old.txt': 'old',
    })
    const logFile = path.join(tempDir('elsewhere-'), 'rclone.log')
    const env = {
      RCLONE_LOG_LEVEL: 'INFO',
      RCLONE_LOG_FILE: logFile,
      RCLONE_USE_JSON_LOG: 'false',
      RCLONE_PROGRESS: 'true',
      RCLONE_STATS_ONE_LINE: 'true',
      RCLONE_DRY_RUN: 'true',
    }
    const plan = await runBundle(ws, { ...base, command: 'plan' }, env)
    expect(plan.status, plan.stdout).toBe(0)
    expect(results(plan)[0]).toMatchObject({ wouldCopy: 2, wouldDelete: 1 })
    const run = await runBundle(ws, { ...base, command: 'run' }, env)
    expect(run.status, run.stdout).toBe(0)
    expect(results(run)[0]).toMatchObject({ status: 'success', transfers: 2, deletes: 1 })
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a', 'b.txt': 'b' })
    const said = run.stdout.split('\n').filter((l) => l.includes("sets rclone's logging itself"))
    expect(said).toHaveLength(1)
    for (const name of Object.keys(env)) expect(said[0]).toContain(name)
    expect(readdirSync(path.dirname(logFile))).toEqual([])
  })
})

describe('the time budget in words', () => {
  it('the headline counts every status: destinations cut by the budget are incomplete, not missing', () => {
    const cut = (job: string) => ({
      job,
      destination: `out-${job}`,
      mode: 'sync' as const,
      status: 'incomplete' as const,
      exitCode: 10,
      transfers: 3,
      bytes: 30,
      deletes: 0,
      errors: 0,
      checks: 0,
      durationSeconds: 5,
      reason: 'cut by the time budget (5s) after 3 files; the next run goes on from where this one stopped',
    })
    const md = buildSummary({
      command: 'run',
      results: [cut('a'), cut('b')],
      diagnostics: [],
      jobCount: 2,
      fileCount: 2,
    })
    expect(md).toContain('2 destinations: 0 succeeded, 0 failed, 2 incomplete, 0 skipped')
  })

  it('a time budget that could start nothing is refused, in the action and the CLI', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/up.yml': 'source: src\ndestinations: [dst]\n', 'src/a.txt': 'a' })
    const r = await runBundle(ws, { ...base, command: 'run', 'time-budget': '0s' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      '::error::"time-budget" must be at least 1s: a smaller budget would start nothing',
    )
    expect(readdirSync(ws)).not.toContain('dst')
    const err: string[] = []
    const code = await cliMain(
      ['run', 'jobs', '--time-budget', '500ms'],
      { out: () => {}, err: (t) => err.push(t) },
      ws,
    )
    expect(code).toBe(2)
    expect(err.join('\n')).toContain('--time-budget must be at least 1s: "500ms" would start nothing')
  })

  it('the budget is reported as given', () => {
    expect(readableDuration(5_400_000)).toBe('1h30m')
    expect(readableDuration(19_800_000)).toBe('5h30m')
    expect(readableDuration(90_000)).toBe('1m30s')
    expect(readableDuration(1_500)).toBe('1.5s')
  })
})

describe('what jobs inherit from _defaults.yml', () => {
  it('a problem that comes from the defaults is said at the job that inherits it, with advice that works', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/team/_defaults.yml': 'versions: { keep: 30d }\nbisync: { resilient: true }\n',
      'jobs/team/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\nresync: true\n',
      'jobs/team/one-way.yml': 'source: src\ndestinations: [dst]\n',
      'left/a.txt': 'a',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'validate' })
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'jobs/team/two-way.yml:1:1: error: versions: job "two-way" inherits versions from jobs/team/_defaults.yml:1: versions applies to sync and copy, not to bisync',
    )
    expect(r.stdout).toContain(
      'jobs/team/one-way.yml:1:1: error: bisync: job "one-way" inherits bisync from jobs/team/_defaults.yml:2: bisync settings apply to mode: bisync only',
    )
    expect(r.stdout).not.toContain('backup-dir1')
    // The advice works: write it, and the jobs validate.
    writeTree(ws, {
      'jobs/team/two-way.yml':
        'source: left\ndestinations: [right]\nmode: bisync\nresync: true\nversions: null\n',
      'jobs/team/one-way.yml': 'source: src\ndestinations: [dst]\nbisync: null\n',
    })
    const fixed = await runBundle(ws, { ...base, command: 'validate' })
    expect(fixed.status, fixed.stdout).toBe(0)
  })

  it('key: null in a job drops what it inherits: versions, healthcheck, schedule, options', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml':
        'versions: { keep: 30d }\nhealthcheck: http://127.0.0.1:9/ping\nschedule: "30 2 * * *"\noptions: { max-delete: 0, transfers: 2 }\n',
      'jobs/plain.yml':
        'source: src\ndestinations: [dst]\nversions: null\nhealthcheck: null\nschedule: null\noptions: null\n',
      'src/a.txt': 'a',
      'dst/old.txt': 'old',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status, r.stdout).toBe(0)
    const command = r.stdout.split('\n').find((l) => l.startsWith('$ rclone sync')) ?? ''
    expect(command).not.toContain('--transfers')
    expect(command).not.toContain('--backup-dir')
    expect(command).not.toContain('--max-delete')
    expect(r.stdout).not.toContain('healthcheck:')
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a' })
    expect(readdirSync(ws)).not.toContain('dst.versions')
  })
})

describe('run and plan name each change the same way', () => {
  it('with versions, a replaced file is an update in the run as in the plan (report-dir lists too)', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/docs.yml': 'source: src\ndestinations: [dst]\nversions: { keep: 30d }\n',
      'src/changed.txt': 'new version',
      'src/added.txt': 'added',
      'dst/changed.txt': 'old',
      'dst/deleted.txt': 'gone',
    })
    const changes = (r: BundleRun) =>
      readFileSync(path.join(r.outputs['report-dir'] as string, 'docs', '00-dst.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { change: string; path: string })
        .sort((a, b) => a.path.localeCompare(b.path))
    const plan = await runBundle(ws, { ...base, command: 'plan' })
    expect(plan.status, plan.stdout).toBe(0)
    const run = await runBundle(ws, { ...base, command: 'run' })
    expect(run.status, run.stdout).toBe(0)
    const expected = [
      { change: 'copy', path: 'added.txt' },
      { change: 'update', path: 'changed.txt' },
      { change: 'delete', path: 'deleted.txt' },
    ]
    expect(changes(plan)).toEqual(expected)
    expect(changes(run)).toEqual(expected)
  })

  it('a multi-thread copy ("Multi-thread Copied (new)") is a change like any other', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/big.yml': 'source: src\ndestinations: [dst]\noptions: { multi-thread-streams: 4 }\n',
      'src/big.bin': Buffer.alloc(3 * 1024 * 1024, 7),
    })
    // The cutoff comes from the environment, as a workflow may set it: files over 1 MiB go in 4 streams.
    const r = await runBundle(ws, { ...base, command: 'run' }, { RCLONE_MULTI_THREAD_CUTOFF: '1M' })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toContain('big.bin: Multi-thread Copied (new)')
    const listed = readFileSync(path.join(r.outputs['report-dir'] as string, 'big', '00-dst.jsonl'), 'utf8')
    expect(listed.trim()).toBe('{"change":"copy","path":"big.bin"}')
  })
})
