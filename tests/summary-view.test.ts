/**
 * The step summary as a person reads it (issue 23): the verdict first, failures first and open with what to do,
 * Markdown that renders as written (checked with a CommonMark/GFM renderer, markdown-it), rows that did not run
 * without made-up zeros, and listed paths in a stable order.
 */
import MarkdownIt from 'markdown-it'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildSummary } from '../src/report/summary.js'
import { type BundleRun, runBundle } from './helpers/bundle.js'
import { requireRclone, tempDir, writeTree } from './helpers/rclone.js'

beforeAll(() => {
  requireRclone()
})

const md = new MarkdownIt({ html: true })
const base = { 'rclone-version': 'system' }
const results = (r: BundleRun) => JSON.parse(r.outputs.results ?? '[]') as Array<Record<string, unknown>>

describe('the summary renders as written', () => {
  it('table cells escape Markdown: a cron and names with * _ ` | show as written, not in italics', () => {
    const summary = buildSummary({
      command: 'validate',
      results: [],
      diagnostics: [
        {
          severity: 'error',
          file: 'jobs/my_nightly_job.yml',
          line: 3,
          col: 11,
          key: 'schedule',
          message: 'quote the cron: schedule: "*/5 * * * *" (an unquoted * starts a YAML alias) | `code` _x_',
        },
      ],
      jobCount: 1,
      fileCount: 1,
    })
    const html = md.render(summary)
    expect(html).not.toContain('<em>')
    expect(html).not.toContain('<code>')
    const cell = /<td>quote the cron: (.*?)<\/td>/.exec(html)?.[1]
    expect(cell).toBe('schedule: &quot;*/5 * * * *&quot; (an unquoted * starts a YAML alias) | `code` _x_')
    expect(html).toContain('<td>jobs/my_nightly_job.yml</td>')
  })
  it('a failure line inside <summary> (HTML, no Markdown) shows * _ ` as written and escapes < and &', () => {
    const summary = buildSummary({
      command: 'run',
      results: [
        {
          job: 'my_job',
          destination: 'b2:bucket/*_x',
          mode: 'sync',
          status: 'failed',
          reason: 'rclone exited 1: `a` <b> & c',
          stats: null,
        } as never,
      ],
      diagnostics: [],
      jobCount: 1,
      fileCount: 1,
    })
    const html = md.render(summary)
    const line = /<summary>(.*?)<\/summary>/.exec(html)?.[1]
    expect(line).toBe('<b>my_job</b> → b2:bucket/*_x: rclone exited 1: `a` &lt;b&gt; &amp; c')
  })
})

describe('the headline counts in the words of its command', () => {
  const results = (statuses: string[]) =>
    statuses.map(
      (status, i) => ({ job: `j${i}`, destination: `d${i}`, mode: 'sync', status, stats: null }) as never,
    )
  const headline = (command: 'plan' | 'run' | 'check') =>
    buildSummary({
      command,
      results: results(['success', 'success', 'failed', 'skipped']),
      diagnostics: [],
      jobCount: 4,
      fileCount: 4,
    }).split('\n')[2]
  it('a check shows no transfers table, and a destination that differs says what to do about it', () => {
    const md = buildSummary({
      command: 'check',
      results: [
        {
          job: 'j',
          destination: 'dst',
          mode: 'sync',
          status: 'failed',
          reason: 'the destination does not match its source: 5 missing on the destination',
          stats: null,
        } as never,
      ],
      diagnostics: [],
      jobCount: 1,
      fileCount: 1,
    })
    expect(md).not.toContain('files transferred')
    expect(md).toContain(
      '**What to do:** run the job (or wait for its schedule) to bring the destination in line',
    )
  })

  it('a plan says what a run would do, a check what matches, a run what happened', () => {
    expect(headline('plan')).toBe(
      '❌ **A run would fail or be refused on 1 of 3 destinations** — 4 destinations: 2 would run, 1 would fail or be refused, 0 incomplete, 1 skipped',
    )
    expect(headline('check')).toBe(
      '❌ **1 of 3 destinations do not match their source** — 4 destinations: 2 match, 1 differ or failed, 0 incomplete, 1 skipped',
    )
    expect(headline('run')).toBe(
      '❌ **1 of 3 destinations failed** — 4 destinations: 2 succeeded, 1 failed, 0 incomplete, 1 skipped',
    )
  })
})

describe('a failed run, as a reviewer reads it (node dist/index.js)', () => {
  it('verdict first; failures first and open with what to do and the files a refused sync would delete', async () => {
    const ws = tempDir()
    const files: Record<string, string> = {
      'jobs/a-guarded.yml': 'source: src\ndestinations: [dst]\noptions: { max-delete: 2 }\n',
      'jobs/b-fine.yml': 'source: src\ndestinations: [copy]\nmode: copy\n',
      'jobs/c-after.yml': 'source: dst\ndestinations: [after]\nmode: copy\n',
      'src/keep.txt': 'k',
    }
    for (const n of ['e', 'c', 'a', 'd', 'b']) files[`dst/old-${n}.txt`] = 'old'
    writeTree(ws, files)
    const r = await runBundle(ws, { ...base, command: 'run', 'max-parallel': '1' })
    expect(r.status).toBe(1)
    const lines = r.summary.split('\n')
    expect(lines[0]).toBe('## rclone-jobs: run')
    expect(lines[2]).toBe(
      '❌ **1 of 2 destinations failed** — 3 destinations: 1 succeeded, 1 failed, 0 incomplete, 1 skipped',
    )
    const failures = r.summary.indexOf('### Failures (1)')
    const table = r.summary.indexOf('| job | destination |')
    expect(failures).toBeGreaterThan(0)
    expect(failures).toBeLessThan(table)
    expect(r.summary).toContain(
      '<details open><summary><b>a-guarded</b> → dst: refused: this sync would delete 5 files',
    )
    expect(r.summary).toContain('**What to do:** check the source first')
    expect(r.summary).toContain(
      '**It would have deleted (5)**\n\n- `old-a.txt`\n- `old-b.txt`\n- `old-c.txt`\n- `old-d.txt`\n- `old-e.txt`',
    )
    // The job that reads a-guarded's destination did not start: its row shows –, not zeros it never counted.
    expect(r.summary).toMatch(/\| c-after \| after \| copy \| ⏭️ skipped \| – \| – \| – \| – \| – \|/)
    expect(results(r).find((x) => x.job === 'c-after')).toMatchObject({ status: 'skipped' })
    expect(r.stdout).toMatch(/::error title=rclone-jobs%3A a-guarded,file=jobs\/a-guarded\.yml,line=1::/)
  })

  it('a plan lists the same first paths on every run: the smallest names, sorted', async () => {
    const ws = tempDir()
    const files: Record<string, string> = { 'jobs/many.yml': 'source: src\ndestinations: [dst]\n' }
    const names = Array.from({ length: 40 }, (_, i) => `f-${String((i * 17) % 40).padStart(2, '0')}.txt`)
    for (const n of names) files[`src/${n}`] = n
    writeTree(ws, files)
    const first = await runBundle(ws, { ...base, command: 'plan' })
    const second = await runBundle(ws, { ...base, command: 'plan' })
    const listed = (r: BundleRun) =>
      r.summary
        .split('\n')
        .filter((l) => /^- `f-\d\d\.txt`$/.test(l))
        .map((l) => l.slice(3, -1))
    const expected = [...names].sort().slice(0, 25)
    expect(listed(first)).toEqual(expected)
    expect(listed(second)).toEqual(expected)
    expect(first.summary).toContain('- … and 15 more')
  })
})
