/**
 * Invalid-input fixtures: each file (or folder, for rules that span files) under tests/fixtures/invalid states the
 * problem it must produce, at which line and column and under which key. The action is run on it as a whole: the
 * step fails, the log lists the problem as file:line:col, and rclone is never started.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseJobFile } from '../src/jobs/load.js'
import { suggest, validateDocuments } from '../src/jobs/validate.js'
import { tempDir } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

const dir = path.join(import.meta.dirname, 'fixtures/invalid')

interface Expectation {
  file: string
  line: number
  col: number
  key: string
  text: string
}

function parseExpect(file: string, spec: string): Expectation {
  const m = /^(\d+):(\d+) (?:([\w.[\]-]+): )?(.*)$/.exec(spec.trim())
  if (!m) throw new Error(`bad expectation in ${file}: ${spec}`)
  return { file, line: Number(m[1]), col: Number(m[2]), key: m[3] ?? '', text: m[4] as string }
}

function fixtures(): Array<{ name: string; files: string[]; expect: Expectation }> {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const full = path.join(dir, name)
      if (statSync(full).isDirectory()) {
        const [file, spec] = readFileSync(path.join(full, 'expect.txt'), 'utf8').trim().split(/:(.*)/s) as [
          string,
          string,
        ]
        const files = readdirSync(full).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
        return { name, files: files.map((f) => path.join(full, f)), expect: parseExpect(file, spec) }
      }
      const first = readFileSync(full, 'utf8').split('\n')[0] ?? ''
      const spec = /^# expect: (.*)$/.exec(first)?.[1]
      // An empty file cannot carry its expectation: it is the one fixture named for it.
      const expectation = spec ? parseExpect(name, spec) : parseExpect(name, '1:1 the file holds no job')
      return { name, files: [full], expect: expectation }
    })
}

const all = fixtures()

describe('invalid job files', () => {
  it('has at least 40 fixtures, one per rule', () => {
    expect(all.length).toBeGreaterThanOrEqual(40)
  })

  it.each(all.map((f) => [f.name, f] as const))('%s', async (_name, fx) => {
    const ws = tempDir()
    for (const f of fx.files) cpSync(f, path.join(ws, 'jobs', path.basename(f)))
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed).toBe(true)
    expect(r.calls, 'rclone must not be started on invalid jobs').toEqual([])
    const e = fx.expect
    const prefix = `jobs/${e.file}:${e.line}:${e.col}: error: ${e.key ? `${e.key}: ` : ''}`
    const lines = r.log.split('\n').filter((l) => /^jobs\/.*:\d+:\d+: (error|warning): /.test(l))
    const hit = lines.find((l) => l.startsWith(prefix) && l.includes(e.text))
    expect(
      hit,
      `expected a line starting "${prefix}" containing "${e.text}", got:\n${lines.join('\n')}`,
    ).toBeDefined()
    // The same problem is an annotation with the position, and listed in the summary.
    expect(r.log).toContain(`file=jobs/${e.file},line=${e.line},col=${e.col}::`)
    expect(r.summary).toContain('### Problems in job files')
    expect(JSON.parse(r.outputs.matrix ?? 'null')).toEqual({ include: [] })
  })

  it('never echoes a credential back', async () => {
    for (const f of all.filter((x) => x.name.startsWith('credential-'))) {
      const ws = tempDir()
      cpSync(f.files[0] as string, path.join(ws, 'jobs', f.name))
      const r = await runAction(ws, { command: 'validate' })
      for (const secret of ['hunter2', 's3cr3t', 'access_token', ':pw@']) {
        expect(r.log).not.toContain(secret)
        expect(r.summary).not.toContain(secret)
      }
    }
  })

  it('reports every problem in every file, not only the first', () => {
    const a = parseJobFile(
      'jobs/a.yml',
      'source: a\ndestinations: [b]\noptions: { transfers: 0, checkers: 0 }\nmode: x\n',
    )
    const b = parseJobFile('jobs/b.yml', 'sourse: a\n')
    const v = validateDocuments([...a.documents, ...b.documents], { cwd: '/ws' })
    expect(v.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.key}`)).toEqual([
      'jobs/a.yml:3:23 options.transfers',
      'jobs/a.yml:3:36 options.checkers',
      'jobs/a.yml:4:7 mode',
      'jobs/b.yml:1:1 destinations',
      'jobs/b.yml:1:1 source',
      'jobs/b.yml:1:1 sourse',
    ])
    expect(v.jobs).toEqual([])
  })

  it('suggests the closest key only when it is close', () => {
    expect(suggest('transfer', ['transfers', 'checkers'])).toBe('transfers')
    expect(suggest('max_delete', ['max-delete'])).toBe('max-delete')
    expect(suggest('completely-different', ['transfers'])).toBeUndefined()
  })
})

describe('valid job files', () => {
  it('the remote examples in examples/jobs validate without errors, with the action itself', async () => {
    const ws = tempDir()
    cpSync(path.resolve(import.meta.dirname, '../examples/jobs'), path.join(ws, 'examples/jobs'), {
      recursive: true,
    })
    const r = await runAction(ws, { command: 'validate', path: 'examples/jobs' })
    expect(r.failed, r.log).toBe(false)
    expect(r.calls).toEqual([])
    expect(JSON.parse(r.outputs.matrix as string).include.map((e: { job: string }) => e.job)).toEqual([
      'logs-archive',
      'db-dumps',
      'photos',
      'team-docs',
    ])
  })

  it('the example jobs in jobs/ are valid', () => {
    const root = path.resolve(import.meta.dirname, '..')
    expect(existsSync(path.join(root, 'jobs'))).toBe(true)
    const docs = readdirSync(path.join(root, 'jobs')).flatMap(
      (f) => parseJobFile(`jobs/${f}`, readFileSync(path.join(root, 'jobs', f), 'utf8')).documents,
    )
    const v = validateDocuments(docs, { cwd: root })
    expect(v.diagnostics).toEqual([])
    expect(v.jobs.map((j) => j.name).sort()).toEqual(['docs-copy', 'docs-legacy', 'docs-mirror', 'photos'])
  })
})

describe('one test of credential keys serves validation and masking', () => {
  it('a key refused in a connection string is masked in rclone-config, and a file name is neither', async () => {
    const { credentialKeys } = await import('../src/places/rclone-path.js')
    const { configSecrets } = await import('../src/rclone/secrets.js')
    for (const key of ['pass', 'sse_customer_key', 'service_account_credentials', 'client_secret', 'token']) {
      expect(credentialKeys(`:s3,${key}=v4lue:bucket`)).toEqual([key])
      expect(configSecrets(`[r]\ntype = s3\n${key} = v4lue\n`)).toEqual(['v4lue'])
    }
    for (const key of ['key_file', 'service_account_file', 'host', 'user']) {
      expect(credentialKeys(`:sftp,${key}=v:x`)).toEqual([])
      expect(configSecrets(`[r]\n${key} = v\n`)).toEqual([])
    }
  })
})
