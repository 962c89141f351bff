/**
 * What a release tag means (scripts/release.mjs, called by .github/workflows/release.yml): the version, the notes
 * from CHANGELOG.md, whether `v1` moves, and the tags that are refused. Then the command line the workflow runs, in
 * a scratch git repository, and this repository's own CHANGELOG.md against its package.json.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  assertPackageVersion,
  changelogSection,
  compareVersions,
  majorTag,
  parseTag,
  releasePlan,
} from '../scripts/release.mjs'

const SCRIPT = path.resolve('scripts/release.mjs')

const CHANGELOG = `# Changelog

Intro text.

## [Unreleased]

### Added

- Something not released yet.

## [1.2.0] - 2026-12-01

### Added

- Pull-request comments.

### Fixed

- Windows paths.

## [1.1.0-rc.1] - 2026-11-30

- A candidate.

## 1.0.0

- First release.

[Unreleased]: https://github.com/acme/rclone-jobs/compare/v1.2.0...HEAD
[1.2.0]: https://github.com/acme/rclone-jobs/compare/v1.0.0...v1.2.0
`

describe('parseTag', () => {
  it('reads v-prefixed SemVer tags', () => {
    expect(parseTag('v1.2.3')).toEqual({
      tag: 'v1.2.3',
      version: '1.2.3',
      major: 1,
      minor: 2,
      patch: 3,
      prerelease: undefined,
    })
    expect(parseTag('v2.0.0-rc.1')).toMatchObject({ version: '2.0.0-rc.1', major: 2, prerelease: 'rc.1' })
    expect(parseTag('v1.0.0+build.5')).toMatchObject({ version: '1.0.0+build.5', prerelease: undefined })
    expect(parseTag('v0.1.0').major).toBe(0)
  })

  it('refuses anything else, saying what a release tag looks like', () => {
    for (const t of [
      '1.2.3',
      'v1.2',
      'v1',
      'v01.2.3',
      'v1.2.3-',
      'v1.2.3-rc..1',
      'release-1.2.3',
      'v1.2.3 ',
      '',
    ]) {
      expect(() => parseTag(t), t).toThrow(/is not a release tag.*v1\.2\.3/)
    }
  })
})

describe('compareVersions', () => {
  it('orders by SemVer precedence', () => {
    const order = [
      'v1.0.0-alpha',
      'v1.0.0-alpha.1',
      'v1.0.0-alpha.beta',
      'v1.0.0-beta',
      'v1.0.0-beta.2',
      'v1.0.0-beta.11',
      'v1.0.0-rc.1',
      'v1.0.0',
      'v1.0.1',
      'v1.2.0',
      'v1.10.0',
      'v2.0.0',
    ]
    const shuffled = [...order].reverse().map(parseTag)
    expect(shuffled.sort(compareVersions).map((v) => v.tag)).toEqual(order)
    expect(compareVersions(parseTag('v1.0.0+a'), parseTag('v1.0.0+b'))).toBe(0)
  })
})

describe('assertPackageVersion', () => {
  it('refuses a tag whose version is not package.json’s, and says how to fix it', () => {
    expect(() => assertPackageVersion(parseTag('v1.0.0'), '1.0.0')).not.toThrow()
    expect(() => assertPackageVersion(parseTag('v1.0.1'), '1.0.0')).toThrow(
      /v1\.0\.1 names version 1\.0\.1, but package\.json has "version": "1\.0\.0".*npm version 1\.0\.1/,
    )
  })
})

describe('changelogSection', () => {
  it('takes the section of the version, without its heading, up to the next one', () => {
    expect(changelogSection(CHANGELOG, '1.2.0')).toBe(
      '### Added\n\n- Pull-request comments.\n\n### Fixed\n\n- Windows paths.\n',
    )
    expect(changelogSection(CHANGELOG, '1.1.0-rc.1')).toBe('- A candidate.\n')
  })

  it('stops at the link definitions after the last section, and reads headings without brackets', () => {
    expect(changelogSection(CHANGELOG, '1.0.0')).toBe('- First release.\n')
    expect(changelogSection(CHANGELOG.replace(/\n/g, '\r\n'), '1.0.0')).toBe('- First release.\n')
  })

  it('does not take a longer version for a shorter one', () => {
    expect(() => changelogSection('## [1.2.0]\n\n- x\n', '1.2')).toThrow(/no section for 1\.2\b/)
    expect(() => changelogSection('## [1.2.0-rc.1]\n\n- x\n', '1.2.0')).toThrow(/no section/)
  })

  it('refuses a missing or empty section', () => {
    expect(() => changelogSection(CHANGELOG, '9.9.9')).toThrow(/no section for 9\.9\.9.*## \[9\.9\.9\]/)
    expect(() => changelogSection('## [2.0.0] - 2027-01-01\n\n## [1.0.0]\n- x\n', '2.0.0')).toThrow(
      /is empty/,
    )
  })
})

describe('majorTag', () => {
  it('moves v1 to a release', () => {
    expect(majorTag(parseTag('v1.2.0'), ['v1.0.0', 'v1.1.0', 'v1.3.0-rc.1', 'v2-old', 'latest'])).toEqual({
      tag: 'v1',
    })
    expect(majorTag(parseTag('v2.0.0'), ['v1.9.0'])).toEqual({ tag: 'v2' })
  })

  it('never moves it to a prerelease', () => {
    expect(majorTag(parseTag('v1.3.0-rc.1'))).toEqual({ skip: expect.stringMatching(/prerelease; v1 stays/) })
  })

  it('keeps it on a newer release of the same major', () => {
    expect(majorTag(parseTag('v1.2.4'), ['v1.2.3', 'v1.3.0', 'v1.3.1', 'v2.0.0'])).toEqual({
      skip: 'v1.3.1 is newer than v1.2.4; v1 stays on v1.3.1',
    })
  })
})

describe('releasePlan', () => {
  it('joins the checks', () => {
    const plan = releasePlan({
      tag: 'v1.2.0',
      packageVersion: '1.2.0',
      changelog: CHANGELOG,
      tags: ['v1.0.0'],
    })
    expect(plan.version.version).toBe('1.2.0')
    expect(plan.notes).toContain('Pull-request comments.')
    expect(plan.major).toEqual({ tag: 'v1' })
    expect(() => releasePlan({ tag: 'v1.2.0', packageVersion: '1.1.0', changelog: CHANGELOG })).toThrow(
      /package\.json/,
    )
  })
})

describe('this repository', () => {
  it("has a CHANGELOG.md section for package.json's version, and an Unreleased section", () => {
    const changelog = readFileSync('CHANGELOG.md', 'utf8')
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version
    expect(changelogSection(changelog, version).length).toBeGreaterThan(100)
    expect(changelog).toMatch(/^## \[Unreleased\]$/m)
  })
})

describe('the command line', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'release-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, stdio: 'pipe' })
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.2.0' }))
  writeFileSync(path.join(dir, 'CHANGELOG.md'), CHANGELOG)
  git('init', '-q')
  git('add', '.')
  git('commit', '-qm', 'x')
  git('tag', 'v1.0.0')

  function release(tag: string) {
    const output = path.join(dir, `output-${tag}`)
    writeFileSync(output, '')
    const r = spawnSync(process.execPath, [SCRIPT, 'plan', tag, '--notes-file', 'notes.md'], {
      cwd: dir,
      env: { ...process.env, GITHUB_OUTPUT: output },
      encoding: 'utf8',
    })
    return { ...r, output: readFileSync(output, 'utf8') }
  }

  it('writes the notes and the step outputs for a release', () => {
    const r = release('v1.2.0')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.output).toBe(
      `version=1.2.0\nprerelease=false\nmajor=v1\nnotes-file=${path.join(dir, 'notes.md')}\n`,
    )
    expect(readFileSync(path.join(dir, 'notes.md'), 'utf8')).toBe(changelogSection(CHANGELOG, '1.2.0'))
    expect(r.stdout).toContain('v1 moves to it')
  })

  it('leaves the major tag when a newer release exists', () => {
    git('tag', 'v1.3.0')
    try {
      const r = release('v1.2.0')
      expect(r.status).toBe(0)
      expect(r.output).toContain('major=\n')
      expect(r.stdout).toContain('v1.3.0 is newer than v1.2.0')
    } finally {
      git('tag', '-d', 'v1.3.0')
    }
  })

  it('refuses a tag whose version is not package.json’s, as an error annotation, and writes no outputs', () => {
    const r = release('v1.0.0')
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/^::error::not releasing v1\.0\.0: the tag v1\.0\.0 names version 1\.0\.0/)
    expect(r.output).toBe('')
  })

  it('says how it is called', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { cwd: dir, encoding: 'utf8' })
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('usage: node scripts/release.mjs plan <tag>')
  })
})
