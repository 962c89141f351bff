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
  info(message: string): void
  warning(message: string, props?: AnnotationProps): void
  error(message: string, props?: AnnotationProps): void
  startGroup(name: string): void
  endGroup(): void
  setOutput(name: string, value: string): void
  summary(markdown: string): Promise<void>
}

/** The runner's reporter: @actions/core commands, and the step summary file. */
export function actionsReporter(env: NodeJS.ProcessEnv): Reporter {
  return {
    mask: (s) => core.setSecret(s),
    info: (m) => core.info(m),
    warning: (m, p) => core.warning(m, p),
    error: (m, p) => core.error(m, p),
    startGroup: (n) => core.startGroup(n),
    endGroup: () => core.endGroup(),
    setOutput: (n, v) => core.setOutput(n, v),
    // Written here rather than through core.summary, whose file path is cached for the life of the process;
    // without a summary file (a local run) the summary goes to the log.
    summary: async (markdown) => {
      const file = env.GITHUB_STEP_SUMMARY
      if (file) await appendFile(file, markdown, 'utf8')
      else core.info(`\n${markdown}`)
    },
  }
}

/**
 * A terminal reporter for the CLI: plain lines, no workflow commands. Problems with a position are printed by the
 * pipeline as `file:line:col: ...` lines already, so their annotations are not repeated.
 */
export function consoleReporter(
  out: (line: string) => void,
  options: { outputs?: Map<string, string> } = {},
): Reporter {
  return {
    mask: () => {},
    info: (m) => out(m),
    warning: (m, p) => {
      if (p?.file === undefined) out(`warning: ${m}`)
    },
    error: (m, p) => {
      if (p?.file === undefined) out(`error: ${m}`)
    },
    startGroup: (n) => out(`── ${n}`),
    endGroup: () => {},
    setOutput: (n, v) => {
      options.outputs?.set(n, v)
    },
    summary: async (markdown) => out(`\n${markdown.trimEnd()}`),
  }
}
