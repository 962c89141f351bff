/**
 * The files a pull request changes, from git in the workspace (an edge of the action, like the rclone runner): the
 * diff between the pull request's base commit and the checked-out commit. actions/checkout checks a pull request
 * out as its merge commit; with `fetch-depth: 2` (or 0) the base commit is there too.
 */
import { getExecOutput } from '@actions/exec'

/** Runs a short git command quietly; never throws (a missing git is a result like any other). */
async function git(cwd: string, args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
  try {
    const r = await getExecOutput('git', args, { cwd, silent: true, ignoreReturnCode: true })
    return { ok: r.exitCode === 0, out: r.stdout, err: r.stderr.trim() }
  } catch (e) {
    return { ok: false, out: '', err: e instanceof Error ? e.message : String(e) }
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
