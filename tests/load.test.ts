import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findJobFiles, type JobDocument, parseJobFile } from '../src/jobs/load.js'
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

  it('globs match path segments as a shell does', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/a.yml': 'x', 'jobs/x/a.yml': 'x', 'jobs/x/y/a.yml': 'x', 'job/b.yml': 'x' })
    const found = async (glob: string) => rel(ws, (await findJobFiles(glob, ws)).files)
    expect(await found('jobs/*.yml')).toEqual(['jobs/a.yml'])
    expect(await found('jobs/**/*.yml')).toEqual(['jobs/a.yml', 'jobs/x/a.yml', 'jobs/x/y/a.yml'])
    expect(await found('j?b/[ab].yml')).toEqual(['job/b.yml'])
    expect(await found(`${ws}/jobs/x/*/*.yml`)).toEqual(['jobs/x/y/a.yml'])
  })

  it('[!a] is any one character but a, and a brace alternative may hold a glob', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/a.yml': 'x', 'jobs/b.yml': 'x', 'jobs/bc.yml': 'x' })
    const found = async (glob: string) => rel(ws, (await findJobFiles(glob, ws)).files)
    expect(await found('jobs/[!a]*.yml')).toEqual(['jobs/b.yml', 'jobs/bc.yml'])
    expect(await found('jobs/{a,b?}.yml')).toEqual(['jobs/a.yml', 'jobs/bc.yml'])
  })

  it('a line that names a folder or file is taken as it is, glob characters and all', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/(old)/a.yml': 'x', 'jobs/[2024]/b.yml': 'x', 'jobs/old/c.yml': 'x' })
    const found = async (spec: string) => rel(ws, (await findJobFiles(spec, ws)).files)
    expect(await found('jobs/(old)')).toEqual(['jobs/(old)/a.yml'])
    expect(await found('jobs/[2024]/b.yml')).toEqual(['jobs/[2024]/b.yml'])
    expect(await found('jobs/@(old)/*.yml')).toEqual(['jobs/old/c.yml'])
  })
})

describe('positions survive BOMs and CRLF line ends', () => {
  it('reports the same line and column with and without them', () => {
    const text = 'source: a\ndestinations: [b]\noptions:\n  transfers: 0\n'
    for (const variant of [text, `\uFEFF${text}`, text.replace(/\n/g, '\r\n')]) {
      const d = parseJobFile('jobs/j.yml', variant).documents[0]
      expect(d?.locate(['options', 'transfers'])).toEqual({ file: 'jobs/j.yml', line: 4, col: 14 })
    }
  })

  it('counts lines in the text, so a document the parser gave up on does not shift the lines of the next', () => {
    // yaml's own LineCounter misses the line break after "rc" here, which put transfers on line 7.
    const r = parseJobFile(
      'jobs/j.yml',
      ' :\nrc\n*\n---\nsource: a\ndestinations: [b]\noptions:\n  transfers: 0\n',
    )
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '2:1 YAML syntax: Unexpected scalar at node end',
    ])
    expect(r.documents[0]?.locate(['options', 'transfers'])).toEqual({ file: 'jobs/j.yml', line: 8, col: 14 })
  })
})

describe('YAML that job files accept, and mistakes explained', () => {
  const parse = (text: string) => parseJobFile('jobs/j.yml', text)

  it('an unquoted cron is one error that says to quote it, not four alias errors', () => {
    for (const text of [
      'source: a\ndestinations: [b]\nschedule: */15 * * * *\n',
      'source: a\ndestinations: [b]\nschedule:\n  - "0 1 * * *"\n  - */15 * * * *   # every quarter\n',
    ]) {
      const r = parse(text)
      expect(r.documents).toEqual([])
      expect(r.diagnostics).toHaveLength(1)
      expect(r.diagnostics[0]?.message).toContain('this cron must be quoted')
      expect(r.diagnostics[0]?.message).toContain('"*/15 * * * *"')
    }
  })

  it('the standard tags are read; custom and language tags are refused', () => {
    const r = parse(
      'source: !!str 2024\ndestinations: !!seq [b]\noptions: !!map { transfers: !!int "4", checksum: !!bool true }\nfilters: { min-age: !!float 1.5 }\ndescription: !!null\n',
    )
    expect(r.diagnostics).toEqual([])
    expect(r.documents[0]?.value).toEqual({
      source: '2024',
      destinations: ['b'],
      options: { transfers: 4, checksum: true },
      filters: { 'min-age': 1.5 },
      description: null,
    })
    for (const [text, tag] of [
      ['source: !secret a\ndestinations: [b]\n', '!secret'],
      ['source: !!binary aGVsbG8=\ndestinations: [b]\n', '!!binary'],
      [
        'source: !!python/object/apply:os.system ["x"]\ndestinations: [b]\n',
        '!!python/object/apply:os.system',
      ],
    ] as const) {
      const d = parse(text).diagnostics
      expect(d.map((x) => [x.line, x.col])).toEqual([[1, 9]])
      expect(d[0]?.message).toContain(`YAML tag ${tag} is not allowed`)
    }
  })

  it('a trailing --- (or one between jobs) is not an error; a file of only markers holds no job', () => {
    expect(parse('source: a\ndestinations: [b]\n---\n').documents.map((d) => d.count)).toEqual([1])
    const two = parse(
      'name: x\nsource: a\ndestinations: [b]\n---\n---\nname: y\nsource: c\ndestinations: [d]\n---\n',
    )
    expect(two.diagnostics).toEqual([])
    expect(two.documents.map((d) => d.index)).toEqual([0, 1])
    expect(parse('---\n---\n').diagnostics[0]?.message).toContain('the file holds no job')
  })

  it('merge keys merge as YAML says (own keys win, earlier sources win), and locate values where written', () => {
    const r = parse(
      [
        'source: a', // 1
        'destinations:', // 2
        '  - path: b', // 3
        '    options: &fast { transfers: 8, checkers: 16 }', // 4
        '  - path: c', // 5
        '    options: &safe { checkers: 2, max-delete: 10 }', // 6
        '  - path: d', // 7
        '    options:', // 8
        '      <<: [*safe, *fast]', // 9
        '      max-delete: 0', // 10
        '',
      ].join('\n'),
    )
    expect(r.diagnostics).toEqual([])
    const doc = r.documents[0] as JobDocument
    expect((doc.value as { destinations: Array<{ options: unknown }> }).destinations[2]?.options).toEqual({
      checkers: 2,
      'max-delete': 0,
      transfers: 8,
    })
    const at = (k: string, want?: 'key' | 'value') => doc.locate(['destinations', 2, 'options', k], want)
    expect(at('checkers')).toEqual({ file: 'jobs/j.yml', line: 6, col: 32 })
    expect(at('transfers', 'key')).toEqual({ file: 'jobs/j.yml', line: 4, col: 22 })
    expect(at('max-delete')).toEqual({ file: 'jobs/j.yml', line: 10, col: 19 })
  })

  it('an alias to an anchor of another document says that anchors do not cross documents', () => {
    const r = parse('name: x\nsource: &s a\ndestinations: [b]\n---\nname: y\nsource: *s\ndestinations: [c]\n')
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '6:9 the alias *s refers to the anchor &s of another document (line 2); anchors do not cross documents (---): repeat the value here, or put what jobs share in a _defaults.yml',
    ])
    expect(r.documents.map((d) => d.value)).toEqual([{ name: 'x', source: 'a', destinations: ['b'] }])
  })
})
