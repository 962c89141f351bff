import { existsSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'

beforeAll(() => {
  requireRclone()
  if (!existsSync(path.resolve('dist/index.js')))
    throw new Error('dist/index.js is missing: run "npm run build" first')
})

describe('node dist/index.js, as a runner runs it', () => {
  it('runs example-shaped jobs end to end and writes outputs and the summary', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/photos.yml':
        'source: data/photos\ndestinations: [backup/a, backup/b]\nfilters:\n  include: ["*.jpg"]\n',
      'jobs/more/docs.yaml':
        'name: docs\nsource: data/docs\ndestinations: [backup/docs]\nmode: copy\n---\nname: off\nenabled: false\nsource: data/docs\ndestinations: [backup/off]\n',
      'data/photos/x.jpg': 'xx',
      'data/photos/y.raw': 'yy',
      'data/docs/readme.md': 'hello',
      'backup/docs/extra.md': 'kept by copy',
    })
    const r = await runBundle(ws, { command: 'run', 'rclone-version': 'system', 'max-parallel': '2' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(readTree(path.join(ws, 'backup'))).toEqual({
      'a/x.jpg': 'xx',
      'b/x.jpg': 'xx',
      'docs/extra.md': 'kept by copy',
      'docs/readme.md': 'hello',
    })
    const results = JSON.parse(r.outputs.results as string) as Array<Record<string, unknown>>
    expect(results.map((x) => [x.job, x.destination, x.status, x.transfers])).toEqual([
      ['docs', 'backup/docs', 'success', 1],
      ['photos', 'backup/a', 'success', 1],
      ['photos', 'backup/b', 'success', 1],
      ['off', 'backup/off', 'skipped', 0],
    ])
    expect(JSON.parse(r.outputs['failed-jobs'] as string)).toEqual([])
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({ include: [{ job: 'docs' }, { job: 'photos' }] })
    expect(r.summary).toContain('## rclone-jobs: run')
    expect(r.summary).toContain('| photos | backup/a | sync | ✅ success | 1 | 2 B | 0 | 0 |')
    expect(r.stdout).toContain('::group::')
  })

  it('fails the step with annotations on invalid jobs and starts no rclone', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/bad.yml': 'source: data\ndestinations: [out]\noptions:\n  transfer: 4\n' })
    // PATH without rclone: validation errors must stop the run before rclone is needed.
    const r = await runBundle(
      ws,
      { command: 'run', 'rclone-version': 'system' },
      { PATH: path.dirname(process.execPath) },
    )
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      '::error title=rclone-jobs%3A options.transfer,file=jobs/bad.yml,line=4,col=3::unknown key "transfer"; did you mean "transfers"?\n',
    )
    expect(r.stdout).toContain('jobs/bad.yml:4:3: error: options.transfer: unknown key')
    expect(r.stdout).not.toContain('rclone was not found')
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({ include: [] })
    expect(r.summary).toContain('### Problems in job files (1)')
  })
})
