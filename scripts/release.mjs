// What a release tag means, for .github/workflows/release.yml: the version it names (SemVer, `v` first), the
// CHANGELOG.md section that becomes the release notes, and whether the major tag (`v1`) moves to it. Pure functions,
// plus a small command line the workflow calls (types for the tests: release.d.mts):
//
//   node scripts/release.mjs plan <tag> [--notes-file FILE]
//
// It reads package.json, CHANGELOG.md and the repository's tags, writes the notes to FILE, sets the step outputs
// `version`, `prerelease`, `major` (empty when the major tag must not move) and `notes-file`, and exits 1 with the
// reason when the tag must not be released: not SemVer, another version than package.json's, no changelog section.
import { execFileSync } from 'node:child_process'
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

// SemVer 2.0.0's own grammar (semver.org), after a required `v`.
const SEMVER_TAG =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

/**
 * The version a tag names: `v1.2.3`, `v1.2.3-rc.1`, `v1.2.3+build`. Throws for anything else (`1.2.3`, `v1.2`,
 * `v01.2.3`), so a stray tag is never released.
 */
export function parseTag(tag) {
  const m = SEMVER_TAG.exec(tag)
  if (!m) {
    throw new Error(
      `"${tag}" is not a release tag: it must be v followed by a SemVer version, e.g. v1.2.3 or v1.3.0-rc.1`,
    )
  }
  return {
    tag,
    version: tag.slice(1),
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4],
  }
}

/**
 * SemVer precedence: negative when `a` comes before `b`, 0 when equal (build metadata is ignored), positive after.
 */
export function compareVersions(a, b) {
  for (const k of ['major', 'minor', 'patch']) if (a[k] !== b[k]) return a[k] - b[k]
  if (a.prerelease === b.prerelease) return 0
  if (a.prerelease === undefined) return 1
  if (b.prerelease === undefined) return -1
  const x = a.prerelease.split('.')
  const y = b.prerelease.split('.')
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]
    const q = y[i]
    if (p === q) continue
    const pn = /^\d+$/.test(p)
    const qn = /^\d+$/.test(q)
    if (pn && qn) return Number(p) - Number(q)
    if (pn !== qn) return pn ? -1 : 1
    return p < q ? -1 : 1
  }
  return x.length - y.length
}

/**
 * Refuses a tag whose version is not package.json's: the bundle and the CLI report package.json's version, so a
 * release must carry the same one.
 */
export function assertPackageVersion(version, packageVersion) {
  if (version.version !== packageVersion) {
    throw new Error(
      `the tag ${version.tag} names version ${version.version}, but package.json has "version": "${packageVersion}"; set the version in package.json (npm version ${version.version} --no-git-tag-version), commit, and tag that commit`,
    )
  }
}

/**
 * The body of CHANGELOG.md's section for a version (Keep a Changelog: `## [1.2.3] - 2026-11-30`; `## 1.2.3` and
 * `## [v1.2.3]` are read too), without its heading, up to the next `## ` heading or the link definitions at the
 * end. Throws when there is no such section, or it is empty: a release without notes is a mistake.
 */
export function changelogSection(changelog, version) {
  const lines = changelog.replace(/\r\n?/g, '\n').split('\n')
  const escaped = version.replace(/[.+]/g, '\\$&')
  const heading = new RegExp(`^##\\s+\\[?v?${escaped}\\]?(?:\\s|$)`)
  const start = lines.findIndex((l) => heading.test(l))
  if (start < 0) {
    throw new Error(
      `CHANGELOG.md has no section for ${version}; add "## [${version}] - YYYY-MM-DD" with what changed (move the entries from "## [Unreleased]")`,
    )
  }
  const body = []
  for (const line of lines.slice(start + 1)) {
    if (/^##\s/.test(line) || /^\[[^\]]+\]:\s*\S/.test(line)) break
    body.push(line)
  }
  const text = body.join('\n').trim()
  if (text === '') throw new Error(`CHANGELOG.md's section for ${version} is empty; say what changed`)
  return `${text}\n`
}

/**
 * The major tag to move to this release (`v1`), or why it stays: a prerelease never moves it (users of `@v1` must
 * not get a release candidate), nor does an older line's patch released after a newer minor (`v1.2.4` after
 * `v1.3.0`).
 */
export function majorTag(version, existingTags = []) {
  if (version.prerelease !== undefined) {
    return { skip: `${version.tag} is a prerelease; v${version.major} stays where it is` }
  }
  const newer = existingTags
    .filter((t) => SEMVER_TAG.test(t))
    .map(parseTag)
    .filter((t) => t.prerelease === undefined && t.major === version.major && compareVersions(t, version) > 0)
    .sort(compareVersions)
    .at(-1)
  if (newer !== undefined) {
    return { skip: `${newer.tag} is newer than ${version.tag}; v${version.major} stays on ${newer.tag}` }
  }
  return { tag: `v${version.major}` }
}

/**
 * Everything the release workflow needs to know about a tag, or an error saying why it must not be released.
 */
export function releasePlan(input) {
  const version = parseTag(input.tag)
  assertPackageVersion(version, input.packageVersion)
  const notes = changelogSection(input.changelog, version.version)
  const major = majorTag(version, input.tags ?? [])
  return { version, notes, major }
}

/** The command line: `plan <tag> [--notes-file FILE]`; returns the exit code. */
function main(argv, env, cwd) {
  const [command, tag, ...rest] = argv
  if (command !== 'plan' || tag === undefined) {
    process.stderr.write('usage: node scripts/release.mjs plan <tag> [--notes-file FILE]\n')
    return 2
  }
  const at = rest.indexOf('--notes-file')
  const notesFile = path.resolve(
    cwd,
    at >= 0 ? (rest[at + 1] ?? '') : path.join(env.RUNNER_TEMP ?? cwd, 'release-notes.md'),
  )
  try {
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'))
    const changelog = readFileSync(path.join(cwd, 'CHANGELOG.md'), 'utf8')
    const tags = execFileSync('git', ['tag', '--list', 'v*'], { cwd, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
    const plan = releasePlan({ tag, packageVersion: String(pkg.version), changelog, tags })
    writeFileSync(notesFile, plan.notes)
    const outputs = {
      version: plan.version.version,
      prerelease: String(plan.version.prerelease !== undefined),
      major: 'tag' in plan.major ? plan.major.tag : '',
      'notes-file': notesFile,
    }
    if (env.GITHUB_OUTPUT) {
      appendFileSync(
        env.GITHUB_OUTPUT,
        Object.entries(outputs)
          .map(([k, v]) => `${k}=${v}\n`)
          .join(''),
      )
    }
    process.stdout.write(
      `release ${tag}: version ${outputs.version}${outputs.prerelease === 'true' ? ' (prerelease)' : ''}; ` +
        `${'tag' in plan.major ? `${plan.major.tag} moves to it` : plan.major.skip}; notes in ${notesFile}:\n\n${plan.notes}`,
    )
    return 0
  } catch (e) {
    process.stderr.write(`::error::not releasing ${tag}: ${e instanceof Error ? e.message : String(e)}\n`)
    return 1
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), process.env, process.cwd())
}
