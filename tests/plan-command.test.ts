import { statSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

beforeAll(() => {
  requireRclone()
})

/** Every file under root with its content and modification time, to prove nothing changed. */
function snapshot(root: string): Record<string, string> {
  const tree = readTree(root)
  return Object.fromEntries(
    Object.entries(tree).map(([rel, content]) => [
      rel,
      `${content}@${statSync(path.join(root, rel)).mtimeMs}`,
    ]),
  )
}

describe('command: plan', () => {
  it('lists exactly the files that would be copied, updated and deleted, and changes nothing', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/mirror.yml': 'source: src\ndestinations: [dst, dst2]\n',
      'src/same.txt': 'same',
      'src/changed.txt': 'new content',
      'src/missing-1.txt': 'm1',
      'src/sub/missing-2.txt': 'm2',
      'dst/same.txt': 'same',
      'dst/changed.txt': 'old',
      'dst/stale-1.txt': 's1',
      'dst/old/stale-2.txt': 's2',
    })
    const t = statSync(path.join(ws, 'src/same.txt')).mtime
    utimesSync(path.join(ws, 'dst/same.txt'), t, t)
    const trees = () => ({ src: snapshot(path.join(ws, 'src')), dst: snapshot(path.join(ws, 'dst')) })
    const before = trees()
    const r = await runAction(ws, { command: 'plan' })
    expect(r.failed).toBe(false)
    expect(trees()).toEqual(before)
    expect(readTree(path.join(ws, 'dst2'))).toEqual({})
    expect(r.calls.filter((c) => c[0] === 'sync').every((c) => c.includes('--dry-run'))).toBe(true)

    expect(r.results.map((x) => [x.destination, x.wouldCopy, x.wouldUpdate, x.wouldDelete])).toEqual([
      ['dst', 2, 1, 2],
      ['dst2', 4, 0, 0],
    ])
    const s = r.summary
    expect(s).toContain('## rclone-jobs: plan (dry run)')
    expect(s).toContain('| mirror | dst | 2 | 1 | 2 |')
    expect(s).toContain('| mirror | dst2 | 4 | 0 | 0 |')
    const dstBlock = s.slice(s.indexOf('<b>mirror</b> → dst:'), s.indexOf('<b>mirror</b> → dst2:'))
    expect(dstBlock).toContain('2 to delete, 1 to update, 2 to copy')
    // Deletions first, since they matter most.
    const del = dstBlock.indexOf('Would delete (2)')
    const upd = dstBlock.indexOf('Would update (1)')
    const cop = dstBlock.indexOf('Would copy (2)')
    expect(del).toBeGreaterThan(-1)
    expect(del).toBeLessThan(upd)
    expect(upd).toBeLessThan(cop)
    const listed = (title: string) =>
      [
        ...(dstBlock
          .slice(dstBlock.indexOf(title))
          .split('\n\n')[1]
          ?.matchAll(/- `([^`]+)`/g) ?? []),
      ]
        .map((m) => m[1])
        .sort()
    expect(listed('Would delete')).toEqual(['old/stale-2.txt', 'stale-1.txt'])
    expect(listed('Would update')).toEqual(['changed.txt'])
    expect(listed('Would copy')).toEqual(['missing-1.txt', 'sub/missing-2.txt'])
  })

  it('cuts long path lists with "and N more" and keeps the summary bounded', async () => {
    const ws = tempDir()
    const files: Record<string, string> = { 'jobs/big.yml': 'source: src\ndestinations: [dst]\n' }
    for (let i = 0; i < 60; i++) files[`src/f${String(i).padStart(3, '0')}.txt`] = String(i)
    writeTree(ws, files)
    const r = await runAction(ws, { command: 'plan' })
    expect(r.failed).toBe(false)
    expect(r.summary).toContain('**Would copy (60)**')
    expect(r.summary).toContain('- … and 35 more')
    expect(readTree(path.join(ws, 'dst'))).toEqual({})
  })
})

describe('schedules', () => {
  it('on a schedule event runs only the jobs whose schedule lists the triggering cron', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/nightly.yml': 'source: src\ndestinations: [out/nightly]\nschedule: "30 2 * * *"\n',
      'jobs/weekly.yml': 'source: src\ndestinations: [out/weekly]\nschedule: ["0 4 * * SUN"]\n',
      'jobs/always.yml': 'source: src\ndestinations: [out/always]\n',
      '.github/workflows/backup.yml':
        'on:\n  schedule:\n    - cron: "30 2 * * *"\n    - cron: "0 4 * * SUN"\njobs: {}\n',
      'src/a.txt': 'a',
    })
    const event = path.join(ws, 'event.json')
    writeFileSync(event, JSON.stringify({ schedule: '30 2 * * *' }))
    const r = await runAction(ws, {}, { env: { GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: event } })
    expect(r.failed).toBe(false)
    expect(readTree(path.join(ws, 'out'))).toEqual({ 'always/a.txt': 'a', 'nightly/a.txt': 'a' })
    expect(r.results.map((x) => [x.job, x.status])).toEqual([
      ['always', 'success'],
      ['nightly', 'success'],
      ['weekly', 'skipped'],
    ])
    expect(JSON.parse(r.outputs.matrix as string)).toEqual({
      include: [{ job: 'always' }, { job: 'nightly' }],
    })
  })

  it('a schedule event that no job lists starts no rclone at all', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/weekly.yml': 'source: src\ndestinations: [out]\nschedule: "0 4 * * SUN"\n',
      '.github/workflows/b.yml':
        'on:\n  schedule:\n    - cron: "0 4 * * SUN"\n    - cron: "30 2 * * *"\njobs: {}\n',
    })
    const event = path.join(ws, 'event.json')
    writeFileSync(event, JSON.stringify({ schedule: '30 2 * * *' }))
    const r = await runAction(ws, {}, { env: { GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: event } })
    expect(r.failed).toBe(false)
    expect(r.calls).toEqual([])
    expect(r.results.map((x) => [x.job, x.status, x.reason])).toEqual([
      ['weekly', 'skipped', 'not scheduled for "30 2 * * *"'],
    ])
  })

  it('many unlisted crons give one grouped warning, not one annotation each', async () => {
    const ws = tempDir()
    const files: Record<string, string> = {
      '.github/workflows/b.yml': 'on:\n  schedule:\n    - cron: "0 1 * * *"\n',
    }
    for (let i = 0; i < 25; i++) {
      files[`jobs/j${String(i).padStart(2, '0')}.yml`] =
        `source: src\ndestinations: [out/${i}]\nschedule: "${i % 3} 2 * * *"\n`
    }
    writeTree(ws, files)
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(false)
    const warnings = r.log.split('\n').filter((l) => l.startsWith('::warning'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('25 job crons in 25 files are listed in no workflow')
    expect(warnings[0]).toContain('"0 2 * * *" (9 jobs: j00, j03, j06, …)')
  })

  it('validate warns at the cron line when no workflow lists the cron', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/j.yml': 'source: src\ndestinations: [dst]\nschedule:\n  - "30 2 * * *"\n  - "15 3 * * *"\n',
      '.github/workflows/backup.yml': 'on:\n  schedule:\n    - cron: "30 2 * * *"\n',
    })
    const r = await runAction(ws, { command: 'validate' })
    expect(r.failed).toBe(false)
    expect(r.log).toContain(
      'jobs/j.yml:5:5: warning: schedule[1]: no workflow under .github/workflows lists the cron "15 3 * * *"',
    )
    expect(r.log).toContain('::warning title=rclone-jobs%3A schedule[1],file=jobs/j.yml,line=5,col=5::')
    expect(r.log).not.toContain('"30 2 * * *" in on.schedule')
  })
})
