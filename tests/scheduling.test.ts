/**
 * Scheduling rules, proved by recording when each real rclone invocation started and ended (not by timing limits):
 * overlapping invocations never overlap in time and keep file order; independent ones run concurrently. And the
 * fan-out: running the matrix shards separately gives the same final state as one run.
 */
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'
import { overlaps, recorder, type Span } from './helpers/spans.js'

beforeAll(() => {
  requireRclone()
})

/** Files big enough that a bandwidth limit makes each invocation last a while. */
function payload(prefix: string, n: number, size = 40_000): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: n }, (_, i) => [`${prefix}/f${i}.bin`, String(i).repeat(size)]),
  )
}

describe('scheduling with the real rclone', () => {
  it('independent invocations run concurrently up to max-parallel', async () => {
    const ws = tempDir()
    writeTree(ws, {
      ...payload('src', 4),
      'jobs/a.yml': 'source: src\ndestinations: [out/a]\noptions: { bwlimit: 200k }\n',
      'jobs/b.yml': 'source: src\ndestinations: [out/b]\noptions: { bwlimit: 200k }\n',
      'jobs/c.yml': 'source: src\ndestinations: [out/c]\noptions: { bwlimit: 200k }\n',
    })
    const spans: Span[] = []
    const r = await runAction(ws, { 'max-parallel': '3' }, { runner: recorder(spans) })
    expect(r.failed, r.log).toBe(false)
    expect(spans).toHaveLength(3)
    const [a, b, c] = spans as [Span, Span, Span]
    expect(overlaps(a, b) && overlaps(b, c) && overlaps(a, c)).toBe(true)

    const serial: Span[] = []
    const one = await runAction(ws, { 'max-parallel': '1' }, { runner: recorder(serial) })
    expect(one.failed).toBe(false)
    serial.sort((x, y) => x.start - y.start)
    for (let i = 1; i < serial.length; i++)
      expect(overlaps(serial[i - 1] as Span, serial[i] as Span)).toBe(false)
  })

  it("a job that reads another job's destination runs after it, never beside it", async () => {
    const ws = tempDir()
    writeTree(ws, {
      ...payload('src', 4),
      'jobs/1-stage.yml': 'source: src\ndestinations: [stage]\noptions: { bwlimit: 200k }\n',
      'jobs/2-publish.yml': 'source: stage\ndestinations: [public]\nallow-empty-source: true\n',
      'jobs/3-other.yml': 'source: src\ndestinations: [elsewhere]\noptions: { bwlimit: 200k }\n',
    })
    const spans: Span[] = []
    const r = await runAction(ws, { 'max-parallel': '4' }, { runner: recorder(spans) })
    expect(r.failed, r.log).toBe(false)
    const by = (d: string) => spans.find((s) => s.dst === d) as Span
    expect(overlaps(by('stage'), by('public'))).toBe(false)
    expect(by('public').start).toBeGreaterThanOrEqual(by('stage').end)
    // The independent job did run beside the first.
    expect(overlaps(by('stage'), by('elsewhere'))).toBe(true)
    // In file order, so the publish step saw the staged files.
    expect(Object.keys(readTree(path.join(ws, 'public')))).toHaveLength(4)
  })

  it('a backup-dir that another job writes keeps those two apart', async () => {
    const ws = tempDir()
    writeTree(ws, {
      ...payload('src', 3),
      'jobs/a.yml':
        'source: src\ndestinations: [mirror]\noptions: { backup-dir: archive/a, bwlimit: 200k }\n',
      'jobs/c.yml': 'source: src\ndestinations: [third]\noptions: { bwlimit: 200k }\n',
    })
    // b reads the folder that a's backup-dir writes into.
    writeTree(ws, {
      'jobs/b.yml': 'source: archive\ndestinations: [copy-of-archive]\nmode: copy\n',
      'archive/seed.txt': 's',
    })
    const spans2: Span[] = []
    const ok = await runAction(ws, { 'max-parallel': '3' }, { runner: recorder(spans2) })
    expect(ok.failed, ok.log).toBe(false)
    const by = (d: string) => spans2.find((s) => s.dst === d) as Span
    expect(overlaps(by('mirror'), by('copy-of-archive'))).toBe(false)
    expect(overlaps(by('mirror'), by('third'))).toBe(true)
  })
})

describe('fan-out', () => {
  function fanWorkspace(): string {
    const ws = tempDir()
    const files: Record<string, string> = { 'src/a.txt': 'a', 'src/b/b.txt': 'b' }
    for (let i = 0; i < 7; i++) {
      files[`jobs/j${i}.yml`] =
        `source: src\ndestinations: [out/j${i}-x${i % 2 === 0 ? `, out/j${i}-y` : ''}]\n`
    }
    // A chain: j-chain reads what j0 writes, so the two must share a runner.
    files['jobs/zz-chain.yml'] = 'source: out/j0-x\ndestinations: [out/chain]\n'
    writeTree(ws, files)
    return ws
  }

  it('groups overlapping jobs into one entry and shards by destination count', async () => {
    const ws = fanWorkspace()
    const perJob = await runAction(ws, { command: 'validate' })
    const entries = JSON.parse(perJob.outputs.matrix as string).include as Array<{ job: string }>
    expect(entries.map((e) => e.job)).toEqual(['j0,zz-chain', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6'])
    const sharded = await runAction(ws, { command: 'validate', shards: '3' })
    const shards = JSON.parse(sharded.outputs.matrix as string).include as Array<{
      job: string
      shard: number
      destinations: number
    }>
    expect(shards.map((s) => s.shard)).toEqual([1, 2, 3])
    expect(shards.map((s) => s.destinations).reduce((a, b) => a + b)).toBe(12)
    expect(
      Math.max(...shards.map((s) => s.destinations)) - Math.min(...shards.map((s) => s.destinations)),
    ).toBeLessThanOrEqual(2)
    expect(shards.find((s) => s.job.includes('zz-chain'))?.job).toContain('j0')
    expect(shards.flatMap((s) => s.job.split(',')).sort()).toEqual([
      'j0',
      'j1',
      'j2',
      'j3',
      'j4',
      'j5',
      'j6',
      'zz-chain',
    ])
  })

  it('running the shards separately gives the same final state as one run', async () => {
    const one = fanWorkspace()
    const whole = await runAction(one, {})
    expect(whole.failed, whole.log).toBe(false)

    const split = fanWorkspace()
    const m = await runAction(split, { command: 'validate', shards: '3' })
    const shards = JSON.parse(m.outputs.matrix as string).include as Array<{ job: string }>
    for (const s of shards) {
      const r = await runAction(split, { jobs: s.job })
      expect(r.failed, r.log).toBe(false)
    }
    expect(readTree(path.join(split, 'out'))).toEqual(readTree(path.join(one, 'out')))
    expect(Object.keys(readTree(path.join(one, 'out')))).toHaveLength(24)
  })
})
