/**
 * Job features that need a minimum rclone version. After the installed version is known (`plan`, `run`), a job that
 * asks for a feature its rclone lacks fails before any rclone run, at the key that asks for it, naming the version
 * it needs. Pure. Each row: when the job uses the feature, the key path to point at, and the first version with it.
 */
import { compareVersions } from '../rclone/versions.js'
import { type Diagnostic, formatKeyPath } from './diagnostics.js'
import type { ValidJob } from './validate.js'

/** A version-gated feature. */
export interface Feature {
  readonly name: string
  readonly since: string
  /** The key path in the job that asks for it, or undefined when the job does not use it. */
  readonly usedAt: (job: ValidJob) => PropertyKey[] | undefined
}

/** The gated features, oldest first. Versions from rclone's changelog. */
export const FEATURES: readonly Feature[] = [
  { name: 'bisync mode', since: '1.58.0', usedAt: (j) => (j.job.mode === 'bisync' ? ['mode'] : undefined) },
  {
    name: 'create-empty-src-dirs with bisync',
    since: '1.64.0',
    usedAt: (j) =>
      j.job.mode === 'bisync' && j.job['create-empty-src-dirs'] ? ['create-empty-src-dirs'] : undefined,
  },
  bisyncFlag('resilient', '1.64.0'),
  bisyncFlag('recover', '1.66.0'),
  bisyncFlag('conflict-resolve', '1.66.0'),
  bisyncFlag('conflict-loser', '1.66.0'),
  bisyncFlag('conflict-suffix', '1.66.0'),
  bisyncFlag('max-lock', '1.66.0'),
  bisyncFlag('compare', '1.66.0'),
]

function bisyncFlag(key: keyof NonNullable<ValidJob['job']['bisync']>, since: string): Feature {
  return {
    name: `bisync ${key}`,
    since,
    usedAt: (j) => (j.job.bisync?.[key] !== undefined ? ['bisync', key] : undefined),
  }
}

/** The problems of every job with the installed rclone `version`. */
export function versionProblems(
  jobs: readonly ValidJob[],
  version: string,
  features: readonly Feature[] = FEATURES,
): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const j of jobs) {
    for (const f of features) {
      const at = f.usedAt(j)
      if (at === undefined || compareVersions(version, f.since) >= 0) continue
      out.push({
        severity: 'error',
        ...j.locate(at),
        key: formatKeyPath(at),
        message: `${f.name} needs rclone ${f.since} or newer, and the installed rclone is ${version}; set rclone-version to ${f.since} or later`,
      })
    }
  }
  return out
}

/** The README table: feature and minimum version. */
export function featureTableMarkdown(features: readonly Feature[] = FEATURES): string {
  return [
    '| feature | needs rclone |',
    '| --- | --- |',
    ...features.map((f) => `| ${f.name} | ${f.since} |`),
  ].join('\n')
}
