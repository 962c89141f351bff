/**
 * `rclone-jobs import`: rclone command lines (scripts, crontabs, standard input, arguments) to job files. The
 * mapping is checked line by line; the end-to-end tests import real scripts and crontabs (tests/fixtures/import),
 * validate and run the written jobs with the action's own `run`, and compare the folders with what the original
 * commands, run by the real rclone with the same argument vectors (no shell), left in an identical copy.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../src/cli.js'
import type { ImportReport } from '../src/commands/import.js'
import {
  type CommandOutcome,
  groupJobs,
  importArguments,
  importScript,
  JOB_FLAGS,
  nameFromPath,
} from '../src/jobs/from-rclone.js'
import { bisyncSchema, filtersSchema, optionsSchema } from '../src/jobs/schema.js'
import { readScript } from '../src/jobs/shell-commands.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { testRcloneBinary } from './helpers/rclone-versions.js'

beforeAll(() => {
  requireRclone()
})

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'import')
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8')

/** `--filter-from` files, read from this map. */
const files =
  (map: Record<string, string> = {}) =>
  (file: string): string => {
    const text = map[file]
    if (text === undefined) throw new Error(`ENOENT: no such file, open '${file}'`)
    return text
  }

/** Maps a script given as text, with `--*-from` files from `map`. */
function outcomes(text: string, map: Record<string, string> = {}): CommandOutcome[] {
  return importScript('t.sh', text, { readFile: files(map) })
}

/** The one outcome of a one-line script. */
function one(text: string, map: Record<string, string> = {}): CommandOutcome {
  const all = outcomes(text, map)
  expect(all).toHaveLength(1)
  return all[0] as CommandOutcome
}

function mapped(text: string, map: Record<string, string> = {}) {
  const o = one(text, map)
  if (o.kind !== 'mapped') throw new Error(`expected a mapped command, got ${JSON.stringify(o)}`)
  return o
}

/** Runs the CLI in `cwd`; what it wrote to stdout and stderr, and its exit code. */
async function cli(
  cwd: string,
  args: string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(
    args,
    { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => stdin },
    cwd,
  )
  return { code, out: out.join('\n'), err: err.join('\n') }
}

describe('flags to job keys', () => {
  it('are read off the schema: every option, filter and bisync key, and create-empty-src-dirs', () => {
    const flags = (section: string) =>
      [...JOB_FLAGS.values()].filter((t) => t.section === section).map((t) => t.key)
    expect(flags('options')).toEqual(Object.keys(optionsSchema.shape))
    // `types` is RcloneView's predefined filters, not an rclone flag.
    expect(flags('filters')).toEqual(Object.keys(filtersSchema.shape).filter((k) => k !== 'types'))
    expect(flags('bisync')).toEqual(Object.keys(bisyncSchema.shape))
    expect(flags('job')).toEqual(['create-empty-src-dirs'])
    expect(JOB_FLAGS.get('transfers')?.kind).toBe('value')
    expect(JOB_FLAGS.get('checksum')?.kind).toBe('bool')
    expect(JOB_FLAGS.get('exclude')?.kind).toBe('list')
  })

  it('map values to the types the schema takes, lists in order, booleans without a value', () => {
    const m = mapped(
      `rclone sync /data remote:backup --transfers 8 --exclude '*.tmp' --exclude=.DS_Store -c --max-age 7d --bwlimit "08:00,512k 19:00,off" --backup-dir remote:trash --max-transfer 100 --create-empty-src-dirs --fast-list=false -u --max-delete=50`,
    )
    expect(m.command).toEqual({
      mode: 'sync',
      source: '/data',
      destination: 'remote:backup',
      settings: {
        'create-empty-src-dirs': true,
        options: {
          transfers: 8,
          checksum: true,
          bwlimit: '08:00,512k 19:00,off',
          'fast-list': false,
          'max-delete': 50,
          'backup-dir': 'remote:trash',
          update: true,
          'max-transfer': '100',
        },
        filters: { exclude: ['*.tmp', '.DS_Store'], 'max-age': '7d' },
        bisync: {},
      },
    })
  })

  it('follow POSIX quoting: single, double, escaped, joined words', () => {
    const m = mapped(`rclone copy 'it''s here' "c \\"q\\" \\$x" --include=a\\ b`)
    expect(m.command.source).toBe('its here')
    expect(m.command.destination).toBe('c "q" $x')
    expect(m.command.settings.filters).toEqual({ include: ['a b'] })
  })

  it('read --filter-from, --include-from and --exclude-from after the flags of the same list, as rclone orders them', () => {
    const rules = {
      'rules.txt': '# comment\n; also a comment\n\n  + *.jpg  \n- *\n',
      'ex.txt': '*.tmp\n',
      'in.txt': 'docs/**\n',
    }
    const m = mapped(
      'rclone sync a b --filter-from rules.txt --filter "- secret" --exclude-from ex.txt --exclude x',
      rules,
    )
    expect(m.command.settings.filters).toEqual({
      exclude: ['x', '*.tmp'],
      filter: ['- secret', '+ *.jpg', '- *'],
    })
    expect(m.notes.join('\n')).toContain('the rules of rules.txt are now in the job (filters.filter)')
    const included = mapped('rclone sync a b --include-from in.txt --include "*.md"', rules)
    expect(included.command.settings.filters).toEqual({ include: ['*.md', 'docs/**'] })
  })

  it('read RCLONE_<FLAG>=value before rclone as the flag, the flag on the line winning', () => {
    const m = mapped(
      'RCLONE_TRANSFERS=8 RCLONE_CHECKSUM=true RCLONE_CHECKERS=4 rclone sync a b --checkers 16',
    )
    expect(m.command.settings.options).toEqual({ transfers: 8, checkers: 16, checksum: true })
  })

  it('take bisync flags and --resync for bisync', () => {
    const m = mapped('rclone bisync a remote:b --resync --check-access --conflict-resolve newer')
    expect(m.command.settings).toMatchObject({
      resync: true,
      bisync: { 'check-access': true, 'conflict-resolve': 'newer' },
    })
    expect(m.notes.join('\n')).toContain('bisync-state store')
  })
})

describe('refusals', () => {
  it.each([
    ['rclone sync a b --config /etc/rclone.conf', '--config', 'rclone-config'],
    ['rclone sync a b --log-file=/var/log/rclone.log', '--log-file', 'keeps the log'],
    ['rclone sync -P a b', '-P', "sets rclone's log level"],
    ['rclone sync a b --dry-run', '--dry-run', 'the `plan` command'],
    ['rclone sync -vn a b', '-n', 'the `plan` command'],
    ['rclone sync a b --no-traverse', '--no-traverse', 'is not a job key'],
    ['rclone sync a b -x', '-x', 'is not a job key'],
    ['rclone sync a b --transfers 0', '--transfers', '>=1'],
    ['rclone sync a b --transfers many', '--transfers', '"many": "many" is not a whole number'],
    ['rclone sync a b --checksum=maybe', '--checksum', 'is not true or false'],
    ['rclone sync a b --max-size 10Q', '--max-size', '"10Q": must be a size as rclone reads it'],
    ['rclone sync a b --cutoff-mode gentle', '--cutoff-mode', '"gentle": Invalid option'],
    [
      "rclone sync a b --include '*.jpg' --exclude '*.tmp'",
      '--exclude',
      'write the rules in order under "filter"',
    ],
    ["rclone sync a b --filter 'keep *'", '--filter', 'filter rule'],
    ['rclone sync a b --filter-from rules.txt', '--filter-from', 'rules.txt could not be read'],
    ['rclone copy a b --resync', '--resync', 'rclone copy has no such flag'],
    ['rclone sync a b --conflict-resolve newer', '--conflict-resolve', 'rclone sync has no such flag'],
    ['AWS_PROFILE=backup rclone sync a b', 'AWS_PROFILE', "set it in the workflow's env:"],
    ['RCLONE_CONFIG_S3_TYPE=s3 rclone sync a s3:b', 'RCLONE_CONFIG_S3_TYPE', 'defines a remote'],
    ['RCLONE_CONFIG=/x.conf rclone sync a b', 'RCLONE_CONFIG', 'names a config file'],
    ['RCLONE_VERBOSE=1 rclone sync a b', 'RCLONE_VERBOSE', 'is --verbose'],
    ['RCLONE_NO_TRAVERSE=1 rclone sync a b', 'RCLONE_NO_TRAVERSE', '--no-traverse is not a job key'],
    ['rclone sync ":sftp,host=h,pass=hunter2:/x" b', 'source', 'carries a credential (pass)'],
    ['rclone sync -- -a b', 'source', 'must not begin with "-"'],
  ])('%s: %s', (line, flag, reason) => {
    const o = one(line)
    expect(o.kind).toBe('refused')
    if (o.kind !== 'refused') return
    const r = o.refusals.find((x) => x.flag === flag)
    expect(r, JSON.stringify(o.refusals)).toBeDefined()
    expect(r?.message).toContain(reason)
  })

  it.each([
    ['rclone sync $HOME/docs b', '$HOME in "$HOME/docs" is expanded by the shell'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${...}, not a template
    ['rclone sync "${SRC}" b', '"$SRC" is expanded by the shell'],
    ['rclone sync a b --backup-dir=$TRASH/x', '$TRASH in "$TRASH/x" is expanded'],
    ['rclone sync `hostname`:/x b', 'command substitution'],
    ['rclone sync a remote:$(date +%F)', '$(date +%F) in "remote:$(date +%F)" is command substitution'],
    ['rclone sync a b --include *.jpg', "quote it ('*.jpg')"],
    ['rclone sync ~/docs b', '"~" is the home folder'],
    ['rclone sync a b --backup-dir=~/trash', 'a folder named "~"'],
    ['rclone sync a', 'takes a source and a destination; this line has only a'],
    ['rclone sync a b c', 'the words after them (c)'],
    ['timeout 1h rclone sync a b', 'rclone runs under "timeout"'],
    ['$RCLONE sync a b', 'the program is $RCLONE'],
    ['rclone sync remote:a#b c', '"#" inside a word'],
    ['rclone sync "a b c', 'the double quote opened on line 1 is never closed'],
  ])('%s is refused: %s', (line, reason) => {
    const o = one(line)
    expect(o.kind).toBe('refused')
    if (o.kind !== 'refused') return
    expect(o.refusals.map((r) => r.message).join('\n')).toContain(reason)
  })
})

describe('lines that are not rclone sync, copy or bisync', () => {
  it.each([
    ['rclone ls remote:', 'rclone ls is not a sync, copy or bisync command'],
    ['rclone --config x.conf lsf remote:', 'rclone lsf is not a sync'],
    ['echo rclone sync a b', 'not an rclone sync, copy or bisync command (echo)'],
    ['MAILTO=ops@example.com', 'only sets MAILTO'],
    ['RCLONE_TRANSFERS=4', 'put the flag on the rclone line'],
    ['export RCLONE_TRANSFERS=4', 'put the flag on the rclone line'],
    ['echo "unclosed', 'the line could not be read'],
  ])('%s is ignored: %s', (line, reason) => {
    const o = one(line)
    expect(o).toMatchObject({ kind: 'ignored' })
    if (o.kind === 'ignored') expect(o.reason).toContain(reason)
  })

  it('reads every command of a line, inside constructs too, and skips here-documents and comments', () => {
    const all = outcomes(
      [
        '# rclone sync commented out',
        'cd /srv && rclone sync /srv/a b2:a || mail -s failed ops',
        'if [ -d /c ]; then',
        '  rclone copy /c b2:c &',
        'fi',
        'cat <<EOF',
        'rclone sync not-a-command here',
        'EOF',
        'rclone copy /e b2:e',
      ].join('\n'),
    )
    expect(all.map((o) => [o.kind, o.origin.line])).toEqual([
      ['ignored', 2],
      ['mapped', 2],
      ['ignored', 2],
      ['ignored', 3],
      ['mapped', 4],
      ['ignored', 6],
      ['mapped', 9],
    ])
    const background = all[4]
    expect(background?.kind === 'mapped' && background.notes.join('\n')).toContain('in the background')
  })

  it('refuses relative paths after the script changed folder (cd), where they mean another folder', () => {
    const all = outcomes(
      'rclone sync data b2:a\ncd /srv\nrclone sync data b2:b --backup-dir old\nrclone sync /srv/data b2:c',
    )
    expect(all.map((o) => [o.kind, o.origin.line])).toEqual([
      ['mapped', 1],
      ['ignored', 2],
      ['refused', 3],
      ['mapped', 4],
    ])
    expect(all[2]?.kind === 'refused' && all[2].refusals).toEqual([
      {
        flag: 'source',
        message:
          '"data" is relative to the folder the script changed to (cd on line 2), which a job does not know; write the full path',
      },
      {
        flag: '--backup-dir',
        message:
          '"old" is relative to the folder the script changed to (cd on line 2), which a job does not know; write the full path',
      },
    ])
  })

  it('finds rclone behind env assignments, sudo, env, nice, ionice, nohup, flock and as a path', () => {
    for (const line of [
      'sudo rclone sync a b',
      'sudo -u backup -H /usr/bin/rclone sync a b',
      '/usr/bin/sudo rclone sync a b',
      'env RCLONE_TRANSFERS=3 nice -n 10 ionice -c3 rclone sync a b',
      'nohup ./bin/rclone sync a b',
      'flock -n /tmp/backup.lock rclone sync a b',
      'exec rclone sync a b',
    ]) {
      const m = mapped(line)
      expect(m.command).toMatchObject({ mode: 'sync', source: 'a', destination: 'b' })
    }
    expect(mapped('sudo rclone sync a b').notes.join('\n')).toContain('under sudo')
    expect(mapped('env RCLONE_TRANSFERS=3 nice -n 10 rclone sync a b').command.settings.options).toEqual({
      transfers: 3,
    })
  })
})

describe('crontab entries', () => {
  it.each([
    ['30 2 * * * rclone sync a b', '30 2 * * *'],
    ['*/15 * * * * rclone sync a b', '*/15 * * * *'],
    ['0 3 * * 7 rclone sync a b', '0 3 * * 0'],
    ['0 3 * * 5-7 rclone sync a b', '0 3 * * 5-6,0'],
    ['0 9 1 JAN,JUL MON-FRI rclone sync a b', '0 9 1 JAN,JUL MON-FRI'],
    ['@daily rclone sync a b', '0 0 * * *'],
    ['@midnight rclone sync a b', '0 0 * * *'],
    ['@hourly rclone sync a b', '0 * * * *'],
    ['@weekly rclone sync a b', '0 0 * * 0'],
    ['@monthly rclone sync a b', '0 0 1 * *'],
    ['@yearly rclone sync a b', '0 0 1 1 *'],
    ['@annually rclone sync a b', '0 0 1 1 *'],
  ])('%s runs on "%s"', (line, cron) => {
    const m = mapped(line)
    expect(m.command.schedule).toBe(cron)
    expect(m.notes.join('\n')).toContain('GitHub runs schedules in UTC')
  })

  it('reads the user field of a system crontab, and \\% as a percent sign', () => {
    const m = mapped('30 2 * * * root rclone sync a "b\\%"')
    expect(m.command).toMatchObject({ source: 'a', destination: 'b%', schedule: '30 2 * * *' })
    expect(m.notes.join('\n')).toContain('as the user root')
  })

  it.each([
    ['@reboot rclone sync a b', '@reboot runs when the machine starts'],
    ['0 25 * * * rclone sync a b', 'cron hour "25"'],
    ['30 2 * * * rclone sync a b%c', 'an unescaped % in a crontab command'],
  ])('%s is refused: %s', (line, reason) => {
    const o = one(line)
    expect(o.kind).toBe('refused')
    if (o.kind === 'refused') expect(o.refusals.map((r) => r.message).join('\n')).toContain(reason)
  })
})

describe('commands to jobs', () => {
  const drafts = (text: string) => groupJobs(outcomes(text).flatMap((o) => (o.kind === 'mapped' ? [o] : [])))

  it('same mode, source and flags (in any order) make one job with several destinations', () => {
    const jobs = drafts(
      [
        'rclone sync /data b2:one --transfers 4 --exclude "*.tmp"',
        'rclone sync /data s3:two --exclude "*.tmp" --transfers=4',
        'rclone sync /data s3:three --transfers 8',
        'rclone copy /data s3:four --transfers 4 --exclude "*.tmp"',
        'rclone sync /data b2:one --transfers 4 --exclude "*.tmp"',
      ].join('\n'),
    )
    expect(jobs.map((j) => [j.mode, j.destinations, j.origins.map((o) => o.line)])).toEqual([
      ['sync', ['b2:one', 's3:two'], [1, 2, 5]],
      ['sync', ['s3:three'], [3]],
      ['copy', ['s3:four'], [4]],
    ])
  })

  it('one command on several crons is one job with each cron; another cron makes another job', () => {
    const jobs = drafts(
      [
        '@daily rclone copy /data b2:a',
        '@hourly rclone copy /data b2:a',
        '@daily rclone copy /data b2:b',
        '30 2 * * * rclone copy /data b2:c',
      ].join('\n'),
    )
    expect(jobs.map((j) => [j.destinations, j.schedule])).toEqual([
      [['b2:a'], ['0 0 * * *', '0 * * * *']],
      [['b2:b'], ['0 0 * * *']],
      [['b2:c'], ['30 2 * * *']],
    ])
  })

  it.each([
    ['gdrive:Camera/2024', '2024'],
    ['gdrive:Camera/2024/', '2024'],
    ['b2:', 'b2'],
    [':s3,provider=AWS:bucket/photos', 'photos'],
    [':s3:', 's3'],
    ['/home/me/My Documents', 'My-Documents'],
    ['.', 'sync'],
    ['/', 'sync'],
  ])('a job from %s is named %s', (p, name) => {
    expect(nameFromPath(p, 'sync')).toBe(name)
  })

  it('reads a command given as arguments as final words: nothing is expanded again', () => {
    const o = importArguments(['rclone', 'copy', '$HOME', '*.d'], { readFile: files() })
    expect(o).toMatchObject({ kind: 'mapped', command: { source: '$HOME', destination: '*.d' } })
  })
})

/** Every file under `root` gets one modification time, so that two copies of a tree compare the same way. */
function freeze(root: string): void {
  const when = new Date('2026-01-01T00:00:00Z')
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir)) {
      const full = path.join(dir, e)
      if (statSync(full).isDirectory()) walk(full)
      utimesSync(full, when, when)
    }
  }
  walk(root)
}

/** The starting folders of the end-to-end tests: a source, rules, and destinations with files to replace. */
function seed(ws: string): void {
  writeTree(ws, {
    'team share/report.txt': 'quarterly numbers',
    'team share/notes.tmp': 'scratch',
    'team share/big.bin': 'x'.repeat(4096),
    'team share/secret.txt': 'do not copy',
    'team share/photos/a.jpg': 'jpeg-a',
    'rules.txt': '# text files only\n+ *.txt\n- *\n',
    'out/plain copy/old.txt': 'only here: moved to the trash by the sync',
    'out/plain copy/report.txt': 'stale',
    'out/nightly/old.txt': 'deleted by the sync',
    'out/sunday/report.txt': 'an older report',
  })
  mkdirSync(path.join(ws, 'team share', 'empty'))
  freeze(ws)
}

/**
 * Runs the original commands of `lines` of `script` with the real rclone in `ws`: the argument vector after
 * `rclone` and the `RCLONE_*` variables before it, as the shell would have passed them, with no shell in between.
 */
function runOriginals(ws: string, script: string, lines: ReadonlySet<number>): void {
  for (const line of readScript(script)) {
    if (!lines.has(line.line)) continue
    for (const command of line.commands) {
      const words = command.words.map((w) => w.text)
      const at = words.findIndex((w) => w === 'rclone' || w.endsWith('/rclone'))
      if (at < 0) continue
      const env = Object.fromEntries(
        words
          .slice(0, at)
          .filter((w) => w.startsWith('RCLONE_'))
          .map((w) => w.split(/=(.*)/s).slice(0, 2)),
      )
      execFileSync(testRcloneBinary(), words.slice(at + 1), {
        cwd: ws,
        env: { ...process.env, ...env },
        stdio: 'pipe',
      })
    }
  }
}

/** Imports `script` in a fresh copy of the folders, runs the written jobs with the action, runs the originals in another copy. */
async function importAndRun(name: string, script: string, workflow?: string) {
  const viaJobs = tempDir()
  const original = tempDir()
  seed(viaJobs)
  seed(original)
  writeTree(viaJobs, { [name]: script, ...(workflow ? { '.github/workflows/backup.yml': workflow } : {}) })
  const imported = await cli(viaJobs, ['import', name, '--format', 'json'])
  const report = JSON.parse(imported.out) as ImportReport
  const validate = await cli(viaJobs, ['validate', 'jobs'])
  const run = await cli(viaJobs, ['run', 'jobs', '--max-parallel', '1'])
  runOriginals(original, script, new Set(report.jobs.flatMap((j) => j.from.map((o) => o.line))))
  return { viaJobs, original, imported, report, validate, run }
}

describe('import, end to end with the real rclone', () => {
  it('a shell script: the written jobs validate and leave the same folders as the original commands', async () => {
    const script = fixture('nightly.sh')
    const r = await importAndRun('nightly.sh', script)
    expect([r.imported.code, r.imported.err]).toEqual([0, ''])
    expect(r.report.jobs.map((j) => [j.file, j.destinations, j.from.map((o) => o.line)])).toEqual([
      ['jobs/team-share.yml', ['out/plain copy'], [8]],
      ['jobs/team-share-2.yml', ['out/filtered'], [13]],
      ['jobs/team-share-3.yml', ['out/mirror-a', 'out/mirror-b'], [16, 17]],
    ])
    expect(r.report.ignored.map((i) => [i.line, i.reason])).toEqual([
      [3, 'not an rclone sync, copy or bisync command (set)'],
      [5, 'not an rclone sync, copy or bisync command (echo)'],
      [19, 'not an rclone sync, copy or bisync command ([)'],
      [19, 'rclone lsf is not a sync, copy or bisync command; a job runs one of those'],
      [19, 'not an rclone sync, copy or bisync command (wc)'],
    ])
    expect(readFileSync(path.join(r.viaJobs, 'jobs/team-share.yml'), 'utf8')).toBe(
      [
        '# yaml-language-server: $schema=https://raw.githubusercontent.com/org/rclone-jobs/v1/schema/job.schema.json',
        '# Imported by `rclone-jobs import` from:',
        "#   nightly.sh:8: RCLONE_TRANSFERS=2 rclone sync \"team share\" 'out/plain copy' --exclude '*.tmp' --backup-dir=out/trash >> backup.log 2>&1",
        '',
        'source: team share',
        'destinations:',
        '  - out/plain copy',
        'mode: sync',
        'options:',
        '  transfers: 2',
        '  backup-dir: out/trash',
        'filters:',
        '  exclude:',
        '    - "*.tmp"',
        '',
      ].join('\n'),
    )
    expect(readFileSync(path.join(r.viaJobs, 'jobs/team-share-2.yml'), 'utf8')).toContain(
      'filters:\n  filter:\n    - "- secret.txt"\n    - + *.txt\n    - "- *"\n',
    )
    expect([r.validate.code, r.validate.err]).toEqual([0, ''])
    expect([r.run.code, r.run.err]).toEqual([0, ''])
    const after = readTree(path.join(r.viaJobs, 'out'))
    expect(after).toEqual(readTree(path.join(r.original, 'out')))
    // The runs did something worth comparing: a replaced file kept, rules applied, empty folders made.
    expect(after).toMatchObject({
      'trash/old.txt': 'only here: moved to the trash by the sync',
      'trash/report.txt': 'stale',
      'filtered/report.txt': 'quarterly numbers',
      'mirror-b/empty/': '',
    })
    expect(after['filtered/secret.txt']).toBeUndefined()
    expect(after['mirror-a/big.bin']).toBeUndefined()
  })

  it('a crontab: schedules become crons, refused lines are named and written nowhere, the rest runs the same', async () => {
    // The workflow lists the crons, as the import's notes ask; validate warns about a cron no workflow lists.
    const workflow = [
      'on:',
      '  schedule:',
      ...['30 2 * * *', '0 3 * * 0', '0 0 * * *', '0 * * * *'].map((c) => `    - cron: "${c}"`),
      'jobs: {}',
      '',
    ].join('\n')
    const r = await importAndRun('crontab', fixture('crontab'), workflow)
    expect(r.imported.code).toBe(1)
    expect(r.imported.err.split('\n')).toEqual([
      'crontab:9: error: $HOME in "$HOME/inbox" is expanded by the shell when the line runs, to a value only known there; write the value itself',
      "crontab:10: error: -v: the action sets rclone's log level and format itself, to read what each run did, and keeps the log; leave it out",
      "crontab:10: error: --log-file: the action sets rclone's log level and format itself, to read what each run did, and keeps the log; leave it out",
      'crontab:11: error: schedule: @reboot: @reboot runs when the machine starts; a job runs on a schedule (or on every trigger without one): write a five-field cron instead',
    ])
    expect(r.report).toMatchObject({
      success: false,
      message: '3 commands refused; nothing was written for them',
    })
    expect(r.report.jobs.map((j) => [j.name, j.destinations, j.schedule])).toEqual([
      ['team-share', ['out/nightly'], ['30 2 * * *']],
      ['team-share-2', ['out/sunday'], ['0 3 * * 0']],
      ['team-share-3', ['out/daily'], ['0 0 * * *', '0 * * * *']],
    ])
    expect(r.report.ignored.map((i) => i.reason)).toEqual(['only sets MAILTO', 'only sets SHELL'])
    expect(readFileSync(path.join(r.viaJobs, 'jobs/team-share-3.yml'), 'utf8')).toContain(
      'schedule:\n  - "0 0 * * *"\n  - "0 * * * *"\n',
    )
    expect(readFileSync(path.join(r.viaJobs, 'jobs/team-share-2.yml'), 'utf8')).toContain(
      'filters:\n  min-size: 1b\nschedule: "0 3 * * 0"\n',
    )
    expect(readdirSync(path.join(r.viaJobs, 'jobs')).sort()).toEqual([
      'team-share-2.yml',
      'team-share-3.yml',
      'team-share.yml',
    ])
    expect([r.validate.code, r.run.code, r.run.err]).toEqual([0, 0, ''])
    const after = readTree(path.join(r.viaJobs, 'out'))
    expect(after).toEqual(readTree(path.join(r.original, 'out')))
    expect(after['nightly/old.txt']).toBeUndefined()
    expect(after['nightly/report.txt']).toBe('quarterly numbers')
    expect(after['sunday/report.txt']).toBe('quarterly numbers')
  })

  it('bisync with --resync, given as arguments: the job resyncs once and leaves both sides as rclone does', async () => {
    const words = ['rclone', 'bisync', 'left', 'right', '--resync', '--checksum']
    const setup = (ws: string) => {
      writeTree(ws, {
        'left/a.txt': 'a',
        'left/both.txt': 'left',
        'right/b.txt': 'b',
        'right/both.txt': 'right!',
      })
      freeze(ws)
    }
    const viaJobs = tempDir()
    const original = tempDir()
    setup(viaJobs)
    setup(original)
    const imported = await cli(viaJobs, ['import', '--', ...words])
    expect(imported.code).toBe(0)
    expect(imported.out).toContain('wrote jobs/left.yml: bisync left -> right')
    expect(readFileSync(path.join(viaJobs, 'jobs/left.yml'), 'utf8')).toContain('resync: true\n')
    const run = await cli(viaJobs, ['run', 'jobs', '--bisync-state', 'state'])
    expect([run.code, run.err]).toEqual([0, ''])
    execFileSync(testRcloneBinary(), words.slice(1), { cwd: original, stdio: 'pipe' })
    for (const side of ['left', 'right'])
      expect(readTree(path.join(viaJobs, side))).toEqual(readTree(path.join(original, side)))
    expect(readTree(path.join(viaJobs, 'left'))['b.txt']).toBe('b')
  })
})

describe('import on the command line', () => {
  it('reads standard input when no file is named', async () => {
    const ws = tempDir()
    const r = await cli(ws, ['import'], 'rclone sync src dst --transfers 4\n')
    expect(r.code).toBe(0)
    expect(r.out).toContain('wrote jobs/src.yml: sync src -> dst; from <stdin>:1')
    expect(readFileSync(path.join(ws, 'jobs/src.yml'), 'utf8')).toContain('options:\n  transfers: 4\n')
  })

  it('--dry-run shows the files it would write and writes nothing', async () => {
    const ws = tempDir()
    const r = await cli(ws, ['import', '--dry-run', '--', 'rclone', 'copy', 'src', 'b2:bk', '--checksum'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('would write jobs/src.yml: copy src -> b2:bk')
    expect(r.out).toContain(
      '    # yaml-language-server: $schema=https://raw.githubusercontent.com/org/rclone-jobs/v1/schema/job.schema.json\n',
    )
    expect(r.out).toContain('    options:\n      checksum: true\n')
    expect(existsSync(path.join(ws, 'jobs'))).toBe(false)
  })

  it('never overwrites: a derived name moves on to -2, a taken --name is refused', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/src.yml': 'source: other\ndestinations: [elsewhere]\n',
      'jobs/team/photos.yml': 'name: photos\nsource: pics\ndestinations: [b2:pics]\n',
    })
    const derived = await cli(ws, ['import', '--', 'rclone', 'sync', 'src', 'dst'])
    expect(derived.code).toBe(0)
    expect(derived.out).toContain('wrote jobs/src-2.yml')
    expect(readFileSync(path.join(ws, 'jobs/src.yml'), 'utf8')).toBe(
      'source: other\ndestinations: [elsewhere]\n',
    )

    const taken = await cli(ws, ['import', '--name', 'photos', '--', 'rclone', 'sync', 'src', 'dst2'])
    expect(taken.code).toBe(1)
    expect(taken.err).toContain(
      '<arguments>:1: error: --name: a job named "photos" (or its file) already exists in jobs; import never overwrites a file',
    )
    expect(existsSync(path.join(ws, 'jobs/photos.yml'))).toBe(false)
  })

  it('--name names the first job, the others get -2, -3', async () => {
    const ws = tempDir()
    writeTree(ws, { 'b.sh': 'rclone sync a x\nrclone copy a y\nrclone copy b z\n' })
    const r = await cli(ws, ['import', 'b.sh', '--name', 'nightly'])
    expect(r.code).toBe(0)
    expect(readdirSync(path.join(ws, 'jobs')).sort()).toEqual([
      'nightly-2.yml',
      'nightly-3.yml',
      'nightly.yml',
    ])
  })

  it('refuses a job that would not validate, alone or with the jobs already there, and writes the rest', async () => {
    const ws = tempDir()
    writeTree(ws, {
      'jobs/existing.yml': 'source: photos\ndestinations: [b2:photos]\n',
      'b.sh': [
        'rclone sync data data/backup',
        'rclone sync pictures b2:photos/2024',
        'rclone sync docs b2:docs',
      ].join('\n'),
    })
    const r = await cli(ws, ['import', 'b.sh'])
    expect(r.code).toBe(1)
    expect(r.err).toContain(
      'b.sh:1: error: destinations[0]: the job it makes (jobs/data.yml) would not validate: destination "data/backup" is inside the job\'s source "data"',
    )
    expect(r.err).toContain(
      'b.sh:2: error: destinations[0]: the job it makes (jobs/pictures.yml) would not validate: destinations[0] is inside destinations[0] of job "existing" (jobs/existing.yml:2)',
    )
    expect(readdirSync(path.join(ws, 'jobs')).sort()).toEqual(['docs.yml', 'existing.yml'])
  })

  it('validates with the _defaults.yml of the jobs folder', async () => {
    const ws = tempDir()
    writeTree(ws, { 'jobs/_defaults.yml': 'versions:\n  keep: 30d\n' })
    const r = await cli(ws, ['import', '--', 'rclone', 'sync', 'src', 'b2:x', '--backup-dir', 'b2:trash'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('backup-dir and versions both say where replaced files go')
    expect(readdirSync(path.join(ws, 'jobs'))).toEqual(['_defaults.yml'])
  })

  it('--format json prints one document, refusals included', async () => {
    const ws = tempDir()
    writeTree(ws, { 'b.sh': 'rclone sync a b -P\nrclone copy a c\necho hi\n' })
    const r = await cli(ws, ['import', 'b.sh', '--format', 'json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.out) as ImportReport
    expect(report).toMatchObject({
      command: 'import',
      success: false,
      dryRun: false,
      jobs: [
        { name: 'a', file: 'jobs/a.yml', written: true, mode: 'copy', source: 'a', destinations: ['c'] },
      ],
      refused: [{ file: 'b.sh', line: 1, text: 'rclone sync a b -P', problems: [{ flag: '-P' }] }],
      ignored: [{ file: 'b.sh', line: 3, reason: 'not an rclone sync, copy or bisync command (echo)' }],
    })
    expect(report.jobs[0]?.content).toBe(readFileSync(path.join(ws, 'jobs/a.yml'), 'utf8'))
  })

  it.each([
    [['import', 'missing.sh'], 'missing.sh could not be read'],
    [['import', '--name', 'bad name', '--', 'rclone', 'sync', 'a', 'b'], '--name must be letters, digits'],
    [['import', '--mode', 'copy', 'x.sh'], '--mode is not an option of import'],
    [['import', '--format', 'yaml'], '--format must be text or json'],
  ])('usage error %j exits 2', async (args, reason) => {
    const r = await cli(tempDir(), args)
    expect(r.code).toBe(2)
    expect(r.err).toContain(reason)
  })
})
