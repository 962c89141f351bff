import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseJobFile } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { type Place, showPlace } from '../src/places/place.js'
import { planInvocations } from '../src/run/plan.js'

function plan(yaml: string, dryRun = false) {
  const loaded = parseJobFile('jobs/j.yml', yaml)
  const v = validateDocuments(loaded.documents, { cwd: '/ws' })
  expect([...loaded.diagnostics, ...v.diagnostics]).toEqual([])
  return planInvocations(v.jobs, { dryRun })
}

describe('planning argument vectors', () => {
  it('puts flags first, then --, then SRC and DST, one invocation per destination', () => {
    const invs = plan(
      [
        'source: remote:src',
        'destinations:',
        '  - b2:one',
        '  - path: s3:two',
        '    options: { transfers: 8, checksum: false }',
        '    filters: { filter: ["+ *.jpg", "- *"] }',
        'mode: copy',
        'create-empty-src-dirs: true',
        'options: { transfers: 2, max-delete: 0, bwlimit: 10M, max-transfer: 1G }',
        'filters: { include: ["*.jpg", "*.png"], max-age: 7d, ignore-case: true }',
      ].join('\n'),
      true,
    )
    expect(invs).toHaveLength(2)
    const [a, b] = invs
    expect(a?.args).toEqual([
      'copy',
      '--use-json-log',
      '--stats-log-level=NOTICE',
      '--stats=30s',
      '--verbose=2',
      '--dry-run',
      '--create-empty-src-dirs',
      '--transfers=2',
      '--bwlimit=10M',
      '--max-delete=0',
      '--max-transfer=1G',
      '--include=*.jpg',
      '--include=*.png',
      '--max-age=7d',
      '--ignore-case',
      '--',
      'remote:src',
      'b2:one',
    ])
    // The destination's options merge over the job's; its filter rules replace the job's include list.
    expect(b?.args).toContain('--transfers=8')
    expect(b?.args).toContain('--checksum=false')
    expect(b?.args).toContain('--max-delete=0')
    expect(b?.args).toContain('--filter=+ *.jpg')
    expect(b?.args).not.toContain('--include=*.jpg')
    expect(b?.args).toContain('--max-age=7d')
    expect(b?.args.slice(-3)).toEqual(['--', 'remote:src', 's3:two'])
    expect(a?.id).toBe('j -> b2:one')
  })

  it('records what each invocation writes and reads, for scheduling', () => {
    const [sync] = plan('source: a\ndestinations: [b]\noptions: { backup-dir: old }\n')
    const shown = (places: readonly Place[] | undefined) => places?.map(showPlace)
    expect(shown(sync?.writes)).toEqual(['/ws/b', '/ws/old'])
    expect(shown(sync?.reads)).toEqual(['/ws/a'])
    const [bi] = plan('source: a\ndestinations: [b]\nmode: bisync\nresync: true\n')
    expect(shown(bi?.writes)).toEqual(['/ws/b', '/ws/a'])
  })

  it('never lets a value become a separate argument', () => {
    const [inv] = plan('source: "a b"\ndestinations: ["c d"]\nfilters: { exclude: ["x --delete-before"] }\n')
    expect(inv?.args).toContain('--exclude=x --delete-before')
    expect(inv?.args).not.toContain('--delete-before')
    expect(path.basename(inv?.args.at(-1) ?? '')).toBe('c d')
  })
})
