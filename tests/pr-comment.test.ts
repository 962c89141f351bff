/**
 * The plan as a pull-request comment, against a stand-in for GitHub's REST API on 127.0.0.1: the requests the real
 * client makes (listing pages by their Link header, creating, updating), one comment per pull request and key found
 * again by its marker, other comments left alone, and errors that name the missing permission. Then the fitting of
 * long plans under GitHub's 65,536-character limit, and reading the pull request from the event payload.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  COMMENT_LIMIT,
  fitComment,
  planComment,
  planMarker,
  pullRequestFromEvent,
  upsertPlanComment,
} from '../src/report/pr-comment.js'
import { runBundle } from './helpers/bundle.js'
import { writeTree } from './helpers/rclone.js'

interface Comment {
  id: number
  body: string
  html_url: string
  user: { login: string }
}

interface Recorded {
  method: string
  path: string
  query: Record<string, string>
  authorization: string | undefined
  body: unknown
}

/** The comments of each issue, by `owner/repo#n`; the requests as they came; a status to answer instead. */
const api = {
  url: '',
  comments: new Map<string, Comment[]>(),
  requests: [] as Recorded[],
  fail: undefined as { status: number; message: string } | undefined,
  nextId: 1000,
}
let server: http.Server
let tmp: string

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(JSON.stringify(body))
}

function comment(body: string, login = 'someone'): Comment {
  const id = api.nextId++
  return { id, body, html_url: `https://github.example/o/r/pull/7#issuecomment-${id}`, user: { login } }
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pr-comment-'))
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', api.url)
      const text = Buffer.concat(chunks).toString('utf8')
      api.requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        body: text === '' ? undefined : JSON.parse(text),
      })
      if (api.fail) {
        send(res, api.fail.status, {
          message: api.fail.message,
          documentation_url: 'https://docs.github.com/rest',
        })
        return
      }
      const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname)
      if (list) {
        const key = `${list[1]}/${list[2]}#${list[3]}`
        const all = api.comments.get(key) ?? []
        if (req.method === 'GET') {
          const perPage = Number(url.searchParams.get('per_page') ?? 30)
          const page = Number(url.searchParams.get('page') ?? 1)
          const headers: Record<string, string> = {}
          if (page * perPage < all.length) {
            const next = new URL(url)
            next.searchParams.set('page', String(page + 1))
            const last = new URL(url)
            last.searchParams.set('page', String(Math.ceil(all.length / perPage)))
            headers.link = `<${next}>; rel="next", <${last}>; rel="last"`
          }
          send(res, 200, all.slice((page - 1) * perPage, page * perPage), headers)
          return
        }
        if (req.method === 'POST') {
          const c = comment((JSON.parse(text) as { body: string }).body, 'github-actions[bot]')
          api.comments.set(key, [...all, c])
          send(res, 201, c)
          return
        }
      }
      const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname)
      if (one && req.method === 'PATCH') {
        for (const list of api.comments.values()) {
          const c = list.find((x) => x.id === Number(one[3]))
          if (c) {
            c.body = (JSON.parse(text) as { body: string }).body
            send(res, 200, c)
            return
          }
        }
      }
      send(res, 404, { message: 'Not Found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  api.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((r) => server.close(r))
  rmSync(tmp, { recursive: true, force: true })
})

beforeEach(() => {
  api.comments.clear()
  api.requests = []
  api.fail = undefined
})

const base = { token: 'ghs_testtoken', owner: 'o', repo: 'r', issueNumber: 7 }

describe('upsertPlanComment', () => {
  it('creates the comment on the first call and updates that same comment on the next', async () => {
    const first = await upsertPlanComment({ ...base, apiUrl: api.url, body: '## plan\n\none' })
    expect(first.action).toBe('created')
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/o/r/issues/7/comments',
      'POST /repos/o/r/issues/7/comments',
    ])
    expect(api.requests[0]?.query.per_page).toBe('100')
    for (const r of api.requests) expect(r.authorization).toBe('token ghs_testtoken')
    expect(api.requests[1]?.body).toEqual({ body: `${planMarker()}\n## plan\n\none` })
    expect(first.url).toContain(`issuecomment-${first.id}`)

    api.requests = []
    const second = await upsertPlanComment({ ...base, apiUrl: api.url, body: '## plan\n\ntwo' })
    expect(second).toMatchObject({ action: 'updated', id: first.id })
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/o/r/issues/7/comments',
      `PATCH /repos/o/r/issues/comments/${first.id}`,
    ])
    expect(api.requests[1]?.body).toEqual({ body: `${planMarker()}\n## plan\n\ntwo` })
    expect(api.comments.get('o/r#7')).toHaveLength(1)
  })

  it('follows the Link header to later pages and leaves every other comment alone', async () => {
    const foreign = Array.from({ length: 150 }, (_, i) => comment(`looks good ${i}`))
    // A person quoting our marker, and the plan comment of another workflow, are not ours.
    foreign.push(comment(`> quoted\n${planMarker()}\nsee above`))
    foreign.push(comment(`${planMarker('nightly/plan')}\nanother workflow's plan`, 'github-actions[bot]'))
    const ours = comment(`${planMarker()}\nold plan`, 'github-actions[bot]')
    api.comments.set('o/r#7', [...foreign, ours, comment('a later remark')])
    const before = structuredClone(foreign)

    const out = await upsertPlanComment({ ...base, apiUrl: api.url, body: 'new plan' })
    expect(out).toMatchObject({ action: 'updated', id: ours.id })
    const gets = api.requests.filter((r) => r.method === 'GET')
    expect(gets.map((r) => r.query.page ?? '1')).toEqual(['1', '2'])
    expect(api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([
      `PATCH /repos/o/r/issues/comments/${ours.id}`,
    ])
    expect(api.comments.get('o/r#7')?.slice(0, foreign.length)).toEqual(before)
    expect(ours.body).toBe(`${planMarker()}\nnew plan`)
  })

  it('keeps one comment per key, so two workflows do not overwrite each other', async () => {
    const a = await upsertPlanComment({ ...base, apiUrl: api.url, key: 'backup/plan', body: 'A' })
    const b = await upsertPlanComment({ ...base, apiUrl: api.url, key: 'photos/plan', body: 'B' })
    const a2 = await upsertPlanComment({ ...base, apiUrl: api.url, key: 'backup/plan', body: 'A2' })
    expect([a.action, b.action, a2.action]).toEqual(['created', 'created', 'updated'])
    expect(a2.id).toBe(a.id)
    expect(api.comments.get('o/r#7')?.map((c) => c.body)).toEqual([
      '<!-- rclone-jobs:plan:backup/plan -->\nA2',
      '<!-- rclone-jobs:plan:photos/plan -->\nB',
    ])
  })

  it('sends a JWT-shaped token as a bearer token', async () => {
    await upsertPlanComment({ ...base, token: 'aaa.bbb.ccc', apiUrl: api.url, body: 'x' })
    expect(api.requests[0]?.authorization?.toLowerCase()).toBe('bearer aaa.bbb.ccc')
  })

  it('says which permission is missing when GitHub answers 403', async () => {
    api.fail = { status: 403, message: 'Resource not accessible by integration' }
    const error = await upsertPlanComment({ ...base, apiUrl: api.url, body: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain('o/r#7')
    expect(message).toContain('403')
    expect(message).toContain('Resource not accessible by integration')
    expect(message).toContain('pull-requests: write')
    expect((error as Error).cause).toBeDefined()
    expect(message).not.toContain('ghs_testtoken')
  })

  it('tells a rate limit from a missing permission, and refuses an empty token before any request', async () => {
    api.fail = { status: 403, message: 'API rate limit exceeded for installation' }
    await expect(upsertPlanComment({ ...base, apiUrl: api.url, body: 'x' })).rejects.toThrow(/rate limit/)
    await expect(upsertPlanComment({ ...base, token: '', apiUrl: api.url, body: 'x' })).rejects.toThrow(
      /github-token input is empty/,
    )
    expect(api.requests).toHaveLength(1)
  })

  it('fits a long body, marker included, under the limit', async () => {
    const items = Array.from(
      { length: 5000 },
      (_, i) => `- \`photos/2024/IMG_${String(i).padStart(5, '0')}.jpg\``,
    )
    await upsertPlanComment({
      ...base,
      apiUrl: api.url,
      body: `## rclone-jobs: plan\n\n### x\n\n${items.join('\n')}`,
    })
    const sent = (api.requests[1]?.body as { body: string } | undefined)?.body ?? ''
    expect(sent.startsWith(`${planMarker()}\n## rclone-jobs: plan`)).toBe(true)
    expect(sent.length).toBeLessThanOrEqual(COMMENT_LIMIT)
  })
})

describe('planComment', () => {
  it('writes nothing outside a pull_request event, and says why', async () => {
    const out = await planComment({
      env: { GITHUB_EVENT_NAME: 'push' },
      token: 't',
      body: 'x',
      scrub: (t) => t,
    })
    expect(out).toEqual({ action: 'skipped', reason: expect.stringContaining('push event') })
    expect(api.requests).toHaveLength(0)
  })

  it('comments on the pull request of the event, at GITHUB_API_URL, with secrets scrubbed', async () => {
    const event = path.join(tmp, 'event-plan.json')
    writeFileSync(
      event,
      JSON.stringify({ pull_request: { number: 12 }, repository: { name: 'r', owner: { login: 'o' } } }),
    )
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_API_URL: api.url }
    const scrub = (t: string) => t.replaceAll('s3cr3t', '***')
    const out = await planComment({ env, token: 't', body: 'plan for :sftp,pass=s3cr3t:x', scrub })
    expect(out.action).toBe('created')
    expect(api.comments.get('o/r#12')?.map((c) => c.body)).toEqual([
      `${planMarker()}\nplan for :sftp,pass=***:x`,
    ])
  })
})

describe('pullRequestFromEvent', () => {
  function eventFile(name: string, payload: unknown): string {
    const f = path.join(tmp, name)
    writeFileSync(f, JSON.stringify(payload))
    return f
  }

  it('reads the number and the repository of a pull_request event', async () => {
    const f = eventFile('pr.json', {
      action: 'synchronize',
      pull_request: { number: 42, head: { repo: { name: 'fork', owner: { login: 'contributor' } } } },
      repository: { name: 'rclone-jobs', owner: { login: 'acme' } },
    })
    for (const name of ['pull_request', 'pull_request_target']) {
      expect(await pullRequestFromEvent({ GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: f })).toEqual({
        owner: 'acme',
        repo: 'rclone-jobs',
        number: 42,
      })
    }
  })

  it('falls back to GITHUB_REPOSITORY when the payload has no repository', async () => {
    const f = eventFile('pr-bare.json', { pull_request: { number: 3 } })
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: f, GITHUB_REPOSITORY: 'acme/data' }
    expect(await pullRequestFromEvent(env)).toEqual({ owner: 'acme', repo: 'data', number: 3 })
    expect(await pullRequestFromEvent({ ...env, GITHUB_REPOSITORY: '' })).toBeUndefined()
  })

  it('is undefined for other events and unreadable payloads', async () => {
    const pr = eventFile('pr2.json', {
      pull_request: { number: 1 },
      repository: { name: 'r', owner: { login: 'o' } },
    })
    expect(await pullRequestFromEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: pr })).toBeUndefined()
    expect(await pullRequestFromEvent({ GITHUB_EVENT_NAME: 'pull_request' })).toBeUndefined()
    const missing = path.join(tmp, 'missing.json')
    expect(
      await pullRequestFromEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: missing }),
    ).toBe(undefined)
    const push = eventFile('push.json', { ref: 'refs/heads/main' })
    expect(await pullRequestFromEvent({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: push })).toBe(
      undefined,
    )
  })
})

describe('planMarker', () => {
  it('cannot end the HTML comment early, whatever the key', () => {
    expect(planMarker()).toBe('<!-- rclone-jobs:plan -->')
    expect(planMarker('  ')).toBe('<!-- rclone-jobs:plan -->')
    expect(planMarker('CI build/plan')).toBe('<!-- rclone-jobs:plan:CI build/plan -->')
    const odd = planMarker('a --> b <!-- c')
    expect(odd.slice(4, -3)).not.toMatch(/--|>|</)
  })
})

/** A plan summary shaped like the action's: a first section, a table, and per destination lists in details. */
function planSummary(destinations: number, pathsPer: (d: number) => number): string {
  let s = '## rclone-jobs: plan (dry run)\n\n3 jobs in 2 files · rclone 1.75.1\n\n'
  s += '### What a run would change\n\nNothing was changed: every invocation ran with `--dry-run`.\n\n'
  s += '| job | destination | would copy (new) | would update | would delete | bytes | a run would |\n'
  s += '| --- | --- | ---: | ---: | ---: | ---: | --- |\n'
  for (let d = 0; d < destinations; d++)
    s += `| job-${d} | b2:bucket/dest-${d} | ${pathsPer(d)} | 0 | 0 | 1 MiB | ✅ run |\n`
  s += '\n'
  for (let d = 0; d < destinations; d++) {
    const n = pathsPer(d)
    s += `<details><summary><b>job-${d}</b> → b2:bucket/dest-${d}: 0 to delete, 0 to update, ${n} to copy</summary>\n\n`
    s += `**Would copy (${n + 7})**\n\n`
    s += Array.from({ length: n }, (_, i) => `- \`folder-${d}/sub/file-${i}.dat\``).join('\n')
    s += '\n- … and 7 more\n\n</details>\n\n'
  }
  return s
}

describe('fitComment', () => {
  it('returns a body that fits as it is', () => {
    const s = planSummary(3, () => 5)
    expect(fitComment(s)).toBe(s)
  })

  it('folds the longest lists first, counts what it left out, and says where the full lists are', () => {
    const s = planSummary(4, (d) => (d === 2 ? 40_000 : 10))
    expect(s.length).toBeGreaterThan(COMMENT_LIMIT)
    const out = fitComment(s)
    expect(out.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(out.startsWith('## rclone-jobs: plan (dry run)\n\n3 jobs in 2 files · rclone 1.75.1\n')).toBe(true)
    // The short lists are whole; the long one is cut, and its closing line counts the earlier 7 too.
    for (const d of [0, 1, 3]) expect(out).toContain(`folder-${d}/sub/file-9.dat`)
    expect(out).toContain('folder-2/sub/file-0.dat')
    const kept = out.match(/folder-2\/sub\/file-\d+\.dat/g)?.length ?? 0
    expect(kept).toBeGreaterThan(100)
    expect(out).toContain(`- … and ${40_000 - kept + 7} more`)
    expect(out.match(/<details>/g)?.length).toBe(out.match(/<\/details>/g)?.length)
    expect(out).toContain('report-dir')
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/full lists are in the report files/)
  })

  it('cuts a table that is too long, keeping its header', () => {
    const s = planSummary(3000, () => 0)
    const out = fitComment(s, 20_000)
    expect(out.length).toBeLessThanOrEqual(20_000)
    expect(out).toContain('| --- | --- | ---: |')
    expect(out).toMatch(/\| … and \d+ more rows \|/)
  })

  it('cuts text without lists at a line, closing what it left open', () => {
    const para = Array.from({ length: 4000 }, (_, i) => `word ${i} `.repeat(5)).join('\n')
    const s = `## title\n\nfacts\n\n### details\n\n<details><summary>s</summary>\n\n\`\`\`text\n${para}\n\`\`\`\n</details>\n`
    const out = fitComment(s, 10_000)
    expect(out.length).toBeLessThanOrEqual(10_000)
    expect(out.startsWith('## title\n\nfacts\n')).toBe(true)
    expect((out.match(/^```/gm) ?? []).length % 2).toBe(0)
    expect(out).toContain('</details>')
  })
})

describe('comment: true through the bundle (node dist/index.js)', () => {
  it('posts the plan as one comment, updates it on the next push, and only notices elsewhere', async () => {
    const ws = mkdtempSync(path.join(tmp, 'ws-'))
    writeTree(ws, { 'jobs/docs.yml': 'source: src\ndestinations: [dst]\n', 'src/a.txt': 'a' })
    const event = path.join(tmp, 'pr-event.json')
    writeFileSync(
      event,
      JSON.stringify({ pull_request: { number: 7 }, repository: { name: 'r', owner: { login: 'o' } } }),
    )
    const env = { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: event, GITHUB_API_URL: api.url }
    const inputs = {
      command: 'plan',
      'rclone-version': 'system',
      comment: 'true',
      'github-token': 'ghs_secret_tok',
    }
    const first = await runBundle(ws, inputs, env)
    expect(first.status, first.stdout).toBe(0)
    const posts = api.requests.filter((r) => r.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]?.path).toBe('/repos/o/r/issues/7/comments')
    expect(posts[0]?.authorization).toBe('token ghs_secret_tok')
    const body = (posts[0]?.body as { body: string } | undefined)?.body ?? ''
    expect(body.startsWith(planMarker())).toBe(true)
    expect(body).toContain('## rclone-jobs: plan (dry run)')
    expect(body).toContain('| docs | dst | 1 | 0 | 0 |')
    expect(first.stdout).toContain('comment: created the plan comment on the pull request')

    writeTree(ws, { 'src/b.txt': 'b' })
    const second = await runBundle(ws, inputs, env)
    expect(second.status, second.stdout).toBe(0)
    expect(api.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
    const patch = api.requests.filter((r) => r.method === 'PATCH')
    expect(patch).toHaveLength(1)
    expect((patch[0]?.body as { body: string } | undefined)?.body).toContain('| docs | dst | 2 | 0 | 0 |')

    const push = await runBundle(ws, inputs, { ...env, GITHUB_EVENT_NAME: 'push' })
    expect(push.status).toBe(0)
    expect(push.stdout).toContain('::notice::comment: true posts the plan on pull_request events only')
    const validate = await runBundle(ws, { ...inputs, command: 'validate' }, env)
    expect(validate.stdout).toContain('::notice::comment: true applies to command: plan only')
    expect(api.requests.filter((r) => r.method !== 'GET')).toHaveLength(2)
  })
})
