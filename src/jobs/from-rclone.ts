/**
 * rclone command lines to jobs, for `import`: each `rclone sync|copy|bisync` command becomes a job's source,
 * destination and settings, or a refusal that names the flag and says why; commands that are not rclone's are
 * ignored with a reason. Pure: the few files a command names (`--filter-from`) are read through `ImportDeps`.
 *
 * Which flag sets which key is read off the job schema, not listed again here: a key of `optionsSchema`,
 * `filtersSchema`, `bisyncSchema` or the job itself is an rclone flag when its description starts with `--<key>`
 * (the schema documents every such key that way, and the plan passes it back as `--<key>`), so `--transfers 8`
 * is `options.transfers: 8` and a key added to the schema is imported without a change here. Its type comes from
 * the schema too: a boolean key is a flag without a value, a list key takes the flag once per value. Only what is
 * not a job key is written here: the `--*-from` files read into rules, `--resync`, the flags that belong to the
 * action (config, logging, dry runs), and rclone's one-letter aliases.
 *
 * Environment assignments before `rclone` (`RCLONE_TRANSFERS=8 rclone ...`) are read as rclone reads them:
 * `RCLONE_<FLAG>` is the flag. Any other assignment is refused: a job carries no environment, and import cannot
 * tell whether rclone or a backend reads the variable (AWS_*, proxies, TMPDIR), so dropping it could change where
 * data goes; the message says to set it in the workflow instead.
 */
import { z } from 'zod'
import { credentialKeys, splitRemote } from '../places/rclone-path.js'
import type { CrontabEntry } from './crontab.js'
import { bisyncSchema, filtersSchema, jobSchema, optionsSchema } from './schema.js'
import { readScript, type ShellWord, type SimpleCommand } from './shell-commands.js'

/** The rclone commands a job runs. */
export const MODES = ['sync', 'copy', 'bisync'] as const
/** A job's mode. */
export type Mode = (typeof MODES)[number]

/** Where a command was written: file (or `<stdin>`, `<arguments>`), 1-based line, and the line as written. */
export interface Origin {
  readonly file: string
  readonly line: number
  readonly text: string
}

/** Why a command was not imported: the flag (or path, or variable) at fault, when there is one, and why. */
export interface Refusal {
  readonly flag?: string
  readonly message: string
}

/** A command's settings as job keys: `create-empty-src-dirs` and `resync` at the top, and the three sections. */
export interface Settings {
  readonly 'create-empty-src-dirs'?: boolean
  readonly resync?: boolean
  readonly options: Readonly<Record<string, unknown>>
  readonly filters: Readonly<Record<string, unknown>>
  readonly bisync: Readonly<Record<string, unknown>>
}

/** One rclone command read as a job with one destination. */
export interface MappedCommand {
  readonly mode: Mode
  readonly source: string
  readonly destination: string
  readonly settings: Settings
  /** The crontab entry's schedule, as a five-field cron. */
  readonly schedule?: string
}

/** What became of one command. */
export type CommandOutcome =
  | {
      readonly kind: 'mapped'
      readonly origin: Origin
      readonly command: MappedCommand
      /** What the job will do differently, or what the user should check. */
      readonly notes: readonly string[]
    }
  | { readonly kind: 'refused'; readonly origin: Origin; readonly refusals: readonly Refusal[] }
  | { readonly kind: 'ignored'; readonly origin: Origin; readonly reason: string }

/** What `import` needs from outside: reading the files that `--filter-from` and friends name. */
export interface ImportDeps {
  /** The text of a file, its path as written on the command line; throws when it cannot be read. */
  readonly readFile: (file: string) => string
}

type Section = 'job' | 'options' | 'filters' | 'bisync'
type Kind = 'bool' | 'list' | 'value'

/** A flag that sets a job key. */
interface FlagTarget {
  readonly section: Section
  readonly key: string
  readonly field: z.ZodType
  readonly kind: Kind
}

function described(field: z.ZodType): string | undefined {
  if (field.description !== undefined) return field.description
  return field instanceof z.ZodOptional ? (field.unwrap() as z.ZodType).description : undefined
}

/** What a field takes, asked of the field itself: a boolean (a flag without value), a list, or one value. */
function kindOf(field: z.ZodType): Kind {
  if (field.safeParse(true).success) return 'bool'
  if (field.safeParse([]).success) return 'list'
  return 'value'
}

function flagsOf(section: Section, shape: Readonly<Record<string, z.ZodType>>): Array<[string, FlagTarget]> {
  return Object.entries(shape)
    .filter(([key, field]) => described(field)?.startsWith(`--${key}`) === true)
    .map(([key, field]) => [key, { section, key, field, kind: kindOf(field) }])
}

/** Every rclone flag that is a job key, by flag name (without dashes), derived from the schema. */
export const JOB_FLAGS: ReadonlyMap<string, FlagTarget> = new Map([
  ...flagsOf('job', jobSchema.shape),
  ...flagsOf('options', optionsSchema.shape),
  ...flagsOf('filters', filtersSchema.shape),
  ...flagsOf('bisync', bisyncSchema.shape),
])

/** Flags that read a file of patterns or rules into a filter list, after the list's own flags (as rclone orders). */
const FROM_FILE: Readonly<Record<string, 'filter' | 'include' | 'exclude'>> = {
  'filter-from': 'filter',
  'include-from': 'include',
  'exclude-from': 'exclude',
}

const OUTPUT_REASON =
  "the action sets rclone's log level and format itself, to read what each run did, and keeps the log; leave it out"
const CONFIG_REASON =
  "the action's rclone-config input (or RCLONE_CONFIG_* variables in the workflow) gives rclone its config, so that no secret is in a job file"

/** Flags that belong to the action, whether they take a value, and why a job cannot carry them. */
const ACTION_FLAGS: Readonly<Record<string, { readonly value: boolean; readonly reason: string }>> = {
  'dry-run': {
    value: false,
    reason: 'a dry run is the `plan` command; a job does what the command running it says',
  },
  interactive: { value: false, reason: 'the action runs unattended: nobody is there to answer' },
  config: { value: true, reason: CONFIG_REASON },
  'ask-password': { value: false, reason: CONFIG_REASON },
  'password-command': { value: true, reason: CONFIG_REASON },
  'log-file': { value: true, reason: OUTPUT_REASON },
  'log-level': { value: true, reason: OUTPUT_REASON },
  'log-format': { value: true, reason: OUTPUT_REASON },
  'use-json-log': { value: false, reason: OUTPUT_REASON },
  syslog: { value: false, reason: OUTPUT_REASON },
  verbose: { value: false, reason: OUTPUT_REASON },
  quiet: { value: false, reason: OUTPUT_REASON },
  progress: { value: false, reason: OUTPUT_REASON },
  stats: { value: true, reason: OUTPUT_REASON },
  'stats-log-level': { value: true, reason: OUTPUT_REASON },
  'stats-one-line': { value: false, reason: OUTPUT_REASON },
  'stats-one-line-date': { value: false, reason: OUTPUT_REASON },
  'stats-unit': { value: true, reason: OUTPUT_REASON },
}

/** rclone's one-letter flags, by the long flag they stand for. */
const SHORT: Readonly<Record<string, string>> = {
  c: 'checksum',
  u: 'update',
  n: 'dry-run',
  i: 'interactive',
  v: 'verbose',
  q: 'quiet',
  P: 'progress',
  I: 'ignore-times',
  x: 'one-file-system',
  L: 'copy-links',
  l: 'links',
  M: 'metadata',
}

/** The boolean spellings rclone (Go's strconv.ParseBool) reads in `--flag=value` and in variables. */
function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false
  return undefined
}

/** Why a word cannot be imported as written, for the shell expansion in it. */
function expansionMessage(w: ShellWord): string {
  const e = w.expansion
  if (e === undefined) return ''
  const where = e.shown === w.text ? `"${w.text}"` : `${e.shown} in "${w.text}"`
  switch (e.kind) {
    case 'variable':
      return `${where} is expanded by the shell when the line runs, to a value only known there; write the value itself`
    case 'command':
      return `${where} is command substitution: its output is only known when the line runs; write the value itself`
    case 'glob':
      return `${where} is an unquoted pattern that the shell matches against the files where the line runs; quote it ('${e.shown}') if rclone is meant to see it`
    case 'tilde':
      return `${where}: "~" is the home folder of whoever runs the line (and rclone reads "=~" as a folder named "~"); write the full path`
    case 'process':
      return `${where} is process substitution; write a file and its path instead`
  }
}

/** The settings of one command while they are read. */
class Collected {
  readonly job: Record<string, unknown> = {}
  readonly sections: Record<'options' | 'filters' | 'bisync', Record<string, unknown>> = {
    options: {},
    filters: {},
    bisync: {},
  }
  /** Patterns and rules read from `--*-from` files, added after the lists' own flags. */
  readonly fromFiles: Record<'filter' | 'include' | 'exclude', string[]> = {
    filter: [],
    include: [],
    exclude: [],
  }
  readonly refusals: Refusal[] = []
  readonly notes: string[] = []
  /** List keys set by a variable: the same flag on the command line too is refused (which one wins is unclear). */
  readonly listsFromEnv = new Set<string>()
  /** An unknown flag was met: whether it took the next word is unknown, so the count of paths is not judged. */
  unsure = false
  readonly positionals: ShellWord[] = []

  refuse(flag: string | undefined, message: string): void {
    this.refusals.push(flag === undefined ? { message } : { flag, message })
  }

  place(target: FlagTarget): Record<string, unknown> {
    return target.section === 'job' ? this.job : this.sections[target.section]
  }
}

/** Converts a flag's text to what the schema takes: the text when it reads it, else the number it spells. */
function convert(field: z.ZodType, text: string): { value: unknown } | { problem: string } {
  const asText = field.safeParse(text)
  if (asText.success) return { value: text }
  if (/^\d+$/.test(text)) {
    const n = Number(text)
    const asNumber = field.safeParse(n)
    return asNumber.success ? { value: n } : { problem: issueOf(asNumber.error).message }
  }
  const issue = issueOf(asText.error)
  // A key that takes no text at all takes a number: say so rather than "expected number, received string".
  return {
    problem:
      issue.code === 'invalid_type' ? `"${text}" is not a whole number in decimal digits` : issue.message,
  }
}

/**
 * The issue that explains a failed parse. Of a union (a size is a number or a size string), the branch that took
 * the value's type and still refused it says why; the others only say that the type was not theirs.
 */
function issueOf(error: z.ZodError): { code: string; message: string } {
  const issue = error.issues[0]
  if (issue === undefined) return { code: 'custom', message: 'is not a value this key takes' }
  if (issue.code === 'invalid_union')
    for (const branch of issue.errors) {
      const first = branch[0]
      if (first !== undefined && first.code !== 'invalid_type') return first
    }
  return issue
}

/** Sets one job key from a flag or a variable (`shown` is how it was written, for messages). */
function setKey(
  c: Collected,
  target: FlagTarget,
  value: ShellWord | undefined,
  shown: string,
  fromEnv: boolean,
): void {
  if (value?.expansion) {
    c.refuse(shown, expansionMessage(value))
    return
  }
  const into = c.place(target)
  if (target.kind === 'bool') {
    const b = value === undefined ? true : parseBool(value.text)
    if (b === undefined) c.refuse(shown, `"${value?.text}" is not true or false`)
    else into[target.key] = b
    return
  }
  if (value === undefined) {
    c.refuse(shown, 'needs a value')
    return
  }
  if (target.kind === 'list') {
    const listKey = `${target.section}.${target.key}`
    if (fromEnv) c.listsFromEnv.add(listKey)
    else if (c.listsFromEnv.has(listKey)) {
      c.refuse(
        shown,
        `is also set by a variable (RCLONE_${target.key.toUpperCase().replace(/-/g, '_')}); write it once`,
      )
      return
    }
    const checked = target.field.safeParse([value.text])
    if (!checked.success) {
      c.refuse(shown, `"${value.text}": ${issueOf(checked.error).message}`)
      return
    }
    const list = (into[target.key] as string[] | undefined) ?? []
    list.push(value.text)
    into[target.key] = list
    return
  }
  const converted = convert(target.field, value.text)
  if ('problem' in converted) c.refuse(shown, `"${value.text}": ${converted.problem}`)
  else into[target.key] = converted.value
}

/** Reads a `--*-from` file into patterns or rules; a refusal when it cannot be imported. */
function readFromFile(c: Collected, flag: string, file: ShellWord | undefined, deps: ImportDeps): void {
  const problem = fromFileProblem(c, FROM_FILE[flag] as 'filter' | 'include' | 'exclude', file, deps)
  if (problem !== undefined) c.refuse(`--${flag}`, problem)
}

/** Reads the file as rclone does (trimmed lines; `#` and `;` start comments) into `c`, or says why it cannot. */
function fromFileProblem(
  c: Collected,
  into: 'filter' | 'include' | 'exclude',
  file: ShellWord | undefined,
  deps: ImportDeps,
): string | undefined {
  if (file === undefined) return 'needs a file'
  if (file.expansion) return expansionMessage(file)
  if (file.text === '-') return 'reads standard input, which a job does not have; write the rules in a file'
  let text: string
  try {
    text = deps.readFile(file.text)
  } catch (e) {
    return `${file.text} could not be read (${e instanceof Error ? e.message : String(e)}); import reads it into the job, so it must be readable from where import runs`
  }
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'))
  for (const line of lines) {
    if (into !== 'filter') {
      c.fromFiles[into].push(line)
      continue
    }
    if (line === '!') return `${file.text}: the rule "!" (forget the rules before it) has no job form`
    if (!/^[+-] \S/.test(line))
      return `${file.text}: "${line}" is not a rule ("+ pattern" or "- pattern"); rclone refuses it too`
    c.fromFiles.filter.push(line)
  }
  c.notes.push(
    `the ${into === 'filter' ? 'rules' : 'patterns'} of ${file.text} are now in the job (filters.${into}); later changes to that file do not reach it`,
  )
  return undefined
}

/** Reads one long flag (`name` without dashes, `inline` its `=value`), taking the next word when it has a value. */
function longFlag(
  c: Collected,
  name: string,
  inline: ShellWord | undefined,
  next: () => ShellWord | undefined,
  shown: string,
  deps: ImportDeps,
): void {
  const action = ACTION_FLAGS[name]
  if (action !== undefined) {
    if (action.value && inline === undefined) next()
    c.refuse(shown, action.reason)
    return
  }
  if (name === 'resync') {
    const b = inline === undefined ? true : parseBool(inline.text)
    if (b === undefined) c.refuse(shown, `"${inline?.text}" is not true or false`)
    else c.job.resync = b
    return
  }
  if (FROM_FILE[name] !== undefined) {
    readFromFile(c, name, inline ?? next(), deps)
    return
  }
  const target = JOB_FLAGS.get(name)
  if (target === undefined) {
    c.unsure = true
    c.refuse(
      shown,
      "is not a job key: a job takes the rclone flags listed in docs/reference.md (each key is the flag's name); leave it out, or set it in the remote's config if it is a backend setting",
    )
    return
  }
  setKey(c, target, target.kind === 'bool' ? inline : (inline ?? next()), shown, false)
}

/** Reads the arguments after `rclone`: flags into `c`, the rest into `c.positionals`. */
function readArguments(c: Collected, words: readonly ShellWord[], deps: ImportDeps): void {
  let flagsEnded = false
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as ShellWord
    const next = (): ShellWord | undefined => (i + 1 < words.length ? words[++i] : undefined)
    if (flagsEnded || !w.text.startsWith('-') || w.text === '-') {
      c.positionals.push(w)
      continue
    }
    if (w.text === '--') {
      flagsEnded = true
      continue
    }
    if (w.text.startsWith('--')) {
      const eq = w.text.indexOf('=')
      const name = eq < 0 ? w.text.slice(2) : w.text.slice(2, eq)
      const inline =
        eq < 0
          ? undefined
          : { text: w.text.slice(eq + 1), ...(w.expansion ? { expansion: w.expansion } : {}) }
      longFlag(c, name, inline, next, `--${name}`, deps)
      continue
    }
    // A cluster of one-letter flags (`-vP`, `-cu`); none of rclone's takes a value.
    for (const letter of w.text.slice(1)) {
      const long = SHORT[letter]
      if (long === undefined) {
        c.unsure = true
        c.refuse(`-${letter}`, 'is not an rclone flag that import knows')
      } else longFlag(c, long, undefined, () => undefined, `-${letter}`, deps)
    }
  }
}

/** Reads `NAME=value` before rclone: `RCLONE_<FLAG>` as the flag; anything else is refused (see the header). */
function readAssignment(c: Collected, name: string, value: ShellWord, deps: ImportDeps): void {
  if (name === 'RCLONE_CONFIG' || name.startsWith('RCLONE_CONFIG_')) {
    c.refuse(
      name,
      `${name === 'RCLONE_CONFIG' ? 'names a config file' : 'defines a remote, or its password'}: ${CONFIG_REASON}`,
    )
    return
  }
  if (!name.startsWith('RCLONE_')) {
    c.refuse(
      name,
      "a job carries no environment variables, and whether rclone or a backend reads this one is unknown; set it in the workflow's env: if rclone needs it, or leave it out",
    )
    return
  }
  const flag = name.slice('RCLONE_'.length).toLowerCase().replace(/_/g, '-')
  const action = ACTION_FLAGS[flag]
  if (action !== undefined) {
    c.refuse(name, `is --${flag}: ${action.reason}`)
    return
  }
  if (flag === 'resync' || FROM_FILE[flag] !== undefined) {
    longFlag(c, flag, value, () => undefined, name, deps)
    return
  }
  const target = JOB_FLAGS.get(flag)
  if (target === undefined)
    c.refuse(
      name,
      `--${flag} is not a job key (the keys are listed in docs/reference.md); leave it out, or set it in the remote's config if it is a backend setting`,
    )
  else setKey(c, target, value, name, true)
}

/** The last part of a program's path: `/usr/bin/sudo` runs `sudo`. */
function baseName(program: string): string {
  return program.split(/[\\/]/).at(-1) ?? program
}

/** Whether a word runs rclone: `rclone`, or a path to it (`/usr/bin/rclone`, `rclone.exe`). */
function isRclone(word: ShellWord | undefined): boolean {
  if (word === undefined) return false
  const base = baseName(word.text).toLowerCase()
  return base === 'rclone' || base === 'rclone.exe'
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/

/**
 * Commands that run the command after them: their own options (those that take a value listed), how many operands
 * they take before it (flock's lock file), and what the job does not keep of them.
 */
const WRAPPERS: Readonly<Record<string, { valued: readonly string[]; operands?: number; note?: string }>> = {
  sudo: {
    valued: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U'],
    note: "it ran under sudo, as another user with that user's rclone config; the action runs rclone as the runner's user, with the config it is given",
  },
  env: { valued: ['-u', '-C', '-S'] },
  nice: { valued: ['-n'], note: 'its scheduling priority (nice) is not kept' },
  ionice: { valued: ['-c', '-n', '-p'], note: 'its I/O priority (ionice) is not kept' },
  nohup: { valued: [] },
  exec: { valued: ['-a'] },
  time: { valued: ['-f', '-o'] },
  command: { valued: [] },
  flock: {
    valued: ['-w', '-E', '--wait', '--timeout', '--conflict-exit-code'],
    operands: 1,
    note: "flock's lock is not kept: to keep two runs apart, give the workflow a concurrency group",
  },
}

/** The words before rclone: variables, wrappers and their notes; where the program is. */
function readPrefix(
  words: readonly ShellWord[],
  crontab: boolean,
): { index: number; assignments: Array<{ name: string; value: ShellWord }>; notes: string[] } {
  const assignments: Array<{ name: string; value: ShellWord }> = []
  const notes: string[] = []
  let i = 0
  for (;;) {
    const w = words[i]
    if (w === undefined) break
    const assignment = ASSIGNMENT.exec(w.text)
    if (assignment) {
      const value = { text: assignment[2] as string, ...(w.expansion ? { expansion: w.expansion } : {}) }
      assignments.push({ name: assignment[1] as string, value })
      i++
      continue
    }
    const wrapper = WRAPPERS[baseName(w.text)]
    if (wrapper === undefined) break
    if (wrapper.note !== undefined) notes.push(wrapper.note)
    i++
    while (words[i]?.text.startsWith('-')) {
      const option = words[i]?.text as string
      i += option === '--' ? 1 : wrapper.valued.includes(option) ? 2 : 1
      if (option === '--') break
    }
    i += wrapper.operands ?? 0
  }
  // A system crontab has a user field before the command (`30 2 * * * root rclone sync ...`).
  if (
    crontab &&
    !isRclone(words[i]) &&
    isRclone(words[i + 1]) &&
    /^[a-z_][a-z0-9_.-]*$/.test(words[i]?.text ?? '')
  ) {
    notes.push(
      `it ran as the user ${words[i]?.text} (the system crontab's user field); the action runs rclone as the runner's user`,
    )
    i++
  }
  return { index: i, assignments, notes }
}

/** Commands that print or log their words, never run them: `echo rclone sync a b` runs no rclone. */
const PRINTERS = new Set(['echo', 'printf', 'logger'])

/** Why a command that is not `rclone sync|copy|bisync` is left out, or a refusal when rclone is hidden in it. */
function notRclone(words: readonly ShellWord[], index: number): Refusal | string {
  const program = words[index]
  if (program === undefined) {
    const names = words.map((w) => ASSIGNMENT.exec(w.text)?.[1]).filter((n): n is string => n !== undefined)
    return names.some((n) => n.startsWith('RCLONE_'))
      ? `sets ${names.join(', ')} for the commands after it; a job does not get it: put the flag on the rclone line instead`
      : `only sets ${names.join(', ')}`
  }
  const after = words[index + 1]?.text ?? ''
  if (program.expansion !== undefined && (MODES as readonly string[]).includes(after))
    return {
      message: `the program is ${program.text}, which the shell expands when the line runs; write rclone (or its path) instead`,
    }
  const hidden = words.findIndex((w, j) => j > index && isRclone(w))
  if (
    hidden > 0 &&
    !PRINTERS.has(baseName(program.text)) &&
    (MODES as readonly string[]).includes(words[hidden + 1]?.text ?? '')
  )
    return {
      message: `rclone runs under "${program.text}", which import does not read (before rclone it reads NAME=value, ${Object.keys(WRAPPERS).join(', ')}); write the rclone command on its own`,
    }
  if (program.text === 'export' && words.some((w) => w.text.startsWith('RCLONE_')))
    return `export ${words
      .slice(index + 1)
      .map((w) => w.text)
      .join(
        ' ',
      )} sets the environment of the commands after it; a job does not get it: put the flag on the rclone line instead`
  return `not an rclone sync, copy or bisync command (${program.text})`
}

/** A command's key path in a job, as the flag or the word it came from, for refusals that the schema found. */
function flagOfIssue(issuePath: readonly PropertyKey[]): string | undefined {
  const [head, key] = issuePath
  if (head === 'source') return 'source'
  if (head === 'destinations') return 'destination'
  if ((head === 'options' || head === 'filters' || head === 'bisync') && typeof key === 'string')
    return `--${key}`
  if (head === 'schedule') return 'schedule'
  return typeof head === 'string' ? `--${head}` : undefined
}

/**
 * Maps one simple command (its words after quoting) to a job with one destination, or says why not. `crontab` is
 * the entry the command was on, whose schedule the job takes.
 */
export function mapCommand(
  origin: Origin,
  command: SimpleCommand,
  deps: ImportDeps,
  crontab?: CrontabEntry,
): CommandOutcome {
  const words = command.words
  const prefix = readPrefix(words, crontab !== undefined)
  if (!isRclone(words[prefix.index])) {
    const why = notRclone(words, prefix.index)
    return typeof why === 'string'
      ? { kind: 'ignored', origin, reason: why }
      : { kind: 'refused', origin, refusals: [why] }
  }
  const c = new Collected()
  for (const a of prefix.assignments) readAssignment(c, a.name, a.value, deps)
  readArguments(c, words.slice(prefix.index + 1), deps)
  const [sub, ...paths] = c.positionals
  if (sub === undefined || !(MODES as readonly string[]).includes(sub.text)) {
    if (sub?.expansion !== undefined)
      return { kind: 'refused', origin, refusals: [{ message: expansionMessage(sub) }] }
    return {
      kind: 'ignored',
      origin,
      reason:
        sub === undefined
          ? 'rclone without a command'
          : `rclone ${sub.text} is not a sync, copy or bisync command; a job runs one of those`,
    }
  }
  const mode = sub.text as Mode
  refuseShape(c, mode, paths, crontab)
  if (c.refusals.length > 0) return { kind: 'refused', origin, refusals: c.refusals }
  const destination = (paths[1] as ShellWord).text
  const mapped: MappedCommand = {
    mode,
    source: (paths[0] as ShellWord).text,
    destination,
    settings: settingsOf(c),
    ...(crontab?.cron !== undefined ? { schedule: crontab.cron } : {}),
  }
  const refusals = mappedProblems(mapped)
  if (refusals.length > 0) return { kind: 'refused', origin, refusals }
  return {
    kind: 'mapped',
    origin,
    command: mapped,
    notes: [...command.notes, ...prefix.notes, ...c.notes, ...notesFor(mapped, crontab)],
  }
}

/** Refuses what the command line itself gets wrong: its crontab entry, expansions, paths, flags of another mode. */
function refuseShape(c: Collected, mode: Mode, paths: readonly ShellWord[], crontab?: CrontabEntry): void {
  if (crontab?.problem !== undefined) c.refuse('schedule', `${crontab.written}: ${crontab.problem}`)
  if (crontab?.commandProblem !== undefined) c.refuse(undefined, crontab.commandProblem)
  for (const p of paths) if (p.expansion) c.refuse(undefined, expansionMessage(p))
  if (!c.unsure && paths.length !== 2)
    c.refuse(
      undefined,
      paths.length < 2
        ? `rclone ${mode} takes a source and a destination; this line has ${paths.length === 0 ? 'neither' : `only ${paths[0]?.text}`}`
        : `rclone ${mode} takes a source and a destination; the words after them (${paths
            .slice(2)
            .map((p) => p.text)
            .join(' ')}) are not flags it knows`,
    )
  if (mode === 'bisync') return
  for (const key of Object.keys(c.sections.bisync))
    c.refuse(`--${key}`, `is a flag of rclone bisync; rclone ${mode} has no such flag`)
  if (c.job.resync !== undefined)
    c.refuse('--resync', `is a flag of rclone bisync; rclone ${mode} has no such flag`)
}

/**
 * What the job made from a command breaks: the rules between keys (include with exclude, values the schema reads)
 * as validation sees them, and credentials written in a path.
 */
function mappedProblems(mapped: MappedCommand): Refusal[] {
  const { source, destination, settings } = mapped
  const checked = jobSchema.safeParse(
    jobDocument({ ...mapped, destinations: [destination], schedule: scheduleOf(mapped) }),
  )
  const refusals: Refusal[] = checked.success
    ? []
    : checked.error.issues.map((issue) => {
        const flag = flagOfIssue(issue.path)
        return flag === undefined ? { message: issue.message } : { flag, message: issue.message }
      })
  for (const [what, p] of [
    ['source', source],
    ['destination', destination],
    ['--backup-dir', String(settings.options['backup-dir'] ?? '')],
  ] as const) {
    const creds = credentialKeys(p)
    if (creds.length > 0)
      refusals.push({ flag: what, message: `carries a credential (${creds.join(', ')}); ${CONFIG_REASON}` })
  }
  return refusals
}

function scheduleOf(m: MappedCommand): readonly string[] {
  return m.schedule === undefined ? [] : [m.schedule]
}

/** The settings read, in the schema's key order, with the `--*-from` lists after the flags' own. */
function settingsOf(c: Collected): Settings {
  const ordered = (section: 'options' | 'filters' | 'bisync', shape: Readonly<Record<string, unknown>>) => {
    const values: Record<string, unknown> = { ...c.sections[section] }
    if (section === 'filters') {
      for (const key of ['filter', 'include', 'exclude'] as const) {
        const extra = c.fromFiles[key]
        if (extra.length > 0) values[key] = [...((values[key] as string[] | undefined) ?? []), ...extra]
      }
    }
    return Object.fromEntries(Object.keys(shape).flatMap((k) => (k in values ? [[k, values[k]]] : [])))
  }
  return {
    ...(c.job['create-empty-src-dirs'] === true ? { 'create-empty-src-dirs': true } : {}),
    ...(c.job.resync === true ? { resync: true } : {}),
    options: ordered('options', optionsSchema.shape),
    filters: ordered('filters', filtersSchema.shape),
    bisync: ordered('bisync', bisyncSchema.shape),
  }
}

/** The local paths of a command that are relative (`data`, `./out`), with the word they are: they depend on the folder. */
function relativePaths(m: MappedCommand): Array<[string, string]> {
  const backup = m.settings.options['backup-dir']
  const paths: Array<[string, string]> = [
    ['source', m.source],
    ['destination', m.destination],
    ...(typeof backup === 'string' ? [['--backup-dir', backup] as [string, string]] : []),
  ]
  return paths.filter(([, p]) => splitRemote(p) === undefined && !/^(?:\/|\\|[A-Za-z]:)/.test(p))
}

/** What the user should know about a mapped command: where relative paths now start, the time zone of crons. */
function notesFor(m: MappedCommand, crontab: CrontabEntry | undefined): string[] {
  const notes: string[] = []
  const relative = relativePaths(m).map(([, p]) => p)
  if (relative.length > 0)
    notes.push(
      `${relative.join(', ')} ${relative.length > 1 ? 'are relative paths' : 'is a relative path'}: the action reads ${relative.length > 1 ? 'them' : 'it'} from the workspace (the checked-out repository), not from the folder the command ran in`,
    )
  if (crontab?.cron !== undefined)
    notes.push(
      `the schedule "${crontab.cron}"${crontab.written === crontab.cron ? '' : ` (from "${crontab.written}")`} ran in the machine's time zone; GitHub runs schedules in UTC, so check the hours, and list the cron under on.schedule in the workflow`,
    )
  if (m.mode === 'bisync')
    notes.push(
      `the action keeps bisync's state in its bisync-state store (the input, or --bisync-state), not in rclone's cache folder: its first run there needs a resync${m.settings.resync === true ? ', which resync: true (from --resync) allows' : ', which the job allows with resync: true'}`,
    )
  return notes
}

/**
 * Reads a shell script, a crontab or standard input (`file` names it in messages) and maps each of its rclone
 * commands; every other command is ignored with a reason.
 */
export function importScript(file: string, text: string, deps: ImportDeps): CommandOutcome[] {
  const out: CommandOutcome[] = []
  // After a `cd`, a relative path names a folder below wherever the script went, which a job cannot follow.
  let cdLine: number | undefined
  for (const line of readScript(text)) {
    const origin: Origin = { file, line: line.line, text: line.text }
    if (line.problem !== undefined) {
      // A line that cannot be read is only this import's business when it looks like an rclone line.
      if (/(?:^|[\s/\\])rclone(?:\.exe)?\s+(?:\S+\s+)*?(?:sync|copy|bisync)\b/.test(line.text))
        out.push({ kind: 'refused', origin, refusals: [{ message: line.problem }] })
      else out.push({ kind: 'ignored', origin, reason: `the line could not be read: ${line.problem}` })
      continue
    }
    for (const command of line.commands) {
      const outcome = mapCommand(origin, command, deps, line.crontab)
      const relative = outcome.kind === 'mapped' && cdLine !== undefined ? relativePaths(outcome.command) : []
      if (relative.length > 0)
        out.push({
          kind: 'refused',
          origin,
          refusals: relative.map(([flag, p]) => ({
            flag,
            message: `"${p}" is relative to the folder the script changed to (cd on line ${cdLine}), which a job does not know; write the full path`,
          })),
        })
      else out.push(outcome)
      const program = command.words[readPrefix(command.words, false).index]?.text
      if (program === 'cd' || program === 'pushd' || program === 'popd') cdLine ??= line.line
    }
  }
  return out
}

/**
 * Maps a command given as arguments (`rclone-jobs import -- rclone sync a b`): the words are final, as the user's
 * shell has already expanded them.
 */
export function importArguments(words: readonly string[], deps: ImportDeps): CommandOutcome {
  const origin: Origin = { file: '<arguments>', line: 1, text: words.join(' ') }
  return mapCommand(origin, { words: words.map((text) => ({ text })), notes: [] }, deps)
}

/** A job made of one or more commands: one source, mode and settings, one destination per command. */
export interface JobDraft {
  readonly mode: Mode
  readonly source: string
  readonly destinations: readonly string[]
  readonly settings: Settings
  /** Five-field crons; empty for a job with no schedule. */
  readonly schedule: readonly string[]
  /** The commands it was made of, in order. */
  readonly origins: readonly Origin[]
  readonly notes: readonly string[]
}

/** JSON with object keys sorted, so that two commands with the same flags in another order compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  )
}

/**
 * Groups mapped commands into jobs. Commands that differ only in their crontab schedule become one job with each
 * cron (one command run twice a day); then commands with the same mode, source, settings and schedule become one
 * job with several destinations (1:N), in the order they were written.
 */
export function groupJobs(
  mapped: ReadonlyArray<{
    readonly origin: Origin
    readonly command: MappedCommand
    readonly notes: readonly string[]
  }>,
): JobDraft[] {
  const pairs = new Map<
    string,
    { command: MappedCommand; crons: string[]; origins: Origin[]; notes: string[] }
  >()
  for (const m of mapped) {
    const c = m.command
    const key = canonical([c.mode, c.source, c.destination, c.settings, c.schedule !== undefined])
    const pair = pairs.get(key) ?? { command: c, crons: [], origins: [], notes: [] }
    if (c.schedule !== undefined && !pair.crons.includes(c.schedule)) pair.crons.push(c.schedule)
    pair.origins.push(m.origin)
    for (const n of m.notes) if (!pair.notes.includes(n)) pair.notes.push(n)
    pairs.set(key, pair)
  }
  const jobs = new Map<string, JobDraft & { destinations: string[]; origins: Origin[]; notes: string[] }>()
  for (const pair of pairs.values()) {
    const c = pair.command
    const key = canonical([c.mode, c.source, c.settings, [...pair.crons].sort()])
    const job = jobs.get(key) ?? {
      mode: c.mode,
      source: c.source,
      destinations: [],
      settings: c.settings,
      schedule: pair.crons,
      origins: [],
      notes: [],
    }
    job.destinations.push(c.destination)
    job.origins.push(...pair.origins)
    for (const n of pair.notes) if (!job.notes.includes(n)) job.notes.push(n)
    jobs.set(key, job)
  }
  return [...jobs.values()].map((j) => ({ ...j, origins: [...j.origins].sort((a, b) => a.line - b.line) }))
}

/**
 * A job as the mapping written to its file: source, destinations, mode, then the settings that are set, in the
 * schema's order; one cron as a string, several as a list.
 */
export function jobDocument(
  d: Pick<JobDraft, 'mode' | 'source' | 'destinations' | 'settings' | 'schedule'>,
): Record<string, unknown> {
  const s = d.settings
  const nonEmpty = (o: Readonly<Record<string, unknown>>) => Object.keys(o).length > 0
  return {
    source: d.source,
    destinations: [...d.destinations],
    mode: d.mode,
    ...(s['create-empty-src-dirs'] === true ? { 'create-empty-src-dirs': true } : {}),
    ...(nonEmpty(s.options) ? { options: s.options } : {}),
    ...(nonEmpty(s.filters) ? { filters: s.filters } : {}),
    ...(nonEmpty(s.bisync) ? { bisync: s.bisync } : {}),
    ...(s.resync === true ? { resync: true } : {}),
    ...(d.schedule.length === 1
      ? { schedule: d.schedule[0] }
      : d.schedule.length > 1
        ? { schedule: [...d.schedule] }
        : {}),
  }
}

/** The longest name `import` derives, leaving room for a `-N` suffix within the 64 characters a name may have. */
const NAME_ROOM = 56

/**
 * A job name from an rclone path: its last path segment (`gdrive:Camera/2024` -> `2024`), the remote's name for a
 * remote's root (`b2:` -> `b2`), with characters a name may not have turned into `-`; `fallback` when none is left.
 */
export function nameFromPath(p: string, fallback: string): string {
  const split = splitRemote(p)
  const rest = (split === undefined ? p : split.path).replace(/[\\/]+$/, '')
  const segment = rest.split(/[\\/]/).at(-1) ?? ''
  const raw =
    segment === '' || segment === '.' || segment === '..'
      ? (split?.remote.replace(/^:/, '').split(',')[0] ?? '')
      : segment
  const name = raw
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, NAME_ROOM)
  return name === '' ? fallback : name
}

/** `base`, or `base-2`, `base-3`, ... : the first that `taken` does not hold. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`
    if (!taken(candidate)) return candidate
  }
}
