// Types of scripts/release.mjs, for the tests (the project type-checks TypeScript only).

/** A release tag's version. */
export interface TagVersion {
  readonly tag: string
  readonly version: string
  readonly major: number
  readonly minor: number
  readonly patch: number
  readonly prerelease: string | undefined
}

export function parseTag(tag: string): TagVersion
export function compareVersions(a: TagVersion, b: TagVersion): number
export function assertPackageVersion(version: TagVersion, packageVersion: string): void
export function changelogSection(changelog: string, version: string): string
export function majorTag(
  version: TagVersion,
  existingTags?: readonly string[],
): { tag: string } | { skip: string }
export function releasePlan(input: {
  tag: string
  packageVersion: string
  changelog: string
  tags?: readonly string[]
}): { version: TagVersion; notes: string; major: { tag: string } | { skip: string } }
