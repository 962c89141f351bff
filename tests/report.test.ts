import { describe, expect, it } from 'vitest'
import type { Diagnostic } from '../src/jobs/diagnostics.js'
import {
  buildSummary,
  cell,
  formatBytes,
  redactPath,
  resultEntries,
  SUMMARY_LIMIT_BYTES,
} from '../src/report/summary.js'
import type { InvocationResult } from '../src/run/execute.js'

function result(i: number, status: InvocationResult['status']): InvocationResult {
  return {
    job: `job-${i}`,
    destination: `remote:bucket/${'deep/'.repeat(20)}${i}`,
    mode: 'sync',
    status,
    exitCode: status === 'failed' ? 3 : 0,
    transfers: i,
    bytes: i * 1024,
    deletes: 0,
    errors: status === 'failed' ? 1 : 0,
    checks: 0,
    durationSeconds: 1.5,
    ...(status === 'failed'
      ? {
          reason: 'rclone exited with code 3',
          errorLines: Array.from({ length: 20 }, (_, k) => `error ${k} ${'x'.repeat(400)}`),
        }
      : {}),
  }
}

describe('the step summary', () => {
  it('stays under GitHub 1 MiB limit for any number of jobs and says what it cut', () => {
    for (const n of [10, 1_000, 20_000]) {
      const results = Array.from({ length: n }, (_, i) => result(i, i % 3 === 0 ? 'failed' : 'success'))
      const diagnostics: Diagnostic[] = Array.from({ length: n }, (_, i) => ({
        severity: 'error',
        file: `jobs/f${i}.yml`,
        line: i + 1,
        col: 3,
        key: 'options.transfers',
        message: 'must be at least 1, not 0',
      }))
      const md = buildSummary({ command: 'run', results, diagnostics, jobCount: n, fileCount: n })
      const bytes = Buffer.byteLength(md)
      expect(bytes).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES)
      expect(bytes).toBeLessThan(1024 * 1024)
      if (n >= 1_000)
        expect(md).toMatch(
          /The summary was cut to stay under GitHub's 1 MiB limit: \d+ (problem|result row|failure detail).* not shown/,
        )
      else expect(md).not.toContain('was cut')
    }
  })

  it('lists every result row and failure detail when they fit', () => {
    const md = buildSummary({
      command: 'run',
      results: [result(1, 'success'), result(2, 'failed')],
      diagnostics: [],
      rcloneVersion: '1.60.1',
      jobCount: 2,
      fileCount: 1,
    })
    expect(md).toContain('rclone 1.60.1 · 2 destinations: 1 succeeded, 1 failed, 0 incomplete, 0 skipped')
    expect(md).toContain(
      '| job | destination | mode | status | files transferred | bytes | deleted | errors | duration |',
    )
    expect(md).toContain('| job-2 |')
    expect(md).toContain('### Failures (1)')
    expect(md).toContain('error 19 ')
  })

  it('shows a job description under the job name, escaped, and keeps it out of the results output', () => {
    const r = { ...result(1, 'success'), description: 'Camera | uploads <b>' }
    const md = buildSummary({ command: 'run', results: [r], diagnostics: [], jobCount: 1, fileCount: 1 })
    expect(md).toContain('| job-1<br><sub>Camera \\| uploads &lt;b></sub> |')
    expect(resultEntries([r])[0]).not.toHaveProperty('description')
  })

  it('escapes table cells and hides URL passwords', () => {
    expect(cell('a|b\nc<d')).toBe('a\\|b c&lt;d')
    expect(redactPath(':webdav,url="https://me:hunter2@host/dav":x')).toBe(
      ':webdav,url="https://me:***@host/dav":x',
    )
    expect(formatBytes(1536)).toBe('1.50 KiB')
  })
})
