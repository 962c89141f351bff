/**
 * What the end-to-end tests against real S3, SFTP and FTP servers share: rclone with the servers' config (to set up
 * and look at what is on a server), the bundle run with that config, and readers of what the action wrote.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { type BundleRun, runBundle } from './bundle.js'
import { requireRclone } from './rclone.js'
import {
  cleanRcloneEnv,
  type FtpServer,
  type S3Server,
  type SftpServer,
  useFtp,
  useS3,
  useSftp,
} from './remote-servers.js'

/** The three servers of a test file, their rclone.conf, rclone to look at them, and the bundle with that config. */
export interface Remotes {
  readonly s3: S3Server
  readonly sftp: SftpServer
  readonly ftp: FtpServer
  /**
   * Remotes `s3` (uploads over 5 MiB are multipart: rclone's default cutoff is 200 MiB), `sftp` (with a shell, so
   * with MD5), `sftponly` (no shell, no hashes) and `ftp`.
   */
  readonly config: string
  readonly rc: ReturnType<typeof rcloneWith>
  readonly run: ReturnType<typeof runWith>
  /** A folder for the file's own files, removed after it. */
  readonly work: string
}

/**
 * Starts Ceph RGW, sshd and vsftpd once for the calling test file (beforeAll; each prints how long it took) and
 * stops them after it; call at the top of the file, and the returned function in tests.
 */
export function useRemotes(): () => Remotes {
  const s3server = useS3()
  const sftpServer = useSftp()
  const ftpServer = useFtp()
  let remotes: Remotes | undefined
  // Runs after the servers' own beforeAll hooks (hooks run in the order they were registered).
  beforeAll(() => {
    requireRclone()
    const [s3, sftp, ftp] = [s3server(), sftpServer(), ftpServer()]
    for (const [name, s] of Object.entries({ s3, sftp, ftp }))
      console.log(`${name} started in ${s.startedInMs} ms: ${JSON.stringify(s.phasesMs)}`)
    const work = mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-remotes-'))
    const config = [
      `${s3.config('s3')}upload_cutoff = 5M\nchunk_size = 5M\n`,
      sftp.config('sftp'),
      sftp.config('sftponly', { sftpOnly: true }),
      ftp.config('ftp'),
    ].join('\n')
    remotes = { s3, sftp, ftp, config, rc: rcloneWith(config, work), run: runWith(config), work }
  })
  afterAll(() => {
    if (remotes) rmSync(remotes.work, { recursive: true, force: true })
    remotes = undefined
  })
  return () => {
    if (!remotes) throw new Error('useRemotes(): the servers are not running (call it at the top of a file)')
    return remotes
  }
}

/** One result entry of the `results` output. */
export type Result = Record<string, unknown> & {
  job: string
  destination: string
  status: string
  transfers: number | null
  deletes: number | null
  versions?: { folder: string; pruned: string[] }
}

/** The `results` output. */
export function results(r: BundleRun): Result[] {
  return JSON.parse(r.outputs.results ?? '[]') as Result[]
}

/** The result for one destination (by a part of its path). */
export function resultFor(r: BundleRun, destination: string): Result {
  const found = results(r).find((x) => x.destination.includes(destination))
  if (!found) throw new Error(`no result for ${destination} in ${r.outputs.results}\n${r.stdout}`)
  return found
}

/** rclone with an rclone.conf of the given text, in a clean environment (no AWS_*, no RCLONE_*). */
export function rcloneWith(config: string, dir: string) {
  const file = path.join(dir, 'inspect-rclone.conf')
  writeFileSync(file, config)
  const rc = (args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const child = execFile(
        'rclone',
        args,
        { env: cleanRcloneEnv({ RCLONE_CONFIG: file }), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
        },
      )
      child.stdin?.end(input ?? '')
    })
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await rc(args, input)
    if (r.code !== 0) throw new Error(`rclone ${args.join(' ')} exited ${r.code}:\n${r.stderr}`)
    return r.stdout
  }
  return {
    rc,
    ok,
    /** `path;size` of every file under `remote`, sorted. */
    listing: async (remote: string): Promise<string[]> =>
      (await ok(['lsf', '-R', '--files-only', '--format', 'ps', remote])).split('\n').filter(Boolean).sort(),
    /** Every file under `remote` and its MD5 (empty where the backend has none). */
    sums: async (remote: string): Promise<Map<string, string>> => {
      const out = await ok(['md5sum', remote])
      const m = new Map<string, string>()
      for (const line of out.split('\n').filter(Boolean)) m.set(line.slice(34), line.slice(0, 32).trim())
      return m
    },
    /** Writes `text` to `remote` (a file path). */
    put: (remote: string, text: string) => ok(['rcat', remote], text).then(() => undefined),
  }
}

/** What changed between two `sums` of one folder: added, changed (another MD5) and removed paths. */
export function changesBetween(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): { added: string[]; changed: string[]; removed: string[] } {
  const added = [...after.keys()].filter((p) => !before.has(p)).sort()
  const changed = [...after.keys()].filter((p) => before.has(p) && before.get(p) !== after.get(p)).sort()
  const removed = [...before.keys()].filter((p) => !after.has(p)).sort()
  return { added, changed, removed }
}

/** The bundle, as a runner runs it, with the system rclone and this config. */
export function runWith(config: string) {
  return (ws: string, inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runBundle(ws, { 'rclone-version': 'system', 'rclone-config': config, ...inputs }, env)
}

/** Every file under a folder, with its text. */
export function filesUnder(root: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = []
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const e of entries) {
      const full = path.join(dir, e)
      if (statSync(full).isDirectory()) walk(full)
      else out.push({ file: full, text: readFileSync(full, 'latin1') })
    }
  }
  walk(root)
  return out
}

/** The per-file change lines a run wrote to its report-dir for one job and destination: `kind path`, sorted. */
export function reportedChanges(r: BundleRun, job: string, index: number): string[] {
  const dir = r.outputs['report-dir']
  if (!dir) throw new Error('no report-dir output')
  const prefix = path.join(dir, job, `${String(index).padStart(2, '0')}-`)
  const out: string[] = []
  for (const f of filesUnder(path.join(dir, job))) {
    if (!f.file.startsWith(prefix) || !f.file.endsWith('.jsonl')) continue
    for (const l of f.text.split('\n').filter(Boolean)) {
      const v = JSON.parse(l) as { change?: string; path: string }
      if (v.change) out.push(`${v.change} ${v.path}`)
    }
  }
  return out.sort()
}
