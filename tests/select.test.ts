/**
 * The `jobs` input's name patterns: the same glob dialect as the `path` input's file globs.
 */
import { describe, expect, it } from 'vitest'
import { parseJobFile } from '../src/jobs/load.js'
import { parseJobPatterns, selectJobs } from '../src/jobs/select.js'
import { type ValidJob, validateDocuments } from '../src/jobs/validate.js'

function jobs(...names: string[]): ValidJob[] {
  const text = names.map((n, i) => `name: ${n}\nsource: src/${i}\ndestinations: [dst/${i}]\n`).join('---\n')
  const v = validateDocuments(parseJobFile('jobs/all.yml', text).documents, { cwd: '/ws' })
  expect(v.diagnostics).toEqual([])
  return v.jobs
}

function pick(all: ValidJob[], input: string): { selected: string[]; unmatched: string[] } {
  const s = selectJobs(all, parseJobPatterns(input))
  return { selected: s.selected.map((j) => j.name), unmatched: s.unmatched }
}

describe('the jobs input', () => {
  const all = jobs('a', 'b', 'bc', 'photos-1', 'photos-2', 'db-1')

  it('names, and globs with * and ?, comma- or newline-separated', () => {
    expect(pick(all, 'photos-*, db-?')).toEqual({ selected: ['photos-1', 'photos-2', 'db-1'], unmatched: [] })
    expect(pick(all, 'a\nb')).toEqual({ selected: ['a', 'b'], unmatched: [] })
    expect(pick(all, 'nope-*,a')).toEqual({ selected: ['a'], unmatched: ['nope-*'] })
  })

  it('[!a] is any one character but a', () => {
    expect(pick(all, '[!a]*')).toEqual({
      selected: ['b', 'bc', 'photos-1', 'photos-2', 'db-1'],
      unmatched: [],
    })
  })

  it('a brace alternative may hold a glob', () => {
    expect(pick(all, '{a,b?}')).toEqual({ selected: ['a', 'bc'], unmatched: [] })
  })

  it('a leading ! is no negation: it names no job', () => {
    expect(pick(all, '!a')).toEqual({ selected: [], unmatched: ['!a'] })
  })
})
