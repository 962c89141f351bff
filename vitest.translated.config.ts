/**
 * The end-to-end suites against "rclone 1.75.0": the real rclone 1.60.1 run through tests/helpers/rclone-translator.mjs,
 * which writes v1.75.0's log format and exit codes (RCLONE_JOBS_TEST_RCLONE=1.75, see tests/helpers/rclone-versions.ts).
 * `npm run test:1.75` runs only these; `npm test` runs them as the `rclone-1.75` project next to the normal suites.
 */
import { availableParallelism } from 'node:os'
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

/** The suites that start rclone, run a second time through the translator. */
export const translatedProject: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'rclone-1.75',
    // The suites whose outcome depends on what differs between versions: the slog JSON log and its stats (run,
    // plan), exit codes (a cut by max-duration exits 10 from 1.64; bisync's critical errors exit 7 from 1.69) and
    // bisync's listings. Suites about the action's own logic (guards, places, secrets) read the same entries on both.
    include: ['tests/run.test.ts', 'tests/plan-command.test.ts', 'tests/bisync.test.ts', 'tests/backups.test.ts'],
    env: { RCLONE_JOBS_TEST_RCLONE: '1.75' },
  },
}

/**
 * The suites mostly wait on rclone processes and loopback servers, not on the CPU: twice as many workers as cores
 * keeps both cores busy (one worker per core left them idle half the time).
 */
export const shared = {
  testTimeout: 60_000,
  hookTimeout: 90_000,
  pool: 'forks',
  maxWorkers: Math.max(2, availableParallelism() * 2),
  setupFiles: ['tests/setup/home.ts'] as string[],
} as const

export default defineConfig({
  test: { ...shared, projects: [translatedProject] },
})
