/**
 * Crontab entries, for `import`: the schedule in front of a command (`30 2 * * * rclone sync ...`, `@daily ...`),
 * turned into the five-field cron a job's `schedule` takes, which is what GitHub's `on.schedule` reads. Pure.
 *
 * cron splits an entry on blanks (it is not a shell): the five fields, then the command, which cron hands to
 * `/bin/sh` after turning each unescaped `%` into a newline (the rest of the entry becomes the command's input).
 */
import { cronProblem } from './cron.js'

/** The `@` forms cron reads, as five fields. `@reboot` has none: it is tied to the machine, not to a time. */
const NICKNAMES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

/** One cron field as crontabs write it: numbers, `*`, names, ranges, lists, steps (`*\/15`, `1-5`, `MON,WED`). */
const FIELD =
  /^(?:\*|\d+|[A-Za-z]{3})(?:-(?:\d+|[A-Za-z]{3}))?(?:\/\d+)?(?:,(?:\*|\d+|[A-Za-z]{3})(?:-(?:\d+|[A-Za-z]{3}))?(?:\/\d+)?)*$/

/** A crontab entry: its schedule as a five-field cron (or why it has none), and the shell command after it. */
export interface CrontabEntry {
  /** The schedule as written (`30 2 * * *`, `@daily`). */
  readonly written: string
  /** The five-field cron; undefined when `problem` says why there is none. */
  readonly cron?: string
  readonly problem?: string
  /** The command, `%` already handled: `\%` is a plain `%`. */
  readonly command: string
  /** Why the command cannot be read as written (an unescaped `%`). */
  readonly commandProblem?: string
}

/**
 * Reads one line as a crontab entry, or returns undefined when it is not one. An entry starts with `@word` or with
 * five cron fields the first of which begins with a digit or `*` (no shell command does), so a line of a shell
 * script is never taken for one. A system crontab's user field (`30 2 * * * root rclone ...`) is the caller's
 * business: it is the first word of the command here.
 */
export function readCrontabLine(line: string): CrontabEntry | undefined {
  const nick = /^\s*(@[A-Za-z]+)\s+(\S.*)$/.exec(line)
  if (nick) {
    const written = nick[1] as string
    const cron = NICKNAMES[written.toLowerCase()]
    const command = crontabCommand(nick[2] as string)
    if (cron !== undefined) return { written, cron, ...command }
    return {
      written,
      problem:
        written.toLowerCase() === '@reboot'
          ? '@reboot runs when the machine starts; a job runs on a schedule (or on every trigger without one): write a five-field cron instead'
          : `${written} is not a crontab schedule (the @ forms are ${Object.keys(NICKNAMES).join(', ')}, @reboot)`,
      ...command,
    }
  }
  const m = /^\s*([\d*]\S*)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S.*)$/.exec(line)
  if (!m) return undefined
  const fields = m.slice(1, 6) as string[]
  if (!fields.every((f) => FIELD.test(f))) return undefined
  const written = fields.join(' ')
  const command = crontabCommand(m[6] as string)
  const cron = [...fields.slice(0, 4), sundayAsZero(fields[4] as string)].join(' ')
  const problem = cronProblem(cron)
  return problem === undefined ? { written, cron, ...command } : { written, problem, ...command }
}

/**
 * Crontabs may write Sunday as 7 (`7`, `5-7`); GitHub's cron, like the job's, takes 0 to 6, so `7` becomes `0` and
 * `5-7` becomes `5-6,0`. Anything else is left as written for `cronProblem` to judge.
 */
function sundayAsZero(weekdays: string): string {
  return weekdays
    .split(',')
    .map((item) => {
      if (item === '7') return '0'
      const range = /^(\d)-7$/.exec(item)
      if (range === null) return item
      return range[1] === '6' ? '6,0' : `${range[1]}-6,0`
    })
    .join(',')
}

/** The shell command of an entry: `\%` stands for `%`; an unescaped `%` would end the command there. */
function crontabCommand(text: string): { command: string; commandProblem?: string } {
  const bare = /(^|[^\\])%/.exec(text)
  const command = text.replace(/\\%/g, '%')
  if (bare === null) return { command }
  return {
    command,
    commandProblem:
      'an unescaped % in a crontab command ends the command there (cron feeds the rest to it as input); write \\% for a literal %, or resolve what it was for',
  }
}
