/**
 * Faults against real servers (issue 20): servers down at the start and mid-run (behind a TCP proxy the test takes
 * down and brings back), wrong credentials, a missing bucket, dead servers with time limits, and what validation
 * knows of buckets. Ceph RGW (S3), OpenSSH (SFTP) and vsftpd (FTP) start once for this file; the action runs as
 * `node dist/index.js` with the real rclone.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { BUDGET_GRACE_MS } from '../src/run/time-budget.js'
import type { BundleRun } from './helpers/bundle.js'
import { freePort } from './helpers/ports.js'
import { readTree, tempDir, writeTree } from './helpers/rclone.js'
import { filesUnder, type Remotes, resultFor, results, runWith, useRemotes } from './helpers/remote-jobs.js'
import { cleanRcloneEnv } from './helpers/remote-servers.js'
import { tcpProxy } from './helpers/tcp-proxy.js'

const remotes = useRemotes()
let s3: Remotes['s3']
let sftp: Remotes['sftp']
let ftp: Remotes['ftp']
let rc: Remotes['rc']
/** The config of the three servers. */
let base: string
/** A port nothing listens on: a server that is down. */
let deadPort: number
beforeAll(async () => {
  ;({ s3, sftp, ftp, rc, config: base } = remotes())
  deadPort = await freePort()
})

// Each run starts node and rclone several times; on two busy cores that takes longer than the default minute.
const SLOW = { timeout: 180_000 }

/** The S3 section again under another name, with another endpoint port. */
function s3At(name: string, port: number): string {
  return s3.config(name).replace(`:${s3.port}\n`, `:${port}\n`)
}

/** Settings that make a dead server fail in seconds instead of minutes (see the README's backend notes). */
const FAIL_FAST = 'options: { retries: 1, low-level-retries: 1, contimeout: 2s }\n'

describe('servers that are down', SLOW, () => {
  it('a server down at the start fails its destination with its words, the others succeed; with it back, the next run copies everything', async () => {
    const ws = tempDir()
    const proxy = await tcpProxy(s3.port)
    const run = runWith(
      `${base}\n${s3At('s3p', proxy.port)}\n${sftp.config('sftpdown').replace(`port = ${sftp.port}`, `port = ${deadPort}`)}`,
    )
    await rc.ok(['mkdir', 's3:rj-down'])
    const dests = ['s3p:rj-down/a', `sftpdown:${sftp.root}/down`, `sftp:${sftp.root}/up`]
    writeTree(ws, {
      'jobs/spread.yml': `source: src\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}${FAIL_FAST}`,
      'src/a.txt': 'a',
      'src/b/c.txt': 'c',
    })
    await proxy.down()
    const r = await run(ws, { command: 'run' })
    expect(r.status).toBe(1)
    for (const d of dests.slice(0, 2)) {
      const res = resultFor(r, d)
      expect(res.status, d).toBe('failed')
      expect(String(res.reason), d).toContain('connection refused')
    }
    expect(resultFor(r, dests[2] as string)).toMatchObject({ status: 'success', transfers: 2 })
    expect(await rc.listing('s3:rj-down/a')).toEqual([])

    await proxy.up()
    const again = await run(ws, { command: 'run', jobs: 'spread' })
    expect(resultFor(again, dests[0] as string)).toMatchObject({ status: 'success', transfers: 2 })
    expect(resultFor(again, dests[2] as string)).toMatchObject({ status: 'success', transfers: 0 })
    expect(await rc.listing('s3:rj-down/a')).toEqual(['a.txt;1', 'b/c.txt;1'])
  })

  it('a server that goes down mid-run fails the destination; the next run finishes the rest and counts only the rest', async () => {
    const ws = tempDir()
    const proxy = await tcpProxy(s3.port)
    const run = runWith(`${base}\n${s3At('s3p', proxy.port)}`)
    await rc.ok(['mkdir', 's3:rj-midrun'])
    const files: Record<string, Buffer> = {}
    for (let i = 0; i < 8; i++) files[`src/f${i}.bin`] = Buffer.alloc(1 << 20, i)
    writeTree(ws, {
      'jobs/mid.yml': `source: src\ndestinations: ["s3p:rj-midrun/m"]\noptions: { transfers: 1, retries: 1, low-level-retries: 1, contimeout: 2s }\n`,
      ...files,
    })
    // Down after about three and a half files went up.
    const cut = proxy.cutAfter(3.5 * (1 << 20))
    const r = await run(ws, { command: 'run' })
    await cut
    expect(r.status).toBe(1)
    const landed = await rc.listing('s3:rj-midrun/m')
    expect(landed.length).toBeGreaterThan(0)
    expect(landed.length).toBeLessThan(8)
    expect(results(r)[0]).toMatchObject({ status: 'failed', transfers: landed.length })

    await proxy.up()
    const rest = await run(ws, { command: 'run' })
    expect(rest.status, rest.stdout).toBe(0)
    expect(results(rest)[0]).toMatchObject({ status: 'success', transfers: 8 - landed.length, deletes: 0 })
    expect(await rc.listing('s3:rj-midrun/m')).toHaveLength(8)
  })
})

describe('credentials and buckets', SLOW, () => {
  it('wrong credentials fail each destination with the server refusal, and no secret is in the log, summary, outputs or report files', async () => {
    const ws = tempDir()
    const wrongSecret = `Wrong${s3.secretKey.slice(5)}`
    const wrongPass = 'pwWRONGpassword123'
    const wrongObscured = execFileSync('rclone', ['obscure', wrongPass], {
      env: cleanRcloneEnv(),
      encoding: 'utf8',
    }).trim()
    const strangerKey = path.join(ws, 'stranger_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', strangerKey])
    const config = [
      base,
      s3.config('s3bad').replace(s3.secretKey, wrongSecret),
      ftp.config('ftpbad').replace(ftp.obscured, wrongObscured),
      sftp.config('sftpbad').replace(sftp.keyFile, strangerKey),
    ].join('\n')
    const dests = ['s3bad:rj-creds/x', `ftpbad:${ftp.root}/creds`, `sftpbad:${sftp.root}/creds`]
    writeTree(ws, {
      'jobs/creds.yml': `source: src\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}${FAIL_FAST}`,
      'jobs/fine.yml': `source: src\ndestinations: ["s3:rj-creds-fine/x"]\n`,
      'src/a.txt': 'a',
    })
    const r = await runWith(config)(ws, { command: 'run', 'max-parallel': '1' })
    expect(r.status).toBe(1)
    expect(resultFor(r, 'rj-creds-fine')).toMatchObject({ status: 'success', transfers: 1 })
    const reasons = dests.map((d) => {
      const res = resultFor(r, d)
      expect(res.status, d).toBe('failed')
      return String(res.reason)
    })
    expect(reasons[0]).toContain('SignatureDoesNotMatch')
    expect(reasons[1]).toContain('530 Login incorrect')
    expect(reasons[2]).toContain('unable to authenticate')

    const secrets = [s3.secretKey, wrongSecret, ftp.pass, ftp.obscured, wrongPass, wrongObscured]
    expectNoSecrets(r, ws, secrets)
  })

  it('a missing bucket: as a source it is refused and nothing changes; a copy creates it; check finds every file missing', async () => {
    const ws = tempDir()
    const run = runWith(base)
    await rc.put(`sftp:${sftp.root}/from-missing/kept.txt`, 'kept')
    writeTree(ws, {
      'jobs/from-missing.yml': `source: "s3:rj-no-such-bucket"\ndestinations: ["sftp:${sftp.root}/from-missing"]\n`,
      'jobs/into-new.yml': 'source: src\nmode: copy\ndestinations: ["s3:rj-made-by-copy/x"]\n',
      'jobs/never.yml': 'source: src\nmode: copy\ndestinations: ["s3:rj-never-made/x"]\n',
      'src/a.txt': 'a',
      'src/b.txt': 'b',
    })
    const r = await run(ws, { command: 'run', jobs: 'from-missing,into-new' })
    expect(r.status).toBe(1)
    const refused = resultFor(r, 'from-missing')
    expect(refused.status).toBe('failed')
    expect(String(refused.reason)).toMatch(/source could not be listed.*directory not found/)
    expect(await rc.listing(`sftp:${sftp.root}/from-missing`)).toEqual(['kept.txt;4'])
    // rclone makes a destination bucket that does not exist (on AWS that needs s3:CreateBucket).
    expect(resultFor(r, 'rj-made-by-copy')).toMatchObject({ status: 'success', transfers: 2 })
    expect(await rc.listing('s3:rj-made-by-copy/x')).toEqual(['a.txt;1', 'b.txt;1'])

    const check = await run(ws, { command: 'check', jobs: 'never' })
    expect(check.status).toBe(1)
    expect(results(check)[0]).toMatchObject({ status: 'failed', missingOnDestination: 2, differ: 0 })
    expect((await rc.ok(['lsf', 's3:'])).split('\n')).not.toContain('rj-never-made/')
  })

  it('versions at a bucket root: validation with the config asks for versions.path, and nothing runs or makes a bucket (defect 3)', async () => {
    const ws = tempDir()
    const run = runWith(base)
    writeTree(ws, {
      'jobs/root.yml': 'source: src\ndestinations: ["s3:rj-root-bucket"]\nversions: { keep: 7d }\n',
      'jobs/folder.yml': `source: src\ndestinations: ["sftp:${sftp.root}/vfolder"]\nversions: { keep: 7d }\n`,
      'src/a.txt': 'a',
    })
    const v = await run(ws, { command: 'validate' })
    expect(v.status).toBe(1)
    expect(v.stdout).toMatch(
      /jobs\/root\.yml:3:\d+: error: versions: destinations\[0\] \("s3:rj-root-bucket"\) is the root of a bucket/,
    )
    expect(v.stdout).toContain('set versions.path')
    expect(v.stdout).not.toContain('jobs/folder.yml:')
    const r = await run(ws, { command: 'run' })
    expect(r.status).toBe(1)
    expect(results(r)).toEqual([])
    expect((await rc.ok(['lsf', 's3:'])).split('\n')).not.toContain('rj-root-bucket.versions/')

    // An explicit path, in a bucket of its own, is fine.
    writeTree(ws, {
      'jobs/root.yml':
        'source: src\ndestinations: ["s3:rj-root-bucket"]\nversions: { keep: 7d, path: "s3:rj-root-bucket-versions/history" }\n',
    })
    const ok = await run(ws, { command: 'run' })
    expect(ok.status, ok.stdout).toBe(0)
    expect(await rc.listing('s3:rj-root-bucket')).toEqual(['a.txt;1'])
  })

  it('create-empty-src-dirs to S3 warns that a bucket holds no empty folders; SFTP gets them (defect 7)', async () => {
    const ws = tempDir()
    const run = runWith(base)
    writeTree(ws, {
      'jobs/dirs.yml': `source: src\ncreate-empty-src-dirs: true\ndestinations: ["s3:rj-dirs/x", "sftp:${sftp.root}/dirs"]\n`,
      'src/full/a.txt': 'a',
    })
    mkdirSync(path.join(ws, 'src/empty'))
    const v = await run(ws, { command: 'validate' })
    expect(v.status, v.stdout).toBe(0)
    const warning =
      /::warning title=rclone-jobs%3A destinations\[0\],file=jobs\/dirs\.yml,line=3,.*no folders.*directory markers.*1\.65/i
    expect(v.stdout).toMatch(warning)
    expect(v.stdout).not.toMatch(/::warning.*destinations\[1\]/)
    const r = await run(ws, { command: 'run' })
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toMatch(warning)
    expect(readTree(path.join(sftp.root, 'dirs'))).toEqual({ 'empty/': '', 'full/a.txt': 'a' })
    expect((await rc.ok(['lsf', '-R', 's3:rj-dirs/x'])).split('\n').sort()).toEqual([
      '',
      'full/',
      'full/a.txt',
    ])
  })
})

describe('dead servers and time limits', SLOW, () => {
  it("a dead S3 with the job's max-duration, or the time budget's, is failed: it was never reached, so nothing was cut (defect 4)", async () => {
    const ws = tempDir()
    const run = runWith(`${base}\n${s3At('s3down', deadPort)}`)
    // A bucket root: rclone does not look for a file there first, so it goes straight to listing, until the deadline.
    writeTree(ws, {
      'jobs/dead.yml': 'source: src\ndestinations: ["s3down:rj-dead"]\noptions: { max-duration: 3s }\n',
      'src/a.txt': 'a',
    })
    const own = await run(ws, { command: 'run' })
    writeTree(ws, { 'jobs/dead.yml': 'source: src\ndestinations: ["s3down:rj-dead"]\n' })
    const budget = await run(ws, { command: 'run', 'time-budget': '4s' })
    for (const r of [own, budget]) {
      expect(r.status, r.stdout).toBe(1)
      const res = results(r)[0]
      expect(res?.status).toBe('failed')
      expect(String(res?.reason)).toContain('could not reach or list the destination')
      expect(String(res?.reason)).not.toContain('the next run goes on')
    }
  })

  it('the time budget bounds the step whatever rclone retries: a dead S3 is stopped at the budget and its grace (defect 5)', async () => {
    const ws = tempDir()
    const run = runWith(`${base}\n${s3At('s3down', deadPort)}`)
    // Below a bucket, rclone first asks whether the path is a file, with its default 10 low-level retries and before
    // its --max-duration starts: about 100 s against a dead server (then 3 attempts more) if nothing stops it.
    writeTree(ws, {
      'jobs/dead.yml': 'source: src\ndestinations: ["s3down:rj-dead/deep"]\n',
      'jobs/later.yml': `source: src\ndestinations: ["sftp:${sftp.root}/later"]\n`,
      'src/a.txt': 'a',
    })
    const budgetS = 5
    const t0 = Date.now()
    const r = await run(ws, { command: 'run', 'time-budget': `${budgetS}s`, 'max-parallel': '1' })
    const seconds = (Date.now() - t0) / 1000
    // The bound under test is budget + grace; the margin covers starting node and rclone and the report on a busy
    // 2-core machine, and is far below the ~100 s rclone would take by itself.
    expect(seconds).toBeLessThan(budgetS + BUDGET_GRACE_MS / 1000 + 15)
    expect(r.status).toBe(1)
    const [dead, later] = results(r)
    expect(dead?.status).toBe('failed')
    expect(String(dead?.reason)).toMatch(/stopped at the end of the time budget \(5s\) and its \d+s grace/)
    expect(later).toMatchObject({ status: 'incomplete' })
    expect(String(later?.reason)).toContain('not started: the time budget (5s) was spent')
  })

  it('the documented advice bounds a dead server: retries 1 and low-level-retries 1 fail a dead S3 in seconds (defect 9)', async () => {
    const ws = tempDir()
    const run = runWith(`${base}\n${s3At('s3down', deadPort)}`)
    writeTree(ws, {
      'jobs/dead.yml': `source: src\ndestinations: ["s3down:rj-dead/deep"]\n${FAIL_FAST}`,
      'src/a.txt': 'a',
    })
    // Without the two settings this takes minutes, past the test's own timeout.
    const r = await run(ws, { command: 'run' })
    expect(r.status).toBe(1)
    expect(String(results(r)[0]?.reason)).toContain('connection refused')
    const safety = readFileSync('docs/safety.md', 'utf8')
    const faults = safety.slice(safety.indexOf('## Faults'), safety.indexOf('## Where data goes'))
    for (const advice of ['`retries: 1`', '`low-level-retries: 1`', '`time-budget`'])
      expect(faults, advice).toContain(advice)
  })
})

/** No secret in what the action printed (the runner's ::add-mask:: commands aside) or left in the workspace. */
function expectNoSecrets(r: BundleRun, ws: string, secrets: readonly string[]): void {
  const shownLog = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n')
  const written = [
    { file: 'stdout', text: shownLog },
    { file: 'stderr', text: r.stderr },
    { file: 'summary', text: r.summary },
    ...Object.entries(r.outputs).map(([k, v]) => ({ file: `output ${k}`, text: v })),
    ...filesUnder(ws).filter((f) => !f.file.includes(`${path.sep}jobs${path.sep}`)),
  ]
  expect(written.some((w) => w.file.includes('rclone-jobs-report-'))).toBe(true)
  for (const s of secrets)
    for (const w of written) expect(w.text.includes(s), `a secret found in ${w.file}`).toBe(false)
}
