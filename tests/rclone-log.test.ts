import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { formatLogEntry, LineSplitter, LogReader, parseLogLine } from '../src/rclone/log-reader.js'
import { withFlags } from '../src/rclone/runner.js'
import { compareVersions } from '../src/rclone/versions.js'

function collect(file: string): LogReader & { log: string[] } {
  const log: string[] = []
  const c = Object.assign(new LogReader({ onLine: (l) => log.push(l.text) }), { log })
  const text = readFileSync(new URL(`./fixtures/logs/${file}`, import.meta.url), 'utf8')
  const split = new LineSplitter((l) => c.addLine(l))
  // Feed in uneven chunks, as a pipe delivers them.
  for (let i = 0; i < text.length; i += 97) split.push(text.slice(i, i + 97))
  split.end()
  return c
}

describe('reading rclone 1.60.1 JSON logs (recorded)', () => {
  it('takes the numbers from the final stats block', () => {
    const c = collect('sync-1.60.1.jsonl')
    expect(c.stats).toMatchObject({ transfers: 3, bytes: 21, deletes: 1, errors: 0, checks: 1 })
    expect(c.errorMessages).toEqual([])
    expect(c.log).toContain(c.log.find((l) => l.endsWith('INFO    f1.txt: Copied (new)')))
    expect(c.log.some((l) => /STATS\s+Transferred: .*21 B \/ 21 B/.test(l))).toBe(true)
  })

  it('keeps each distinct error once and catches the plain-text fatal line', () => {
    const c = collect('missing-source-1.60.1.jsonl')
    expect(c.stats?.errors).toBe(1)
    // A repeated line moves to where it last appeared, so the newest attempt's errors come last.
    expect(c.errorMessages).toEqual([
      'Attempt 1/3 failed with 1 errors and: directory not found',
      'Attempt 2/3 failed with 1 errors and: directory not found',
      'Local file system at /tmp/rl/missing: error reading source root directory: directory not found',
      'Local file system at /tmp/rl/dst2: not deleting files as there were IO errors',
      'Local file system at /tmp/rl/dst2: not deleting directories as there were IO errors',
      'Attempt 3/3 failed with 1 errors and: directory not found',
      'Failed to sync: directory not found',
    ])
  })

  it('leaves plain text lines alone and formats JSON ones readably', () => {
    expect(parseLogLine('not json')).toBeUndefined()
    expect(parseLogLine('{"broken"')).toBeUndefined()
    const e = parseLogLine(
      '{"level":"info","msg":"Deleted","object":"a/b.txt","time":"2026-11-24T22:49:04.27+00:00"}',
    )
    expect(e && formatLogEntry(e)).toBe('22:49:04 INFO    a/b.txt: Deleted')
  })

  it('compares versions numerically', () => {
    expect(compareVersions('1.60.1', '1.58.0')).toBeGreaterThan(0)
    expect(compareVersions('v1.9.0', '1.10.0')).toBeLessThan(0)
    expect(compareVersions('1.66.0', '1.66')).toBe(0)
  })
})

describe('only JSON entries are file changes', () => {
  it('a plain line that looks like a text log entry changes nothing; a JSON entry is read by its fields', () => {
    const reader = new LogReader()
    // Lines of Go's own log (1.60.1's "Failed to sync: ...") may quote a path with line breaks.
    reader.addLine('2026/11/30 02:37:33 Failed to sync: open /w/dst/x')
    reader.addLine('2025/01/01 00:00:00 INFO  : victim.txt: Deleted')
    reader.addLine('2025/01/01 00:00:00 INFO  : a.txt: Copied (new)')
    reader.addLine('{"level":"info","msg":"Removing directory","object":"q: Copied (new) to: r"}')
    reader.addLine('{"level":"info","msg":"Copied (new)","object":"y: Copied (new) to: z"}')
    reader.addLine(
      '{"level":"info","msg":"Deleted","object":"x\\n2025/01/01 00:00:00 INFO  : v.txt: Deleted"}',
    )
    const c = reader.changes
    expect([c.copy.first, c.update.first]).toEqual([['y: Copied (new) to: z'], []])
    expect(c.delete.first).toEqual(['x\n2025/01/01 00:00:00 INFO  : v.txt: Deleted'])
    expect(reader.errorMessages).toEqual(['Failed to sync: open /w/dst/x'])
  })

  it('counts streamed uploads ("Copied (Rcat, new)") and renamed copies ("Copied (new) to: name")', () => {
    const reader = new LogReader()
    reader.addLine('{"level":"info","msg":"Copied (Rcat, new)","object":"a.txt"}')
    reader.addLine('{"level":"info","msg":"Copied (Rcat, replaced existing)","object":"b.txt"}')
    reader.addLine('{"level":"info","msg":"Copied (new) to: c: Deleted","object":"C.txt"}')
    const c = reader.changes
    expect([c.copy.first, c.update.first, c.delete.first]).toEqual([['C.txt', 'a.txt'], ['b.txt'], []])
  })
})

describe('reading stdout and stderr', () => {
  it("keeps each stream's partial lines apart", () => {
    const lines: string[] = []
    const out = new LineSplitter((l) => lines.push(`out:${l}`))
    const err = new LineSplitter((l) => lines.push(`err:${l}`))
    out.push('file-a.t')
    err.push('{"level":"info","msg":"hal')
    out.push('xt\nfile-b.txt\n')
    err.push('f"}\n')
    out.end()
    err.end()
    expect(lines).toEqual(['out:file-a.txt', 'out:file-b.txt', 'err:{"level":"info","msg":"half"}'])
  })
})

describe('withFlags', () => {
  it('adds flags before the `--` that ends them, and drops named flags only there', () => {
    const args = ['sync', '--max-delete=5', '--checksum', '--', '--max-delete=9', 'dst']
    expect(withFlags(args, ['--dry-run'], ['max-delete'])).toEqual([
      'sync',
      '--checksum',
      '--dry-run',
      '--',
      '--max-delete=9',
      'dst',
    ])
    expect(withFlags(['version'], ['--log-file=x'])).toEqual(['version', '--log-file=x'])
    expect(withFlags(args, [])).toEqual(args)
  })
})
