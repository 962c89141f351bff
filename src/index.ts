/** The action's entry: runs `run()` and turns stray rejections into a failed step instead of a crash. */
import * as core from '@actions/core'
import { run } from './main.js'

process.on('unhandledRejection', (reason) => {
  core.setFailed(
    `rclone-jobs: unhandled rejection: ${reason instanceof Error ? reason.message : String(reason)}`,
  )
})

await run()
