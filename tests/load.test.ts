import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findJobFiles, globToRegExp, parseJobFile } from '../src/jobs/load.js'
import { tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

describe('finding job files', () => {
  function tree(): string {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'x',
      'jobs/deep/er/b.yaml': 'x',
      'jobs/notes.md': 'x',
      'jobs/drafts/c.yml': 'x',
      'other/d.YML': 'x',
      'other/e.json': 'x',
    })
    return ws
  }
  const rel = (ws: string, files: string[]) => files.map((f) => path.relative(ws, f))

  it('a folder: every *.yml and *.yaml below it, sorted', async () => {
    const ws = tree()
    const r = await findJobFiles('jobs', ws)
    expect(rel(ws, r.files)).toEqual(['jobs/a.yml', 'jobs/deep/er/b.yaml', 'jobs/drafts/c.yml'])
    expect(r.problems).toEqual([])
  })

  it('newline-separated globs, with ! to exclude', async () => {
    const ws = tree()
    const r = await findJobFiles('jobs/**/*.yml\nother/*.YML\n!jobs/drafts/**\n', ws)
    expect(rel(ws, r.files)).toEqual(['jobs/a.yml', 'other/d.YML'])
    const braces = await findJobFiles('jobs/**/*.{yml,yaml}', ws)
    expect(rel(ws, braces.files)).toEqual(['jobs/a.yml', 'jobs/deep/er/b.yaml', 'jobs/drafts/c.yml'])
  })

  it('names what matched nothing; the action fails clearly when nothing is found', async () => {
    const ws = tree()
    const r = await findJobFiles('nowhere\nother/*.txt', ws)
    expect(r.files).toEqual([])
    expect(r.problems).toEqual([
      `"nowhere" does not exist (resolved to ${path.join(ws, 'nowhere')})`,
      'the pattern "other/*.txt" matched no job file',
    ])
    const run = await runAction(ws, { command: 'validate', path: 'nowhere' })
    expect(run.failed).toBe(true)
    expect(run.log).toContain('no job files found for path "nowhere"')
    expect(JSON.parse(run.outputs.matrix as string)).toEqual({ include: [] })
    expect(run.log).not.toMatch(/\n\s+at /)
  })

  it('an existing folder without job files is a warning, not a failure', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/README.md': 'no jobs yet' })
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed).toBe(false)
    expect(r.log).toContain('::warning::no job files (*.yml, *.yaml) under "jobs": nothing to do')
    expect(r.calls).toEqual([])
  })

  it('globs match path segments as a shell does', () => {
    expect(globToRegExp('/w/jobs/*.yml').test('/w/jobs/a.yml')).toBe(true)
    expect(globToRegExp('/w/jobs/*.yml').test('/w/jobs/x/a.yml')).toBe(false)
    expect(globToRegExp('/w/jobs/**/*.yml').test('/w/jobs/a.yml')).toBe(true)
    expect(globToRegExp('/w/jobs/**/*.yml').test('/w/jobs/x/y/a.yml')).toBe(true)
    expect(globToRegExp('/w/j?b/[ab].yml').test('/w/job/b.yml')).toBe(true)
  })
})

describe('positions survive BOMs and CRLF line ends', () => {
  it('reports the same line and column with and without them', () => {
    const text = 'source: a\ndestinations: [b]\noptions:\n  transfers: 0\n'
    for (const variant of [text, `\uFEFF${text}`, text.replace(/\n/g, '\r\n')]) {
      const d = parseJobFile('jobs/j.yml', variant).documents[0]
      expect(d?.locate(['options', 'transfers'])).toEqual({ line: 4, col: 14 })
    }
  })
})
