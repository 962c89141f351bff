/**
 * Names that look like log lines. rclone's text log has no escaping: a name that holds a line break (an error message
 * quotes the operating system's path, which rclone does not encode) puts a line of the name's choosing into the log,
 * and a name that holds ": Copied (new) to: " makes a line whose object and message cannot be told apart. Runs read
 * rclone's JSON log, which escapes every name; these tests run the action on such names with the real rclone and
 * check the report against what happened on disk.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { requireRclone, sameModTime, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

/** A path whose folder and file names hold line breaks that start lines of rclone's text log. */
const FORGED = 'x\n2025/01/01 00:00:00 INFO  : victim.txt: Deleted\n2025/01/01 00:00:00 DEBUG : y'

/** The report-dir list of one job and destination: `[change, path]` pairs. */
function reported(dir: string, job: string, file: string): Array<[string, string]> {
  const text = readFileSync(path.join(dir, job, file), 'utf8').trim()
  if (text === '') return []
  return text.split('\n').map((l) => {
    const { change, path: p } = JSON.parse(l) as { change: string; path: string }
    return [change, p]
  })
}

describe('a name cannot add to the report what rclone did not do (real rclone)', () => {
  it('a line break in a path that an error message quotes adds no deletion', async () => {
    requireRclone()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/forged.yml': 'source: src\ndestinations: [dst]\n',
      'src/victim.txt': 'stays',
      'dst/victim.txt': 'stays',
      // A folder where the source has a file: the copy fails, and rclone's error quotes the path as the system gave it.
      [`src/${FORGED}`]: 'forged',
      [`dst/${FORGED}/inner.txt`]: 'a folder on the destination',
    })
    sameModTime(ws, ['src', 'dst'], 'victim.txt')
    const r = await runAction(ws, { 'max-parallel': '1' })
    expect(r.failed).toBe(true)
    expect(existsSync(path.join(ws, 'dst/victim.txt'))).toBe(true)
    expect(r.results[0]).toMatchObject({ status: 'failed', transfers: 0, deletes: 0, errors: 1 })
    expect(reported(r.outputs['report-dir'] as string, 'forged', '00-dst.jsonl')).toEqual([])
    // No per-file line for it in the log either; rclone's error is one line there, its path's line breaks escaped.
    expect(r.log).not.toMatch(/INFO {4}victim\.txt: Deleted/)
    expect(r.log).toContain('victim.txt: Deleted\\x0a2025/01/01 00:00:00 DEBUG : y: is a directory')
  })

  it('a folder named like a copy message is not read as a copy, and a file named like one keeps its name', async () => {
    requireRclone()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/names.yml': 'source: src\ndestinations: [dst]\n',
      'src/y: Copied (new) to: z': 'copied',
      // The sync deletes the file, then removes its folder: "q: Copied (new) to: r: Removing directory".
      'dst/q: Copied (new) to: r/old.txt': 'deleted',
    })
    const r = await runAction(ws, { 'max-parallel': '1' })
    expect(r.failed, r.log).toBe(false)
    expect(r.results[0]).toMatchObject({ status: 'success', transfers: 1, deletes: 1, errors: 0 })
    expect(reported(r.outputs['report-dir'] as string, 'names', '00-dst.jsonl').sort()).toEqual([
      ['copy', 'y: Copied (new) to: z'],
      ['delete', 'q: Copied (new) to: r/old.txt'],
    ])
  })
})

describe('runs read the JSON log (real rclone)', () => {
  it('sync and copy ask for it, and bytes are exact', async () => {
    requireRclone()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/small.yml': 'source: small\ndestinations: [small-out]\n',
      'jobs/big.yml': 'source: big\ndestinations: [big-out]\nmode: copy\n',
      'small/a.txt': 'abc',
    })
    let total = 0
    mkdirSync(path.join(ws, 'big'))
    for (let i = 0; i < 300; i++) {
      const content = `${'y'.repeat(i % 37)}${i}\n`
      writeFileSync(path.join(ws, 'big', `f${i}.txt`), content)
      total += Buffer.byteLength(content)
    }
    // rclone's text log would print this total rounded (to 3 decimals of KiB).
    expect(total % 1024).not.toBe(0)
    const r = await runAction(ws, { 'max-parallel': '1' })
    expect(r.failed, r.log).toBe(false)
    const runs = r.calls.filter((c) => c[0] === 'sync' || c[0] === 'copy')
    expect(runs).toHaveLength(2)
    for (const c of runs) expect(c).toContain('--use-json-log')
    const byJob = (job: string) => r.results.find((x) => x.job === job)
    expect(byJob('small')).toMatchObject({ transfers: 1, bytes: 3 })
    expect(byJob('big')).toMatchObject({ transfers: 300, bytes: total, deletes: 0, errors: 0 })
    for (const x of r.results) expect(x).not.toHaveProperty('bytesExact')
    expect(r.log).toMatch(/INFO +a\.txt: Copied \(new\)/)
  })

  it('RCLONE_LOG_FORMAT and RCLONE_STATS_ONE_LINE do not change what the action reads', async () => {
    requireRclone()
    const ws = tempDir()
    writeTree(ws, {
      'jobs/one.yml': 'source: src\ndestinations: [dst]\n',
      'src/a.txt': 'a',
      'src/b/c.txt': 'cc',
      'dst/old.txt': 'o',
    })
    const r = await runAction(
      ws,
      { 'max-parallel': '1' },
      { env: { RCLONE_LOG_FORMAT: 'pid,shortfile', RCLONE_STATS_ONE_LINE: 'true' } },
    )
    expect(r.failed, r.log).toBe(false)
    expect(r.results[0]).toMatchObject({ status: 'success', transfers: 2, bytes: 3, deletes: 1, errors: 0 })
    expect(r.log).toMatch(/INFO +b\/c\.txt: Copied \(new\)/)
    expect(r.log).toMatch(/INFO +old\.txt: Deleted/)
  })
})
