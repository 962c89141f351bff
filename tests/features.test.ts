import { beforeAll, describe, expect, it } from 'vitest'
import { FEATURES, versionProblems } from '../src/jobs/features.js'
import { parseJobFile } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

let installed = ''
beforeAll(() => {
  installed = requireRclone()
})

describe('version gates', () => {
  it('refuses, before any sync, a feature the installed rclone lacks, at the key that asks for it', async () => {
    expect(installed).toBe('1.60.1')
    const ws = tempDir()
    writeTree(ws, {
      'jobs/two-way.yml':
        'source: a\ndestinations: [b]\nmode: bisync\nresync: true\ncreate-empty-src-dirs: true\n',
      'jobs/plain.yml': 'source: a\ndestinations: [c]\n',
      'a/x.txt': 'x',
    })
    const r = await runAction(ws, {})
    expect(r.failed).toBe(true)
    expect(r.log).toContain(
      'jobs/two-way.yml:5:24: error: create-empty-src-dirs: create-empty-src-dirs with bisync needs rclone 1.64.0 or newer, and the installed rclone is 1.60.1',
    )
    expect(r.calls.map((c) => c[0])).toEqual(['version'])
    expect(r.summary).toContain('needs rclone 1.64.0 or newer')
    expect(r.summary).toContain('rclone 1.60.1')
  })

  it('lets the same job through on a version that has the feature', () => {
    const docs = parseJobFile(
      'jobs/j.yml',
      'source: a\ndestinations: [b]\nmode: bisync\ncreate-empty-src-dirs: true\n',
    ).documents
    const jobs = validateDocuments(docs, { cwd: '/ws' }).jobs
    expect(versionProblems(jobs, '1.64.0')).toEqual([])
    expect(versionProblems(jobs, '1.75.1')).toEqual([])
    expect(versionProblems(jobs, '1.57.0').map((d) => d.key)).toEqual(['mode', 'create-empty-src-dirs'])
    expect(FEATURES.every((f) => /^\d+\.\d+\.\d+$/.test(f.since))).toBe(true)
  })
})
