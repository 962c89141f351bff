/**
 * Stage 1: find job files and parse them into YAML documents that remember where every value was written.
 * Only this module and `findJobFiles` touch the file system; parsing is pure.
 */

import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseAllDocuments,
  type YAMLMap,
} from 'yaml'
import { firstLine } from '../text.js'
import { isDefaultsFileName } from './defaults.js'
import type { Diagnostic } from './diagnostics.js'
import type { FileKind, JobDocument, Position } from './document.js'
import { globMatcher, isGlob, splitGlob } from './glob.js'

export type { FileKind, JobDocument, Position } from './document.js'

/** The result of loading: documents and the problems found while parsing them. */
export interface LoadResult {
  readonly documents: JobDocument[]
  readonly diagnostics: Diagnostic[]
  /** The mapping of every `_defaults.yml` read, validated on its own as well as merged into its jobs. */
  readonly defaults?: JobDocument[]
}

/** Files larger than this are refused rather than parsed: a job file is a few hundred bytes. */
export const MAX_FILE_BYTES = 1024 * 1024
const MAX_ALIAS_COUNT = 100

/** The standard tags of YAML's core schema: they only say what the plain value already is, so they are harmless. */
const STANDARD_TAGS = new Set(
  ['str', 'int', 'bool', 'float', 'null', 'map', 'seq', 'merge'].map((t) => `tag:yaml.org,2002:${t}`),
)

/** A tag as written: `!!binary` for the standard prefix. */
function showTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!')
}

function tagMessage(tag: string): string {
  return `YAML tag ${showTag(tag)} is not allowed in a job file; write plain values (only the standard tags !!str, !!int, !!bool, !!float, !!null, !!map and !!seq are read)`
}

/** What the steps of parsing one file share: its name and text, positions, and where problems go. */
interface FileParse {
  readonly file: string
  readonly text: string
  readonly kind: FileKind
  readonly pos: (offset: number) => { line: number; col: number }
  readonly err: (line: number, col: number, message: string, key?: string) => void
  /** Reports an unquoted cron at `offset`'s line once per document; false when that line holds none. */
  readonly cronAt: (offset: number, reported: Set<number>) => boolean
}

/**
 * Parses one file's text. `file` is the name used in diagnostics. Never throws for bad input.
 *
 * Positions are worked out only when asked for: the parser counts no lines, and a document keeps the text and
 * where its root starts. The lines of a file are counted the first time a position is asked for (validation asks
 * for each root), and the file is parsed again for the offsets of its keys the first time a diagnostic needs one,
 * so a file with nothing to report is parsed once.
 */
export function parseJobFile(file: string, text: string, kind: FileKind = 'job'): LoadResult {
  const diagnostics: Diagnostic[] = []
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const body = text
  const pos = linePositions(body)
  const err = (line: number, col: number, message: string, key = ''): void => {
    diagnostics.push({ severity: 'error', file, line, col, key, message })
  }
  let cronLines: ReturnType<typeof unquotedCronLines> | undefined
  const cronAt = (offset: number, reported: Set<number>): boolean => {
    const { line } = pos(offset)
    cronLines ??= unquotedCronLines(body)
    const cron = cronLines.get(line)
    if (cron === undefined) return false
    if (!reported.has(line)) {
      reported.add(line)
      const written = `${cron.key ? `${cron.key}: ` : '- '}"${cron.cron}"`
      const message = `this cron must be quoted: YAML reads a value that begins with "*" as an alias. Write ${written}`
      err(line, cron.col, message, cron.key === 'schedule' ? 'schedule' : '')
    }
    return true
  }
  const ctx: FileParse = { file, text: body, kind, pos, err, cronAt }
  const contentDocs = parseDocuments(ctx)
  const documents: JobDocument[] = []
  const reparsed = parseAgainOnce(body)
  contentDocs.forEach((doc, index) => {
    if (documentProblems(ctx, doc, contentDocs)) return
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (e) {
      const p = pos(doc.contents?.range?.[0] ?? 0)
      err(p.line, p.col, `YAML could not be read: ${firstLine(e instanceof Error ? e.message : String(e))}`)
      return
    }
    const root = doc.contents === null ? undefined : resolveIn(doc, doc.contents)
    const rootAt = (root as Node | undefined)?.range?.[0]
    const locate = locator(file, rootAt, index, reparsed, pos)
    documents.push({ kind, file, index, count: contentDocs.length, value, locate })
  })
  return { documents, diagnostics }
}

/** The file's YAML documents, or none with the reason reported: binary data, unparsable text, no job, several defaults. */
function parseDocuments({ text, kind, pos, err }: FileParse): Document.Parsed[] {
  if (text.includes('\0')) {
    const at = pos(text.indexOf('\0'))
    err(at.line, at.col, 'the file holds binary data (a NUL byte); a job file is YAML text')
    return []
  }
  let docs: Document.Parsed[]
  try {
    docs = parseYaml(text)
  } catch (e) {
    err(1, 1, `YAML could not be parsed: ${e instanceof Error ? e.message : String(e)}`)
    return []
  }
  if (docs.length === 0 && kind === 'job')
    err(1, 1, 'the file holds no job: write a mapping with at least "source" and "destinations"')
  if (kind === 'defaults' && docs.length > 1) {
    const p = pos(docs[1]?.range[0] ?? 0)
    err(p.line, p.col, 'a _defaults.yml holds one mapping of defaults, not several documents (---)')
    return []
  }
  return docs
}

/** Reports what keeps one document from being read (YAML errors, tags, bad merges, aliases); true when there is any. */
function documentProblems(ctx: FileParse, doc: Document.Parsed, docs: readonly Document.Parsed[]): boolean {
  const { text, pos, err } = ctx
  const reportedCron = new Set<number>()
  for (const e of doc.errors) {
    if (ctx.cronAt(e.pos[0], reportedCron)) continue
    const p = pos(e.pos[0])
    err(p.line, p.col, `YAML syntax: ${firstLine(e.message)}`)
  }
  for (const w of doc.warnings) {
    const p = pos(w.pos[0])
    const tag = /^Unresolved tag: (\S+)/.exec(firstLine(w.message))?.[1]
    if (tag === undefined) err(p.line, p.col, `YAML: ${firstLine(w.message)}`)
    else if (STANDARD_TAGS.has(tag))
      err(p.line, p.col, `YAML: this value is not ${showTag(tag)}; write it without the tag`)
    else err(p.line, p.col, tagMessage(tag))
  }
  if (doc.errors.length > 0 || doc.warnings.length > 0) return true
  const tagged = findTagged(doc.contents)
  if (tagged) {
    // The node's range starts at its value; the tag is written just before it on the same line.
    const start = tagged.range?.[0] ?? 0
    let bang = text.lastIndexOf('!', start)
    while (bang > 0 && text[bang - 1] === '!') bang--
    const lineStart = text.lastIndexOf('\n', start - 1)
    const p = pos(bang > lineStart ? bang : start)
    err(p.line, p.col, tagMessage(tagged.tag ?? ''))
    return true
  }
  const merge = badMergeSource(doc)
  if (merge !== undefined) {
    const p = pos(merge)
    err(p.line, p.col, 'a merge key (<<) takes a mapping, or a list of mappings, such as <<: *base')
    return true
  }
  const alias = unresolvedAlias(doc)
  if (alias === undefined) return false
  if (!ctx.cronAt(alias.offset, reportedCron)) reportAlias(ctx, alias, doc, docs)
  return true
}

/** An alias with no anchor before it in its document: says whether the anchor is in another document. */
function reportAlias(
  { kind, pos, err }: FileParse,
  alias: { name: string; offset: number },
  doc: Document.Parsed,
  docs: readonly Document.Parsed[],
): void {
  const p = pos(alias.offset)
  const other = docs.find((d) => d !== doc && anchorOffset(d, alias.name) !== undefined)
  if (other === undefined) {
    err(
      p.line,
      p.col,
      `the alias *${alias.name} has no anchor &${alias.name} before it in this document; define the anchor first, or quote the value if "*" is meant literally`,
    )
    return
  }
  const at = pos(anchorOffset(other, alias.name) ?? 0)
  err(
    p.line,
    p.col,
    `the alias *${alias.name} refers to the anchor &${alias.name} of another document (line ${at.line}); anchors do not cross documents (---): repeat the value here${kind === 'job' ? ', or put what jobs share in a _defaults.yml' : ''}`,
  )
}

/**
 * The documents of a text parsed again, once, on the first call. Offsets of keys come from this second parse:
 * keeping every document's nodes until validation ends would double the memory of 10,000 job files, and the time
 * spent collecting it, for positions that only files with something to report ever need. Made here, away from the
 * first parse's variables, so that the closures a document keeps do not keep the first parse's nodes alive.
 */
function parseAgainOnce(text: string): () => Document.Parsed[] {
  let docs: Document.Parsed[] | undefined
  return () => {
    if (docs === undefined) {
      try {
        docs = parseYaml(text)
      } catch {
        // The first parse of the same text did not throw; should this one, positions fall back to the root.
        docs = []
      }
    }
    return docs
  }
}

/**
 * `locate` for the document at `index` of a file, whose root is written at `rootAt`. The offsets of every other
 * key and value are collected on the first question about one.
 */
function locator(
  file: string,
  rootAt: number | undefined,
  index: number,
  parsed: () => Document.Parsed[],
  pos: (offset: number) => { line: number; col: number },
): JobDocument['locate'] {
  let offsets: ReturnType<typeof nodeOffsets> | undefined
  const root = (): Position => (rootAt === undefined ? { file, line: 1, col: 1 } : { file, ...pos(rootAt) })
  return (keyPath, want = 'value'): Position => {
    if (keyPath.length === 0) return root()
    if (offsets === undefined) {
      const doc = parsed()[index]
      offsets = doc === undefined ? { values: new Map(), keys: new Map() } : nodeOffsets(doc, doc.contents)
    }
    if (want === 'key') {
      const at = offsets.keys.get(pathKey(keyPath))
      if (at !== undefined) return { file, ...pos(at) }
    }
    for (let n = keyPath.length; n >= 0; n--) {
      const at = offsets.values.get(pathKey(keyPath.slice(0, n)))
      if (at !== undefined) return { file, ...pos(at) }
    }
    return root()
  }
}

/**
 * The documents of a text that hold something, with their nodes and offsets but no line numbers. A document with
 * nothing in it (after a trailing `---`, or between two) holds no job and is no mistake either; an explicit `~`
 * is content, and is reported as an empty job.
 */
function parseYaml(text: string): Document.Parsed[] {
  const docs = parseAllDocuments(text, {
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    // `<<: *base` merges a mapping written elsewhere in the same document (YAML 1.1 merge keys).
    merge: true,
  }) as Document.Parsed[]
  return (Array.isArray(docs) ? docs : [docs as Document.Parsed]).filter((d) => !isBlank(d))
}

/**
 * 1-based line and column of offsets in a text; a line ends after each "\n" (yaml's own LineCounter, fed by the
 * parser, misses some after a syntax error). The line starts are found on the first question and kept, so a file
 * of many documents is scanned once.
 */
function linePositions(text: string): (offset: number) => { line: number; col: number } {
  let starts: number[] | undefined
  return (offset) => {
    if (starts === undefined) {
      starts = [0]
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
    }
    const at = Math.max(0, Math.min(offset, text.length))
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] as number) <= at) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, col: at - (starts[lo] as number) + 1 }
  }
}

/** A document with no content at all: what follows a trailing `---`. */
function isBlank(doc: Document.Parsed): boolean {
  if (doc.errors.length > 0 || doc.warnings.length > 0) return false
  const c = doc.contents
  if (c === null) return true
  return isScalar(c) && c.value === null && c.source === '' && c.tag === undefined && c.anchor === undefined
}

/**
 * Lines whose value is an unquoted five-field cron that begins with `*` (`schedule: *\/15 * * * *`, or a list item):
 * YAML reads the leading `*` as an alias, and each later `*` as one more, so without this the user gets four alias
 * errors and no hint. By 1-based line: the column of the value, the key on the line (if any) and the cron text.
 */
function unquotedCronLines(text: string): Map<number, { col: number; key: string; cron: string }> {
  const out = new Map<number, { col: number; key: string; cron: string }>()
  const field = /^[\d*/,\-A-Za-z?]+$/
  text.split(/\r?\n/).forEach((line, i) => {
    const m = /^(\s*(?:-\s+)?(?:([\w-]+):\s+)?)(\*\S*(?:[ \t]+\S+){4})[ \t]*(?:#.*)?$/.exec(line)
    if (!m) return
    const cron = (m[3] as string).trim()
    if (!cron.split(/\s+/).every((f) => field.test(f))) return
    out.set(i + 1, { col: (m[1] as string).length + 1, key: m[2] ?? '', cron })
  })
  return out
}

/**
 * Visits a document's nodes depth first, in document order (mapping keys and values, list items), up to 64 deep.
 * `visit` returns `stop` to end the walk, `skip` to leave a node's children out. Aliases are visited, never followed.
 */
function walkNodes(root: unknown, visit: (node: Node) => 'stop' | 'skip' | undefined): void {
  let stopped = false
  const step = (node: unknown, depth: number): void => {
    if (stopped || depth > 64 || node === null || typeof node !== 'object') return
    const said = visit(node as Node)
    if (said === 'stop') stopped = true
    if (said !== undefined || isAlias(node)) return
    if (isMap(node)) {
      for (const pair of node.items) {
        step(pair.key, depth + 1)
        step(pair.value, depth + 1)
      }
    } else if (isSeq(node)) for (const item of node.items) step(item, depth + 1)
  }
  step(root, 0)
}

/** The first alias in a document whose anchor is not defined before it, with its offset. */
function unresolvedAlias(doc: Document.Parsed): { name: string; offset: number } | undefined {
  let found: { name: string; offset: number } | undefined
  const seen = new Set<string>()
  walkNodes(doc.contents, (n) => {
    if (isAlias(n)) {
      if (seen.has(n.source)) return undefined
      found = { name: n.source, offset: n.range?.[0] ?? 0 }
      return 'stop'
    }
    if (n.anchor) seen.add(n.anchor)
    return undefined
  })
  return found
}

/** The offset of the first merge key (`<<`) whose value is not a mapping or a list of mappings. */
function badMergeSource(doc: Document.Parsed): number | undefined {
  let found: number | undefined
  const resolve = (node: unknown): unknown => resolveIn(doc, node)
  walkNodes(doc.contents, (n) => {
    if (!isMap(n)) return undefined
    for (const pair of n.items) {
      if (!isMergeKey(pair.key)) continue
      const v = resolve(pair.value)
      if (isMap(v) || (isSeq(v) && v.items.every((i) => isMap(resolve(i))))) continue
      found = (pair.key as Node).range?.[0] ?? 0
      return 'stop'
    }
    return undefined
  })
  return found
}

/** Where the anchor `&name` is written in a document, if it is. */
function anchorOffset(doc: Document.Parsed, name: string): number | undefined {
  let found: number | undefined
  walkNodes(doc.contents, (n) => {
    if (n.anchor !== name) return undefined
    found = n.range?.[0] ?? 0
    return 'stop'
  })
  return found
}

/** A node, or the node an alias refers to. */
function resolveIn(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node
}

/** A key path as a map key: numbers (list indices) and strings kept apart. */
function pathKey(keyPath: readonly PropertyKey[]): string {
  return keyPath.map((k) => (typeof k === 'number' ? `#${k}` : `.${String(k)}`)).join('')
}

/** Whether a mapping key is YAML's merge key `<<` (unquoted), which the parser reads as a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<'
}

/** Bounds the work of following aliases, on top of `maxAliasCount`, which `toJS` has already enforced. */
const MAX_VISITS = 100_000

/**
 * The offset of every value, and of every mapping key, by key path. An alias is followed to its anchor and a merge
 * key (`<<: *base`, `<<: [*a, *b]`) to the mappings it merges, so a value is located where it is written. Own
 * keys win over merged ones, and earlier merge sources over later ones, as YAML's merge rules say.
 */
function nodeOffsets(
  doc: Document.Parsed,
  root: unknown,
): { values: Map<string, number>; keys: Map<string, number> } {
  const values = new Map<string, number>()
  const keys = new Map<string, number>()
  let visits = 0
  const resolve = (node: unknown): unknown => resolveIn(doc, node)
  /** A mapping's entries as `toJS` sees them: own keys, then keys merged in that are not there yet. */
  const entries = (map: YAMLMap, depth: number): Array<{ key: string; keyAt?: number; value: unknown }> => {
    const out: Array<{ key: string; keyAt?: number; value: unknown }> = []
    const have = new Set<string>()
    const merges: unknown[] = []
    for (const pair of map.items) {
      if (isMergeKey(pair.key)) {
        merges.push(pair.value)
        continue
      }
      if (!isScalar(pair.key)) continue
      const k = pair.key.value
      if (typeof k !== 'string' && typeof k !== 'number') continue
      have.add(String(k))
      out.push({ key: String(k), keyAt: pair.key.range?.[0], value: pair.value })
    }
    if (depth > 64) return out
    for (const m of merges) {
      const source = resolve(m)
      const sources = isSeq(source) ? source.items.map(resolve) : [source]
      for (const src of sources) {
        if (!isMap(src)) continue
        for (const e of entries(src, depth + 1)) {
          if (have.has(e.key)) continue
          have.add(e.key)
          out.push(e)
        }
      }
    }
    return out
  }
  const visit = (node: unknown, keyPath: PropertyKey[], depth: number): void => {
    if (depth > 64 || ++visits > MAX_VISITS || node === null || node === undefined) return
    const target = resolve(node)
    if (target === null || target === undefined) return
    const range = (target as Node).range
    if (range) values.set(pathKey(keyPath), range[0])
    if (isMap(target)) {
      for (const e of entries(target, depth)) {
        const child = [...keyPath, e.key]
        if (e.keyAt !== undefined) keys.set(pathKey(child), e.keyAt)
        visit(e.value, child, depth + 1)
      }
    } else if (isSeq(target)) {
      target.items.forEach((item, i) => {
        visit(item, [...keyPath, i], depth + 1)
      })
    }
  }
  visit(root, [], 0)
  return { values, keys }
}

/**
 * Finds the first node with an explicit tag other than the standard ones (`!!binary`, `!secret`,
 * `!!python/object`...), which job files never need and which could mean something else to another tool.
 */
function findTagged(root: unknown): Node | undefined {
  let found: Node | undefined
  walkNodes(root, (n) => {
    if (!isExplicitTag(n)) return undefined
    found = n
    return 'stop'
  })
  return found
}

function isExplicitTag(n: Node): boolean {
  // The yaml library sets `tag` only for explicit tags in the source on parsed nodes.
  return typeof n.tag === 'string' && n.tag.length > 0 && !STANDARD_TAGS.has(n.tag)
}

/** Whether a file name is YAML (a job file, or a `_defaults.yml`, which findJobFiles sets apart). */
export function isJobFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name)
}

/**
 * Resolves the `path` input (a folder, a file, or newline-separated globs in the dialect of `./glob.ts`; `!`
 * before one excludes what it matches) to the sorted list of job files.
 * Returns the files, the defaults files (`_defaults.yml`, which hold no job) found among them, and problems with the
 * input itself (a folder that does not exist).
 */
export async function findJobFiles(
  spec: string,
  cwd: string,
): Promise<{ files: string[]; defaults: string[]; problems: string[] }> {
  const entries = spec
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'))
  const found = new Set<string>()
  const problems: string[] = []
  for (const entry of entries.length > 0 ? entries : ['jobs']) {
    const negated = entry.startsWith('!')
    const pattern = negated ? entry.slice(1) : entry
    // A line that names a file or folder is that file or folder, even with glob characters in its name
    // (`jobs/(old)`, `jobs/[2024]`); any other line with glob syntax is a glob.
    const abs = path.resolve(cwd, pattern)
    const st = await stat(abs).catch(() => undefined)
    if (st !== undefined || !isGlob(pattern)) {
      if (st === undefined) {
        if (!negated) problems.push(`"${pattern}" does not exist (resolved to ${abs})`)
        continue
      }
      const files = st.isDirectory() ? await walk(abs) : [abs]
      for (const f of files) {
        if (negated) found.delete(f)
        else found.add(f)
      }
      continue
    }
    const { base, glob } = splitGlob(pattern)
    const root = path.resolve(cwd, base || '.')
    const matches = globMatcher(glob)
    const files = await walk(root).catch(() => [] as string[])
    let matched = 0
    for (const f of files) {
      if (!matches(path.relative(root, f).split(path.sep).join('/'))) continue
      matched++
      if (negated) found.delete(f)
      else found.add(f)
    }
    if (matched === 0 && !negated) problems.push(`the pattern "${pattern}" matched no job file`)
  }
  const all = [...found].sort()
  return {
    files: all.filter((f) => !isDefaultsFileName(path.basename(f))),
    defaults: all.filter((f) => isDefaultsFileName(path.basename(f))),
    problems,
  }
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  const files: string[] = []
  const subdirs: string[] = []
  for (const e of entries) {
    if (e.name === 'node_modules' || e.name === '.git') continue
    const full = path.join(dir, e.name)
    if (e.isDirectory()) subdirs.push(full)
    else if (e.isFile() && isJobFileName(e.name)) files.push(full)
  }
  const nested = await Promise.all(subdirs.map(walk))
  return [...files, ...nested.flat()]
}

/**
 * Reads one job file, or says how big it is when it is over the limit. Synchronous on purpose: job files are small
 * and nothing else runs meanwhile; 10,000 of them read in about 0.1 s this way, against 1.2 s through the promise
 * API's thread pool (measured on the benchmark machine).
 */
function readJobFile(abs: string): { text: string } | { size: number } {
  const fd = openSync(abs, 'r')
  try {
    const size = fstatSync(fd).size
    if (size > MAX_FILE_BYTES) return { size }
    const buf = Buffer.allocUnsafe(size)
    let off = 0
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off)
      if (n === 0) break
      off += n
    }
    return { text: buf.toString('utf8', 0, off) }
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads and parses every job file, and the defaults file that applies to each: the nearest `_defaults.yml` (or
 * `.yaml`) in the job's folder or a folder above it, up to `cwd` (the workspace); a job file outside the workspace
 * looks only in its own folder. `defaultsFiles` are defaults files found by `findJobFiles`, read and checked even
 * when no job lies below them. File names in diagnostics are relative to `cwd` when inside it.
 */
export async function loadJobFiles(
  files: readonly string[],
  cwd: string,
  defaultsFiles: readonly string[] = [],
): Promise<LoadResult> {
  const documents: JobDocument[] = []
  const diagnostics: Diagnostic[] = []
  const read = (abs: string, kind: FileKind): LoadResult => {
    const rel = displayPath(abs, cwd)
    const problem = (message: string): LoadResult => ({
      documents: [],
      diagnostics: [{ severity: 'error', file: rel, line: 1, col: 1, key: '', message }],
    })
    let got: { text: string } | { size: number }
    try {
      got = readJobFile(abs)
    } catch (e) {
      return problem(`the file could not be read: ${e instanceof Error ? e.message : String(e)}`)
    }
    if ('size' in got)
      return problem(`the file is ${got.size} bytes; job files are limited to ${MAX_FILE_BYTES} bytes`)
    return parseJobFile(rel, got.text, kind)
  }
  // Each defaults file is read once however many jobs it applies to; `null` marks one that holds nothing usable.
  const defaultsByFile = new Map<string, JobDocument | null>()
  const readDefaults = (abs: string): JobDocument | undefined => {
    const known = defaultsByFile.get(abs)
    if (known !== undefined) return known ?? undefined
    const r = read(abs, 'defaults')
    for (const d of r.diagnostics) diagnostics.push(d)
    const doc = r.documents[0]
    defaultsByFile.set(abs, doc ?? null)
    return doc
  }
  const nearest = defaultsFinder(cwd, diagnostics)
  for (const abs of files) {
    const r = read(abs, 'job')
    for (const d of r.diagnostics) diagnostics.push(d)
    const defaultsFile = nearest(path.dirname(abs))
    const defaults = defaultsFile === undefined ? undefined : readDefaults(defaultsFile)
    for (const d of r.documents) documents.push(defaults === undefined ? d : { ...d, defaults })
  }
  for (const abs of defaultsFiles) {
    nearest(path.dirname(abs))
    readDefaults(abs)
  }
  const defaults = [...defaultsByFile.values()].filter((d): d is JobDocument => d !== null)
  return { documents, diagnostics, defaults }
}

/**
 * Finds the defaults file that applies to files in a folder: the nearest `_defaults.yml` (or `.yaml`) in it or a
 * folder above it, up to `cwd` (a folder outside `cwd` looks only in itself). Folders are looked at once however
 * many files they hold; two defaults files in one folder are reported into `diagnostics`.
 */
export function defaultsFinder(
  cwd: string,
  diagnostics: Diagnostic[] = [],
): (dir: string) => string | undefined {
  const nearestByDir = new Map<string, string | null>()
  const root = path.resolve(cwd)
  const nearest = (dir: string): string | undefined => {
    const known = nearestByDir.get(dir)
    if (known !== undefined) return known ?? undefined
    const here = defaultsFileIn(dir, cwd, diagnostics)
    const inside = dir.startsWith(`${root}${path.sep}`)
    const parent = path.dirname(dir)
    const found = here ?? (inside && parent !== dir ? nearest(parent) : undefined)
    nearestByDir.set(dir, found ?? null)
    return found
  }
  return nearest
}

/**
 * The defaults file in one folder, if any. Both spellings in one folder is an error: which one applies would
 * depend on a name nobody reads closely.
 */
function defaultsFileIn(dir: string, cwd: string, diagnostics: Diagnostic[]): string | undefined {
  const present = ['_defaults.yml', '_defaults.yaml']
    .map((name) => path.join(dir, name))
    .filter((f) => {
      try {
        return statSync(f).isFile()
      } catch {
        return false
      }
    })
  if (present.length > 1)
    diagnostics.push({
      severity: 'error',
      file: displayPath(present[1] as string, cwd),
      line: 1,
      col: 1,
      key: '',
      message: `two defaults files in one folder: keep ${path.basename(present[0] as string)} or ${path.basename(present[1] as string)}, not both`,
    })
  return present[0]
}

/** A path relative to `cwd` when inside it, absolute otherwise, always with `/`. */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs)
  const shown = rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel
  return shown.split(path.sep).join('/')
}
