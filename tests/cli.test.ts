import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'

const cli = path.resolve('dist/cli.js')

function rcloneJobs(cwd: string, ...args: string[]) {
  const p = spawnSync(process.execPath, [cli, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  })
  return { code: p.status, out: p.stdout, err: p.stderr }
}

beforeAll(() => {
  requireRclone()
})

describe('the CLI (node dist/cli.js)', () => {
  it('prints file:line:col diagnostics and exits 1 on errors', () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/a.yml': 'source: src\ndestinations: [dst]\noptions:\n  transfer: 4\n',
      'jobs/b.yml': 'source: src\ndestinations: [dst/inner]\nmode: mirror\n',
    })
    const r = rcloneJobs(ws, 'validate')
    expect(r.code).toBe(1)
    const lines = r.out.split('\n').filter((l) => /^jobs\//.test(l))
    expect(lines).toEqual([
      'jobs/a.yml:4:3: error: options.transfer: unknown key "transfer"; did you mean "transfers"?',
      'jobs/b.yml:3:7: error: mode: must be one of "sync", "copy", "bisync", not the string "mirror"',
    ])
    expect(r.out).not.toContain('::error')
    expect(r.out).toContain('rclone-jobs: 2 problems in job files; nothing was run')
  })

  it('exits 0 on valid jobs, takes a path, and runs with the real rclone', () => {
    const ws = tempDir()
    writeTree(ws, { 'conf/sync/j.yml': 'source: src\ndestinations: [dst]\n', 'src/f.txt': 'f' })
    expect(rcloneJobs(ws, 'validate', 'conf').code).toBe(0)
    const plan = rcloneJobs(ws, 'plan', 'conf')
    expect(plan.code).toBe(0)
    expect(plan.out).toContain('| j | dst | 1 | 0 | 0 |')
    expect(readTree(path.join(ws, 'dst'))).toEqual({})
    const run = rcloneJobs(ws, 'run', 'conf', '--max-parallel', '1')
    expect(run.code).toBe(0)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'f.txt': 'f' })
  })

  it('exits 1 when an invocation fails, 2 on usage errors', () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/j.yml': 'source: nowhere\ndestinations: [dst]\n' })
    expect(rcloneJobs(ws, 'run').code).toBe(1)
    const usage = rcloneJobs(ws, 'frobnicate')
    expect(usage.code).toBe(2)
    expect(usage.out).toContain('unknown command "frobnicate"')
    expect(rcloneJobs(ws, 'run', '--max-parallel', '0').code).toBe(2)
    expect(rcloneJobs(ws, '--help').code).toBe(0)
  })
})
