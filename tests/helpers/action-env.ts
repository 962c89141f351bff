/**
 * Drives the action the way a runner does: inputs as INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as
 * files, then reads back what @actions/core wrote.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** The runner-style environment for one run, and readers for what the action wrote. */
export interface ActionEnv {
  readonly env: Record<string, string>
  outputs(): Record<string, string>
  summary(): string
}

/** `INPUT_*` variable name, as @actions/core reads it. */
export function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Makes the files and variables for one run in `dir`. */
export function actionEnv(
  dir: string,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): ActionEnv {
  const outputFile = path.join(dir, 'github_output')
  const summaryFile = path.join(dir, 'step_summary.md')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...extra,
  }
  for (const [k, v] of Object.entries(inputs)) env[inputVar(k)] = v
  return {
    env,
    outputs: () => parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: () => readFileSync(summaryFile, 'utf8'),
  }
}

/** Parses the `name<<delimiter` blocks that @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] as string)
    if (!m) continue
    const [, name, delim] = m
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] as string)
    out[name as string] = value.join('\n')
  }
  return out
}

/** Sets variables on process.env for an in-process run and returns a function that restores them. */
export function applyEnv(vars: Record<string, string>): () => void {
  const saved = new Map<string, string | undefined>()
  for (const [k, v] of Object.entries(vars)) {
    saved.set(k, process.env[k])
    process.env[k] = v
  }
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}
