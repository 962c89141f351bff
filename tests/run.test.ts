import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

beforeAll(() => {
  requireRclone()
})

function workspace(jobs: Record<string, string>, data: Record<string, string> = {}): string {
  const ws = tempDir()
  writeTree(ws, { ...Object.fromEntries(Object.entries(jobs).map(([k, v]) => [`jobs/${k}`, v])), ...data })
  return ws
}

describe('run with the real rclone', () => {
  it('syncs one source to two destinations with include filters and reports what rclone did', async () => {
    const ws = workspace(
      {
        'photos.yml': [
          'source: src',
          'destinations:',
          '  - out/a',
          '  - path: out/b',
          '    options: { checksum: true }',
          'filters:',
          '  include: ["*.jpg", "*.png"]',
        ].join('\n'),
      },
      {
        'src/one.jpg': 'jpg-1',
        'src/deep/two.png': 'png-22',
        'src/skip.raw': 'raw',
        'out/b/stale.jpg': 'old',
        'out/b/keep-me.raw': 'excluded files are not deleted by sync',
      },
    )
    const r = await runAction(ws, { command: 'run' })
    if (r.failed) console.error(r.log)
    expect(r.failed).toBe(false)
    expect(readTree(path.join(ws, 'out/a'))).toEqual({ 'deep/two.png': 'png-22', 'one.jpg': 'jpg-1' })
    expect(readTree(path.join(ws, 'out/b'))).toEqual({
      'deep/two.png': 'png-22',
      'keep-me.raw': 'excluded files are not deleted by sync',
      'one.jpg': 'jpg-1',
    })
    expect(r.results).toEqual([
      expect.objectContaining({
        job: 'photos',
        destination: 'out/a',
        mode: 'sync',
        status: 'success',
        exitCode: 0,
        transfers: 2,
        bytes: 11,
        deletes: 0,
        errors: 0,
      }),
      expect.objectContaining({
        job: 'photos',
        destination: 'out/b',
        mode: 'sync',
        status: 'success',
        exitCode: 0,
        transfers: 2,
        bytes: 11,
        deletes: 1,
        errors: 0,
      }),
    ])
    expect(JSON.parse(r.outputs['failed-jobs'] as string)).toEqual([])
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({ include: [{ job: 'photos' }] })
    expect(r.summary).toContain('| photos | out/b | sync | ✅ success | 2 | 11 B | 1 | 0 |')
    const syncCalls = r.calls.filter((c) => c[0] === 'sync')
    expect(syncCalls).toHaveLength(2)
    expect(syncCalls.find((c) => c.at(-1) === 'out/b')).toContain('--checksum')
    expect(syncCalls.find((c) => c.at(-1) === 'out/a')).not.toContain('--checksum')
  })

  it('copy keeps files that exist only on the destination', async () => {
    const ws = workspace(
      { 'c.yml': 'source: src\ndestinations: [dst]\nmode: copy\n' },
      { 'src/new.txt': 'new', 'dst/extra.txt': 'mine' },
    )
    const r = await runAction(ws, {})
    expect(r.failed).toBe(false)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'extra.txt': 'mine', 'new.txt': 'new' })
    expect(r.results[0]).toMatchObject({ mode: 'copy', transfers: 1, deletes: 0, bytes: 3 })
  })

  it('creates empty source folders only when create-empty-src-dirs is set', async () => {
    const ws = workspace(
      {
        'with.yml': 'source: src\ndestinations: [with]\ncreate-empty-src-dirs: true\n',
        'without.yml': 'source: src\ndestinations: [without]\n',
      },
      { 'src/file.txt': 'x' },
    )
    mkdirSync(path.join(ws, 'src/empty/nested'), { recursive: true })
    const r = await runAction(ws, {})
    expect(r.failed).toBe(false)
    expect(readTree(path.join(ws, 'with'))).toEqual({ 'empty/nested/': '', 'file.txt': 'x' })
    expect(readTree(path.join(ws, 'without'))).toEqual({ 'file.txt': 'x' })
  })

  it('a missing source fails its job, the other job still runs, and the step fails', async () => {
    const ws = workspace(
      {
        'broken.yml': 'source: does-not-exist\ndestinations: [out/broken]\n',
        'fine.yml': 'source: src\ndestinations: [out/fine]\n',
      },
      { 'src/a.txt': 'a' },
    )
    const r = await runAction(ws, { 'max-parallel': '1' })
    expect(r.failed).toBe(true)
    expect(readTree(path.join(ws, 'out/fine'))).toEqual({ 'a.txt': 'a' })
    const broken = r.results.find((x) => x.job === 'broken')
    expect(broken).toMatchObject({ status: 'failed', exitCode: 3 })
    expect(r.results.find((x) => x.job === 'fine')).toMatchObject({ status: 'success', transfers: 1 })
    expect(JSON.parse(r.outputs['failed-jobs'] as string)).toEqual(['broken'])
    expect(r.summary).toContain('### Failures (1)')
    expect(r.summary).toMatch(/directory not found/i)
  })

  it('fail-fast starts nothing after the first failure', async () => {
    const ws = workspace(
      {
        'a-broken.yml': 'source: nope\ndestinations: [out/1]\n',
        'b-fine.yml': 'source: src\ndestinations: [out/2]\n',
      },
      { 'src/a.txt': 'a' },
    )
    const r = await runAction(ws, { 'max-parallel': '1', 'fail-fast': 'true' })
    expect(r.failed).toBe(true)
    expect(r.results.map((x) => [x.job, x.status])).toEqual([
      ['a-broken', 'failed'],
      ['b-fine', 'skipped'],
    ])
    expect(readTree(path.join(ws, 'out/2'))).toEqual({})
  })

  it('runs only the jobs named or matched by the jobs input, and never a disabled one', async () => {
    const ws = workspace(
      {
        'all.yml': [
          'name: photos-a\nsource: src\ndestinations: [out/pa]',
          '---\nname: photos-b\nsource: src\ndestinations: [out/pb]',
          '---\nname: photos-off\nenabled: false\nsource: src\ndestinations: [out/poff]',
          '---\nname: docs\nsource: src\ndestinations: [out/docs]',
        ].join('\n'),
      },
      { 'src/f.txt': 'f' },
    )
    const r = await runAction(ws, { jobs: 'photos-*' })
    expect(r.failed).toBe(false)
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'pa/f.txt': 'f', 'pb/f.txt': 'f' })
    expect(r.results.map((x) => [x.job, x.status])).toEqual([
      ['photos-a', 'success'],
      ['photos-b', 'success'],
      ['photos-off', 'skipped'],
    ])
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({
      include: [{ job: 'photos-a' }, { job: 'photos-b' }],
    })

    const named = await runAction(ws, { jobs: 'docs' })
    expect(named.results.map((x) => x.job)).toEqual(['docs'])

    const typo = await runAction(ws, { jobs: 'dcos' })
    expect(typo.failed).toBe(true)
    expect(typo.calls.filter((c) => c[0] !== 'version')).toEqual([])
  })

  it('results count transfers, bytes and deletes exactly as rclone performed them', async () => {
    const ws = workspace(
      { 'm.yml': 'source: src\ndestinations: [dst]\n' },
      {
        'src/same.txt': 'same',
        'src/changed.txt': 'new content',
        'src/added.bin': '0123456789',
        'dst/same.txt': 'same',
        'dst/changed.txt': 'old',
        'dst/gone-1.txt': 'x',
        'dst/gone-2.txt': 'y',
      },
    )
    // Give dst/same.txt the source's time so rclone sees it unchanged.
    const { utimesSync, statSync } = await import('node:fs')
    const t = statSync(path.join(ws, 'src/same.txt')).mtime
    utimesSync(path.join(ws, 'dst/same.txt'), t, t)
    const r = await runAction(ws, {})
    expect(r.failed).toBe(false)
    expect(r.results[0]).toMatchObject({ transfers: 2, bytes: 21, deletes: 2, errors: 0, status: 'success' })
    expect(readTree(path.join(ws, 'dst'))).toEqual({
      'added.bin': '0123456789',
      'changed.txt': 'new content',
      'same.txt': 'same',
    })
  })

  it('validate needs no rclone and sets the matrix output', async () => {
    const ws = workspace({ 'v.yml': 'source: src\ndestinations: [dst]\n' })
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(false)
    expect(r.calls).toEqual([])
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({ include: [{ job: 'v' }] })
    expect(r.summary).toContain('| v | jobs/v.yml:1 | sync |')
  })
})
