import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'
import { blackhole, davConfig, serve } from './helpers/servers.js'

beforeAll(() => {
  requireRclone()
})

describe('faults', () => {
  it('a server killed mid-sync fails that destination only; a rerun converges and the source is untouched', async () => {
    const ws = tempDir()
    const served = tempDir()
    const files: Record<string, string> = {}
    for (let i = 0; i < 300; i++) files[`src/d${i % 10}/f${i}.bin`] = `${i}:${'x'.repeat(2000)}`
    writeTree(ws, {
      ...files,
      // The remote destination is slowed so the kill lands in the middle; the local one and another job are not.
      'jobs/mirror.yml':
        'source: src\ndestinations:\n  - path: "dav:backup"\n    options: { bwlimit: 150k, retries: 1, low-level-retries: 1, max-duration: 6s }\n  - local-copy\n',
      'jobs/other.yml': 'source: src\ndestinations: [other-copy]\nmode: copy\n',
    })
    const dav = await serve('webdav', served)
    const config = davConfig(dav)
    const sourceBefore = readTree(path.join(ws, 'src'))
    const killer = setTimeout(() => void dav.stop(), 1500)
    const first = await runAction(ws, { 'rclone-config': config, 'max-parallel': '3' })
    clearTimeout(killer)
    expect(first.failed).toBe(true)
    const remote = first.results.find((r) => r.destination === 'dav:backup')
    expect(remote).toMatchObject({ status: 'failed' })
    expect(Number(remote?.exitCode)).toBeGreaterThan(0)
    expect(first.summary).toMatch(/connection refused|connection reset|EOF|broken pipe/i)
    const copied = Object.keys(readTree(path.join(served, 'backup'))).length
    expect(copied).toBeLessThan(300)
    expect(first.results.find((r) => r.destination === 'local-copy')).toMatchObject({
      status: 'success',
      transfers: 300,
    })
    expect(first.results.find((r) => r.job === 'other')).toMatchObject({ status: 'success', transfers: 300 })
    expect(JSON.parse(first.outputs['failed-jobs'] as string)).toEqual(['mirror'])

    const again = await serve('webdav', served, { port: dav.port, user: dav.user, pass: dav.pass })
    writeTree(ws, { 'jobs/mirror.yml': 'source: src\ndestinations: ["dav:backup", local-copy]\n' })
    const second = await runAction(ws, {
      'rclone-config': davConfig(again),
    })
    expect(second.failed, second.log).toBe(false)
    expect(readTree(path.join(served, 'backup'))).toEqual(readTree(path.join(ws, 'src')))
    expect(readTree(path.join(ws, 'src'))).toEqual(sourceBefore)
    const rerun = second.results.find((r) => r.destination === 'dav:backup')
    // Files cut off by the kill count as present on disk but are incomplete: rclone sends those again too, at most
    // one per transfer slot (rclone's default --transfers is 4).
    expect(Number(rerun?.transfers)).toBeGreaterThanOrEqual(300 - copied)
    expect(Number(rerun?.transfers)).toBeLessThanOrEqual(300 - copied + 4)
  })

  it('a hung remote ends by the job timeouts instead of hanging the step', async () => {
    const ws = tempDir()
    const hole = await blackhole()
    writeTree(ws, {
      'jobs/hung.yml':
        'source: src\ndestinations: ["stuck:x"]\nmode: copy\noptions: { contimeout: 1s, timeout: 2s, retries: 1, low-level-retries: 1, max-duration: 20s }\n',
      'jobs/fine.yml': 'source: src\ndestinations: [ok]\n',
      'src/a.txt': 'a',
    })
    const started = Date.now()
    const r = await runAction(ws, {
      'rclone-config': `[stuck]\ntype = webdav\nurl = http://127.0.0.1:${hole.port}\nvendor = other\n`,
    })
    const seconds = (Date.now() - started) / 1000
    expect(r.failed).toBe(true)
    expect(r.results.find((x) => x.job === 'hung')).toMatchObject({ status: 'failed' })
    expect(r.results.find((x) => x.job === 'fine')).toMatchObject({ status: 'success' })
    // Bounded by the job's own timeouts (a few seconds), far below the test's 60 s limit.
    expect(seconds).toBeLessThan(45)
    expect(r.summary).toMatch(/timeout|deadline|i\/o timeout|EOF/i)
  })
})
