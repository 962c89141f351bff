/**
 * The files a pull request changes, from git in the workspace (an edge of the action, like the rclone runner): the
 * diff between the pull request's base commit and the checked-out commit. actions/checkout checks a pull request
 * out as its merge commit; with `fetch-depth: 2` (or 0) the base commit is there too.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'

function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, out: String(stdout), err: String(stderr).trim() })
    })
  })
}

/** The base commit of a pull_request event, from its payload; undefined for other events. */
export async function pullRequestBase(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (!/^pull_request(_target)?$/.test(env.GITHUB_EVENT_NAME ?? '')) return undefined
  if (!env.GITHUB_EVENT_PATH) return undefined
  try {
    const payload = JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as {
      pull_request?: { base?: { sha?: unknown } }
    }
    const sha = payload.pull_request?.base?.sha
    return typeof sha === 'string' && /^[0-9a-f]{7,64}$/i.test(sha) ? sha : undefined
  } catch {
    return undefined
  }
}

/**
 * The paths (relative to the repository root, `/`-separated) that differ between `base` and HEAD, and the
 * repository root; or why they could not be found.
 */
export async function changedFiles(
  cwd: string,
  base: string,
): Promise<{ root: string; files: string[] } | { problem: string }> {
  const top = await git(cwd, ['rev-parse', '--show-toplevel'])
  if (!top.ok)
    return { problem: `the workspace is not a git checkout (${top.err || 'git rev-parse failed'})` }
  const has = await git(cwd, ['cat-file', '-e', `${base}^{commit}`])
  if (!has.ok) {
    return {
      problem: `the pull request's base commit ${base.slice(0, 12)} is not in the checkout; check out with fetch-depth: 2 (or 0) so it is`,
    }
  }
  const diff = await git(cwd, ['diff', '--name-only', '--no-renames', '-z', base, 'HEAD'])
  if (!diff.ok) return { problem: `git diff failed: ${diff.err}` }
  return { root: top.out.trim(), files: diff.out.split('\0').filter((f) => f !== '') }
}
