/**
 * Backups you can trust over time (issue 13): `command: check`, `versions` with retention, health pings and the
 * time budget, each end to end through `node dist/index.js` with the real rclone.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { durationMs } from '../src/jobs/durations.js'
import { DURATION_PATTERN } from '../src/jobs/schema.js'
import { ping } from '../src/run/healthcheck.js'
import { versionsFolderName } from '../src/run/plan.js'
import { foldersToPrune, folderTime } from '../src/run/versions.js'
import { type BundleRun, runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, snapshotTree, tempDir, writeTree } from './helpers/rclone.js'
import { davConfig, serve } from './helpers/servers.js'

beforeAll(() => {
  requireRclone()
})

const base = { 'rclone-version': 'system' }
const results = (r: BundleRun) => JSON.parse(r.outputs.results ?? '[]') as Array<Record<string, unknown>>

describe('command: check', () => {
  it('a destination that matches passes; one that differs fails with counts and paths; nothing changes', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/mirror.yml': 'source: src\ndestinations: [dst-sync]\nfilters: { exclude: ["*.tmp"] }\n',
      'jobs/archive.yml': 'source: src\ndestinations: [dst-copy]\nmode: copy\n',
      'src/a.txt': 'a',
      'src/b.txt': 'b',
      'src/skip.tmp': 'filtered out',
    })
    const run = await runBundle(ws, { ...base, command: 'run' })
    expect(run.status, run.stdout).toBe(0)
    const clean = await runBundle(ws, { ...base, command: 'check' })
    expect(clean.status, clean.stdout).toBe(0)
    expect(
      results(clean).map((x) => [
        x.job,
        x.status,
        x.missingOnDestination,
        x.extraOnDestination,
        x.differ,
        x.errors,
      ]),
    ).toEqual([
      ['archive', 'success', 0, 0, 0, 0],
      ['mirror', 'success', 0, 0, 0, 0],
    ])
    expect(clean.summary).toContain('### What differs')

    // Drift: a file lost on one destination, one changed, one extra on each.
    writeTree(ws, {
      'dst-sync/b.txt': 'changed!',
      'dst-sync/extra.txt': 'x',
      'dst-copy/extra.txt': 'x',
    })
    mkdirSync(path.join(ws, 'src/new'), { recursive: true })
    writeFileSync(path.join(ws, 'src/new/c.txt'), 'c')
    const before = {
      src: snapshotTree(path.join(ws, 'src')),
      sync: snapshotTree(path.join(ws, 'dst-sync')),
      copy: snapshotTree(path.join(ws, 'dst-copy')),
    }
    const drift = await runBundle(ws, { ...base, command: 'check' })
    expect(drift.status).toBe(1)
    const [archive, mirror] = results(drift)
    expect(mirror).toMatchObject({
      status: 'failed',
      missingOnDestination: 1,
      extraOnDestination: 1,
      differ: 1,
      errors: 0,
    })
    // Extra files on a copy destination are listed, not a failure; a missing one is.
    expect(archive).toMatchObject({
      status: 'failed',
      missingOnDestination: 1,
      extraOnDestination: 1,
      differ: 0,
    })
    expect(String(archive?.reason)).not.toContain('extra')
    expect(drift.summary).toContain('**Missing on the destination (1)**')
    expect(drift.summary).toContain('- `new/c.txt`')
    expect(drift.summary).toContain('- `extra.txt`')
    expect(drift.summary).toContain('- `b.txt`')
    expect({
      src: snapshotTree(path.join(ws, 'src')),
      sync: snapshotTree(path.join(ws, 'dst-sync')),
      copy: snapshotTree(path.join(ws, 'dst-copy')),
    }).toEqual(before)

    // A copy destination with only extra files passes, and says so.
    writeTree(ws, { 'dst-copy/new/c.txt': 'c' })
    const extraOnly = await runBundle(ws, { ...base, command: 'check', jobs: 'archive' })
    expect(extraOnly.status, extraOnly.stdout).toBe(0)
    expect(results(extraOnly)[0]).toMatchObject({ status: 'success', extraOnDestination: 1 })
    expect(extraOnly.summary).toContain('extra files are allowed on a copy')
  })
})

describe('versions', () => {
  it('moves what a run replaces or deletes into a dated folder, prunes only old dated folders, and a plan lists both', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/docs.yml':
        'source: src\ndestinations: [backup/docs]\noptions: { max-delete: 10 }\nversions: { keep: 30d }\n',
      'src/keep.txt': 'k',
      'src/changed.txt': 'new',
      'backup/docs/keep.txt': 'k',
      'backup/docs/changed.txt': 'old version',
      'backup/docs/deleted.txt': 'only on the destination',
      // Under the versions path: an old dated folder (pruned), a future one, one with another name, a file.
      'backup/docs.versions/2020-01-01T000000Z/x.txt': 'old',
      'backup/docs.versions/2099-01-01T000000Z/x.txt': 'future',
      'backup/docs.versions/notes/readme.txt': 'not ours',
      'backup/docs.versions/2020-01-02T000000Z.txt': 'a file with a dated name',
    })
    const t = path.join(ws, 'src/keep.txt')
    writeFileSync(path.join(ws, 'backup/docs/keep.txt'), 'k')
    const { utimesSync, statSync } = await import('node:fs')
    const m = statSync(t).mtime
    utimesSync(path.join(ws, 'backup/docs/keep.txt'), m, m)

    const before = snapshotTree(path.join(ws, 'backup'))
    const plan = await runBundle(ws, { ...base, command: 'plan' })
    expect(plan.status, plan.stdout).toBe(0)
    expect(snapshotTree(path.join(ws, 'backup'))).toEqual(before)
    expect(results(plan)[0]).toMatchObject({
      wouldDelete: 1,
      wouldUpdate: 1,
      versions: { pruned: ['2020-01-01T000000Z'] },
    })
    expect(plan.summary).toContain('`2020-01-01T000000Z`')

    const run = await runBundle(ws, { ...base, command: 'run' })
    expect(run.status, run.stdout).toBe(0)
    const r = results(run)[0] as { versions: { folder: string; pruned: string[] }; deletes: number }
    expect(r.versions.pruned).toEqual(['2020-01-01T000000Z'])
    expect(r.deletes).toBe(1)
    const tree = readTree(path.join(ws, 'backup'))
    expect(tree).toEqual({
      'docs/changed.txt': 'new',
      'docs/keep.txt': 'k',
      [`docs.versions/${r.versions.folder}/changed.txt`]: 'old version',
      [`docs.versions/${r.versions.folder}/deleted.txt`]: 'only on the destination',
      'docs.versions/2099-01-01T000000Z/x.txt': 'future',
      'docs.versions/notes/readme.txt': 'not ours',
      'docs.versions/2020-01-02T000000Z.txt': 'a file with a dated name',
    })
    // The restore the README documents brings the replaced version back.
    const { execFileSync } = await import('node:child_process')
    execFileSync('rclone', ['copy', `backup/docs.versions/${r.versions.folder}`, 'restored'], { cwd: ws })
    expect(readTree(path.join(ws, 'restored'))).toEqual({
      'changed.txt': 'old version',
      'deleted.txt': 'only on the destination',
    })
  })

  it('max-delete counts files moved into versions; a versions path over another job is refused', async () => {
    const ws = tempDir()
    const files: Record<string, string> = {
      'jobs/docs.yml':
        'source: src\ndestinations: [dst]\noptions: { max-delete: 2 }\nversions: { keep: 7d }\n',
      'src/a.txt': 'a',
    }
    for (let i = 0; i < 4; i++) files[`dst/old-${i}.txt`] = String(i)
    writeTree(ws, files)
    const before = snapshotTree(path.join(ws, 'dst'))
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status).toBe(1)
    expect(String(results(r)[0]?.reason)).toContain('would delete 4 files, more than max-delete (2)')
    expect(snapshotTree(path.join(ws, 'dst'))).toEqual(before)
    expect(readTree(path.join(ws, 'dst.versions'))).toEqual({})

    writeTree(ws, {
      'jobs/docs.yml': 'source: src\ndestinations: [dst]\nversions: { keep: 7d, path: other }\n',
      'jobs/other.yml': 'source: other\ndestinations: [elsewhere]\n',
    })
    const v = await runBundle(ws, { ...base, command: 'validate' })
    expect(v.status).toBe(1)
    expect(v.stdout).toContain(
      'jobs/docs.yml:3:29: error: versions.path: the versions folder of destinations[0] ("other") is the same place as the source of job "other"',
    )
  })

  it('reads folder names as times, and prunes only what is older than keep', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0)
    expect(versionsFolderName(now)).toBe('2026-11-25T120000Z')
    expect(folderTime('2026-11-25T120000Z')).toBe(now)
    expect(folderTime('2026-02-31T000000Z')).toBeUndefined()
    expect(folderTime('notes')).toBeUndefined()
    const day = 86_400_000
    expect(
      foldersToPrune(
        ['2026-11-24T120000Z', '2026-10-01T000000Z', '2027-01-01T000000Z', 'x', '2026-10-26T115959Z'],
        30 * day,
        now,
      ),
    ).toEqual(['2026-10-01T000000Z', '2026-10-26T115959Z'])
  })
})

/** A server on 127.0.0.1 that records every request and answers with `status`. */
async function recorder(status = 200) {
  const seen: Array<{ method: string; url: string; body: string }> = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body })
      res.statusCode = status
      res.end('OK')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  servers.push(server)
  return { seen, base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` }
}
const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

describe('healthcheck', () => {
  it('pings start, then success or fail with a body of counts and no secrets; env:NAME is masked', async () => {
    const hc = await recorder()
    const ws = tempDir()
    const served = tempDir()
    const dav = await serve('webdav', served)
    const config = davConfig(dav)
    writeTree(ws, {
      'jobs/good.yml': `source: src\ndestinations: ["dav:backup", out]\nhealthcheck: ${hc.base}/ping/good-uuid\n`,
      'jobs/bad.yml':
        'source: "dav:missing"\ndestinations: [out-bad]\nmode: copy\nhealthcheck: env:BAD_PING_URL\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(
      ws,
      { ...base, command: 'run', 'rclone-config': config },
      { BAD_PING_URL: `${hc.base}/ping/bad-uuid-secret` },
    )
    expect(r.status).toBe(1)
    const calls = hc.seen.map((s) => `${s.method} ${s.url}`).sort()
    expect(calls).toEqual([
      'POST /ping/bad-uuid-secret/fail',
      'POST /ping/bad-uuid-secret/start',
      'POST /ping/good-uuid',
      'POST /ping/good-uuid/start',
    ])
    const good = hc.seen.find((s) => s.url === '/ping/good-uuid')?.body ?? ''
    expect(good).toContain('job "good" succeeded')
    expect(good).toContain('dav:backup: success, 1 transferred')
    const bad = hc.seen.find((s) => s.url.endsWith('/fail'))?.body ?? ''
    expect(bad).toContain('job "bad" did not succeed')
    for (const body of hc.seen.map((s) => s.body)) {
      expect(body).not.toContain(dav.pass)
      expect(body).not.toContain(dav.obscured)
    }
    expect(r.stdout).toContain(`::add-mask::${hc.base}/ping/bad-uuid-secret`)
    const shown = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    expect(shown).not.toContain('bad-uuid-secret')
  })

  it('a ping that fails is a warning, and the job still succeeds', async () => {
    // 404: a deleted check, which a retry will not mend (retries are the unit test's, with no sleeping).
    const hc = await recorder(404)
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml': `source: src\ndestinations: [out]\nhealthcheck: ${hc.base}/p\n`,
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run' })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toMatch(
      /::warning::healthcheck: j: the start ping failed \(HTTP 404\); the job itself is not affected/,
    )
    expect(results(r)[0]).toMatchObject({ status: 'success' })
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'a.txt': 'a' })
  }, 60_000)
})

describe('healthcheck, shared and retried', () => {
  it('one URL shared through _defaults.yml gets one /start and one /fail when any of its jobs failed', async () => {
    const hc = await recorder()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': `healthcheck: ${hc.base}/ping/team\n`,
      'jobs/good.yml': 'source: src\ndestinations: [out-a, out-b]\n',
      'jobs/bad.yml': 'source: missing-folder\ndestinations: [out-c]\nmode: copy\noptions: { retries: 1 }\n',
      'jobs/later.yml': 'source: src\ndestinations: [out-d]\n',
      'src/a.txt': 'a',
    })
    const r = await runBundle(ws, { ...base, command: 'run', 'max-parallel': '1' })
    expect(r.status).toBe(1)
    expect(hc.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /ping/team/start',
      'POST /ping/team/fail',
    ])
    const body = hc.seen[1]?.body ?? ''
    expect(body).toContain('jobs "bad", "good", "later" did not succeed')
    expect(body).toContain('bad → out-c: failed')
    expect(body).toContain('later → out-d: success')
  })

  it('a ping is retried on 5xx and network errors with a doubling backoff, never on a client error', async () => {
    const waits: number[] = []
    const settings = {
      attempts: 3,
      timeoutMs: 5_000,
      backoffMs: 100,
      sleep: async (ms: number) => void waits.push(ms),
    }
    const down = await recorder(503)
    expect(await ping(`${down.base}/x`, 'body', settings)).toBe('HTTP 503')
    expect(down.seen).toHaveLength(3)
    expect(waits).toEqual([100, 200])
    waits.length = 0
    const gone = await recorder(404)
    expect(await ping(`${gone.base}/x`, 'body', settings)).toBe('HTTP 404')
    expect(gone.seen).toHaveLength(1)
    expect(waits).toEqual([])
    expect(await ping('http://127.0.0.1:9/x', 'body', settings)).toMatch(/fetch failed/)
    expect(waits).toEqual([100, 200])
  })
})

describe('time-budget', () => {
  it("reads every max-duration the job format accepts, so a job's own shorter limit is never overridden", () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['90s', 90_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['.5h', 1_800_000],
      ['1.h', 3_600_000],
      ['300ms', 300],
    ]
    for (const [text, ms] of cases) {
      expect(DURATION_PATTERN.test(text), text).toBe(true)
      expect(durationMs(text), text).toBe(ms)
    }
    for (const text of ['1d', 'h', '1.2.3s', '5']) {
      expect(DURATION_PATTERN.test(text), text).toBe(false)
      expect(durationMs(text), text).toBeUndefined()
    }
  })

  it('cuts a slow transfer at the budget (incomplete, a warning), starts nothing after it, and the next run completes', async () => {
    const ws = tempDir()
    const served = tempDir()
    const dav = await serve('webdav', served)
    const config = davConfig(dav)
    const big = Buffer.alloc(1536 * 1024, 7)
    writeTree(ws, {
      'jobs/a-slow.yml': 'source: src\ndestinations: ["dav:first"]\noptions: { bwlimit: 256k }\n',
      'jobs/b-later.yml': 'source: src\ndestinations: ["dav:second"]\n',
      'src/big.bin': big,
    })
    const budget = 4
    const r = await runBundle(ws, {
      ...base,
      command: 'run',
      'rclone-config': config,
      'max-parallel': '1',
      'time-budget': `${budget}s`,
    })
    // How long the step took is the remote-faults test's (the budget's bound); this one is about what it reports.
    expect(r.status, r.stdout).toBe(0)
    const [slow, later] = results(r)
    expect(slow).toMatchObject({ status: 'incomplete' })
    expect(String(slow?.reason)).toContain('cut by the time budget (4s)')
    expect(later).toMatchObject({ status: 'incomplete' })
    expect(String(later?.reason)).toContain('not started: the time budget (4s) was spent')
    expect(r.stdout).toMatch(/::warning title=rclone-jobs%3A a-slow,file=jobs\/a-slow\.yml,line=1::/)
    expect(r.stdout).toMatch(/\$ rclone sync .*--max-duration=\d+s/)

    const again = await runBundle(ws, { ...base, command: 'run', 'rclone-config': config })
    expect(again.status, again.stdout).toBe(0)
    expect(results(again).map((x) => x.status)).toEqual(['success', 'success'])
    expect(readTree(path.join(served, 'first'))['big.bin']?.length).toBe(big.length)
  }, 60_000)
})
