/**
 * `check` and bisync against real servers (issue 20): Ceph RGW (S3), OpenSSH (SFTP with a shell, and SFTP-only) and
 * vsftpd (FTP), started once for this file, driven through `node dist/index.js` with the real rclone.
 */
import { rmSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { BundleRun } from './helpers/bundle.js'
import { readTree, tempDir, writeTree } from './helpers/rclone.js'
import { type Remotes, resultFor, useRemotes } from './helpers/remote-jobs.js'

const remotes = useRemotes()
let sftp: Remotes['sftp']
let ftp: Remotes['ftp']
let rc: Remotes['rc']
let run: Remotes['run']
beforeAll(() => {
  ;({ sftp, ftp, rc, run } = remotes())
})

// Each run starts node and rclone several times; on two busy cores that takes longer than the default minute.
const SLOW = { timeout: 180_000 }

function ok(r: BundleRun): void {
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stderr).toBe('')
}

describe('check', SLOW, () => {
  it('finds a same-size change by hash on S3 and SFTP; on SFTP-only and FTP it says how many files it compared by size only, and check.download finds it (defect 6)', async () => {
    const ws = tempDir()
    const dests = {
      s3: 's3:rj-check/v',
      sftp: `sftp:${sftp.root}/check`,
      sftponly: `sftponly:${sftp.root}/check-only`,
      ftp: `ftp:${ftp.root}/check`,
    }
    const job = (extra = '') =>
      `source: src\ndestinations:\n${Object.values(dests)
        .map((d) => `  - "${d}"\n`)
        .join('')}${extra}`
    writeTree(ws, {
      'jobs/verify.yml': job(),
      'src/a.txt': 'aaaa',
      'src/b.txt': 'bbbb',
      'src/c/d.txt': 'dddd',
    })
    ok(await run(ws, { command: 'run' }))
    const clean = await run(ws, { command: 'check' })
    ok(clean)
    expect(resultFor(clean, dests.s3)).toMatchObject({ status: 'success', sizeOnly: 0 })
    expect(resultFor(clean, dests.sftp)).toMatchObject({ status: 'success', sizeOnly: 0 })
    expect(resultFor(clean, dests.sftponly)).toMatchObject({ status: 'success', sizeOnly: 3 })
    expect(resultFor(clean, dests.ftp)).toMatchObject({ status: 'success', sizeOnly: 3 })

    // The same change, keeping the size, on every destination.
    for (const d of Object.values(dests)) await rc.put(`${d}/a.txt`, 'AAAA')
    const drift = await run(ws, { command: 'check' })
    expect(drift.status).toBe(1)
    expect(resultFor(drift, dests.s3)).toMatchObject({ status: 'failed', differ: 1, sizeOnly: 0 })
    expect(resultFor(drift, dests.sftp)).toMatchObject({ status: 'failed', differ: 1, sizeOnly: 0 })
    // Without a hash in common the change goes unnoticed: the result says so, and the summary warns why.
    expect(resultFor(drift, dests.sftponly)).toMatchObject({ status: 'success', differ: 0, sizeOnly: 3 })
    expect(resultFor(drift, dests.ftp)).toMatchObject({ status: 'success', differ: 0, sizeOnly: 3 })
    expect(drift.summary).toMatch(/3 files compared by size only.*SFTP/)
    expect(drift.summary).toMatch(/3 files compared by size only.*FTP/)
    expect(drift.summary).toContain('check: { download: true }')

    writeTree(ws, { 'jobs/verify.yml': job('check: { download: true }\n') })
    const download = await run(ws, { command: 'check' })
    expect(download.status).toBe(1)
    for (const d of Object.values(dests))
      expect(resultFor(download, d), d).toMatchObject({ status: 'failed', differ: 1, sizeOnly: 0 })
    expect(download.stdout).toMatch(/\$ rclone check .*--download/)
  })
})

describe('bisync', SLOW, () => {
  it.each([
    ['S3', () => ['s3:rj-state/store', 's3:rj-bisync/docs']],
    ['SFTP', () => [`sftp:${sftp.root}/state`, `sftp:${sftp.root}/bisync/docs`]],
  ])(
    'keeps its state on %s: the first run resyncs with consent, the next carries changes both ways without a resync',
    async (_, where) => {
      const [store, dest] = where() as [string, string]
      const ws = tempDir()
      writeTree(ws, {
        'jobs/shared.yml': `source: local\ndestinations: ["${dest}"]\nmode: bisync\nresync: true\n`,
        'local/a.txt': 'a',
        'local/sub/b.txt': 'b',
      })
      await rc.put(`${dest}/remote.txt`, 'from the remote')
      const first = await run(ws, { command: 'run', 'bisync-state': store })
      ok(first)
      expect(first.stdout).toMatch(/\$ rclone bisync .*--resync/)
      expect(readTree(path.join(ws, 'local'))).toEqual({
        'a.txt': 'a',
        'remote.txt': 'from the remote',
        'sub/b.txt': 'b',
      })
      const stored = await rc.listing(`${store}/pairs`)
      expect(
        stored.some((l) => /state\/path1\.lst;/.test(l)),
        stored.join('\n'),
      ).toBe(true)

      // A new runner: the work folder is gone, the state comes from the store.
      rmSync(path.join(ws, '.runner'), { recursive: true, force: true })
      writeTree(ws, { 'local/new-local.txt': 'made here' })
      await rc.put(`${dest}/new-remote.txt`, 'made there')
      await rc.ok(['deletefile', `${dest}/sub/b.txt`])
      const second = await run(ws, { command: 'run', 'bisync-state': store })
      ok(second)
      expect(second.stdout).not.toMatch(/\$ rclone bisync .*--resync/)
      expect(readTree(path.join(ws, 'local'))).toEqual({
        'a.txt': 'a',
        'new-local.txt': 'made here',
        'new-remote.txt': 'made there',
        'remote.txt': 'from the remote',
        // bisync leaves an emptied folder (rclone's --remove-empty-dirs, a bisync setting, removes it).
        'sub/': '',
      })
      expect(await rc.listing(dest)).toEqual([
        'a.txt;1',
        'new-local.txt;9',
        'new-remote.txt;10',
        'remote.txt;15',
      ])
    },
  )

  it('a first run with resync creates a bucket or folder that does not exist yet; without it, or later, the error names the missing side (defect 8)', async () => {
    const ws = tempDir()
    const dests = ['s3:rj-bisync-new/docs', `sftp:${sftp.root}/bisync-new/not/yet`]
    writeTree(ws, {
      'jobs/fresh.yml': `source: local\ndestinations:\n${dests.map((d) => `  - "${d}"\n`).join('')}mode: bisync\nresync: true\n`,
      'local/a.txt': 'a',
    })
    const store = `sftp:${sftp.root}/state-fresh`
    // A plan changes nothing, so it cannot create the root: it says what a run would do.
    const plan = await run(ws, { command: 'plan', 'bisync-state': store })
    ok(plan)
    for (const d of dests) {
      expect(resultFor(plan, d), d).toMatchObject({ status: 'skipped' })
      expect(String(resultFor(plan, d).reason)).toMatch(/does not exist yet; a run creates it, then resyncs/)
    }
    expect((await rc.rc(['lsf', 's3:'])).stdout).not.toContain('rj-bisync-new')

    const first = await run(ws, { command: 'run', 'bisync-state': store })
    ok(first)
    for (const d of dests) expect(await rc.listing(d)).toEqual(['a.txt;1'])

    // The state exists, and then the SFTP folder is removed: the error says which side is missing.
    rmSync(path.join(sftp.root, 'bisync-new'), { recursive: true, force: true })
    const gone = await run(ws, { command: 'run', 'bisync-state': store })
    expect(gone.status).toBe(1)
    const failed = resultFor(gone, dests[1] as string)
    expect(failed.status).toBe('failed')
    expect(String(failed.reason)).toContain(`the destination (Path2) "${dests[1]}" does not exist`)
    expect(resultFor(gone, dests[0] as string).status).toBe('success')
  })
})
