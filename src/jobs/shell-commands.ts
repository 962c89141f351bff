/**
 * Shell scripts and crontabs as lists of simple commands, for `import`: which words each command has after POSIX
 * quoting, and which of them the shell would have expanded (which `import` refuses, since their value is only known
 * where and when the line runs). Pure; nothing here runs a shell or looks at the environment.
 *
 * The words come from `shell-quote` (ljharb/shell-quote), chosen over the two parsers built on mvdan/sh:
 * - `sh-syntax` (the maintained WebAssembly build of mvdan/sh) hands back statement positions only: its syntax tree
 *   has no command words, so it cannot give an argument vector. It also reads 750 KB of WebAssembly from a file
 *   beside the package at run time, which the bundle would have to carry.
 * - `mvdan-sh` (the GopherJS build) has the full syntax tree, but its author deprecated it on npm in 2025 in favour
 *   of `sh-syntax` and no longer updates it; 1.5 MB of transpiled Go.
 * - `shell-quote` is small, has no dependencies, is kept up (1.12), applies POSIX quoting (single and double quotes,
 *   backslashes, `$'...'`), reports `$NAME`/`${...}` through an `env` callback instead of expanding them when that
 *   callback marks them, and returns operators, redirections, unquoted glob patterns and comments as objects.
 *
 * `shell-quote` reads one command line, so what it leaves out is done here, each with the parser's own answers:
 * - lines: a newline ends a command; a line ending in an unescaped backslash goes on on the next line (`\` and
 *   newline are removed, POSIX 2.2.1); a quote still open at the end of a line goes on too, with the newline kept.
 *   Whether a quote is still open is asked of the parser (see `openQuote`), not counted by hand.
 * - `shell-quote` keeps an unclosed quote silently, so `openQuote` is also what refuses a line whose quote never
 *   closes; it reads a comment to the end of its input, which per-line parsing keeps to one line; and it reads `#`
 *   inside a word (`a#b`) as a comment, which `commentProblem` refuses rather than drop the rest of the word.
 * - expansions it does not know are found on the words: backticks, `$(...)` (a `$` followed by a parenthesis),
 *   `~`; `2>&1` reaches us as the word `2` before the operator, and a word of digits right before a redirection is
 *   taken as its file descriptor, as the shell does when nothing separates them.
 * - here-documents: the lines up to the delimiter are their text, not commands.
 * Brace expansion (`a{1,2}`, bash only) and `[ab]` patterns are not seen: `shell-quote` passes them as written,
 * which is what `sh` (and bash, for a `[...]` that matches no file) does too.
 */
import { type ParseEntry, parse } from 'shell-quote'
import { type CrontabEntry, readCrontabLine } from './crontab.js'

/** What the shell would have done to a word before the command saw it. */
export type ExpansionKind = 'variable' | 'command' | 'glob' | 'tilde' | 'process'

/** One word of a command, after quoting. */
export interface ShellWord {
  /** The word's value; with an expansion, the word as written around it (`$HOME/backup`). */
  readonly text: string
  /** Set when the shell would have expanded part of the word; `shown` is that part (`$HOME`, `*.jpg`). */
  readonly expansion?: { readonly kind: ExpansionKind; readonly shown: string }
}

/** One simple command: words, and the shell around it that is not part of it (redirections, `&`, `|`). */
export interface SimpleCommand {
  readonly words: readonly ShellWord[]
  /** What the shell did around the command that a job does not keep, for the user to know. */
  readonly notes: readonly string[]
}

/** One logical line of a script or crontab: where it starts, its commands, or why it cannot be read. */
export interface ScriptLine {
  /** 1-based line where it starts. */
  readonly line: number
  /** The line as written, continuation lines joined with a space, for messages. */
  readonly text: string
  /** When the line is a crontab entry: its schedule and command. */
  readonly crontab?: CrontabEntry
  readonly commands: readonly SimpleCommand[]
  /** Why the line could not be read into commands at all. */
  readonly problem?: string
}

/** Markers around the name of a variable that `shell-quote` met: private-use characters no script holds. */
const OPEN = '\u{E000}'
const CLOSE = '\u{E001}'
const MARKED = new RegExp(`${OPEN}([^${CLOSE}]*)${CLOSE}`, 'gu')

const CONTROL = new Set(['||', '&&', ';;', ';;&', ';&', '|&', '&', ';', '|'])
const REDIRECT = new Set(['<', '>', '>>', '>&', '<&', '>|', '&>', '&>>', '<>', '<<', '<<-', '<<<'])
/** Reserved words that may stand before a command (`then rclone ...`); the command still runs on its own. */
const LEADING_KEYWORDS = new Set(['!', '{', 'then', 'do', 'else', 'elif', 'if', 'while', 'until', 'time'])
/** Reserved words that end a construct; alone they are no command. */
const CLOSING_KEYWORDS = new Set(['}', 'fi', 'done', 'esac'])

type Entry = ParseEntry

/** Parses one line with the marking `env`: every `$NAME`, `${...}` and `$` stays visible as a marked name. */
function parseLine(text: string): Entry[] {
  // The callback returns strings only, so no object of its own joins the entries.
  return parse(text, (name: string) => `${OPEN}${name}${CLOSE}`) as Entry[]
}

/** The entries without comments, as text, to compare two parses. */
function shape(entries: readonly Entry[]): string {
  return JSON.stringify(entries.filter((e) => typeof e === 'string' || !('comment' in e)))
}

/**
 * The quote left open at the end of `text`, if any. `shell-quote` drops a quote it cannot match, so a quote
 * appended after a blank changes the parse only when it closes one that was open: balanced text parses the same
 * with a lone quote at its end (the quote is dropped, or lands in a trailing comment).
 */
function openQuote(text: string): '"' | "'" | undefined {
  const base = shape(parseLine(text))
  for (const q of ['"', "'"] as const) {
    if (shape(parseLine(`${text} ${q}`)) !== base) return q
  }
  return undefined
}

/** Whether a line ends in a backslash that escapes the newline (an odd number of them at the end). */
function endsInEscape(text: string): boolean {
  const m = /\\+$/.exec(text)
  return m !== null && m[0].length % 2 === 1
}

/**
 * Why a comment `shell-quote` found is not one to the shell: a `#` only starts a comment at the start of a word;
 * `remote:a#b` is one word, which the parser would cut at the `#`.
 */
function commentProblem(text: string, entries: readonly Entry[]): string | undefined {
  const last = entries.at(-1)
  if (last === undefined || typeof last === 'string' || !('comment' in last)) return undefined
  const at = text.length - last.comment.length - 1
  if (text[at] !== '#') return undefined
  const before = at === 0 ? ' ' : (text[at - 1] as string)
  if (/[\s;&|()<>]/.test(before)) return undefined
  return `"#" inside a word (${JSON.stringify(text.slice(Math.max(0, text.lastIndexOf(' ', at) + 1), at + 1))}...) would be read as the start of a comment here; quote the word that holds it`
}

/** A marked variable name as the shell user wrote it: `$HOME`, `${X:-y}`, `$1`. */
function shownVariable(name: string): string {
  if (name === '') return '$'
  return /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9*@#?$!-])$/.test(name) ? `$${name}` : `\${${name}}`
}

/** A word from a string entry: markers turned back into what was written, and the first expansion found. */
function wordOf(raw: string): ShellWord {
  const vars = [...raw.matchAll(MARKED)].map((m) => shownVariable(m[1] as string))
  const text = raw.replace(MARKED, (_, name: string) => shownVariable(name))
  if (vars.length > 0) return { text, expansion: { kind: 'variable', shown: vars[0] as string } }
  if (text.includes('`')) return { text, expansion: { kind: 'command', shown: text } }
  // `~` at the start of a word is the shell's (home folder); after `=` (`--backup-dir=~/x`) it reaches rclone as
  // a folder named `~`. Either way the path is not what it seems.
  if (text.startsWith('~') || text.includes('=~')) return { text, expansion: { kind: 'tilde', shown: text } }
  return { text }
}

/** The entries from `start` (an opening parenthesis) to its closing one, and the index after it. */
function balanced(entries: readonly Entry[], start: number): { inner: Entry[]; next: number } {
  let depth = 0
  for (let i = start; i < entries.length; i++) {
    const e = entries[i]
    if (typeof e === 'object' && 'op' in e) {
      if (e.op === '(' || e.op === '<(' || e.op === '>(') depth++
      else if (e.op === ')') depth--
    }
    if (depth === 0) return { inner: entries.slice(start + 1, i), next: i + 1 }
  }
  return { inner: entries.slice(start + 1), next: entries.length }
}

/** Entries as text again, for messages: `$(date +%F)`. */
function entriesText(entries: readonly Entry[]): string {
  return entries
    .map((e) => {
      if (typeof e === 'string') return wordOf(e).text
      if ('comment' in e) return ''
      return e.op === 'glob' ? e.pattern : e.op
    })
    .join(' ')
}

/** A line's commands: split at control operators, redirections and here-documents set aside. */
function commandsOf(entries: readonly Entry[]): { commands: SimpleCommand[]; heredocs: string[][] } {
  const split = new CommandSplit()
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Entry
    if (typeof e === 'string') i = split.word(entries, i)
    else if ('comment' in e) continue
    else if (e.op === 'glob') {
      const w = wordOf(e.pattern)
      split.words.push(w.expansion ? w : { text: w.text, expansion: { kind: 'glob', shown: w.text } })
    } else if (e.op === '<(' || e.op === '>(') {
      const { inner, next } = balanced(entries, i)
      const shown = `${e.op}${entriesText(inner)})`
      split.words.push({ text: shown, expansion: { kind: 'process', shown } })
      i = next - 1
    } else if (REDIRECT.has(e.op)) i = split.redirect(e.op, entries, i)
    // `(` and `)` of a subshell or a function definition separate commands too.
    else split.finish(CONTROL.has(e.op) ? e.op : undefined)
  }
  split.finish()
  return { commands: split.commands, heredocs: split.heredocs }
}

/** The commands of a line so far, and the words and notes of the one being read. */
class CommandSplit {
  readonly commands: SimpleCommand[] = []
  readonly heredocs: string[][] = []
  words: ShellWord[] = []
  private notes: string[] = []

  /** The word at `i` (with a `$(...)` after it read into it); returns the index of the last entry read. */
  word(entries: readonly Entry[], i: number): number {
    const e = entries[i] as string
    const next = entries[i + 1]
    // `$(...)` and `$((...))`: shell-quote reads `$` as a variable with no name, then a parenthesis.
    if (e.endsWith(`${OPEN}${CLOSE}`) && typeof next === 'object' && 'op' in next && next.op === '(') {
      const { inner, next: after } = balanced(entries, i + 1)
      const shown = `$(${entriesText(inner)})`
      this.words.push({
        text: `${wordOf(e.slice(0, -2)).text}${shown}`,
        expansion: { kind: 'command', shown },
      })
      return after - 1
    }
    this.words.push(wordOf(e))
    return i
  }

  /** A redirection at `i` and its target: set aside with a note; returns the index of the last entry read. */
  redirect(op: string, entries: readonly Entry[], i: number): number {
    const last = this.words.at(-1)
    // `2>&1` arrives as the word 2, then `>&`: digits right before a redirection are its file descriptor.
    const fd =
      last !== undefined && last.expansion === undefined && /^\d+$/.test(last.text)
        ? this.words.pop()
        : undefined
    const target = entries[i + 1]
    const targetText =
      typeof target === 'string'
        ? wordOf(target).text
        : target && 'op' in target && target.op === 'glob'
          ? target.pattern
          : ''
    if (op === '<<' || op === '<<-') {
      this.heredocs.push([targetText, op])
      this.notes.push(`its input came from a here-document (${op}${targetText}); a job has no input`)
    } else {
      this.notes.push(
        `the redirection ${fd?.text ?? ''}${op}${op.endsWith('&') ? '' : ' '}${targetText} is dropped: ${op.startsWith('<') ? 'a job has no input' : "the action keeps rclone's output in its log"}`,
      )
    }
    return targetText !== '' ? i + 1 : i
  }

  /** Ends the command being read, at the control operator `after` (or a parenthesis, or the line's end). */
  finish(after?: string): void {
    // Keywords in front (`then rclone sync ...`) are grammar, not the command.
    let start = 0
    while (start < this.words.length && LEADING_KEYWORDS.has((this.words[start] as ShellWord).text)) start++
    const own = this.words.slice(start)
    if (start > 0 && own.length > 0)
      this.notes.push(
        `inside a shell construct (${this.words
          .slice(0, start)
          .map((w) => w.text)
          .join(' ')} ...): the job runs without the condition or loop around it`,
      )
    if (after === '&') this.notes.push('it ran in the background (&); the action waits for every job')
    if (after === '|' || after === '|&')
      this.notes.push('its output went to another command (|); the action keeps the log')
    if (own.length > 0 && !(own.length === 1 && CLOSING_KEYWORDS.has((own[0] as ShellWord).text)))
      this.commands.push({ words: own, notes: this.notes })
    this.words = []
    this.notes = []
  }
}

/** Reads one command line (no newlines to care about): its commands, or why it cannot be read. */
export function readCommandLine(text: string): {
  commands: SimpleCommand[]
  heredocs: string[][]
  problem?: string
} {
  let entries: Entry[]
  try {
    entries = parseLine(text)
  } catch (e) {
    // shell-quote throws on a `${` it cannot close ("Bad substitution").
    return { commands: [], heredocs: [], problem: e instanceof Error ? e.message : String(e) }
  }
  const quote = openQuote(text)
  if (quote !== undefined)
    return {
      commands: [],
      heredocs: [],
      problem: `the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`,
    }
  const comment = commentProblem(text, entries)
  if (comment !== undefined) return { commands: [], heredocs: [], problem: comment }
  return { ...commandsOf(entries), problem: undefined }
}

/**
 * Reads a shell script or a crontab into logical lines and their commands. Blank lines and comment lines are left
 * out; so are the lines of a here-document. A crontab entry is one line (cron has no continuation lines); a script
 * line goes on while it ends in a backslash or inside a quote.
 */
export function readScript(text: string): ScriptLine[] {
  const physical = text.split(/\r?\n/)
  const out: ScriptLine[] = []
  for (let i = 0; i < physical.length; i++) {
    const first = physical[i] as string
    if (/^\s*(?:#|$)/.test(first)) continue
    const start = i + 1
    const crontab = readCrontabLine(first)
    let shell = crontab?.command ?? first
    let shown = first.trim()
    let problem: string | undefined
    if (crontab === undefined) {
      for (;;) {
        const escaped = endsInEscape(shell)
        const quote = openQuote(escaped ? shell.slice(0, -1) : shell)
        if (!escaped && quote === undefined) break
        if (i + 1 >= physical.length) {
          problem =
            quote !== undefined
              ? `the ${quote === '"' ? 'double' : 'single'} quote opened on line ${start} is never closed`
              : 'the last line ends in a backslash, which continues it on a line that does not exist'
          break
        }
        const next = physical[++i] as string
        // In quotes the newline is part of the word; after a backslash outside them, both are removed.
        shell = quote !== undefined ? `${shell}\n${next}` : `${shell.slice(0, -1)}${next}`
        shown = `${quote !== undefined ? shown : shown.slice(0, -1).trimEnd()} ${next.trim()}`
      }
    }
    if (problem !== undefined) {
      out.push({ line: start, text: shown, commands: [], problem, ...(crontab ? { crontab } : {}) })
      continue
    }
    const read = readCommandLine(shell)
    out.push({
      line: start,
      text: shown,
      commands: read.commands,
      ...(crontab ? { crontab } : {}),
      ...(read.problem !== undefined ? { problem: read.problem } : {}),
    })
    // The lines of each here-document, up to its delimiter, are its text.
    for (const [delimiter, op] of read.heredocs) {
      while (i + 1 < physical.length) {
        const body = physical[++i] as string
        if ((op === '<<-' ? body.replace(/^\t+/, '') : body) === delimiter) break
      }
    }
  }
  return out
}
