/**
 * `filters.types`: each type includes its extensions in any case, combined with the job's own rules in the
 * documented order. Proven with the real rclone on real files, through the action and with rclone's own listing.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { FILE_TYPE_NAMES, FILE_TYPES, typedFilterRules } from '../src/jobs/file-types.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { realRclone } from './helpers/rclone-versions.js'
import { runAction } from './helpers/run-action.js'

let rclone = ''
beforeAll(() => {
  requireRclone()
  rclone = realRclone()
})

/** The files the real rclone lists under `dir` with these filter rules. */
function listed(dir: string, rules: readonly string[]): string[] {
  const p = spawnSync(
    rclone,
    ['lsf', '-R', '--files-only', ...rules.map((r) => `--filter=${r}`), '--', dir],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, RCLONE_CONFIG: '/dev/null' },
    },
  )
  if (p.status !== 0) throw new Error(`rclone lsf failed: ${p.stderr}`)
  return p.stdout
    .split('\n')
    .filter((l) => l !== '')
    .sort()
}

describe('filters.types', () => {
  it('through the action: IMG.JPG and a.jpg are copied, a.txt is not, at any depth', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/photos.yml': 'source: data\ndestinations: [out]\nfilters:\n  types: [image]\n',
      'data/IMG.JPG': '1',
      'data/a.jpg': '2',
      'data/a.txt': '3',
      'data/sub/b.Jpeg': '4',
      'data/sub/deeper/c.PNG': '5',
      'data/sub/song.mp3': '6',
      'data/jpg': '7',
    })
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed, r.log).toBe(false)
    expect(readTree(path.join(ws, 'out'))).toEqual({
      'IMG.JPG': '1',
      'a.jpg': '2',
      'sub/b.Jpeg': '4',
      'sub/deeper/c.PNG': '5',
    })
  })

  it("exclude and the job's filter rules come first, then the types, then - **", async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml':
        'source: data\ndestinations:\n  - out/a\n  - path: out/b\n    filters:\n      types: [document]\n      filter: ["+ *.xmp", "- drafts/**"]\nfilters:\n  types: [image, archive]\n  exclude: ["private/**"]\n',
      'data/a.jpg': 'a',
      'data/a.xmp': 'x',
      'data/b.7Z': 'z',
      'data/report.PDF': 'p',
      'data/private/secret.jpg': 's',
      'data/drafts/draft.pdf': 'd',
      'data/notes.bin': 'n',
    })
    const r = await runAction(ws, { command: 'run', 'max-parallel': '1' })
    expect(r.failed, r.log).toBe(false)
    const a = r.calls.find((c) => c.at(-1) === 'out/a') as string[]
    expect(a.filter((x) => x.startsWith('--filter') || x.startsWith('--exclude'))).toEqual([
      '--filter=- private/**',
      ...typedFilterRules({ types: ['image', 'archive'] })
        .slice(0, -1)
        .map((rule) => `--filter=${rule}`),
      '--filter=- **',
    ])
    expect(readTree(path.join(ws, 'out'))).toEqual({
      'a/a.jpg': 'a',
      'a/b.7Z': 'z',
      'b/a.xmp': 'x',
      'b/report.PDF': 'p',
    })
  })

  it('every extension of every type matches in lower, upper and mixed case, and only in its own type', () => {
    const dir = tempDir()
    const files: Record<string, string> = {}
    for (const t of FILE_TYPE_NAMES) {
      for (const ext of FILE_TYPES[t]) {
        files[`${t}/lower.${ext}`] = ''
        files[`${t}/UPPER.${ext.toUpperCase()}`] = ''
        files[`${t}/Mixed.${ext[0]?.toUpperCase()}${ext.slice(1)}`] = ''
        files[`${t}/not.${ext}.bak`] = ''
        files[`${t}/not-${ext}`] = ''
      }
    }
    writeTree(dir, files)
    for (const t of FILE_TYPE_NAMES) {
      const expected = Object.keys(files)
        .filter((f) => f.startsWith(`${t}/`) && !/\/not/.test(f))
        .sort()
      const got = listed(dir, typedFilterRules({ types: [t] }))
      // An extension listed in two types would show up under both folders; none is.
      expect(got).toEqual(expected)
    }
  })

  it('types from _defaults.yml with include in the job is refused, and the message says where types come from', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'filters:\n  types: [image]\n',
      'jobs/j.yml': 'source: data\ndestinations: [out]\nfilters:\n  include: ["2024/**"]\n',
    })
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(true)
    expect(r.log).toContain(
      'jobs/j.yml:4:12: error: filters.include: include and types together are ambiguous (files of these types, or these files as well?)',
    )
    expect(r.log).toContain('(types comes from jobs/_defaults.yml:2)')
  })

  it('types: [] drops inherited types', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/_defaults.yml': 'filters:\n  types: [image]\n',
      'jobs/j.yml': 'source: data\ndestinations: [out]\nfilters:\n  types: []\n  include: ["*.txt"]\n',
      'data/a.jpg': 'a',
      'data/b.txt': 'b',
    })
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed, r.log).toBe(false)
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'b.txt': 'b' })
  })
})
