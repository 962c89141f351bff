/**
 * Bad input at scale: every malformed file of the corpus is rejected with file:line:col, quickly, with no crash and
 * no stack trace; the whole corpus through the action starts no rclone. Then a seeded fuzz test of 10,000 mutations
 * of valid files through load, validate and plan: nothing throws.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Diagnostic } from '../src/jobs/diagnostics.js'
import { parseJobFile } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { planInvocations } from '../src/run/plan.js'
import { malformedCorpus } from './helpers/corpus.js'
import { mutate, rng, VALID } from './helpers/fuzz.js'
import { tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

const corpus = malformedCorpus()

function check(file: string, content: string | Buffer): Diagnostic[] {
  const text = typeof content === 'string' ? content : content.toString('utf8')
  const loaded = parseJobFile(file, text)
  const v = validateDocuments(loaded.documents, { cwd: '/ws' })
  return [...loaded.diagnostics, ...v.diagnostics]
}

describe('the malformed corpus', () => {
  it('has at least 200 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200)
  })

  it('rejects every file with an error at a real line and column, without a stack trace', () => {
    const started = Date.now()
    const accepted: string[] = []
    for (const entry of corpus) {
      const file = `jobs/${entry.name}`
      const errors = check(file, entry.content).filter((d) => d.severity === 'error')
      if (errors.length === 0) accepted.push(entry.name)
      for (const d of errors) {
        expect(d.file).toBe(file)
        expect(d.line).toBeGreaterThanOrEqual(1)
        expect(d.col).toBeGreaterThanOrEqual(1)
        expect(d.message.length).toBeGreaterThan(5)
        expect(d.message).not.toMatch(/\n\s+at .+:\d+:\d+/)
        expect(d.message.length).toBeLessThan(2_000)
      }
    }
    expect(accepted, 'these malformed files were accepted').toEqual([])
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('runs through the action as a whole: the step fails, every file is listed, no rclone starts', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/.keep': '' })
    for (const e of corpus) writeFileSync(path.join(ws, 'jobs', e.name), e.content)
    const r = await runAction(ws, { command: 'run' })
    expect(r.failed).toBe(true)
    expect(r.calls).toEqual([])
    for (const e of corpus)
      expect(r.log, e.name).toMatch(
        new RegExp(`^jobs/${e.name.replace(/[.]/g, '\\.')}:\\d+:\\d+: error: `, 'm'),
      )
    expect(Buffer.byteLength(r.summary)).toBeLessThan(1024 * 1024)
  })
})

describe('fuzzing', () => {
  it('10,000 seeded mutations of valid files never crash load, validate or plan', () => {
    const seed = 20261124
    const r = rng(seed).next
    let valid = 0
    let invalid = 0
    for (let i = 0; i < 10_000; i++) {
      const text = mutate(VALID[i % VALID.length] as string, r)
      try {
        const loaded = parseJobFile('jobs/fuzz.yml', text)
        const v = validateDocuments(loaded.documents, { cwd: '/ws' })
        const all = [...loaded.diagnostics, ...v.diagnostics]
        for (const d of all) {
          if (d.line < 1 || d.col < 1 || d.message === '')
            throw new Error(`bad diagnostic ${JSON.stringify(d)}`)
        }
        // With any error the action runs nothing (tests/validate.test.ts checks that through the action).
        if (all.some((d) => d.severity === 'error')) invalid++
        else {
          valid++
          for (const inv of planInvocations(v.jobs, { dryRun: false })) {
            const sep = inv.args.indexOf('--')
            if (sep < 0 || inv.args.length - sep !== 3) throw new Error('argv lost its -- SRC DST tail')
          }
        }
      } catch (e) {
        throw new Error(
          `seed ${seed}, mutation ${i}: ${e instanceof Error ? e.message : String(e)}\n--- input ---\n${JSON.stringify(text)}`,
        )
      }
    }
    expect(valid + invalid).toBe(10_000)
    expect(invalid).toBeGreaterThan(1_000)
    expect(valid).toBeGreaterThan(100)
  })
})
