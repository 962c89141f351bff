/**
 * Pull-request review plans only what changed: the jobs whose file, or a `_defaults.yml` above it, the pull request
 * changes, found with real git from the event's base commit; validation still reads every file.
 */
import { execFileSync } from 'node:child_process'
import { symlinkSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { changedJobFiles } from '../src/jobs/changed.js'
import { runBundle } from './helpers/bundle.js'
import { requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { runAction } from './helpers/run-action.js'

beforeAll(() => {
  requireRclone()
})

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim()
}

/** A repository with three jobs on main, and a pull request commit that changes one job and one defaults file. */
function repo() {
  const ws = tempDir()
  writeTree(ws, {
    'jobs/photos.yml': 'source: src\ndestinations: [out/photos]\n',
    'jobs/docs.yml': 'source: src\ndestinations: [out/docs]\n',
    'jobs/team/music.yml': 'source: src\ndestinations: [out/music]\n',
    'jobs/team/_defaults.yml': 'options: { transfers: 2 }\n',
    'src/a.txt': 'a',
  })
  git(ws, 'init', '-q', '-b', 'main')
  git(ws, 'add', '-A')
  git(ws, 'commit', '-q', '-m', 'base')
  const base = git(ws, 'rev-parse', 'HEAD')
  writeTree(ws, { 'jobs/docs.yml': 'source: src\ndestinations: [out/docs]\nmode: copy\n' })
  git(ws, 'commit', '-q', '-am', 'change docs')
  const event = path.join(tempDir('event-'), 'event.json')
  writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: base } } }))
  return { ws, base, event }
}

describe('changed-only', () => {
  it('a workspace reached through a symbolic link plans the changed jobs (git gives real paths)', async () => {
    const { ws, event } = repo()
    const link = path.join(tempDir('runner-disk-'), 'work')
    symlinkSync(ws, link)
    const r = await runBundle(
      link,
      { command: 'plan', 'rclone-version': 'system' },
      { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event },
    )
    expect(r.status, r.stdout).toBe(0)
    expect(r.stdout).toContain('changed-only: this pull request changes 1 job (of 3); only it is planned')
    const planned = (JSON.parse(r.outputs.results ?? '[]') as Array<{ job: string; status: string }>).filter(
      (x) => x.status !== 'skipped',
    )
    expect(planned.map((x) => x.job)).toEqual(['docs'])
  })

  it('when the base is found but no changed file is a job file, it says so', async () => {
    const { ws, base, event } = repo()
    writeTree(ws, { 'README.md': 'docs only' })
    git(ws, 'add', '-A')
    git(ws, 'commit', '-q', '-m', 'readme')
    git(ws, 'checkout', '-q', base, '--', 'jobs/docs.yml')
    git(ws, 'commit', '-q', '-m', 'revert docs')
    const r = await runAction(
      ws,
      { command: 'plan' },
      { env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } },
    )
    expect(r.failed, r.log).toBe(false)
    expect(r.log).toContain(
      'changed-only: this pull request changes no job file (1 file changed: README.md); no job is planned',
    )
  })

  it('on a pull request, plan plans only the jobs it changes and lists the others as not planned', async () => {
    const { ws, event } = repo()
    const r = await runAction(
      ws,
      { command: 'plan' },
      { env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } },
    )
    expect(r.failed, r.log).toBe(false)
    expect(r.results.map((x) => [x.job, x.status])).toEqual([
      ['docs', 'success'],
      ['photos', 'skipped'],
      ['music', 'skipped'],
    ])
    expect(r.results[1]?.reason).toBe('not planned: this pull request does not change it (changed-only)')
    expect(r.log).toContain('changed-only: this pull request changes 1 job (of 3); only it is planned')
    expect(r.calls.filter((c) => c[0] === 'copy' || c[0] === 'sync')).toHaveLength(1)
  })

  it('a changed _defaults.yml changes every job below it', async () => {
    const { ws, event } = repo()
    writeTree(ws, { 'jobs/team/_defaults.yml': 'options: { transfers: 3 }\n' })
    git(ws, 'commit', '-q', '-am', 'change team defaults')
    const r = await runAction(
      ws,
      { command: 'plan' },
      { env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } },
    )
    expect(r.results.filter((x) => x.status === 'success').map((x) => x.job)).toEqual(['docs', 'music'])
  })

  it('without the base commit it plans every job and says why; changed-only: false plans every job', async () => {
    const { ws } = repo()
    const event = path.join(ws, 'event.json')
    writeFileSync(event, JSON.stringify({ pull_request: { base: { sha: 'a'.repeat(40) } } }))
    const r = await runAction(
      ws,
      { command: 'plan' },
      { env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } },
    )
    expect(r.results.map((x) => x.status)).toEqual(['success', 'success', 'success'])
    expect(r.log).toContain(
      `changed-only: the pull request's base commit ${'a'.repeat(12)} is not in the checkout; check out with fetch-depth: 2 (or 0) so it is; every job is planned`,
    )
    const off = await runAction(
      ws,
      { command: 'plan', 'changed-only': 'false' },
      { env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event } },
    )
    expect(off.log).not.toContain('changed-only')
    expect(off.results.map((x) => x.status)).toEqual(['success', 'success', 'success'])
  })

  it('finds the job files a change touches', () => {
    const jobs = ['/r/jobs/a.yml', '/r/jobs/t/b.yml', '/r/jobs/t/deep/c.yml', '/r/jobs/u/d.yml']
    expect(
      [...changedJobFiles(jobs, ['/r/jobs/t/_defaults.yaml', '/r/jobs/a.yml', '/r/README.md'])].sort(),
    ).toEqual(['/r/jobs/a.yml', '/r/jobs/t/b.yml', '/r/jobs/t/deep/c.yml'])
  })
})
