#!/usr/bin/env node
/**
 * rclone-translator: runs the real rclone 1.60.1 with the same arguments and rewrites what it writes, and its exit
 * code, the way rclone v1.75.0 would write them, so the end-to-end tests can run "against rclone 1.75.0" on a
 * machine that only has 1.60.1. ESM, no dependencies. Use it as the `rclone` binary (see rclone-versions.ts).
 *
 * The facts it follows are in /work/notes/rclone-facts.md; each rule below cites the rclone source it mirrors
 * (`<tag>:<file>:<lines>`). Nothing here is rclone code.
 *
 * What it rewrites
 * - `rclone version`: the first line becomes `rclone v1.75.0`.
 * - JSON log lines (logrus, v1.60.1:fs/log.go:135-170, keys sorted, time `2006-01-02T15:04:05.999999-07:00`) become
 *   slog lines (v1.75.0:fs/log/slog.go:189-193 and v1.70.0:fs/log.go:140-165): keys `time, level, msg, <LogValue
 *   keys in argument order>, object, objectType, source`; time RFC3339Nano with `Z` for UTC; levels `notice` for
 *   NOTICE (logrus wrote "warning", v1.60.1:fs/log.go:156), `critical` for logrus "fatal"; no HTML escaping.
 * - The stats block (`--use-json-log`) gains `listed` (v1.70.0:fs/accounting/stats.go:121) and the serverSide* keys
 *   (v1.64.0:fs/accounting/stats.go:117-120), as 0.
 * - "Copied (...)" gains the hidden `size` key (v1.63.0:fs/operations/operations.go:574-577,
 *   v1.75.0:fs/operations/copy.go:380), read from the file on a local source.
 * - Plain `Failed to <cmd>: ...` (Go's log, v1.60.1:cmd/cmd.go:330-338) becomes a NOTICE log entry
 *   (v1.75.0:cmd/cmd.go:334,336); plain `Fatal error: ...` (v1.60.1:cmd/cmd.go:563) becomes a
 *   `NOTICE: Fatal error: ...` text line with exit 2 (v1.75.0:cmd/cmd.go:543-544); the other plain `log.Fatalf`
 *   lines of cmd/cmd.go become CRITICAL entries (v1.75.0:cmd/cmd.go:90-224, fs.Fatalf).
 * - Exit codes (v1.60.1:cmd/cmd.go:475-505 against v1.75.0:cmd/cmd.go:484-517): usage errors 1 -> 2,
 *   --max-duration 7 -> 10, bisync critical 2 -> 7 (v1.75.0:cmd/bisync/cmd.go:194-200).
 * - bisync: the v1.66+ tip after "cannot find prior Path1 or Path2 listings"
 *   (v1.75.0:cmd/bisync/operations.go:297-306), the colours v1.75.0 puts on the critical-error lines, and after a critical error the final stats block and
 *   `Failed to bisync: bisync aborted` that v1.69+ print because the error now goes through cmd.Run.
 *
 * What it does not do (each is noted where it would go):
 * - reword messages whose text changed, apart from "Sizes differ": the stats text inside a JSON entry keeps 1.60.1's
 *   lines (v1.68 adds "(freed)", v1.70 "Listed N"),
 *   "Synching Path1 ..." keeps 1.60.1's quoting, and the "size = N (fs)" debug lines
 *   of v1.72+ are not added;
 * - know numbers 1.60.1 does not log: `listed` and the serverSide* stats are 0, times keep microseconds, and a
 *   "Copied" line gets `size` only when the file can be found on a local source or destination;
 * - map every `source` file:line (only the common ones, in SOURCES below);
 * - accept flags newer than 1.60.1 (`--resilient`, `--max-lock`, `--compare`, `--combined`, ...): the real rclone
 *   refuses them as unknown flags, which comes out as v1.75.0's flag error (exit 2); `--log-format json` is taken by
 *   1.60.1, which ignores the `json` choice, so that log stays text;
 * - rename bisync listings: 1.60.1 names them without StripHexString (v1.66+), which only matters for remotes
 *   with a `{hex}` suffix (overridden options), not for local paths;
 * - rewrite rclone's text log (without `--use-json-log`): the action reads only the JSON log. Of the plain lines, those
 *   a command without the JSON log still prints are rewritten ("Failed to <cmd>", flag errors, the fatal lines of
 *   cmd/cmd.go); the rest pass as 1.60.1 writes them;
 * - rewrite a log written to `--syslog`, colour bisync messages other than the few listed, or render
 *   `object` as v1.75.0 does for values without a String method (1.60.1 logs Stringers and strings only);
 * - the stats block it adds after a bisync critical error is built from what the log showed (Copied and Deleted
 *   lines, one error), not from rclone's counters, which 1.60.1 never prints there.
 */
import { spawn } from 'node:child_process'
import { accessSync, closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const TARGET_VERSION = '1.75.0'

// ---------------------------------------------------------------------------------------------------------------
// Finding the real rclone
// ---------------------------------------------------------------------------------------------------------------

const ownDir = path.dirname(fileURLToPath(import.meta.url))

/** Whether a file is one of our shims (a script that runs this translator): never run it as the real rclone. */
function isShim(file) {
  let fd
  try {
    fd = openSync(file, 'r')
    const buf = Buffer.alloc(4096)
    const n = readSync(fd, buf, 0, buf.length, 0)
    return buf.subarray(0, n).includes('rclone-translator')
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** The real rclone: $RCLONE_JOBS_REAL_RCLONE, else `rclone` on PATH outside this folder and not a shim. */
export function findRealRclone(env = process.env) {
  if (env.RCLONE_JOBS_REAL_RCLONE) return env.RCLONE_JOBS_REAL_RCLONE
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || path.resolve(dir) === ownDir) continue
    const candidate = path.join(dir, 'rclone')
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile() && !isShim(candidate)) return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------------------------

// Flags that take a value in the next argument when written without `=`, so that value is not read as an operand.
// Not every rclone flag: the common ones (the action itself always writes `--flag=value`).
const VALUE_FLAGS = new Set(
  (
    'config cache-dir workdir log-file log-level log-format stats stats-log-level bwlimit max-duration max-transfer ' +
    'transfers checkers retries low-level-retries contimeout timeout filter filter-from include include-from exclude ' +
    'exclude-from files-from backup-dir suffix compare-dest copy-dest max-age min-age max-size min-size max-depth ' +
    'color user-agent temp-dir'
  ).split(' '),
)

/** What the translator needs to know of an rclone command line. */
export function parseArgs(argv) {
  const operands = []
  const o = {
    command: undefined,
    operands,
    json: false,
    dryRun: false,
    logLevel: 'NOTICE',
    statsLogLevel: 'INFO',
    statsSet: false,
    workdir: undefined,
    cacheDir: undefined,
    resilient: false,
    resync: false,
    version: false,
    color: 'AUTO',
    logFile: false,
  }
  let dashes = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (dashes || a === '-' || !a.startsWith('-')) {
      if (o.command === undefined) o.command = a
      else operands.push(a)
      continue
    }
    if (a === '--') {
      dashes = true
      continue
    }
    const eq = a.indexOf('=')
    let name = eq >= 0 ? a.slice(0, eq) : a
    let value = eq >= 0 ? a.slice(eq + 1) : undefined
    if (/^-v+$/.test(name)) {
      o.logLevel = name.length > 2 ? 'DEBUG' : 'INFO'
      continue
    }
    name = name.replace(/^--?/, '')
    const bool = () => value === undefined || value === 'true'
    if (value === undefined && VALUE_FLAGS.has(name) && i + 1 < argv.length) value = argv[++i]
    switch (name) {
      case 'use-json-log':
        o.json = bool()
        break
      case 'dry-run':
      case 'n':
        o.dryRun = bool()
        break
      case 'verbose':
        // --verbose is a count flag: --verbose=2 is -vv.
        o.logLevel = value === undefined || value === '1' ? 'INFO' : value === '0' ? 'NOTICE' : 'DEBUG'
        break
      case 'quiet':
      case 'q':
        o.logLevel = 'ERROR'
        break
      case 'log-level':
        o.logLevel = String(value).toUpperCase()
        break
      case 'stats-log-level':
        o.statsLogLevel = String(value).toUpperCase()
        break
      case 'stats':
        o.statsSet = true
        break
      case 'workdir':
        o.workdir = value
        break
      case 'cache-dir':
        o.cacheDir = value
        break
      case 'resilient':
        o.resilient = bool()
        break
      case 'resync':
      case '1':
        o.resync = bool()
        break
      case 'version':
      case 'V':
        o.version = bool()
        break
      case 'color':
        o.color = String(value).toUpperCase()
        break
      case 'log-file':
        o.logFile = String(value)
        break
      case 'syslog':
        o.logFile = true
        break
    }
  }
  // --dry-run lowers the stats level to NOTICE (v1.75.0:fs/config.go:709-710).
  if (o.dryRun && levelRank(o.statsLogLevel) > levelRank('NOTICE')) o.statsLogLevel = 'NOTICE'
  return o
}

const LEVELS = ['EMERGENCY', 'ALERT', 'CRITICAL', 'ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG']
function levelRank(level) {
  const i = LEVELS.indexOf(level)
  return i < 0 ? LEVELS.indexOf('NOTICE') : i
}

// ---------------------------------------------------------------------------------------------------------------
// JSON and time as Go's slog writes them
// ---------------------------------------------------------------------------------------------------------------

/**
 * A JSON string as slog writes it: like JSON.stringify (no HTML escaping: slog's safeSet allows `<`, `>`, `&`,
 * unlike logrus, logrus@v1.9.0:json_formatter.go:118-123) except that U+2028 and U+2029 are escaped.
 */
function goString(s) {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** JSON of a value, keeping the key order it has. */
export function goJson(v) {
  if (typeof v === 'string') return goString(v)
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null'
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`
  return `{${Object.entries(v)
    .map(([k, x]) => `${goString(k)}:${goJson(x)}`)
    .join(',')}}`
}

/**
 * A logrus time (`2006-01-02T15:04:05.999999-07:00`, v1.60.1:fs/config/configflags/configflags.go:202-207) as
 * RFC3339Nano (slog's appendJSONTime): the same digits, with `Z` for a zero offset. The nanoseconds 1.60.1 did not
 * write (it keeps microseconds) cannot be recovered.
 */
export function logrusTimeToRfc3339Nano(t) {
  return t.replace(/[+-]00:00$/, 'Z')
}

/** Now in local time as RFC3339Nano (Go trims trailing zeros of the fraction and writes UTC as `Z`). */
export function nowRfc3339Nano(date = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, '0')
  const frac = String(date.getMilliseconds()).padStart(3, '0').replace(/0+$/, '')
  const off = -date.getTimezoneOffset()
  const zone =
    off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`
  return (
    `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}${frac ? `.${frac}` : ''}${zone}`
  )
}

/** One v1.75.0 JSON log line (`time, level, msg, <fields>, source`) for an entry with no object. */
function slogLine(level, msg, source, fields = {}) {
  return goJson({ time: nowRfc3339Nano(), level, msg, ...fields, source })
}

// ---------------------------------------------------------------------------------------------------------------
// Level names
// ---------------------------------------------------------------------------------------------------------------

// The few 1.60.1 messages logged at WARNING (fs.LogLevelWarning): everything else logrus wrote as "warning" is
// NOTICE (fs.Logf). v1.60.1:fs/fshttp/dialer.go:69,75; backend/internetarchive/internetarchive.go:808,810;
// backend/seafile/seafile.go:521.
const WARNING_MESSAGES = [
  /^dialer: /,
  /^reserved metadata key .* is about to set$/,
  /^setting or modifying read-only key .* is requested, skipping$/,
  /^Cannot parse datetime$/,
]

/**
 * A logrus level word (logrus@v1.9.0:logrus.go:59-75) as slog's (v1.75.0:fs/log/slog.go:52-61,73-83). logrus wrote
 * NOTICE and WARNING both as "warning" (v1.60.1:fs/log.go:156), CRITICAL as "fatal" (v1.60.1:fs/log.go:161), and
 * EMERGENCY and ALERT as "panic" (v1.60.1:fs/log.go:162-163; which of the two it was is lost: "alert" is written).
 */
export function slogLevel(logrusLevel, msg) {
  switch (logrusLevel) {
    case 'warning':
      return WARNING_MESSAGES.some((re) => re.test(msg)) ? 'warning' : 'notice'
    case 'fatal':
      return 'critical'
    case 'panic':
      return 'alert'
    case 'trace':
      return 'debug'
    default:
      return logrusLevel
  }
}

// ---------------------------------------------------------------------------------------------------------------
// source file:line
// ---------------------------------------------------------------------------------------------------------------

// The `source` of the most common lines at 1.60.1, as v1.75.0 reports them (the caller of fs.Infof etc., the last two
// path components, v1.75.0:fs/log/slog.go getCaller). Other lines keep 1.60.1's file:line, which is not what
// v1.75.0 writes but nothing reads it.
const SOURCES = new Map([
  // v1.60.1:fs/operations/operations.go:566 -> v1.75.0:fs/operations/copy.go:380 (Copied ...)
  ['operations/operations.go:566', 'operations/copy.go:380'],
  // v1.60.1:fs/operations/operations.go:538 -> v1.75.0:fs/operations/copy.go:347 (Failed to copy)
  ['operations/operations.go:538', 'operations/copy.go:347'],
  // v1.60.1:fs/operations/operations.go:721 -> v1.75.0:fs/operations/operations.go:581 (Deleted)
  ['operations/operations.go:721', 'operations/operations.go:581'],
  // v1.60.1:fs/operations/operations.go:2404,2406 -> v1.75.0:fs/operations/operations.go:2631,2633 (Skipped ...)
  ['operations/operations.go:2404', 'operations/operations.go:2631'],
  ['operations/operations.go:2406', 'operations/operations.go:2633'],
  // v1.60.1:fs/accounting/stats.go:482 -> v1.75.0:fs/accounting/stats.go:551 (the stats block)
  ['accounting/stats.go:482', 'accounting/stats.go:551'],
  // v1.60.1:fs/operations/operations.go:186 -> v1.75.0:fs/operations/operations.go:250 (Sizes differ)
  ['operations/operations.go:186', 'operations/operations.go:250'],
  // v1.60.1:fs/march/march.go:413 -> v1.75.0:fs/march/march.go:568 (error reading source root directory)
  ['march/march.go:413', 'march/march.go:568'],
  // v1.60.1:fs/sync/sync.go:905,914,933 -> v1.75.0:fs/sync/sync.go:994,1008,1027 (not deleting ..., max duration)
  ['sync/sync.go:905', 'sync/sync.go:994'],
  ['sync/sync.go:914', 'sync/sync.go:1008'],
  ['sync/sync.go:933', 'sync/sync.go:1027'],
  // v1.60.1:fs/config/config.go:362 -> v1.75.0:fs/config/config.go:374 (Config file ... not found)
  ['config/config.go:362', 'config/config.go:374'],
  // v1.60.1:cmd/bisync/operations.go:102,138,141 -> v1.75.0:cmd/bisync/operations.go:167,215,218 (interrupted,
  // aborted, successful)
  ['bisync/operations.go:102', 'bisync/operations.go:167'],
  ['bisync/operations.go:138', 'bisync/operations.go:215'],
  ['bisync/operations.go:141', 'bisync/operations.go:218'],
  // v1.60.1:cmd/bisync/operations.go:133-134 -> v1.75.0:cmd/bisync/operations.go:209-210 (bisync critical error)
  ['bisync/operations.go:133', 'bisync/operations.go:209'],
  ['bisync/operations.go:134', 'bisync/operations.go:210'],
])

// ---------------------------------------------------------------------------------------------------------------
// The stats block
// ---------------------------------------------------------------------------------------------------------------

/**
 * The keys RemoteStats gained after 1.60.1, as 0: serverSide* (v1.64.0:fs/accounting/stats.go:117-120) and listed
 * (v1.70.0:fs/accounting/stats.go:121, v1.75.0:fs/accounting/stats.go:134-139). The true `listed` count (entries
 * listed) is not known from 1.60.1's output.
 */
const NEW_STATS_KEYS = [
  'listed',
  'serverSideCopies',
  'serverSideCopyBytes',
  'serverSideMoves',
  'serverSideMoveBytes',
]

/** A stats map with the v1.75.0 keys, sorted as encoding/json sorts a map's keys. */
export function upgradeStats(stats) {
  const out = { ...stats }
  for (const k of NEW_STATS_KEYS) if (!(k in out)) out[k] = 0
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  )
}

/** SizeSuffix.ByteUnit (v1.75.0:fs/sizesuffix.go:37-98): `0 B`, `14 B`, `1.500 KiB`, `1020 KiB`. */
function byteUnit(n) {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']
  if (n === 0) return '0 B'
  let scaled = n
  let i = 0
  while (scaled >= 1024 && i < units.length - 1) {
    scaled /= 1024
    i++
  }
  return `${Math.floor(scaled) === scaled ? scaled.toFixed(0) : scaled.toFixed(3)} ${units[i]}B`
}

/**
 * The final stats block v1.75.0 prints after a bisync critical error (v1.75.0:cmd/cmd.go:294-296: the FatalError is
 * counted by fs.CountError at :256, so Errored() is true). 1.60.1 exits before printing one, so its numbers come
 * from what the log showed: transfers and bytes from the "Copied" lines, deletions from the "Deleted" lines, one
 * error (the abort). The text follows StatsInfo.String (v1.75.0:fs/accounting/stats.go:412-511).
 */
function bisyncAbortStats(seen, elapsedSeconds) {
  const pct = (a, b) => (b === 0 ? '-' : `${Math.floor((a * 100) / b + 0.5)}%`)
  let text = `\nTransferred:   \t${byteUnit(seen.bytes).padStart(13)} / ${byteUnit(seen.bytes)}, ${pct(seen.bytes, seen.bytes)}, 0 B/s, ETA -\n`
  text += `Errors:        ${'1'.padStart(10)} (fatal error encountered)\n`
  if (seen.deletes !== 0)
    text += `Deleted:       ${String(seen.deletes).padStart(10)} (files), 0 (dirs), 0 B (freed)\n`
  if (seen.transfers !== 0)
    text += `Transferred:   ${String(seen.transfers).padStart(10)} / ${seen.transfers}, ${pct(seen.transfers, seen.transfers)}\n`
  const minutes = Math.floor(elapsedSeconds / 60)
  const seconds = (Math.floor((elapsedSeconds % 60) * 10) / 10).toFixed(1)
  text += `Elapsed time:  ${`${minutes > 0 ? `${minutes}m` : ''}${seconds}`.padStart(10)}s\n`
  const stats = upgradeStats({
    bytes: seen.bytes,
    checks: 0,
    deletedDirs: 0,
    deletes: seen.deletes,
    elapsedTime: elapsedSeconds,
    errors: 1,
    eta: null,
    fatalError: true,
    lastError: 'bisync aborted',
    renames: 0,
    retryError: false,
    speed: 0,
    totalBytes: seen.bytes,
    totalChecks: 0,
    totalTransfers: seen.transfers,
    transferTime: 0,
    transfers: seen.transfers,
  })
  return { msg: `${text}\n`, stats }
}

// ---------------------------------------------------------------------------------------------------------------
// Sizes of copied files
// ---------------------------------------------------------------------------------------------------------------

/** The local folder an rclone path names, or undefined for a remote (`name:path`) one. */
function localPath(spelling, cwd) {
  const onTheFly = /^:local(?:,[^:]*)?:(.*)$/.exec(spelling)
  if (onTheFly) return path.resolve(cwd, onTheFly[1])
  // A remote is `name:` before any slash (fs/fspath); on Linux a path with a slash before its first colon is local.
  if (/^[^/]*:/.test(spelling)) return undefined
  return path.resolve(cwd, spelling)
}

/**
 * The size v1.75.0 puts on a "Copied" line (`fs.SizeSuffix(c.src.Size())`, v1.75.0:fs/operations/copy.go:380):
 * the size of the copied file, read from the local source (or, failing that, from the local destination, which
 * holds the same bytes once the copy is logged). Undefined for a remote source and destination: then the key is
 * left out, which is what rclone before 1.63 writes.
 */
function copiedSize(object, roots) {
  for (const root of roots) {
    for (const candidate of [path.join(root, object), path.join(path.dirname(root), object)]) {
      try {
        const st = statSync(candidate)
        if (st.isFile()) return st.size
      } catch {
        // not this one
      }
    }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// bisync
// ---------------------------------------------------------------------------------------------------------------

// terminal colours (v1.75.0:lib/terminal/terminal.go:22-54)
const RESET = '\x1b[0m'
const RED = '\x1b[31m'
const GREEN = '\x1b[32m'
const MAGENTA = '\x1b[35m'
const CYAN = '\x1b[36m'
const HI_BLUE = '\x1b[94m'
const HI_CYAN = '\x1b[96m'

/**
 * bisync's Color (v1.75.0:cmd/bisync/log.go:76-84): colours are on with `--color ALWAYS`, or `--color AUTO` (the
 * default) when the log is not redirected to a file or syslog (v1.75.0:cmd/bisync/operations.go:90-94), whether or
 * not stderr is a terminal.
 */
function colorizer(args) {
  const on = args.color === 'ALWAYS' || (args.color === 'AUTO' && !args.logFile)
  return (style, s) => (on ? style + s + RESET : s)
}

/** One side's part of the session name (v1.75.0:cmd/bisync/bilib/canonical.go:16-55). */
function sessionSide(spelling, cwd) {
  const local = localPath(spelling, cwd)
  let fsPath
  if (local !== undefined) fsPath = local
  else {
    const colon = spelling.indexOf(':')
    fsPath = `${spelling.slice(0, colon)}:${spelling.slice(colon + 1).replace(/^\/+|\/+$/g, '')}`
  }
  if (!fsPath.endsWith('/')) fsPath += '/'
  const canonical = fsPath.replace(/^[\\/]+|[\\/]+$/g, '').replace(/[\t\n\f\r \\/:?*]/g, '_')
  const open = canonical.indexOf('{')
  const close = canonical.indexOf('}')
  return open >= 0 && close > open ? canonical.slice(0, open) + canonical.slice(close + 1) : canonical
}

/** The work dir and listing paths v1.75.0 names in the "cannot find prior listings" tip. */
function bisyncPaths(args, env, cwd) {
  // DefaultWorkdir = <cache dir>/bisync (v1.75.0:cmd/bisync/cmd.go:73); the cache dir is --cache-dir,
  // $RCLONE_CACHE_DIR, else the user cache dir ($XDG_CACHE_HOME or ~/.cache) + /rclone (fs/config).
  const cacheDir =
    args.cacheDir ??
    env.RCLONE_CACHE_DIR ??
    path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'rclone')
  const workdir = path.resolve(cwd, args.workdir ?? env.RCLONE_WORKDIR ?? path.join(cacheDir, 'bisync'))
  const [p1 = '', p2 = ''] = args.operands
  const base = path.join(workdir, `${sessionSide(p1, cwd)}..${sessionSide(p2, cwd)}`)
  // In a dry run the listings looked for are the -dry copies (v1.75.0:cmd/bisync/operations.go:240-247).
  const dry = args.dryRun ? '-dry' : ''
  return { workdir, listing1: `${base}.path1.lst${dry}`, listing2: `${base}.path2.lst${dry}` }
}

/** bisync messages of 1.60.1 that v1.75.0 writes in one colour (v1.75.0:cmd/bisync/operations.go:167,215,218). */
const BISYNC_COLOURED = new Map([
  ['Bisync interrupted. Must run --resync to recover.', RED],
  ['Bisync aborted. Please try again.', RED],
  ['Bisync successful', GREEN],
])

const CANNOT_FIND = 'cannot find prior Path1 or Path2 listings, likely due to critical error on prior run'

/**
 * The v1.66+ text of the "cannot find prior listings" error: a space, a newline and a tip naming the listing files
 * (v1.75.0:cmd/bisync/operations.go:297-306).
 */
function cannotFindText(color, p) {
  let tip = color(MAGENTA, 'Tip: here are the filenames we were looking for. Do they exist? \n')
  tip += color(CYAN, `Path1: ${color(HI_BLUE, p.listing1)}\n`)
  tip += color(CYAN, `Path2: ${color(HI_BLUE, p.listing2)}\n`)
  tip += color(MAGENTA, 'Try running this command to inspect the work dir: \n')
  tip += color(HI_CYAN, `rclone lsl "${p.workdir}"`)
  return `${CANNOT_FIND} \n${tip}`
}

// ---------------------------------------------------------------------------------------------------------------
// Plain text lines (Go's log package)
// ---------------------------------------------------------------------------------------------------------------

// The prefix Go's log writes (its flags follow --log-format: date, time, microseconds, file).
const TEXT_PREFIX = /^((?:\d{4}\/\d\d\/\d\d )?(?:\d\d:\d\d:\d\d(?:\.\d+)? )?(?:\S+\.go:\d+: )?)(.*)$/

/**
 * The plain `log.Fatalf` lines of v1.60.1:cmd/cmd.go:94-225,424, which v1.75.0 logs with fs.Fatalf at CRITICAL
 * (v1.75.0:cmd/cmd.go:85-224,427), with the line v1.75.0 reports as their source. `which` says whether the quoted
 * argument was the first operand (the source) or not.
 */
function fatalSource(msg, operands, command) {
  const quoted =
    /^(?:Failed to create file system for|Parsing|Failed to limit to single file) ("(?:[^"\\]|\\.)*")/.exec(
      msg,
    ) ?? /^("(?:[^"\\]|\\.)*") is a directory$/.exec(msg)
  let arg
  if (quoted) {
    try {
      arg = JSON.parse(quoted[1])
    } catch {
      arg = undefined
    }
  }
  const isFirst = arg !== undefined && arg === operands[0]
  if (/^Failed to create file system for destination /.test(msg)) return 'cmd/cmd.go:208'
  // NewFsFile (source of sync, copy, lsf, ...) at :102 (the cache.Get failure; :90 is a malformed path), newFsDir
  // (destination, bisync's two sides) at :148.
  if (/^Failed to create file system for "/.test(msg))
    return isFirst && command !== 'bisync' ? 'cmd/cmd.go:102' : 'cmd/cmd.go:148'
  if (/^Failed to limit to single file /.test(msg)) return 'cmd/cmd.go:125'
  if (/^Parsing ".*" failed: /.test(msg)) return isFirst ? 'cmd/cmd.go:218' : 'cmd/cmd.go:191'
  if (/^".*" is a directory$/.test(msg)) return isFirst ? 'cmd/cmd.go:224' : 'cmd/cmd.go:197'
  if (msg === "Source doesn't exist or is a directory and destination is a file") return 'cmd/cmd.go:204'
  if (/^Failed to start remote control: /.test(msg)) return 'cmd/cmd.go:427'
  return undefined
}

// ---------------------------------------------------------------------------------------------------------------
// The translator
// ---------------------------------------------------------------------------------------------------------------

/**
 * Rewrites rclone 1.60.1's stderr lines into v1.75.0's, keeping what the exit code translation needs. Pure apart
 * from `stat` calls for sizes. `line(text)` returns the lines to write instead (possibly none).
 */
export class Translator {
  constructor(argv, { cwd = process.cwd(), env = process.env, startedAt = Date.now() } = {}) {
    this.args = parseArgs(argv)
    this.cwd = cwd
    this.env = env
    this.startedAt = startedAt
    this.color = colorizer(this.args)
    this.usageError = false
    this.maxDuration = false
    this.bisyncAborted = false
    this.seen = { transfers: 0, bytes: 0, deletes: 0 }
    const roots = this.args.operands.map((o) => localPath(o, cwd)).filter((r) => r !== undefined)
    this.sizeRoots = roots
  }

  get isBisync() {
    return this.args.command === 'bisync'
  }

  get isVersion() {
    return this.args.command === 'version' || this.args.version
  }

  /** A stderr line (without its newline) to the lines v1.75.0 would write. */
  line(text) {
    if (text.startsWith('{')) {
      let v
      try {
        v = JSON.parse(text)
      } catch {
        v = undefined
      }
      if (v && typeof v === 'object' && typeof v.msg === 'string' && typeof v.level === 'string')
        return this.json(v)
    }
    return this.text(text)
  }

  /**
   * A bisync message (`level` as logrus writes it) as v1.75.0 words it, or undefined when v1.75.0
   * does not write it at all.
   */
  bisyncMessage(level, msg) {
    // The "EXPERIMENTAL" notice (v1.60.1:cmd/bisync/cmd.go:144) is gone by v1.75.0 (no such text in
    // v1.75.0:cmd/bisync).
    if (msg === "bisync is EXPERIMENTAL. Don't use in production!") return undefined
    // Whole messages v1.75.0 colours (v1.75.0:cmd/bisync/operations.go:167,215,218).
    const whole = BISYNC_COLOURED.get(msg)
    if (whole !== undefined) return this.color(whole, msg)
    if (level.toLowerCase() !== 'error') return msg
    if (msg.startsWith('Bisync critical error: ')) {
      const text = msg.startsWith(`Bisync critical error: ${CANNOT_FIND}`)
        ? `Bisync critical error: ${cannotFindText(this.color, bisyncPaths(this.args, this.env, this.cwd))}`
        : msg
      // fs.Errorf(nil, Color(terminal.RedFg, "Bisync critical error: %v"), err) (v1.75.0:cmd/bisync/operations.go:209)
      return this.color(RED, text)
    }
    if (msg === 'Bisync aborted. Must run --resync to recover.') {
      this.bisyncAborted = true
      // fs.Error(nil, Color(terminal.RedFg, ...)) (v1.75.0:cmd/bisync/operations.go:210)
      return this.color(RED, msg)
    }
    return msg
  }

  /** A logrus JSON entry as a slog one. */
  json(v) {
    const { time, level, msg, object, objectType, source, ...fields } = v
    // bisync's "EXPERIMENTAL" notice (v1.60.1:cmd/bisync/cmd.go:144) is gone by v1.75.0 (no such text in
    // v1.75.0:cmd/bisync).
    if (this.isBisync && this.bisyncMessage(level, msg) === undefined) return []
    let outMsg = msg
    const values = { ...fields }
    if (level === 'info' && typeof object === 'string' && /^(?:Multi-thread )?Copied \(/.test(msg)) {
      // v1.63.0+ logs every "Copied (...)" with a hidden size (v1.75.0:fs/operations/copy.go:377-380). The 1.60.1
      // line has none: read it from the local file; a copy between remotes stays without it.
      const size = values.size ?? copiedSize(object, this.sizeRoots)
      if (size !== undefined) {
        values.size = size
        this.seen.bytes += size
      }
      this.seen.transfers++
    }
    if (level === 'info' && (msg === 'Deleted' || msg === 'Moved into backup dir')) this.seen.deletes++
    // LogValue keys in the order rclone passes them (v1.70.0:fs/log.go:140-165): "skipped" then "size"
    // (v1.75.0:fs/operations/operations.go:2631), "size" (copy.go:380), "stats" (accounting/stats.go:551); any other
    // in the sorted order 1.60.1 gave them.
    const extra = {}
    for (const k of ['skipped', 'size', 'stats', ...Object.keys(values).sort()]) {
      if (k in values && !(k in extra)) extra[k] = values[k]
    }
    if (extra.stats && typeof extra.stats === 'object') extra.stats = upgradeStats(extra.stats)
    const outLevel = slogLevel(level, msg)
    if (this.isBisync) outMsg = this.bisyncMessage(level, msg)
    // "Sizes differ (src %d vs dst %d)" (v1.60.1:fs/operations/operations.go:186) is plain "Sizes differ" from v1.72.0
    // (v1.75.0:fs/operations/operations.go:250). The "size = %d (%v)" debug lines v1.72.0 adds before it
    // (v1.72.0:fs/operations/operations.go:182-194) are not written.
    if (level === 'debug' && /^Sizes differ \(src -?\d+ vs dst -?\d+\)$/.test(msg)) outMsg = 'Sizes differ'
    if (level === 'error' && msg === 'max transfer duration reached as set by --max-duration')
      this.maxDuration = true
    const out = {
      time: logrusTimeToRfc3339Nano(String(time ?? nowRfc3339Nano())),
      level: outLevel,
      msg: outMsg,
    }
    Object.assign(out, extra)
    if (object !== undefined) out.object = object
    if (objectType !== undefined) out.objectType = objectType
    if (source !== undefined) out.source = SOURCES.get(source) ?? source
    return [goJson(out)]
  }

  /** A plain text line: Go's own log, cobra's messages, usage text, rclone's text log (passed as it is). */
  text(line) {
    const m = TEXT_PREFIX.exec(line)
    const prefix = m?.[1] ?? ''
    const msg = m?.[2] ?? line
    // "Failed to <cmd>: ..." (v1.60.1:cmd/cmd.go:334,336, log.Printf) is a NOTICE entry from v1.68.0
    // (v1.75.0:cmd/cmd.go:334,336, fs.Logf).
    const failed = /^Failed to (\S+?)(:| with \d+ errors: last error was:) /.exec(msg)
    if (failed && failed[1] === this.args.command) {
      if (/max transfer duration reached as set by --max-duration$/.test(msg)) this.maxDuration = true
      const source = failed[2] === ':' ? 'cmd/cmd.go:334' : 'cmd/cmd.go:336'
      return [this.args.json ? slogLine('notice', msg, source) : `${prefix}NOTICE: ${msg}`]
    }
    // A flag error: log.Fatalf("Fatal error: %v") and exit 1 (v1.60.1:cmd/cmd.go:563) becomes fs.Logf plus exit 2
    // (v1.75.0:cmd/cmd.go:543-544). Logging is not set up yet then, so it stays plain text even with
    // --use-json-log (v1.70.0:cmd/help.go:193, fs/log/slog.go:30-37).
    if (/^Fatal error: /.test(msg) && prefix !== '') {
      this.usageError = true
      return [`${prefix}NOTICE: ${msg}`]
    }
    // Wrong number of arguments and an unknown command: exit 1 (v1.60.1:cmd/cmd.go:344-353, cmd/help.go:164), 2
    // from v1.69.0 (v1.75.0:cmd/cmd.go:512-513). The text is the same.
    if (
      /^Command \S+ needs \d+ arguments (?:minimum|maximum): /.test(line) ||
      line === 'Command not found.'
    ) {
      this.usageError = true
      return [line]
    }
    // The other log.Fatalf lines of cmd/cmd.go: fs.Fatalf at CRITICAL in v1.75.0, JSON once logging is set up.
    const fatal = prefix !== '' ? fatalSource(msg, this.args.operands, this.args.command) : undefined
    if (fatal !== undefined)
      return [this.args.json ? slogLine('critical', msg, fatal) : `${prefix}CRITICAL: ${msg}`]
    return [line]
  }

  /** Lines to write once rclone has exited with `code`, before the translator exits. */
  finish(code) {
    // Only a JSON log has the abort noted (bisyncMessage): the text log is not rewritten.
    if (!(this.isBisync && code === 2 && this.bisyncAborted)) return []
    // v1.69.0+: ErrBisyncAborted goes back through cmd.Run as a FatalError (v1.75.0:cmd/bisync/cmd.go:194-200), so
    // the final stats block (v1.75.0:cmd/cmd.go:294-296, when its level is logged) and "Failed to bisync: bisync
    // aborted" (cmd/cmd.go:334) follow. 1.60.1 exits at once with os.Exit(2) (v1.60.1:cmd/bisync/cmd.go:145-151).
    const out = []
    const elapsed = (Date.now() - this.startedAt) / 1000
    if (levelRank(this.args.statsLogLevel) <= levelRank(this.args.logLevel)) {
      const { msg, stats } = bisyncAbortStats(this.seen, elapsed)
      const level = this.args.statsLogLevel.toLowerCase()
      out.push(slogLine(level, msg, 'accounting/stats.go:551', { stats }))
    }
    out.push(slogLine('notice', 'Failed to bisync: bisync aborted', 'cmd/cmd.go:334'))
    return out
  }

  /** The exit code v1.75.0 gives for 1.60.1's `code`. */
  exitCode(code) {
    // Usage errors: 1 at v1.60.1 (the default case, exitcode.UsageError = 1), 2 from v1.69.0
    // (v1.75.0:lib/exitcode/exitcode.go:4-27, cmd/cmd.go:512-513, 543-544).
    if (code === 1 && (this.usageError || (this.args.command === undefined && !this.isVersion))) return 2
    // --max-duration: a fatal error, 7, at v1.60.1 (fs/sync/sync.go:835); DurationExceeded, 10, from v1.64.0
    // (v1.75.0:cmd/cmd.go:504-505).
    if (code === 7 && this.maxDuration) return 10
    // bisync critical error: os.Exit(2) at v1.60.1 (cmd/bisync/cmd.go:145-151), FatalError 7 from v1.69.0.
    if (code === 2 && this.isBisync) return 7
    return code
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------------------------

/** Cuts a byte stream into lines (without the newline); a last line without one is flushed at the end. */
class ByteLines {
  constructor(onLine) {
    this.onLine = onLine
    this.partial = []
  }
  push(chunk) {
    let start = 0
    let nl = chunk.indexOf(0x0a, start)
    while (nl >= 0) {
      const piece = chunk.subarray(start, nl)
      const line = this.partial.length ? Buffer.concat([...this.partial, piece]) : piece
      this.partial = []
      this.onLine(line, true)
      start = nl + 1
      nl = chunk.indexOf(0x0a, start)
    }
    if (start < chunk.length) this.partial.push(chunk.subarray(start))
  }
  end() {
    if (this.partial.length) this.onLine(Buffer.concat(this.partial), false)
    this.partial = []
  }
}

/**
 * Bisync flags that v1.75.0 has and 1.60.1 does not (v1.64.0 and v1.66.0 cmd/bisync/cmd.go), which the action passes
 * by default on versions that have them. 1.60.1 would refuse them as unknown flags, so they are dropped before it
 * runs; what they change (retries after less serious errors, lock expiry, recovery after an interrupted run) is
 * behaviour the end-to-end tests do not depend on. Any other unknown flag still fails, as it would on 1.60.1.
 */
const NEWER_BISYNC_FLAGS =
  /^--(?:resilient|recover|max-lock|conflict-resolve|conflict-loser|conflict-suffix|compare)(?:=.*)?$/

/**
 * The arguments the real 1.60.1 is started with. `--log-file` is the translator's to honour: the real rclone logs to
 * stderr, where the translator reads and rewrites it, and the translator writes the result to the file.
 */
export function realArgs(argv) {
  const sep = argv.indexOf('--')
  const out = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (sep >= 0 && i > sep) out.push(a)
    else if (a.startsWith('--log-file=')) continue
    else if (a === '--log-file') i++
    else if (argv[0] === 'bisync' && NEWER_BISYNC_FLAGS.test(a)) continue
    else out.push(a)
  }
  return out
}

function main() {
  const argv = process.argv.slice(2)
  const real = findRealRclone()
  if (!real) {
    process.stderr.write(
      'rclone-translator: the real rclone was not found (set RCLONE_JOBS_REAL_RCLONE or put rclone on PATH)\n',
    )
    process.exit(127)
  }
  const t = new Translator(argv)
  const child = spawn(real, realArgs(argv), { stdio: ['ignore', 'pipe', 'pipe'] })

  // Signals go to rclone; the translator ends when it does.
  const forward = (sig) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig)
  }
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP']
  for (const s of signals) process.on(s, forward)

  // stdout: byte for byte, except the first line of `rclone version`.
  let versionHead = t.isVersion ? [] : undefined
  child.stdout.on('data', (chunk) => {
    if (versionHead === undefined) {
      process.stdout.write(chunk)
      return
    }
    versionHead.push(chunk)
    const all = Buffer.concat(versionHead)
    const nl = all.indexOf(0x0a)
    if (nl < 0) return
    const first = all
      .subarray(0, nl)
      .toString('utf8')
      .replace(/^rclone v\S+/, `rclone v${TARGET_VERSION}`)
    process.stdout.write(Buffer.concat([Buffer.from(first, 'utf8'), all.subarray(nl)]))
    versionHead = undefined
  })

  // With --log-file, rclone v1.75.0 writes its log there (fs/log/log.go: the file replaces stderr).
  const logFd = typeof t.args.logFile === 'string' ? openSync(t.args.logFile, 'a') : undefined
  const errWrite = (data) => (logFd === undefined ? process.stderr.write(data) : writeSync(logFd, data))
  const err = new ByteLines((bytes, newline) => {
    const text = bytes.toString('utf8')
    const lines = t.line(text)
    if (lines.length === 1 && lines[0] === text) {
      // Unchanged: the original bytes, even when they are not valid UTF-8.
      errWrite(newline ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes)
      return
    }
    for (const l of lines) errWrite(`${l}\n`)
  })
  child.stderr.on('data', (chunk) => err.push(chunk))

  let startError
  child.on('error', (e) => {
    startError = e
  })
  child.on('close', (code, signal) => {
    if (startError !== undefined) {
      for (const s of signals) process.removeListener(s, forward)
      process.stderr.write(`rclone-translator: could not start ${real}: ${startError.message}\n`)
      process.exitCode = 127
      return
    }
    if (versionHead?.length) process.stdout.write(Buffer.concat(versionHead))
    err.end()
    for (const s of signals) process.removeListener(s, forward)
    if (code === null) {
      // Killed by a signal: end the same way, so the caller sees the signal.
      process.kill(process.pid, signal ?? 'SIGTERM')
      return
    }
    for (const l of t.finish(code)) errWrite(`${l}\n`)
    if (logFd !== undefined) closeSync(logFd)
    process.exitCode = t.exitCode(code)
  })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
