/**
 * A fast reader for plain YAML: the job files nearly every team writes, one entry per line, with no tags, anchors,
 * aliases, merge keys, directives, complex keys, tabs or multi-line scalars other than block scalars. It reads them
 * about ten times faster than the full parser (js-yaml against yaml: 0.2 s against 2.1 s for 10,000 job files) and
 * gives the same values, as its scalars resolve by YAML 1.2's core schema with the full parser's own patterns and a
 * line check holds the file to a shape on which the two agree. For anything else it returns `undefined`, and the
 * caller uses the full parser, which also explains every mistake with its position. tests/plain-yaml.test.ts holds
 * the two readers to the same values and root positions on the examples, the malformed corpus and seeded mutations.
 */
import { FAILSAFE_SCHEMA, loadAll, Type } from 'js-yaml'

/** YAML 1.2 core schema scalars, with the patterns and values of the full parser (yaml 2's `core` schema). */
const coreScalars = [
  new Type('tag:yaml.org,2002:null', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:~|[Nn]ull|NULL)?$/.test(s),
    construct: () => null,
  }),
  new Type('tag:yaml.org,2002:bool', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
    construct: (s: string) => s[0] === 't' || s[0] === 'T',
  }),
  new Type('tag:yaml.org,2002:int', {
    kind: 'scalar',
    resolve: (s: string) => /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/.test(s),
    construct: (s: string) =>
      s.startsWith('0o')
        ? Number.parseInt(s.slice(2), 8)
        : s.startsWith('0x')
          ? Number.parseInt(s.slice(2), 16)
          : Number.parseInt(s, 10),
  }),
  new Type('tag:yaml.org,2002:float', {
    kind: 'scalar',
    resolve: (s: string) =>
      /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/.test(
        s,
      ) && !/^[-+]?[0-9]+$/.test(s),
    construct: (s: string) =>
      /nan$/i.test(s)
        ? Number.NaN
        : /inf$/i.test(s)
          ? s[0] === '-'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY
          : Number.parseFloat(s),
  }),
]

const schema = FAILSAFE_SCHEMA.extend({ implicit: coreScalars })

/**
 * What sends a file to the full parser before reading it: a tag (`!`), an anchor (`&`; without one no alias can
 * resolve), a byte order mark inside the text, a merge key (`<<`), a directive (`%` at a line start), a line that
 * begins with `---` or `...` and goes on without a space, a complex key (`?` then a space), a tab, a carriage return
 * that does not end a line, and the `__proto__` key, which the two readers treat differently.
 */
const NOT_PLAIN = /[!&\t\uFEFF]|<<|^%|^(?:---|\.\.\.)[^ \r\n]|\?(?:[ \r\n]|$)|\r(?!\n)|__proto__/m

/** One document: its value and the offset where its content begins (where the full parser places the root). */
export interface PlainDocument {
  readonly value: unknown
  readonly start: number
}

/** The documents of a plain YAML file, or `undefined` when the full parser must read it. Never throws. */
export function readPlainYaml(text: string): PlainDocument[] | undefined {
  if (NOT_PLAIN.test(text)) return undefined
  let values: unknown[]
  try {
    values = loadAll(text, undefined, { schema })
  } catch {
    return undefined
  }
  // An empty document (`---` with nothing after it) and an explicit `~` read alike here; the full parser tells them
  // apart, so both go to it.
  if (values.length === 0 || values.some((v) => v === null || v === undefined)) return undefined
  // A key that reads as null (`~:`, `null:`, an empty key) is "null" here and "" to the full parser.
  if (values.some(hasNullKey)) return undefined
  const starts = scanLines(text)
  if (starts === undefined || starts.length !== values.length) return undefined
  return values.map((value, i) => ({ value, start: starts[i] as number }))
}

/** A block collection open at some column: a mapping, or a sequence (`compact` when it sits at its key's column). */
interface Frame {
  readonly col: number
  readonly kind: 'map' | 'seq'
  readonly compact?: boolean
}

/**
 * One pass over the lines, which holds the file to a strict shape on which the two readers agree: every line is an
 * entry (`key: value`, `- value`, `- key: value`), a comment, or the content of a block scalar; every quoted scalar
 * and flow collection closes on its line; an entry is more indented than the entry it belongs to, or is a sibling at
 * its column, or starts a sequence at its key's column (`key:` then `- a`). Returns the offset where each
 * document's content begins (where the full parser places its root), or `undefined` for anything else: multi-line
 * plain scalars, continuation lines, and whatever indentation the full parser would refuse.
 */
function scanLines(text: string): number[] | undefined {
  const starts: number[] = []
  let frames: Frame[] = []
  /** The entry whose value begins on a later line (`key:` or `-` with nothing after it). */
  let pending: Frame | undefined
  /** No content yet in the current document. */
  let docFirst = true
  /** The document's root is a scalar or flow collection, so nothing may follow it. */
  let closed = false
  /** While in a block scalar: the column of its owner, and the indentation of its first content line. */
  let block: { owner: number; indent: number } | undefined
  for (let i = 0; i <= text.length; ) {
    let end = text.indexOf('\n', i)
    if (end < 0) end = text.length
    const lineEnd = end > i && text[end - 1] === '\r' ? end - 1 : end
    const next = end + 1
    let indent = 0
    while (i + indent < lineEnd && text[i + indent] === ' ') indent++
    if (block !== undefined) {
      if (i + indent === lineEnd) {
        i = next
        continue
      }
      if (block.indent < 0 && indent > block.owner) block.indent = indent
      if (block.indent >= 0 && indent >= block.indent) {
        i = next
        continue
      }
      // Less indented than the block's content but more than its owner: the readers may not agree on that.
      if (indent > block.owner) return undefined
      block = undefined
    }
    const marker = markerAt(text, i)
    if (marker !== undefined) {
      frames = []
      pending = undefined
      docFirst = true
      closed = false
    }
    if (marker === '...') {
      if (firstContent(text, i + 3, lineEnd) !== undefined) return undefined
      i = next
      continue
    }
    // The full parser limits an implicit key to 1,024 characters; js-yaml does not.
    if (lineEnd - i > 1000) return undefined
    const line = scanLine(text, i, marker === '---' ? i + 3 : i, lineEnd)
    if (line === undefined) return undefined
    if (line.first === undefined) {
      i = next
      continue
    }
    if (closed) return undefined
    if (docFirst) starts.push(line.first)
    const head = line.entries[0]
    if (head === undefined) {
      // A scalar or flow collection on its own: a document's root, or the value of the entry above.
      if (docFirst) closed = true
      else if (pending === undefined || line.first - i <= pending.col) return undefined
      pending = undefined
      docFirst = false
      i = next
      continue
    }
    // After `--- ` on its line only a flow collection: the readers disagree on a mapping there (`--- a: 1`).
    if (marker === '---') return undefined
    while (frames.length > 0 && (frames[frames.length - 1] as Frame).col > head.col) frames.pop()
    const top = frames[frames.length - 1]
    if (top !== undefined && top.col === head.col) {
      if (top.kind === 'map' && head.kind === 'seq') {
        if (pending === undefined || pending.kind !== 'map' || pending.col !== head.col) return undefined
        frames.push({ col: head.col, kind: 'seq', compact: true })
      } else if (top.kind === 'seq' && head.kind === 'map') {
        if (!top.compact) return undefined
        frames.pop()
        const owner = frames[frames.length - 1]
        if (owner === undefined || owner.col !== head.col || owner.kind !== 'map') return undefined
      }
    } else {
      if (!docFirst && (pending === undefined || head.col <= pending.col)) return undefined
      frames.push(head)
    }
    for (const e of line.entries.slice(1)) frames.push(e)
    const last = line.entries[line.entries.length - 1] as Frame
    pending = line.open ? last : undefined
    if (line.block) block = { owner: last.col, indent: -1 }
    docFirst = false
    i = next
  }
  return starts
}

/** `---` or `...` when the line at `i` is a document marker. */
function markerAt(text: string, i: number): '---' | '...' | undefined {
  const three = text.slice(i, i + 3)
  if (three !== '---' && three !== '...') return undefined
  const next = text[i + 3]
  return next === undefined || next === ' ' || next === '\n' || next === '\r' ? three : undefined
}

/** The offset of the first character in [from, end) that is not a space, unless it opens a comment. */
function firstContent(text: string, from: number, end: number): number | undefined {
  let k = from
  while (k < end && text[k] === ' ') k++
  return k < end && text[k] !== '#' ? k : undefined
}

const BLOCK_HEADER = /^[|>][+-]? *(?:#.*)?$/

/** What one line holds. */
interface Line {
  /** The offset of its first content; `undefined` for a blank or comment line. */
  readonly first: number | undefined
  /** The block entries it begins, outermost first, by column: `- ` items, then a mapping key. */
  readonly entries: Frame[]
  /** Its last entry's value begins on a later line (`key:` or `-` with only a comment after it). */
  readonly open: boolean
  /** Its last entry's value is a block scalar (`|`, `>`). */
  readonly block: boolean
}

/**
 * One line (`lineStart`, read from `from` to `end`). `undefined` when it leaves the strict shape: a quote or flow
 * collection that does not close on it, a collection used as a key, two keys (`a: b: c`), nested `- - `, or a block
 * scalar header with an indentation indicator.
 */
function scanLine(text: string, lineStart: number, from: number, end: number): Line | undefined {
  const first = firstContent(text, from, end)
  const entries: Frame[] = []
  if (first === undefined) return { first, entries, open: false, block: false }
  let k = first
  while (text[k] === '-' && (k + 1 === end || text[k + 1] === ' ')) {
    entries.push({ col: k - lineStart, kind: 'seq' })
    k++
    while (k < end && text[k] === ' ') k++
  }
  if (entries.length > 1) return undefined
  const nodeStart = k
  if (firstContent(text, k, end) === undefined) return { first, entries, open: true, block: false }
  /** The flow collections open at this point of the line, innermost last. */
  const open: string[] = []
  let tokenStart = true
  /** At a token start where a flow mapping reads a key (after `{` or `,` in it). */
  let keyPosition = false
  let keyEnd = -1
  while (k < end) {
    const c = text[k] as string
    const next = text[k + 1]
    if (c === ' ') {
      k++
      continue
    }
    if (c === '#' && text[k - 1] === ' ') break
    if (tokenStart && (c === '"' || c === "'")) {
      const close = closingQuote(text, k, end)
      if (close < 0 || !endsToken(text[close + 1])) return undefined
      k = close + 1
      tokenStart = false
      keyPosition = false
      continue
    }
    if (tokenStart && open.length === 0 && (c === '|' || c === '>')) {
      if (keyEnd < 0 && entries.length === 0) return undefined
      if (!BLOCK_HEADER.test(text.slice(k, end))) return undefined
      if (keyEnd >= 0) entries.push({ col: nodeStart - lineStart, kind: 'map' })
      return { first, entries, open: false, block: true }
    }
    if (c === '[' || c === '{') {
      if (!tokenStart) {
        if (open.length > 0) return undefined
      } else {
        // A collection as a key: the two readers name such a key differently.
        if (keyPosition) return undefined
        open.push(c)
        keyPosition = c === '{'
      }
      k++
      continue
    }
    if ((c === ']' || c === '}') && open.length > 0) {
      open.pop()
      if (!endsToken(next)) return undefined
      tokenStart = false
      keyPosition = false
      let n = k + 1
      while (n < end && text[n] === ' ') n++
      if (text[n] === ':') return undefined
    } else if (c === ',' && open.length > 0) {
      tokenStart = true
      keyPosition = open[open.length - 1] === '{'
    } else if (
      c === ':' &&
      (next === ' ' || k + 1 === end || (open.length > 0 && (next === ',' || next === ']' || next === '}')))
    ) {
      if (open.length === 0) {
        if (keyEnd >= 0) return undefined
        keyEnd = k
      }
      tokenStart = true
      keyPosition = false
    } else {
      tokenStart = false
      keyPosition = false
    }
    k++
  }
  if (open.length > 0) return undefined
  if (keyEnd < 0) return { first, entries, open: false, block: false }
  entries.push({ col: nodeStart - lineStart, kind: 'map' })
  return { first, entries, open: firstContent(text, keyEnd + 1, end) === undefined, block: false }
}

/**
 * Whether a character may follow a closing quote or bracket: the readers disagree on what else may (`"a"#b`).
 */
function endsToken(c: string | undefined): boolean {
  return (
    c === undefined ||
    c === ' ' ||
    c === ',' ||
    c === ']' ||
    c === '}' ||
    c === ':' ||
    c === '\r' ||
    c === '\n'
  )
}

/** The offset of the quote that closes the one at `open` on the same line, or -1. */
function closingQuote(text: string, open: number, end: number): number {
  const q = text[open]
  for (let k = open + 1; k < end; k++) {
    const c = text[k]
    if (q === '"' && c === '\\') k++
    else if (c === q) {
      if (q === "'" && text[k + 1] === "'") k++
      else return k
    }
  }
  return -1
}

/** Whether any mapping in a value has the key "null" (js-yaml's name for a null key). */
function hasNullKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some(hasNullKey)
  for (const k in value) {
    if (k === 'null' || hasNullKey((value as Record<string, unknown>)[k])) return true
  }
  return false
}
