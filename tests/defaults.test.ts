/**
 * `_defaults.yml`: the nearest one above a job file applies (no chaining); a job's own keys win; options and
 * filters merge key by key; a destination's own options still win. Driven through the action with the real rclone,
 * so what is asserted is what rclone was given and what it did.
 */
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { findJobFiles } from '../src/jobs/load.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

beforeAll(() => {
  requireRclone()
})

/** The rclone transfer calls (sync, copy) of a run, by destination. */
function transferCalls(calls: string[][]): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const c of calls) if (c[0] === 'sync' || c[0] === 'copy') out.set(c.at(-1) as string, c)
  return out
}

describe('_defaults.yml', () => {
  it('applies to every job in its folder and below: own keys win, options and filters merge key by key', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/team/_defaults.yml':
        'mode: copy\noptions:\n  transfers: 2\n  checkers: 6\nfilters:\n  exclude: ["*.tmp"]\n',
      'jobs/team/a.yml': 'source: data/a\ndestinations: [out/a]\n',
      'jobs/team/deeper/b.yml':
        'source: data/b\nmode: sync\noptions:\n  checkers: 3\ndestinations:\n  - out/b1\n  - path: out/b2\n    options: { transfers: 5 }\n',
      'data/a/keep.txt': 'a',
      'data/a/skip.tmp': 'tmp',
      'data/b/keep.txt': 'b',
      'data/b/skip.tmp': 'tmp',
      'out/a/old.txt': 'kept by copy',
      'out/b1/old.txt': 'deleted by sync',
    })
    const r = await runAction(ws, { command: 'run', 'max-parallel': '1' })
    expect(r.failed, r.log).toBe(false)
    const calls = transferCalls(r.calls)
    expect(calls.get('out/a')).toEqual(
      expect.arrayContaining(['copy', '--transfers=2', '--checkers=6', '--exclude=*.tmp']),
    )
    const b1 = calls.get('out/b1') as string[]
    expect(b1).toEqual(expect.arrayContaining(['sync', '--transfers=2', '--checkers=3', '--exclude=*.tmp']))
    expect(b1).not.toContain('--checkers=6')
    expect(calls.get('out/b2')).toEqual(expect.arrayContaining(['--transfers=5', '--checkers=3']))
    expect(readTree(path.join(ws, 'out'))).toEqual({
      'a/keep.txt': 'a',
      'a/old.txt': 'kept by copy',
      'b1/keep.txt': 'b',
      'b2/keep.txt': 'b',
    })
  })

  it('the nearest one applies, whole: defaults do not chain', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'mode: copy\nfilters:\n  exclude: ["*.tmp"]\n',
      'jobs/x/_defaults.yaml': 'options:\n  transfers: 3\n',
      'jobs/x/j.yml': 'source: data\ndestinations: [out/x]\n',
      'jobs/y.yml': 'source: data\ndestinations: [out/y]\n',
      'data/f.txt': 'f',
    })
    const r = await runAction(ws, { command: 'run', 'max-parallel': '1' })
    expect(r.failed, r.log).toBe(false)
    const calls = transferCalls(r.calls)
    const x = calls.get('out/x') as string[]
    expect(x[0]).toBe('sync')
    expect(x).toContain('--transfers=3')
    expect(x.some((a) => a.startsWith('--exclude'))).toBe(false)
    expect(calls.get('out/y')).toEqual(expect.arrayContaining(['copy', '--exclude=*.tmp']))
  })

  it('an error in an inherited value is reported once, in the defaults file, and no job below it runs', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'options:\n  bwlimit: fast\n',
      'jobs/a.yml': 'source: data\ndestinations: [out/a]\n',
      'jobs/b.yml': 'source: data\ndestinations: [out/b]\n',
      'data/f.txt': 'f',
    })
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed).toBe(true)
    expect(r.calls).toEqual([])
    const problems = r.log.split('\n').filter((l) => /^jobs\/.*: error: /.test(l))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/^jobs\/_defaults\.yml:2:12: error: options\.bwlimit: /)
  })

  it('an inherited cron that no workflow lists is one warning, at the defaults file', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': '# nightly for the whole team\nschedule: "30 2 * * *"\n',
      'jobs/a.yml': 'source: data\ndestinations: [out/a]\n',
      'jobs/b.yml': 'source: data\ndestinations: [out/b]\n',
      '.github/workflows/backup.yml': 'on:\n  schedule:\n    - cron: "0 3 * * *"\n',
    })
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed, r.log).toBe(false)
    const warnings = r.log.split('\n').filter((l) => /^jobs\/.*: warning: /.test(l))
    expect(warnings).toEqual([
      'jobs/_defaults.yml:2:11: warning: schedule: no workflow under .github/workflows lists the cron "30 2 * * *" in on.schedule, so it never triggers this job; add it to a workflow or fix the job\'s schedule',
    ])
  })

  it('is not a job file; a folder holding only defaults has no jobs, and its defaults are still checked', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'mode: mirror\n',
      'jobs/sub/_defaults.yaml': 'checksum: true\n',
      'jobs/notes.md': 'not yaml',
    })
    const found = await findJobFiles('jobs', ws)
    expect(found.files).toEqual([])
    expect(found.defaults.map((f) => path.relative(ws, f))).toEqual([
      'jobs/_defaults.yml',
      'jobs/sub/_defaults.yaml',
    ])
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(true)
    expect(r.log).toContain('jobs/_defaults.yml:1:7: error: mode: must be one of "sync", "copy", "bisync"')
    expect(r.log).toContain(
      'jobs/sub/_defaults.yaml:1:1: error: checksum: unknown key "checksum" here; did you mean "options.checksum"? rclone flags go under "options:"',
    )
  })

  it('refuses two defaults files in one folder, several documents, and a defaults file that is not a mapping', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a/_defaults.yml': 'mode: copy\n',
      'jobs/a/_defaults.yaml': 'mode: sync\n',
      'jobs/a/j.yml': 'source: data\ndestinations: [out/a]\n',
      'jobs/b/_defaults.yml': 'mode: copy\n---\nmode: sync\n',
      'jobs/b/j.yml': 'name: jb\nsource: data\ndestinations: [out/b]\n',
      'jobs/c/_defaults.yml': '- mode: copy\n',
      'jobs/c/j.yml': 'name: jc\nsource: data\ndestinations: [out/c]\n',
    })
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(true)
    const problems = r.log.split('\n').filter((l) => /^jobs\/.*: error: /.test(l))
    expect(problems).toEqual([
      'jobs/a/_defaults.yaml:1:1: error: two defaults files in one folder: keep _defaults.yml or _defaults.yaml, not both',
      'jobs/b/_defaults.yml:2:1: error: a _defaults.yml holds one mapping of defaults, not several documents (---)',
      'jobs/c/_defaults.yml:1:1: error: a _defaults.yml must be a mapping of job keys (mode, options, filters, schedule, ...), but it is a list',
    ])
  })
})
