/** Records when each real rclone invocation ran, to prove scheduling rules by order rather than by timing limits. */
import type { RcloneRunner } from '../../src/rclone/runner.js'

/** One sync, copy or bisync run: its command, destination, start and end (performance.now()). */
export interface Span {
  readonly command: string
  readonly dst: string
  readonly start: number
  readonly end: number
}

/** Wraps the real runner to push a span for each sync, copy or bisync it runs. */
export function recorder(spans: Span[]) {
  return (real: RcloneRunner): RcloneRunner =>
    async (args, o) => {
      const start = performance.now()
      const out = await real(args, o)
      const command = args[0] as string
      if (['sync', 'copy', 'bisync'].includes(command))
        spans.push({ command, dst: args.at(-1) as string, start, end: performance.now() })
      return out
    }
}

/** Whether two spans were running at the same moment. */
export const overlaps = (a: Span, b: Span): boolean => a.start < b.end && b.start < a.end
