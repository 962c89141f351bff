import { defineConfig } from 'vitest/config'
import { shared, translatedProject } from './vitest.translated.config.js'

// The end-to-end suites against whatever rclone is first on PATH, as it is: CI's rclone-default job runs them on the
// release the action installs by default. The translated ones, and the suites of the action's own logic on real
// rclone runs (guards, trust, faults, secrets, the report folder, names that look like log lines, seams).
export default defineConfig({
  test: {
    ...shared,
    include: [
      ...(translatedProject.test?.include ?? []),
      'tests/trust.test.ts',
      'tests/safety.test.ts',
      'tests/faults.test.ts',
      'tests/report-dir.test.ts',
      'tests/text-log.test.ts',
      'tests/seams.test.ts',
    ],
  },
})
