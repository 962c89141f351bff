import { existsSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'
import { overlaps, recorder, type Span } from './helpers/spans.js'

beforeAll(() => {
  requireRclone()
})

/** A fresh runner: new HOME and new RUNNER_TEMP each time. */
function freshRunner(): Record<string, string> {
  return { HOME: tempDir('home-'), RUNNER_TEMP: tempDir('runner-temp-') }
}

function setup(job: string) {
  const ws = tempDir()
  const store = tempDir('state-')
  writeTree(ws, {
    'jobs/two-way.yml': job,
    'left/shared.txt': 'shared',
    'left/only-left.txt': 'L',
    'right/only-right.txt': 'R',
  })
  return { ws, store }
}

describe('bisync on ephemeral runners', () => {
  it('a first run without consent fails with the message and changes nothing', async () => {
    const { ws, store } = setup('source: left\ndestinations: [right]\nmode: bisync\n')
    const before = { left: readTree(path.join(ws, 'left')), right: readTree(path.join(ws, 'right')) }
    const r = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(r.failed).toBe(true)
    const reason = String(r.results[0]?.reason)
    expect(reason).toContain('no bisync state for two-way → right (a first run, or the state was lost)')
    expect(reason).toContain('set "resync: true" on the job')
    expect(reason).toContain("the source's (Path1) version wins")
    expect(r.calls.filter((c) => c[0] === 'bisync')).toEqual([])
    expect({ left: readTree(path.join(ws, 'left')), right: readTree(path.join(ws, 'right')) }).toEqual(before)
    expect(r.summary).toContain('resync: true')
  })

  it('with consent resyncs once; later runs on new runners propagate both sides without a resync', async () => {
    const { ws, store } = setup('source: left\ndestinations: [right]\nmode: bisync\nresync: true\n')
    const first = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(first.failed, first.log).toBe(false)
    expect(first.calls.find((c) => c[0] === 'bisync')).toContain('--resync')
    const union = { 'only-left.txt': 'L', 'only-right.txt': 'R', 'shared.txt': 'shared' }
    expect(readTree(path.join(ws, 'left'))).toEqual(union)
    expect(readTree(path.join(ws, 'right'))).toEqual(union)
    const stored = Object.keys(readTree(store))
    expect(stored.filter((f) => f.endsWith('.lst'))).toHaveLength(2)
    expect(stored.some((f) => f.endsWith('lock.json'))).toBe(false)

    // Both sides change; one deletion on each side. A resync would bring the deleted files back.
    writeFileSync(path.join(ws, 'left/new-left.txt'), 'NL')
    unlinkSync(path.join(ws, 'right/only-left.txt'))
    writeFileSync(path.join(ws, 'right/new-right.txt'), 'NR')
    unlinkSync(path.join(ws, 'left/only-right.txt'))
    const second = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(second.failed, second.log).toBe(false)
    const call = second.calls.find((c) => c[0] === 'bisync') ?? []
    expect(call).not.toContain('--resync')
    const after = { 'new-left.txt': 'NL', 'new-right.txt': 'NR', 'shared.txt': 'shared' }
    expect(readTree(path.join(ws, 'left'))).toEqual(after)
    expect(readTree(path.join(ws, 'right'))).toEqual(after)
  })

  it('a critical error marks the state lost in the store; then consent decides, as for missing state', async () => {
    const { ws, store } = setup('source: left\ndestinations: [right]\nmode: bisync\nresync: true\n')
    expect((await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })).failed).toBe(false)
    // check-access without RCLONE_TEST files on both sides is a critical error: rclone renames its listings to
    // .lst-err and asks for a resync (exit 2 before 1.69, 7 from 1.69).
    writeTree(ws, {
      'jobs/two-way.yml':
        'source: left\ndestinations: [right]\nmode: bisync\nbisync: { check-access: true }\n',
    })
    const critical = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(critical.failed).toBe(true)
    expect(String(critical.results[0]?.reason)).toContain('critical error')
    expect(String(critical.results[0]?.reason)).toContain('the stored state is marked lost')
    expect(Object.keys(readTree(store)).some((f) => f.endsWith('/state/lost.json'))).toBe(true)

    writeTree(ws, { 'jobs/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\n' })
    const refused = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(refused.failed).toBe(true)
    expect(String(refused.results[0]?.reason)).toContain('the state was marked lost after a critical error')
    expect(refused.calls.filter((c) => c[0] === 'bisync')).toEqual([])

    writeTree(ws, { 'jobs/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\nresync: true\n' })
    const again = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(again.failed, again.log).toBe(false)
    expect(again.calls.find((c) => c[0] === 'bisync')).toContain('--resync')
    expect(Object.keys(readTree(store)).some((f) => f.endsWith('lost.json'))).toBe(false)
  })

  it('refuses a state store inside a job path, at that path', async () => {
    const { ws } = setup('source: left\ndestinations: [right]\nmode: bisync\nresync: true\n')
    const r = await runAction(ws, { 'bisync-state': 'right/.state', command: 'validate' })
    expect(r.failed).toBe(true)
    expect(r.log).toContain(
      'jobs/two-way.yml:2:16: error: destinations[0]: "right" contains the bisync-state store "right/.state"',
    )
  })

  it('plan shows what a bisync would change, on both sides, and changes nothing', async () => {
    const { ws, store } = setup('source: left\ndestinations: [right]\nmode: bisync\nresync: true\n')
    expect((await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })).failed).toBe(false)
    writeFileSync(path.join(ws, 'left/new.txt'), 'new')
    unlinkSync(path.join(ws, 'right/only-left.txt'))
    const before = {
      left: readTree(path.join(ws, 'left')),
      right: readTree(path.join(ws, 'right')),
      state: readTree(store),
    }
    const r = await runAction(ws, { 'bisync-state': store, command: 'plan' }, { env: freshRunner() })
    expect(r.failed, r.log).toBe(false)
    expect(r.results[0]).toMatchObject({ wouldCopy: 1, wouldDelete: 1 })
    expect(r.summary).toContain('- `new.txt`')
    expect(r.summary).toContain('- `only-left.txt`')
    expect({
      left: readTree(path.join(ws, 'left')),
      right: readTree(path.join(ws, 'right')),
      state: readTree(store),
    }).toEqual(before)
  })

  it('refuses without a state store, and while another run holds the pair', async () => {
    const { ws, store } = setup('source: left\ndestinations: [right]\nmode: bisync\nresync: true\n')
    const none = await runAction(ws, {}, { env: freshRunner() })
    expect(none.failed).toBe(true)
    expect(String(none.results[0]?.reason)).toContain('set the bisync-state input')

    const ok = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(ok.failed).toBe(false)
    const folder = path.dirname(Object.keys(readTree(store)).map((f) => path.join(store, f))[0] as string)
    const pairFolder = path.dirname(folder)
    writeFileSync(
      path.join(pairFolder, 'lock.json'),
      JSON.stringify({ owner: 'run 12345', time: Date.now() }),
    )
    const before = readTree(path.join(ws, 'right'))
    writeFileSync(path.join(ws, 'left/more.txt'), 'm')
    const blocked = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(blocked.failed).toBe(true)
    expect(String(blocked.results[0]?.reason)).toContain('another run (run 12345')
    expect(String(blocked.results[0]?.reason)).toContain('concurrency group')
    expect(readTree(path.join(ws, 'right'))).toEqual(before)
    // A stale lock (older than the TTL) does not block.
    writeFileSync(
      path.join(pairFolder, 'lock.json'),
      JSON.stringify({ owner: 'run 1', time: Date.now() - 7 * 3600_000 }),
    )
    const stale = await runAction(ws, { 'bisync-state': store }, { env: freshRunner() })
    expect(stale.failed, stale.log).toBe(false)
    expect(readTree(path.join(ws, 'right'))['more.txt']).toBe('m')
  })

  it('bisyncs several destinations pair by pair, never at once, whatever max-parallel says', async () => {
    const ws = tempDir()
    const store = tempDir('state-')
    writeTree(ws, {
      'jobs/fan.yml': 'source: hub\ndestinations: [spoke-a, spoke-b, spoke-c]\nmode: bisync\nresync: true\n',
      'hub/h.txt': 'h',
      'spoke-a/a.txt': 'a',
      'spoke-b/b.txt': 'b',
      'spoke-c/c.txt': 'c',
    })
    const spans: Span[] = []
    const r = await runAction(
      ws,
      { 'bisync-state': store, 'max-parallel': '4' },
      { env: freshRunner(), runner: recorder(spans) },
    )
    expect(r.failed, r.log).toBe(false)
    expect(spans).toHaveLength(3)
    expect(spans.every((x) => x.command === 'bisync')).toBe(true)
    for (const x of spans) for (const y of spans) if (x !== y) expect(overlaps(x, y)).toBe(false)
    expect(Object.keys(readTree(path.join(ws, 'hub'))).sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'h.txt'])
  })
})

describe('node dist/index.js: bisync across two runners', () => {
  it('the second run, with a fresh HOME and RUNNER_TEMP, needs no resync', async () => {
    const ws = tempDir()
    const store = tempDir('state-')
    writeTree(ws, {
      'jobs/two-way.yml': 'source: left\ndestinations: [right]\nmode: bisync\nresync: true\n',
      'left/a.txt': 'a',
      'right/b.txt': 'b',
    })
    const inputs = { command: 'run', 'rclone-version': 'system', 'bisync-state': store }
    const first = await runBundle(ws, inputs, { HOME: tempDir('home-') })
    expect(first.status, first.stdout).toBe(0)
    rmSync(path.join(ws, '.runner'), { recursive: true, force: true })
    unlinkSync(path.join(ws, 'right/a.txt'))
    writeFileSync(path.join(ws, 'left/c.txt'), 'c')
    const second = await runBundle(ws, inputs, { HOME: tempDir('home-') })
    expect(second.status, second.stdout).toBe(0)
    expect(first.stdout).toMatch(/\$ rclone bisync .*--resync -- left right$/m)
    expect(second.stdout).toMatch(/\$ rclone bisync .*--workdir=\S+ -- left right$/m)
    expect(second.stdout).not.toContain('--resync')
    expect(readTree(path.join(ws, 'left'))).toEqual({ 'b.txt': 'b', 'c.txt': 'c' })
    expect(readTree(path.join(ws, 'right'))).toEqual({ 'b.txt': 'b', 'c.txt': 'c' })
    expect(
      (existsSync(path.join(ws, '.runner', 'temp'))
        ? readdirSync(path.join(ws, '.runner', 'temp'))
        : []
      ).filter((f) => !f.startsWith('rclone-jobs-report-')),
    ).toEqual([])
  })
})
