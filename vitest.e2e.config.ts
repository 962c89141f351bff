import { defineConfig } from 'vitest/config'
import { shared, translatedProject } from './vitest.translated.config.js'

// The end-to-end suites (the ones vitest.translated.config.ts runs through the 1.75 translator) against whatever
// rclone is first on PATH, as it is: CI's rclone-default job runs them on the release the action installs by default.
export default defineConfig({
  test: { ...shared, include: [...(translatedProject.test?.include ?? [])] },
})
