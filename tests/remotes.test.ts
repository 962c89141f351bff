/**
 * Sync, copy, versions and the deletion guards against real servers (issue 20): Ceph RGW (S3), OpenSSH (SFTP with a
 * shell, and SFTP-only) and vsftpd (FTP), started once for this file, driven through `node dist/index.js` with the
 * real rclone. What a run reports in `results` is compared with what the servers hold afterwards.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { BundleRun } from './helpers/bundle.js'
import { sameModTime, tempDir, writeTree } from './helpers/rclone.js'
import {
  changesBetween,
  type Remotes,
  reportedChanges,
  resultFor,
  results,
  useRemotes,
} from './helpers/remote-jobs.js'

const remotes = useRemotes()
let s3: Remotes['s3']
let sftp: Remotes['sftp']
let ftp: Remotes['ftp']
let rc: Remotes['rc']
let run: Remotes['run']
beforeAll(() => {
  ;({ s3, sftp, ftp, rc, run } = remotes())
})

// Each run starts node and rclone several times; on two busy cores that takes longer than the default minute.
const SLOW = { timeout: 180_000 }

/** `path;size` lines of a local tree, as `listing` gives them for a remote. */
function localListing(root: string): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else out.push(`${path.relative(root, full).split(path.sep).join('/')};${statSync(full).size}`)
    }
  }
  walk(root)
  return out.sort()
}

function ok(r: BundleRun): void {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stderr).toBe('')
}

describe('sync and copy', SLOW, () => {
  it('syncs one source to S3 and SFTP: results count what each server now holds, multipart objects included, and the plan said the same', async () => {
    const ws = tempDir()
    const dests = ['s3:rj-mirror/site', `sftp:${sftp.root}/mirror`]
    writeTree(ws, {
      'jobs/mirror.yml': `source: src\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}`,
      'src/a.txt': 'alpha',
      'src/sub/b.txt': 'bravo',
      'src/sub/deep/c.txt': 'charlie',
      'src/big.bin': randomBytes(12 * 1024 * 1024),
    })
    const first = await run(ws, { command: 'run' })
    ok(first)
    for (const d of dests) {
      expect(await rc.listing(d)).toEqual(localListing(path.join(ws, 'src')))
      expect(resultFor(first, d)).toMatchObject({ status: 'success', transfers: 4, deletes: 0, errors: 0 })
    }
    // RGW's access log shows big.bin went up in parts: an initiation, then 5 MiB parts.
    const access = readFileSync(path.join(s3.dir, 'log', 'client.rgw.log'), 'utf8')
    expect(access).toMatch(/"POST \/rj-mirror\/site\/big\.bin\?uploads=? HTTP/)
    expect(access).toMatch(/"PUT \/rj-mirror\/site\/big\.bin\?partNumber=3&uploadId=/)

    // One file new, two changed (the multipart one among them), one deleted.
    writeTree(ws, {
      'src/a.txt': 'alpha, changed',
      'src/new.txt': 'new',
      'src/big.bin': randomBytes(12 << 20),
    })
    rmSync(path.join(ws, 'src/sub/b.txt'))
    const before = new Map(await Promise.all(dests.map(async (d) => [d, await rc.sums(d)] as const)))
    const plan = await run(ws, { command: 'plan' })
    ok(plan)
    for (const d of dests) {
      expect(resultFor(plan, d)).toMatchObject({ wouldCopy: 1, wouldUpdate: 2, wouldDelete: 1 })
      expect(await rc.sums(d)).toEqual(before.get(d))
    }
    const second = await run(ws, { command: 'run' })
    ok(second)
    for (const [i, d] of dests.entries()) {
      const after = await rc.sums(d)
      const changed = changesBetween(before.get(d) as Map<string, string>, after)
      expect(changed).toEqual({ added: ['new.txt'], changed: ['a.txt', 'big.bin'], removed: ['sub/b.txt'] })
      const r = resultFor(second, d)
      expect(r).toMatchObject({ status: 'success', transfers: 3, deletes: 1 })
      expect(reportedChanges(second, 'mirror', i)).toEqual([
        'copy new.txt',
        'delete sub/b.txt',
        'update a.txt',
        'update big.bin',
      ])
      expect(await rc.listing(d)).toEqual(localListing(path.join(ws, 'src')))
    }
    // The multipart object's MD5 (kept by rclone in its metadata) is the source's.
    const { createHash } = await import('node:crypto')
    const md5 = createHash('md5')
      .update(readFileSync(path.join(ws, 'src/big.bin')))
      .digest('hex')
    expect((await rc.sums('s3:rj-mirror/site')).get('big.bin')).toBe(md5)
  })

  it('copies to S3, SFTP-only and FTP without deleting what is already there; a second run copies nothing', async () => {
    const ws = tempDir()
    const dests = ['s3:rj-archive/a', `sftponly:${sftp.root}/archive`, `ftp:${ftp.root}/archive`]
    writeTree(ws, {
      'jobs/archive.yml': `source: src\nmode: copy\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}`,
      'src/one.txt': '1',
      'src/dir/two.txt': '22',
      'src/dir/three.txt': '333',
    })
    for (const d of dests) await rc.put(`${d}/kept.txt`, 'only on the destination')
    const first = await run(ws, { command: 'run' })
    ok(first)
    for (const d of dests) {
      expect(resultFor(first, d)).toMatchObject({ status: 'success', transfers: 3, deletes: 0 })
      expect(await rc.listing(d)).toEqual([...localListing(path.join(ws, 'src')), 'kept.txt;23'].sort())
    }
    const again = await run(ws, { command: 'run' })
    ok(again)
    for (const d of dests) expect(resultFor(again, d)).toMatchObject({ status: 'success', transfers: 0 })
  })
})

describe('versions', SLOW, () => {
  /** A destination holding keep.txt (as in the source), changed.txt (an older version) and deleted.txt. */
  async function seed(ws: string, dests: readonly string[]): Promise<void> {
    writeTree(ws, {
      'src/keep.txt': 'k',
      'src/changed.txt': 'new version',
      'seed/keep.txt': 'k',
      'seed/changed.txt': 'old',
      'seed/deleted.txt': 'only on the destination',
    })
    sameModTime(ws, ['src', 'seed'], 'keep.txt')
    for (const d of dests) await rc.ok(['sync', path.join(ws, 'seed'), d])
  }

  it('1 changed + 1 deleted file reports 1 transferred and 1 deleted on S3 as on SFTP, equal to the plan (defect 2)', async () => {
    const ws = tempDir()
    const dests = ['s3:rj-versions/docs', `sftp:${sftp.root}/versions/docs`]
    await seed(ws, dests)
    writeTree(ws, {
      'jobs/docs.yml': `source: src\nversions: { keep: 30d }\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}`,
    })
    const plan = await run(ws, { command: 'plan' })
    ok(plan)
    for (const d of dests)
      expect(resultFor(plan, d)).toMatchObject({ wouldCopy: 0, wouldUpdate: 1, wouldDelete: 1 })
    const r = await run(ws, { command: 'run' })
    ok(r)
    for (const [i, d] of dests.entries()) {
      const res = resultFor(r, d)
      expect(res, d).toMatchObject({ status: 'success', transfers: 1, deletes: 1 })
      expect(reportedChanges(r, 'docs', i), d).toEqual(['delete deleted.txt', 'update changed.txt'])
      expect(await rc.listing(d)).toEqual(['changed.txt;11', 'keep.txt;1'])
      expect(await rc.listing(`${d}.versions/${res.versions?.folder}`)).toEqual([
        'changed.txt;3',
        'deleted.txt;23',
      ])
    }
  })

  it('max-delete with versions on S3: a run within the limit runs to its end, one over it changes nothing (defect 1)', async () => {
    const ws = tempDir()
    const dest = 's3:rj-maxdel/docs'
    await seed(ws, [dest])
    for (const n of [1, 2]) await rc.put(`${dest}/gone-${n}.txt`, `gone ${n}`)
    // Three deletions (deleted.txt, gone-1, gone-2), each a move into versions: S3 copies, then deletes, and
    // rclone's own --max-delete counts both deletes of each move and the old copy of changed.txt too.
    writeTree(ws, {
      'jobs/docs.yml': `source: src\ndestinations: ["${dest}"]\noptions: { max-delete: 3 }\nversions: { keep: 30d }\n`,
    })
    const plan = await run(ws, { command: 'plan' })
    ok(plan)
    expect(results(plan)[0]).toMatchObject({ status: 'success', wouldUpdate: 1, wouldDelete: 3 })
    const r = await run(ws, { command: 'run' })
    ok(r)
    const res = resultFor(r, dest)
    expect(res).toMatchObject({ status: 'success', transfers: 1, deletes: 3 })
    expect(await rc.listing(dest)).toEqual(['changed.txt;11', 'keep.txt;1'])
    expect(await rc.listing(`${dest}.versions/${res.versions?.folder}`)).toEqual([
      'changed.txt;3',
      'deleted.txt;23',
      'gone-1.txt;6',
      'gone-2.txt;6',
    ])

    // One more deletion than allowed: refused before anything moves.
    const over = 's3:rj-maxdel/over'
    await seed(ws, [over])
    for (const n of [1, 2, 3]) await rc.put(`${over}/gone-${n}.txt`, `gone ${n}`)
    writeTree(ws, {
      'jobs/docs.yml': `source: src\ndestinations: ["${over}"]\noptions: { max-delete: 3 }\nversions: { keep: 30d }\n`,
    })
    const before = await rc.sums(over)
    const refusedPlan = await run(ws, { command: 'plan' })
    expect(refusedPlan.status).toBe(1)
    const refused = await run(ws, { command: 'run' })
    expect(refused.status).toBe(1)
    for (const x of [refusedPlan, refused])
      expect(String(results(x)[0]?.reason)).toContain('would delete 4 files, more than max-delete (3)')
    expect(await rc.sums(over)).toEqual(before)
    expect((await rc.rc(['lsf', `${over}.versions`])).stdout).toBe('')
  })
})

describe('deletion guards with remote destinations', SLOW, () => {
  it('an empty source (a local folder, or an empty bucket) never empties S3 or SFTP; max-delete refuses on SFTP before anything changes', async () => {
    const ws = tempDir()
    mkdirSync(path.join(ws, 'empty'), { recursive: true })
    await rc.ok(['mkdir', 's3:rj-empty-source'])
    const targets = ['s3:rj-guard/g', `sftp:${sftp.root}/guard`, `sftp:${sftp.root}/guard-bucket`]
    for (const t of targets) {
      await rc.put(`${t}/precious.txt`, 'precious')
      await rc.put(`${t}/also.txt`, 'also')
    }
    writeTree(ws, {
      'jobs/empty.yml': `source: empty\ndestinations: ["${targets[0]}", "${targets[1]}"]\n`,
      'jobs/bucket.yml': `source: "s3:rj-empty-source"\ndestinations: ["${targets[2]}"]\n`,
      'jobs/limited.yml': `source: src\ndestinations: ["sftp:${sftp.root}/limited"]\noptions: { max-delete: 1 }\n`,
      'src/only.txt': 'only',
    })
    for (const n of [1, 2]) await rc.put(`sftp:${sftp.root}/limited/old-${n}.txt`, 'old')
    const r = await run(ws, { command: 'run' })
    expect(r.status).toBe(1)
    for (const t of targets) {
      expect(await rc.listing(t)).toEqual(['also.txt;4', 'precious.txt;8'])
      const res = resultFor(r, t)
      expect(res.status).toBe('failed')
      expect(String(res.reason)).toContain('the source is empty')
    }
    const limited = resultFor(r, '/limited')
    expect(limited.status).toBe('failed')
    expect(String(limited.reason)).toContain('would delete 2 files, more than max-delete (1)')
    expect(await rc.listing(`sftp:${sftp.root}/limited`)).toEqual(['old-1.txt;3', 'old-2.txt;3'])
  })
})
