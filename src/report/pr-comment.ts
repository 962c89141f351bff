/**
 * The plan as a pull-request comment (the `comment` input): one comment per pull request, found again on later pushes
 * by a hidden marker on its first line and edited in place, so a busy pull request does not collect one comment
 * per push. The body is fitted under GitHub's limit by folding the longest lists first; the complete per-file lists
 * stay in the report files. An edge of the action, like the rclone runner: the only module that calls GitHub's API.
 */
import { readFile } from 'node:fs/promises'
import { getOctokit } from '@actions/github'
import { z } from 'zod'

/** GitHub refuses a comment body longer than this many characters. */
export const COMMENT_LIMIT = 65_536

/** How long one API request may take before the comment is given up (a hung request must not hang the step). */
const REQUEST_TIMEOUT_MS = 30_000

/** The permission a workflow's token needs to write the comment, as written in a workflow's `permissions:`. */
export const COMMENT_PERMISSION = 'pull-requests: write'

/**
 * The hidden marker that finds our comment: `<!-- rclone-jobs:plan -->`, or `<!-- rclone-jobs:plan:KEY -->` so that
 * two workflows (or jobs) planning different job folders on one pull request keep a comment each. The key is
 * reduced to characters that cannot end an HTML comment.
 */
export function planMarker(key?: string): string {
  const clean = (key ?? '')
    .replace(/[^\w./ -]+/g, '_')
    .replace(/-{2,}/g, '-')
    .trim()
  return clean === '' ? '<!-- rclone-jobs:plan -->' : `<!-- rclone-jobs:plan:${clean} -->`
}

/** The pull request a comment goes to. */
export interface PullRequest {
  readonly owner: string
  readonly repo: string
  readonly number: number
}

const eventSchema = z.object({
  pull_request: z.object({ number: z.number().int().positive() }),
  repository: z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) }).optional(),
})

/**
 * The pull request of a `pull_request` (or `pull_request_target`) event, from the runner's event payload
 * (`GITHUB_EVENT_PATH`): its number, and the repository it was opened against (the payload's `repository`, else
 * `GITHUB_REPOSITORY`). Undefined for any other event, or when the payload does not say.
 */
export async function pullRequestFromEvent(env: NodeJS.ProcessEnv): Promise<PullRequest | undefined> {
  if (!/^pull_request(_target)?$/.test(env.GITHUB_EVENT_NAME ?? '')) return undefined
  if (!env.GITHUB_EVENT_PATH) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return undefined
  }
  const parsed = eventSchema.safeParse(payload)
  if (!parsed.success) return undefined
  const number = parsed.data.pull_request.number
  const repository = parsed.data.repository
  if (repository !== undefined) return { owner: repository.owner.login, repo: repository.name, number }
  const [owner, repo, ...rest] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo || rest.length > 0) return undefined
  return { owner, repo, number }
}

/** What `upsertPlanComment` needs. */
export interface UpsertSettings {
  readonly token: string
  readonly owner: string
  readonly repo: string
  readonly issueNumber: number
  /** The Markdown to post; fitted under the limit here, with the marker put first. */
  readonly body: string
  /** Tells this comment from other rclone-jobs plan comments on the same pull request; see `planMarker`. */
  readonly key?: string
  /** The REST API's base URL; `GITHUB_API_URL` (GitHub Enterprise) or https://api.github.com when absent. */
  readonly apiUrl?: string
}

/** What `upsertPlanComment` did. */
export interface CommentOutcome {
  readonly action: 'created' | 'updated'
  readonly id: number
  readonly url: string
}

/**
 * Creates the plan comment on a pull request, or updates ours when one is there: the first comment whose body starts
 * with our marker (comments of people, and plan comments of other keys, are never touched). Lists the comments page
 * by page and stops at the first match. An error says what failed and, for 401/403/404, which permission is missing.
 */
export async function upsertPlanComment(settings: UpsertSettings): Promise<CommentOutcome> {
  const { owner, repo, issueNumber } = settings
  if (settings.token === '') {
    throw new Error(
      `the github-token input is empty; the plan comment needs a token with ${COMMENT_PERMISSION}`,
    )
  }
  const octokit = getOctokit(settings.token, settings.apiUrl ? { baseUrl: settings.apiUrl } : {})
  const marker = planMarker(settings.key)
  const body = `${marker}\n${fitComment(settings.body, COMMENT_LIMIT - marker.length - 1)}`
  const target = { owner, repo, issue_number: issueNumber }
  const request = () => ({ signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })

  let existing: { id: number } | undefined
  try {
    const found = await octokit.paginate(
      octokit.rest.issues.listComments,
      { ...target, per_page: 100, request: request() },
      (response, done) => {
        const ours = response.data.find((c) => (c.body ?? '').trimStart().startsWith(marker))
        if (ours === undefined) return []
        done()
        return [ours]
      },
    )
    existing = found[0]
  } catch (error) {
    throw apiError('read the comments of', settings, error)
  }

  if (existing === undefined) {
    try {
      const { data } = await octokit.rest.issues.createComment({ ...target, body, request: request() })
      return { action: 'created', id: data.id, url: data.html_url }
    } catch (error) {
      throw apiError('create the plan comment on', settings, error)
    }
  }
  try {
    const { data } = await octokit.rest.issues.updateComment({
      owner,
      repo,
      comment_id: existing.id,
      body,
      request: request(),
    })
    return { action: 'updated', id: data.id, url: data.html_url }
  } catch (error) {
    throw apiError('update the plan comment on', settings, error)
  }
}

/** The HTTP status of an Octokit request error; undefined for other errors. */
function httpStatus(error: unknown): number | undefined {
  return error instanceof Error && 'status' in error && typeof error.status === 'number'
    ? error.status
    : undefined
}

function apiError(what: string, s: UpsertSettings, error: unknown): Error {
  const status = httpStatus(error)
  const detail = error instanceof Error ? error.message : String(error)
  const where = `${s.owner}/${s.repo}#${s.issueNumber}`
  const answered = status === undefined ? `: ${detail}` : `: GitHub answered ${status} (${detail})`
  let hint = ''
  if ((status === 403 || status === 429) && /rate limit/i.test(detail)) {
    hint = ' The token is over its API rate limit; the next run will try again.'
  } else if (status === 403 || status === 404) {
    hint = ` The token needs ${COMMENT_PERMISSION}: add "permissions: { pull-requests: write }" to the workflow job. On a pull request from a fork, GITHUB_TOKEN is read-only and cannot comment.`
  } else if (status === 401) {
    hint = ' The github-token input is not a valid token (expired, or revoked).'
  }
  return new Error(`could not ${what} pull request ${where}${answered}.${hint}`, { cause: error })
}

/** A run of list items (bullets) or table rows that `fitComment` may shorten. */
interface ListBlock {
  readonly kind: 'bullets' | 'table'
  /** Lines kept whatever happens: a table's header and delimiter rows. */
  readonly head: readonly string[]
  readonly items: readonly string[]
  /** Items already counted as left out by a closing `- … and N more` line. */
  readonly more: number
}

type Block = string | ListBlock

const BULLET = /^ {0,3}[-*+] /
const TABLE_ROW = /^\|.*\|\s*$/
const TABLE_DELIMITER = /^\|(?:\s*:?-+:?\s*\|)+\s*$/
const MORE = /^ {0,3}[-*+] … and (\d+) more\b/

/**
 * Fits Markdown under a comment's character limit. Text that fits is returned as it is. Otherwise the first section
 * (up to the second heading) is kept whole, and the lists and tables after it are cut from the end, the longest
 * first, until the whole fits: each cut list ends with a line saying how many entries it left out, and a last line
 * says the full lists are in the report files. Text that still does not fit is cut at a line, with any
 * `<details>` or code block left open closed.
 */
export function fitComment(markdown: string, limit: number = COMMENT_LIMIT): string {
  if (markdown.length <= limit) return markdown
  const footer =
    "\n\n> This comment was shortened to stay under GitHub's 65,536-character limit. The full lists are in the report files (the `report-dir` output; upload them with actions/upload-artifact) and the step summary.\n"
  const budget = limit - footer.length
  const lines = markdown.split('\n')
  const firstSectionEnd = lines.findIndex((l, i) => i > 0 && /^#{1,6} /.test(l))
  const keep = firstSectionEnd < 0 ? [] : lines.slice(0, firstSectionEnd)
  const blocks = parseBlocks(firstSectionEnd < 0 ? lines : lines.slice(firstSectionEnd))
  const lead = keep.length > 0 ? `${keep.join('\n')}\n` : ''

  const render = (cap: number): string => lead + blocks.map((b) => renderBlock(b, cap)).join('\n')
  // Every list keeps its entries up to `cap` characters; the largest cap that fits folds the longest lists first.
  const longest = Math.max(0, ...blocks.map((b) => (typeof b === 'string' ? 0 : itemsLength(b.items))))
  let low = 0
  let high = longest
  if (render(0).length > budget) return hardCut(render(0), lead, budget) + footer
  while (low < high) {
    const mid = Math.ceil((low + high) / 2)
    if (render(mid).length <= budget) low = mid
    else high = mid - 1
  }
  return render(low).replace(/\n+$/, '') + footer
}

function parseBlocks(lines: readonly string[]): Block[] {
  const out: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as string
    const isTable = TABLE_ROW.test(line) && TABLE_DELIMITER.test(lines[i + 1] ?? '')
    if (!isTable && !BULLET.test(line)) {
      out.push(line)
      i++
      continue
    }
    const pattern = isTable ? TABLE_ROW : BULLET
    const start = i
    while (i < lines.length && pattern.test(lines[i] as string)) i++
    const run = lines.slice(start, i)
    const head = isTable ? run.slice(0, 2) : []
    let items = isTable ? run.slice(2) : run
    let more = 0
    const last = items.at(-1)
    const counted = last === undefined || isTable ? undefined : MORE.exec(last)
    if (counted) {
      more = Number(counted[1])
      items = items.slice(0, -1)
    }
    out.push({ kind: isTable ? 'table' : 'bullets', head, items, more })
  }
  return out
}

function itemsLength(items: readonly string[]): number {
  return items.reduce((n, l) => n + l.length + 1, 0)
}

function renderBlock(b: Block, cap: number): string {
  if (typeof b === 'string') return b
  let used = 0
  let kept = 0
  while (kept < b.items.length && used + (b.items[kept] as string).length + 1 <= cap) {
    used += (b.items[kept] as string).length + 1
    kept++
  }
  const left = b.items.length - kept + b.more
  const lines = [...b.head, ...b.items.slice(0, kept)]
  if (left > 0) {
    if (b.kind === 'table') lines.push(`| … and ${left} more row${left === 1 ? '' : 's'} |`)
    else lines.push(`- … and ${left} more`)
  }
  return lines.join('\n')
}

/** The last resort: the text cut at a line under `budget`, the first section kept, open blocks closed. */
function hardCut(text: string, lead: string, budget: number): string {
  const closingRoom = 200
  let cut = text.slice(0, Math.max(lead.length, budget - closingRoom))
  const nl = cut.lastIndexOf('\n')
  if (nl > lead.length) cut = cut.slice(0, nl)
  if (cut.length > budget - closingRoom) cut = cut.slice(0, Math.max(0, budget - closingRoom))
  let closing = ''
  if (((cut.match(/^```/gm) ?? []).length & 1) === 1) closing += '\n```'
  const open = (cut.match(/<details\b/g) ?? []).length - (cut.match(/<\/details>/g) ?? []).length
  for (let i = 0; i < Math.min(open, 10); i++) closing += '\n</details>'
  return `${cut}\n…${closing}`
}

/** What `planComment` did: the comment's outcome, or why no comment was written. */
export type PlanCommentOutcome = CommentOutcome | { readonly action: 'skipped'; readonly reason: string }

/**
 * The `comment` input's whole step for one plan: on a pull_request event, create or update the plan comment; on any
 * other event, do nothing and say why (the caller shows it as a notice). `scrub` is the reporter's: the runner masks
 * secrets in its log, never in what the action posts to GitHub's API.
 */
export async function planComment(settings: {
  readonly env: NodeJS.ProcessEnv
  readonly token: string
  readonly body: string
  readonly scrub: (text: string) => string
  readonly key?: string
}): Promise<PlanCommentOutcome> {
  const pr = await pullRequestFromEvent(settings.env)
  if (pr === undefined) {
    const event = settings.env.GITHUB_EVENT_NAME || 'unknown'
    return {
      action: 'skipped',
      reason: `comment: true posts the plan on pull_request events only; this is a ${event} event, so no comment was written`,
    }
  }
  return upsertPlanComment({
    token: settings.token,
    owner: pr.owner,
    repo: pr.repo,
    issueNumber: pr.number,
    body: settings.scrub(settings.body),
    ...(settings.key !== undefined ? { key: settings.key } : {}),
    ...(settings.env.GITHUB_API_URL ? { apiUrl: settings.env.GITHUB_API_URL } : {}),
  })
}
