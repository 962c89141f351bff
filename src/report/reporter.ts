/**
 * Where the pipeline's words go: the Actions runner (annotations, groups, outputs, step summary) or a terminal
 * (the CLI). The pipeline only talks to this interface.
 */
import { appendFile } from 'node:fs/promises'
import * as core from '@actions/core'

/** A position for an annotation. */
export interface AnnotationProps {
  readonly title?: string
  readonly file?: string
  readonly startLine?: number
  readonly startColumn?: number
}

/** The pipeline's output channel. */
export interface Reporter {
  /** Hides a secret value from everything printed after this call. */
  mask(secret: string): void
  /** Text with every masked secret replaced, for what leaves the action by other ways (health pings). */
  scrub(text: string): string
  info(message: string): void
  /** A line that reports a problem (`file:line:col: error: ...`): the step log on a runner, stderr in a terminal. */
  problem(line: string): void
  /** A note worth seeing in the run's annotations, that is not a problem. */
  notice(message: string): void
  warning(message: string, props?: AnnotationProps): void
  error(message: string, props?: AnnotationProps): void
  startGroup(name: string): void
  endGroup(): void
  setOutput(name: string, value: string): void
  summary(markdown: string): Promise<void>
}

/**
 * Replaces every registered secret with `***` in text the action writes itself. The runner masks what
 * `::add-mask::` names in the log, but not in outputs or the step summary, and a log read outside the runner
 * (a copy, a local run) is not masked at all: nothing the action writes may hold a secret.
 */
export class Redactor {
  private secrets: string[] = []
  private pattern: RegExp | undefined

  /** Registers a secret. */
  add(secret: string): void {
    if (secret === '' || this.secrets.includes(secret)) return
    // Longest first, so a secret that contains another is hidden whole.
    this.secrets = [...this.secrets, secret].sort((a, b) => b.length - a.length)
    this.pattern = new RegExp(
      this.secrets.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
      'g',
    )
  }

  /** The text with every secret replaced. */
  scrub(text: string): string {
    return this.pattern === undefined ? text : text.replace(this.pattern, '***')
  }
}

/** The runner's reporter: @actions/core commands, and the step summary file. */
export function actionsReporter(env: NodeJS.ProcessEnv): Reporter {
  const r = new Redactor()
  const props = (p: AnnotationProps | undefined) => (p?.title ? { ...p, title: r.scrub(p.title) } : p)
  return {
    mask: (s) => {
      core.setSecret(s)
      r.add(s)
    },
    scrub: (t) => r.scrub(t),
    info: (m) => core.info(r.scrub(m)),
    problem: (line) => core.info(r.scrub(line)),
    notice: (m) => core.notice(r.scrub(m)),
    warning: (m, p) => core.warning(r.scrub(m), props(p)),
    error: (m, p) => core.error(r.scrub(m), props(p)),
    startGroup: (n) => core.startGroup(r.scrub(n)),
    endGroup: () => core.endGroup(),
    setOutput: (n, v) => core.setOutput(n, r.scrub(v)),
    // Written here rather than through core.summary, whose file path is cached for the life of the process;
    // without a summary file (a local run) the summary goes to the log.
    summary: async (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY
      if (file) await appendFile(file, r.scrub(markdown), 'utf8')
      else core.info(`\n${r.scrub(markdown)}`)
    },
  }
}

/**
 * A terminal reporter for the CLI: plain lines, no workflow commands. Normal output goes to `print`, problems to
 * `printProblem` (stderr), so `rclone-jobs plan > plan.txt` keeps the problems on the screen. Problems with a
 * position are printed by the pipeline as `file:line:col: ...` lines already, so their annotations are not repeated.
 */
export function consoleReporter(
  print: (line: string) => void,
  options: { outputs?: Map<string, string>; printProblem?: (line: string) => void } = {},
): Reporter {
  const r = new Redactor()
  const out = (line: string) => print(r.scrub(line))
  const err = (line: string) => (options.printProblem ?? print)(r.scrub(line))
  return {
    mask: (s) => r.add(s),
    scrub: (t) => r.scrub(t),
    info: (m) => out(m),
    problem: (line) => err(line),
    notice: (m) => err(`notice: ${m}`),
    warning: (m, p) => {
      if (p?.file === undefined) err(`warning: ${m}`)
    },
    error: (m, p) => {
      if (p?.file === undefined) err(`error: ${m}`)
    },
    startGroup: (n) => out(`── ${n}`),
    endGroup: () => {},
    setOutput: (n, v) => {
      options.outputs?.set(n, r.scrub(v))
    },
    summary: async (markdown) => out(`\n${markdown.trimEnd()}`),
  }
}
