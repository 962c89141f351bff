/**
 * `options.bwlimit` is checked as rclone reads it: every value below is given to the real rclone
 * (`rclone copy --bwlimit=X --dry-run`), and validation accepts exactly the values rclone accepts.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseJobFile } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { realRclone } from './helpers/rclone-versions.js'

let rclone = ''
beforeAll(() => {
  requireRclone()
  rclone = realRclone()
})

const ACCEPTED = [
  '10M',
  '512',
  '0',
  'off',
  '1.5G',
  '10Mi',
  '100k',
  '10M:1M',
  'off:1M',
  '08:00,512k 19:00,off',
  '08:00,512k:64k 23:59,10M',
  'Mon-10:00,1M',
  'mon-10:00,1M Sat-00:00,off',
  'Monday-08:30,512k Sunday-20:00,off',
  // No comma and no space: rclone reads one bandwidth pair, 8 KiB/s up and 0 (no limit) down, not a time.
  '08:00',
]

const REFUSED = [
  'abc',
  '10X',
  '-5',
  '10M:',
  '10M:1M:1K',
  '8:00,1M',
  '25:00,1M',
  '08:60,1M',
  '08:00,512k  19:00,off',
  'Funday-10:00,1M',
  'Mon10:00,1M',
  'Mon-10:00,1M,2M',
  '08:00,fast',
]

/** Whether rclone accepts the value, asked of the real rclone 1.60.1 with a dry run between two local folders. */
function rcloneAccepts(ws: string, value: string): boolean {
  const p = spawnSync(
    rclone,
    ['copy', `--bwlimit=${value}`, '--dry-run', '--', path.join(ws, 'src'), path.join(ws, 'dst')],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, RCLONE_CONFIG: '/dev/null' } },
  )
  return p.status === 0
}

function firstProblem(value: string): string | undefined {
  const text = `source: src\ndestinations: [dst]\noptions:\n  bwlimit: ${JSON.stringify(value)}\n`
  const v = validateDocuments(parseJobFile('jobs/j.yml', text).documents, { cwd: '/ws' })
  return v.diagnostics[0] === undefined
    ? undefined
    : `${v.diagnostics[0].line}:${v.diagnostics[0].col} ${v.diagnostics[0].key}: ${v.diagnostics[0].message}`
}

describe('bwlimit', () => {
  it('validation accepts exactly what the real rclone accepts', () => {
    const ws = tempDir()
    writeTree(ws, { 'src/f.txt': 'f' })
    const disagree: string[] = []
    for (const value of [...ACCEPTED, ...REFUSED]) {
      const expected = ACCEPTED.includes(value)
      if (rcloneAccepts(ws, value) !== expected) disagree.push(`rclone: ${JSON.stringify(value)}`)
      if ((firstProblem(value) === undefined) !== expected)
        disagree.push(`validation: ${JSON.stringify(value)}`)
    }
    expect(disagree).toEqual([])
  })

  it('a plain number is KiB/s, as rclone reads it', () => {
    const v = validateDocuments(
      parseJobFile('jobs/j.yml', 'source: src\ndestinations: [dst]\noptions: { bwlimit: 512 }\n').documents,
      { cwd: '/ws' },
    )
    expect(v.diagnostics).toEqual([])
    expect(v.jobs[0]?.job.options.bwlimit).toBe('512')
  })

  it('a refused value says why and shows an example of every form', () => {
    expect(firstProblem('abc')).toBe(
      '4:12 options.bwlimit: "abc" is not a bandwidth; write 10M (a rate; a plain number is KiB/s), 10M:1M (upload:download), off, or a timetable such as "08:00,512k 19:00,off" or "Mon-08:00,1M Sat-00:00,off"',
    )
    expect(firstProblem('8:00,1M')).toContain('"8:00" is not a time of day as HH:MM')
    expect(firstProblem('Funday-10:00,1M')).toContain('"Funday" is not a day of the week')
  })
})
