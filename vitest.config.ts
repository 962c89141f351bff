import { defineConfig } from 'vitest/config'
import { shared, translatedProject } from './vitest.translated.config.js'

// Two projects in one run: every suite against the installed rclone, and the end-to-end suites again against
// "rclone 1.75.0" (vitest.translated.config.ts).
export default defineConfig({
  test: {
    ...shared,
    projects: [{ extends: true, test: { name: 'rclone', include: ['tests/**/*.test.ts'] } }, translatedProject],
  },
})
