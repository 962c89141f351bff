/** The CLI's process entry (bundled as dist/cli.js). */
import { main } from './cli.js'

process.exitCode = await main(process.argv.slice(2))
