import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'
import { davConfig, serve } from './helpers/servers.js'

beforeAll(() => {
  requireRclone()
})

describe('deletion guards', () => {
  it('an empty source never empties the destination unless allow-empty-source is set', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/guarded.yml': 'source: empty\ndestinations: [dst-a]\n',
      'jobs/bi.yml': 'source: empty-bi\ndestinations: [dst-c]\nmode: bisync\nresync: true\n',
      'dst-a/keep.txt': 'precious',
      'dst-c/keep.txt': 'precious',
    })
    mkdirSync(path.join(ws, 'empty'))
    mkdirSync(path.join(ws, 'empty-bi'))
    const r = await runAction(ws, { 'max-parallel': '1' })
    expect(r.failed).toBe(true)
    expect(readTree(path.join(ws, 'dst-a'))).toEqual({ 'keep.txt': 'precious' })
    expect(readTree(path.join(ws, 'dst-c'))).toEqual({ 'keep.txt': 'precious' })
    expect(r.results.map((x) => [x.job, x.status])).toEqual([
      ['bi', 'failed'],
      ['guarded', 'failed'],
    ])
    expect(String(r.results[1]?.reason)).toContain('the source is empty')
    expect(String(r.results[1]?.reason)).toContain('allow-empty-source: true')
    expect(r.calls.filter((c) => c[0] === 'sync' || c[0] === 'bisync')).toEqual([])

    writeTree(ws, { 'jobs/guarded.yml': 'source: empty\ndestinations: [dst-a]\nallow-empty-source: true\n' })
    const allowed = await runAction(ws, { jobs: 'guarded' })
    expect(allowed.failed).toBe(false)
    expect(readTree(path.join(ws, 'dst-a'))).toEqual({})
    expect(allowed.results[0]).toMatchObject({ status: 'success', deletes: 1 })
  })

  it('a source that is empty after the job filters counts as empty; copy is never guarded', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/jpg.yml': 'source: src\ndestinations: [dst]\nfilters: { include: ["*.jpg"] }\n',
      'jobs/copy.yml': 'source: empty-src\ndestinations: [dst-copy]\nmode: copy\n',
      'src/notes.txt': 'not an image',
      'dst/old.jpg': 'would be deleted',
      'dst-copy/x.txt': 'x',
    })
    mkdirSync(path.join(ws, 'empty-src'))
    const r = await runAction(ws, {})
    expect(r.results.find((x) => x.job === 'jpg')).toMatchObject({ status: 'failed' })
    expect(r.results.find((x) => x.job === 'copy')).toMatchObject({ status: 'success' })
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'old.jpg': 'would be deleted' })
  })

  it("a source that cannot be listed fails with rclone's error and changes nothing", async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/j.yml': 'source: missing\ndestinations: [dst]\n', 'dst/a.txt': 'a' })
    const r = await runAction(ws, {})
    expect(r.failed).toBe(true)
    expect(r.results[0]).toMatchObject({ status: 'failed', exitCode: 3 })
    expect(String(r.results[0]?.reason)).toMatch(/could not be listed.*directory not found/)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a' })
  })

  it('max-delete is decided before anything is deleted, and shown in the summary', async () => {
    const ws = tempDir()
    const files: Record<string, string> = {
      'jobs/m.yml': 'source: src\ndestinations: [dst]\noptions: { max-delete: 2 }\n',
      'src/new.txt': 'n',
    }
    for (let i = 0; i < 5; i++) files[`dst/old-${i}.txt`] = String(i)
    writeTree(ws, files)
    const before = readTree(path.join(ws, 'dst'))
    const r = await runAction(ws, {})
    expect(r.failed).toBe(true)
    expect(readTree(path.join(ws, 'dst'))).toEqual(before)
    expect(r.results[0]).toMatchObject({ status: 'failed' })
    expect(String(r.results[0]?.reason)).toContain('would delete 5 files, more than max-delete (2)')
    expect(r.summary).toContain('would delete 5 files, more than max-delete (2)')

    writeTree(ws, { 'jobs/m.yml': 'source: src\ndestinations: [dst]\noptions: { max-delete: 5 }\n' })
    const ok = await runAction(ws, {})
    expect(ok.failed).toBe(false)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'new.txt': 'n' })
    expect(ok.results[0]).toMatchObject({ deletes: 5, transfers: 1 })
  })
})

describe('rclone-config and real network remotes', () => {
  it('reaches a WebDAV server through rclone-config; the config is private, masked first, and removed', async () => {
    const ws = tempDir()
    const served = tempDir()
    const dav = await serve('webdav', served)
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations: ["dav:backup"]\n',
      'src/a.txt': 'alpha',
      'src/sub/b.txt': 'beta',
    })
    const config = davConfig(dav)
    const seen: Array<{ file: string; mode: number; dirMode: number }> = []
    const r = await runAction(
      ws,
      { 'rclone-config': config },
      {
        runner: (real) => (args, o) => {
          const file = o?.env?.RCLONE_CONFIG
          if (file)
            seen.push({
              file,
              mode: statSync(file).mode & 0o777,
              dirMode: statSync(path.dirname(file)).mode & 0o777,
            })
          return real(args, o)
        },
      },
    )
    expect(r.failed).toBe(false)
    expect(readTree(path.join(served, 'backup'))).toEqual({ 'a.txt': 'alpha', 'sub/b.txt': 'beta' })
    expect(seen.length).toBeGreaterThan(0)
    const file = seen[0]?.file as string
    expect(seen[0]).toMatchObject({ mode: 0o600, dirMode: 0o700 })
    expect(file.startsWith(path.join(ws, '.runner', 'temp'))).toBe(true)
    expect(path.relative(ws, file).startsWith('.runner')).toBe(true)
    expect(existsSync(file)).toBe(false)
    // Only the report (the report-dir output, per-file lists and results) is left, by design.
    expect(
      readdirSync(path.join(ws, '.runner', 'temp')).filter((f) => !f.startsWith('rclone-jobs-report-')),
    ).toEqual([])
    const lines = r.log.split('\n')
    // Masked before anything else is printed: only other masks come first.
    const maskAt = lines.indexOf(`::add-mask::${dav.obscured}`)
    expect(maskAt).toBeGreaterThanOrEqual(0)
    expect(lines.slice(0, maskAt).every((l) => l.startsWith('::add-mask::'))).toBe(true)
    expect(lines.filter((l) => !l.startsWith('::add-mask::')).join('\n')).not.toContain(dav.obscured)
  })

  it('reaches an SFTP server through RCLONE_CONFIG_* variables, masking their secrets', async () => {
    const ws = tempDir()
    const served = tempDir()
    const sftp = await serve('sftp', served)
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations: ["box:drop"]\nmode: copy\n',
      'src/c.txt': 'gamma',
    })
    const r = await runAction(
      ws,
      {},
      {
        env: {
          RCLONE_CONFIG_BOX_TYPE: 'sftp',
          RCLONE_CONFIG_BOX_HOST: '127.0.0.1',
          RCLONE_CONFIG_BOX_PORT: String(sftp.port),
          RCLONE_CONFIG_BOX_USER: sftp.user,
          RCLONE_CONFIG_BOX_PASS: sftp.obscured,
        },
      },
    )
    expect(r.failed, r.log).toBe(false)
    expect(readTree(path.join(served, 'drop'))).toEqual({ 'c.txt': 'gamma' })
    expect(r.log).toContain(`::add-mask::${sftp.obscured}`)
  })
})
