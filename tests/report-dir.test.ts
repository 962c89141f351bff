/**
 * The log stays readable at any size and nothing is lost: an invocation prints a bounded number of per-file lines,
 * and the report-dir output holds the complete per-file list of every invocation and the results.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { FILE_LINES_IN_LOG } from '../src/report/log-groups.js'
import { requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

beforeAll(() => {
  requireRclone()
})

function manyFiles(n: number): Record<string, string> {
  const files: Record<string, string> = {}
  for (let i = 0; i < n; i++) files[`src/d${i % 7}/f${String(i).padStart(4, '0')}.txt`] = `file ${i}`
  for (let i = 0; i < 40; i++) files[`dst-a/stale-${i}.txt`] = 'old'
  return files
}

function readJsonl(file: string): Array<{ change: string; path: string }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { change: string; path: string })
}

describe('a bounded log and the complete per-file lists in report-dir', () => {
  for (const maxParallel of ['1', '2']) {
    it(`max-parallel ${maxParallel}: ${FILE_LINES_IN_LOG} per-file lines in the log, every file in report-dir`, async () => {
      const ws = tempDir()
      writeTree(ws, {
        'jobs/big.yml': 'source: src\ndestinations: [dst-a, dst-b]\n',
        ...manyFiles(350),
      })
      const r = await runAction(ws, { 'max-parallel': maxParallel })
      expect(r.failed, r.log).toBe(false)
      const fileLines = r.log.split('\n').filter((l) => /INFO +d\d\/f\d{4}\.txt: Copied \(new\)/.test(l))
      expect(fileLines).toHaveLength(2 * FILE_LINES_IN_LOG)
      expect(r.log).toContain(`… ${350 + 40 - FILE_LINES_IN_LOG} more per-file lines not shown`)
      expect(r.log).toContain(`… ${350 - FILE_LINES_IN_LOG} more per-file lines not shown`)

      const dir = r.outputs['report-dir'] as string
      expect(dir.startsWith(path.join(ws, '.runner', 'temp'))).toBe(true)
      const a = readJsonl(path.join(dir, 'big', '00-dst-a.jsonl'))
      const b = readJsonl(path.join(dir, 'big', '01-dst-b.jsonl'))
      expect(a.filter((x) => x.change === 'copy')).toHaveLength(350)
      expect(
        a
          .filter((x) => x.change === 'delete')
          .map((x) => x.path)
          .sort(),
      ).toEqual(Array.from({ length: 40 }, (_, i) => `stale-${i}.txt`).sort())
      expect(new Set(b.map((x) => x.path)).size).toBe(350)
      const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Array<
        Record<string, unknown>
      >
      expect(results).toEqual(r.results)
      expect(results.map((x) => [x.destination, x.transfers, x.deletes])).toEqual([
        ['dst-a', 350, 40],
        ['dst-b', 350, 0],
      ])
      // The spools of the parallel mode are gone; only the report stays.
      expect(readdirSync(path.join(ws, '.runner', 'temp')).filter((f) => f.includes('spool'))).toEqual([])
    })
  }

  it('a plan lists what it would do, file by file', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/big.yml': 'source: src\ndestinations: [dst-a]\n', ...manyFiles(120) })
    const r = await runAction(ws, { command: 'plan' })
    expect(r.failed, r.log).toBe(false)
    const list = readJsonl(path.join(r.outputs['report-dir'] as string, 'big', '00-dst-a.jsonl'))
    expect(list.filter((x) => x.change === 'copy')).toHaveLength(120)
    expect(list.filter((x) => x.change === 'delete')).toHaveLength(40)
    expect(readdirSync(path.join(ws, 'dst-a'))).toHaveLength(40)
  })
})
