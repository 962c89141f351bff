/**
 * Real servers from Debian's packages, started on free loopback ports for tests that run rclone against S3 (Ceph
 * RGW), SFTP (OpenSSH) and FTP (vsftpd). Each start function makes a fresh temp folder that holds everything the
 * server writes (config, data, logs, pid files, sockets), waits until rclone itself can list the remote, and
 * returns the connection facts, an rclone.conf section and `stop()`, which kills the server's processes (and their
 * children) by pid and removes the folder. Two instances, in one process or in two test processes, never share a
 * port, a folder or a cluster id.
 *
 * `scripts/install-servers.sh` installs the packages; a missing one fails the test with a message naming it (never
 * a skip).
 *
 * Gotchas found while building this (rclone 1.60.1, Debian 12: Ceph 16.2.15, OpenSSH 9.2, vsftpd 3.0.3):
 * - rclone 1.60.1's S3 backend fails every call with "LoadCustomCABundleError ... unsupported transport" when
 *   AWS_CA_BUNDLE is set (some machines set it): run rclone with `cleanRcloneEnv()`.
 * - RGW rejects bucket names shorter than 3 characters ("InvalidBucketName").
 * - rclone writes what it detects back into rclone.conf: an sftp remote without `shell_type` gets `shell_type`,
 *   `md5sum_command` and `sha1sum_command` saved into the file on first use. The sections below set all three
 *   (shell port) or `shell_type = none` (SFTP-only port), so rclone leaves a test's config file alone.
 * - On the SFTP-only port (`ForceCommand internal-sftp`) rclone's shell detection wrongly reports "unix" (the
 *   forced sftp-server swallows the probe command); its md5sum/sha1sum probes then fail, so hashes end up
 *   unsupported either way. `shell_type = none` says so directly.
 * - vsftpd writes an anonymous login's password into its log ("anon password ..."): the log tails in this file's
 *   errors are redacted.
 * - Ceph without cephx (auth none) also needs every messenger mode to allow "crc": radosgw asks for
 *   ms_mon_client_mode = secure, which cannot work without a session key, and retries the monitor for
 *   rgw_init_timeout (300 s) before giving up. All six `ms ... mode` options are set to "crc secure" below.
 * - Each pool RGW creates costs a monitor proposal, 1 s apiece by default (paxos propose interval): RGW made
 *   its four pools in ~9 s, and the first bucket and upload add three more. A 50 ms interval makes it ~1-2 s.
 * - No ceph-mgr is needed: pools are created by monitor commands (autoscaler off, 8 PGs each, so 7 pools stay far
 *   under mon_max_pg_per_osd on one OSD). `ceph -s` then shows 0 pools and no usage, as those numbers come from
 *   the mgr; `ceph osd pool ls` shows the truth.
 * - An OSD stopped with SIGTERM while its monitor is already gone waits 5 s to tell it; stop() uses SIGKILL (memstore
 *   keeps nothing worth a clean shutdown).
 * - vsftpd refuses an anonymous root that is writable ("refusing to run with writable root inside chroot()";
 *   allow_writeable_chroot does not apply to anonymous users): the writable folder is `data` under a read-only root.
 * - sshd needs an absolute path to itself and, when started as root, its privilege separation folder /run/sshd.
 * - Every command rclone runs over ssh (md5sum per file) starts the user's login shell, and bash sources ~/.bashrc
 *   for sshd's commands: this machine's root .bashrc runs `pyenv init`, ~2 s per md5sum. `SetEnv SHLVL=1` in
 *   sshd_config makes bash a nested shell, which skips it (3.3 s -> 0.8 s to copy two files with hash checks).
 * - Ports come from the kernel (listen on port 0, close, hand to the server): another process could take one in
 *   between; the start then fails with the server's "address in use" in the log tail.
 * - Processes are killed at stop(), or when the test process exits normally; a test process killed by a signal
 *   leaves its servers (each runs in its own process group) and temp folders behind.
 * - FTP and S3 start as root here (as on CI); vsftpd as another user gets run_as_launching_user=YES, untested.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { freePort } from './ports.js'

/** What every started server returns. */
export interface RemoteServer {
  /** The temp folder with the server's config, data and logs; removed by stop(). */
  readonly dir: string
  /** Milliseconds from the start call until rclone could list the remote. */
  readonly startedInMs: number
  /** When each step of the start had finished, in ms since the start call (to see where the time goes). */
  readonly phasesMs: Readonly<Record<string, number>>
  /** Kills the server's processes and their children by pid, then removes `dir`. Safe to call twice. */
  stop(): Promise<void>
}

/** S3 served by Ceph RGW (one monitor, one memstore OSD, radosgw with the beast frontend). */
export interface S3Server extends RemoteServer {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string
  readonly port: number
  readonly accessKey: string
  readonly secretKey: string
  /** An rclone.conf section: type s3, provider Ceph, the endpoint and the keys. */
  config(name?: string): string
}

/** OpenSSH's sshd with two ports: one with a shell (hashes via md5sum/sha1sum), one forced to SFTP only. */
export interface SftpServer extends RemoteServer {
  /** The port with a shell: rclone can run md5sum/sha1sum there, so hashes are supported. */
  readonly port: number
  /** The port with `ForceCommand internal-sftp`: no commands, so no hashes. */
  readonly sftpOnlyPort: number
  /** The user the tests log in as: the user running the tests (sshd runs as that user too). */
  readonly user: string
  /** The user's private key (ed25519, no passphrase). */
  readonly keyFile: string
  /** A known_hosts file with the server's host key for both ports (rclone accepts any host key without one). */
  readonly knownHostsFile: string
  /** An empty, writable folder (absolute path) for the tests' files: use `name:${root}/sub`. */
  readonly root: string
  /**
   * An rclone.conf section. Without `sftpOnly`: the shell port, `shell_type = unix` and the md5sum/sha1sum
   * commands. With `sftpOnly`: the SFTP-only port and `shell_type = none`. `knownHosts` adds `known_hosts_file`.
   */
  config(name?: string, options?: { sftpOnly?: boolean; knownHosts?: boolean }): string
}

/** vsftpd with a password that is really checked. */
export interface FtpServer extends RemoteServer {
  readonly port: number
  /**
   * `anonymous`: vsftpd checks an anonymous login's password against a list (secure_email_list_enable), so the
   * password is a real, per-instance secret without creating a system user. A wrong password gets "530 Login
   * incorrect".
   */
  readonly user: string
  readonly pass: string
  /** `rclone obscure` of `pass`, as rclone.conf holds it. */
  readonly obscured: string
  /** The writable folder as the FTP client sees it ("/data"): use `name:${root}/sub`. */
  readonly root: string
  /** The same folder on this machine, to look at what the server wrote (files are owned by the `ftp` user). */
  readonly localRoot: string
  /** The passive-mode data port range. */
  readonly pasvPorts: readonly [number, number]
  /** An rclone.conf section: type ftp, host, port, user and the obscured password. */
  config(name?: string): string
}

/** Default time to wait for a server to answer rclone. */
export const START_TIMEOUT_MS = 90_000

/**
 * process.env without AWS_* and RCLONE_* variables (AWS_CA_BUNDLE breaks rclone 1.60.1's S3 calls; RCLONE_*
 * would change how the tested rclone behaves), plus `extra`.
 */
export function cleanRcloneEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('RCLONE_')) env[k] = v
  }
  return { ...env, ...extra }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared plumbing: programs, ports, processes, waiting.

const INSTALL_HINT = 'run scripts/install-servers.sh (as root, or with sudo) to install the test servers'

/** The absolute path of `program` (sbin folders too: sshd and vsftpd live there), or a clear error. */
function need(program: string, debPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin']
  for (const d of dirs) {
    if (!d) continue
    const full = path.join(d, program)
    if (existsSync(full)) return full
  }
  throw new Error(`${program} is not installed (Debian package ${debPackage}): ${INSTALL_HINT}`)
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

/** `count` consecutive free ports below the kernel's ephemeral range (so connections don't land on them). */
async function freePortRange(count: number): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count))
    let ok = true
    for (let p = base; p < base + count && ok; p++) ok = await portIsFree(p)
    if (ok) return [base, base + count - 1]
  }
  throw new Error(`no ${count} consecutive free ports found between 20000 and 32000`)
}

function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
        resolve({ code, stdout, stderr: stderr || (err && code === -1 ? String(err.message) : '') })
      },
    )
  })
}

async function runOk(file: string, args: string[], options: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(file, args, options)
  if (r.code !== 0)
    throw new Error(
      `${path.basename(file)} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`,
    )
  return r.stdout
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The pids of `pid`'s descendants, from /proc (children that left the process group, like sshd's sessions). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read past the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parentOf.set(Number(entry), ppid)
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    const p = queue.shift() as number
    for (const [child, parent] of parentOf) {
      if (parent === p && !out.includes(child)) {
        out.push(child)
        queue.push(child)
      }
    }
  }
  return out
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

function killTreeSync(pid: number): number[] {
  const all = [pid, ...descendants(pid)]
  try {
    process.kill(-pid, 'SIGKILL') // the daemon's own process group (spawned detached)
  } catch {
    // already gone
  }
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  return all
}

/** One server's temp folder, its daemons and its logs. */
class Instance {
  readonly dir: string
  readonly logDir: string
  private readonly daemons: Array<{ name: string; child: ChildProcess; error?: Error }> = []
  private stopped = false
  readonly t0 = Date.now()
  readonly phasesMs: Record<string, number> = {}
  /** Strings never shown in an error's log tail. */
  readonly secrets: string[] = []

  constructor(kind: string) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `rclone-jobs-${kind}-`))
    this.logDir = path.join(this.dir, 'log')
    mkdirSync(this.logDir)
    live.add(this)
  }

  /** Records that step `name` is done. */
  mark(name: string): void {
    this.phasesMs[name] = Date.now() - this.t0
  }

  /** The server's facts once rclone lists it: with its folder, how long the start took, by phase, and `stop()`. */
  started<T extends object>(facts: T): T & RemoteServer {
    this.mark('rclone-lists')
    return {
      ...facts,
      dir: this.dir,
      startedInMs: Date.now() - this.t0,
      phasesMs: this.phasesMs,
      stop: () => this.stop(),
    }
  }

  /** Starts a long-running server process in its own process group, its output appended to log/NAME.out. */
  spawn(name: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
    const fd = openSync(path.join(this.logDir, `${name}.out`), 'a')
    const child = spawn(file, args, { cwd: this.dir, env, stdio: ['ignore', fd, fd], detached: true })
    closeSync(fd)
    const entry: { name: string; child: ChildProcess; error?: Error } = { name, child }
    child.on('error', (e) => {
      entry.error = e
    })
    this.daemons.push(entry)
    return child
  }

  /** Throws when a daemon has already ended (it failed to start), with the logs. */
  checkAlive(): void {
    for (const d of this.daemons) {
      if (d.error) throw new Error(`${d.name} could not be started: ${d.error.message}`)
      if (d.child.exitCode !== null || d.child.signalCode !== null)
        throw new Error(`${d.name} exited (${d.child.exitCode ?? d.child.signalCode}) while starting`)
    }
  }

  /** `text` with every secret replaced by <redacted>. */
  redact(text: string): string {
    for (const s of this.secrets) if (s) text = text.split(s).join('<redacted>')
    return text
  }

  /** The last lines of every log in the folder, secrets replaced by <redacted>. */
  logTail(lines = 25): string {
    const out: string[] = []
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name)
        if (e.isDirectory()) walk(full)
        else if (/\.(log|out)$/.test(e.name)) {
          const tail = this.redact(readFileSync(full, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n')
          out.push(`--- ${path.relative(this.dir, full)} (last ${lines} lines)\n${tail || '(empty)'}`)
        }
      }
    }
    try {
      walk(this.logDir)
    } catch {
      return '(no logs)'
    }
    return out.join('\n')
  }

  /** Calls `probe` until it returns true; fails early when a daemon dies, or after `timeoutMs`, with the logs. */
  async waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs
    for (;;) {
      this.checkAlive()
      if (await probe()) return
      if (Date.now() > until) throw new Error(`${what}: not ready within ${timeoutMs} ms`)
      await sleep(200)
    }
  }

  /** Runs `start`; on failure stops everything and rethrows with the server's log tail. */
  async starting<T>(what: string, start: () => Promise<T>): Promise<T> {
    try {
      return await start()
    } catch (e) {
      const logs = this.logTail()
      await this.stop()
      const reason = this.redact(e instanceof Error ? e.message : String(e))
      throw new Error(`${what} did not start: ${reason}\n(logs were in ${this.dir})\n${logs}`)
    }
  }

  stopSync(): number[] {
    if (this.stopped) return []
    this.stopped = true
    live.delete(this)
    const pids: number[] = []
    for (const d of this.daemons) if (d.child.pid !== undefined) pids.push(...killTreeSync(d.child.pid))
    return pids
  }

  async stop(): Promise<void> {
    const pids = this.stopSync()
    const until = Date.now() + 5_000
    while (pids.some(isAlive) && Date.now() < until) await sleep(20)
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Instances not yet stopped: killed when the test process exits, so no server outlives a crashed test file. */
const live = new Set<Instance>()
process.once('exit', () => {
  for (const inst of [...live]) {
    inst.stopSync()
    rmSync(inst.dir, { recursive: true, force: true })
  }
})

/** `rclone lsd NAME:PATH` with `section` as the whole config: true when it exits 0. */
async function rcloneLists(inst: Instance, section: string, remote: string): Promise<boolean> {
  const conf = path.join(inst.dir, 'probe-rclone.conf')
  writeFileSync(conf, section)
  const r = await run(
    'rclone',
    ['lsd', remote, '--retries', '1', '--low-level-retries', '1', '--contimeout', '5s'],
    {
      env: cleanRcloneEnv({ RCLONE_CONFIG: conf }),
      timeoutMs: 20_000,
    },
  )
  return r.code === 0
}

function randomToken(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const b of bytes) out += alphabet[b % alphabet.length]
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// S3: Ceph RGW.

/**
 * Starts a one-node Ceph cluster (a monitor, a memstore OSD: no disk) and radosgw on a free loopback port, creates
 * an S3 user, and waits until `rclone lsd` answers. Everything lives in the temp folder. ~2-4 s on a 2-core machine.
 */
export async function startS3(options: { timeoutMs?: number } = {}): Promise<S3Server> {
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS
  const bin = {
    mon: need('ceph-mon', 'ceph-mon'),
    osd: need('ceph-osd', 'ceph-osd'),
    rgw: need('radosgw', 'radosgw'),
    admin: need('radosgw-admin', 'ceph-common'),
    ceph: need('ceph', 'ceph-common'),
    monmaptool: need('monmaptool', 'ceph-common'),
  }
  const inst = new Instance('s3')
  const accessKey = randomToken(20)
  const secretKey = randomToken(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')
  inst.secrets.push(secretKey)
  let port = 0
  const section = (name = 's3') =>
    `[${name}]\ntype = s3\nprovider = Ceph\nendpoint = http://127.0.0.1:${port}\naccess_key_id = ${accessKey}\nsecret_access_key = ${secretKey}\n`

  return inst.starting('Ceph RGW (S3)', async () => {
    const d = inst.dir
    for (const sub of ['mon', 'osd/0', 'run', 'crash', 'rgw'])
      mkdirSync(path.join(d, sub), { recursive: true })
    const fsid = randomUUID()
    const monPort = await freePort()
    port = await freePort()
    const conf = path.join(d, 'ceph.conf')
    // `$name` etc. are Ceph's own metavariables, expanded per daemon.
    writeFileSync(
      conf,
      `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
# No cephx: no keys to make or hand around.
auth cluster required = none
auth service required = none
auth client required = none
# Needed with auth none: radosgw defaults ms_mon_client_mode to "secure" and then hangs for rgw_init_timeout.
ms cluster mode = crc secure
ms service mode = crc secure
ms client mode = crc secure
ms mon cluster mode = crc secure
ms mon service mode = crc secure
ms mon client mode = crc secure
# One OSD: pools of one copy, few PGs, no mgr for the autoscaler.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon max pg per osd = 1000
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
# Each map change (RGW makes 7 pools) waits for a proposal: 1 s each by default.
paxos propose interval = 0.05
paxos min wait = 0.01
osd objectstore = memstore
memstore device bytes = ${512 * 1024 * 1024}
rgw init timeout = 60
# beast runs this many threads (512 by default: 600 threads for one test server on two cores).
rgw thread pool size = 16
rgw enable usage log = false
rgw dynamic resharding = false
run dir = ${d}/run
crash dir = ${d}/crash
keyring = ${d}/keyring
log file = ${d}/log/$name.log
mon cluster log file = ${d}/log/cluster.log
mon data = ${d}/mon/$id
osd data = ${d}/osd/$id
rgw data = ${d}/rgw
[mon]
admin socket = ${d}/run/$name.asok
[osd]
admin socket = ${d}/run/$name.asok
[client.rgw]
admin socket = ${d}/run/$name.asok
`,
    )
    const env = { ...process.env }
    delete env.CEPH_ARGS
    delete env.CEPH_CONF
    const cephOpts = { cwd: d, env }

    await runOk(
      bin.monmaptool,
      ['--create', '--fsid', fsid, '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, `${d}/monmap`],
      cephOpts,
    )
    await runOk(bin.mon, ['-c', conf, '--mkfs', '-i', 'a', '--monmap', `${d}/monmap`], cephOpts)
    inst.spawn('ceph-mon', bin.mon, ['-c', conf, '-i', 'a', '-f'], env)
    inst.mark('mon-spawned')

    const osdUuid = randomUUID()
    const osdId = (
      await runOk(bin.ceph, ['-c', conf, '--connect-timeout', '20', 'osd', 'new', osdUuid], cephOpts)
    ).trim()
    if (osdId !== '0') throw new Error(`expected osd id 0, got ${JSON.stringify(osdId)}`)
    inst.mark('osd-created')
    await runOk(bin.osd, ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], cephOpts)
    inst.spawn('ceph-osd', bin.osd, ['-c', conf, '-i', '0', '-f'], env)
    inst.spawn(
      'radosgw',
      bin.rgw,
      ['-c', conf, '-n', 'client.rgw', '-f', '--rgw-frontends', `beast endpoint=127.0.0.1:${port}`],
      env,
    )

    // radosgw answers anonymous GET / once it has made its pools and zone; the user is made after that, as
    // radosgw-admin would otherwise race radosgw making the default zone.
    await inst.waitUntil(
      'radosgw',
      async () => {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2_000) })
          return res.status === 200
        } catch {
          return false
        }
      },
      timeoutMs,
    )
    inst.mark('radosgw-answers')
    await runOk(
      bin.admin,
      [
        '-c',
        conf,
        'user',
        'create',
        '--uid',
        'rclone-jobs',
        '--display-name',
        'rclone-jobs tests',
        '--access-key',
        accessKey,
        '--secret',
        secretKey,
      ],
      cephOpts,
    )
    inst.mark('user-created')
    await inst.waitUntil('rclone lsd s3:', () => rcloneLists(inst, section(), 's3:'), timeoutMs)
    return inst.started({
      endpoint: `http://127.0.0.1:${port}`,
      port,
      accessKey,
      secretKey,
      config: section,
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// SFTP: OpenSSH.

/**
 * Starts sshd as the current user on two free loopback ports (a shell port and an SFTP-only port), with a fresh
 * host key and user key, and waits until `rclone lsd` answers on both.
 */
export async function startSftp(options: { timeoutMs?: number } = {}): Promise<SftpServer> {
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS
  const sshd = need('sshd', 'openssh-server')
  const keygen = need('ssh-keygen', 'openssh-client')
  const inst = new Instance('sftp')
  const d = inst.dir
  const user = os.userInfo().username
  const keyFile = path.join(d, 'user_ed25519')
  const hostKey = path.join(d, 'host_ed25519')
  const knownHostsFile = path.join(d, 'known_hosts')
  const root = path.join(d, 'data')
  let port = 0
  let sftpOnlyPort = 0
  const section = (name = 'sftp', o: { sftpOnly?: boolean; knownHosts?: boolean } = {}) =>
    [
      `[${name}]`,
      'type = sftp',
      'host = 127.0.0.1',
      `port = ${o.sftpOnly ? sftpOnlyPort : port}`,
      `user = ${user}`,
      `key_file = ${keyFile}`,
      // Set explicitly so rclone neither probes nor writes what it found back into the config file.
      ...(o.sftpOnly
        ? ['shell_type = none']
        : ['shell_type = unix', 'md5sum_command = md5sum', 'sha1sum_command = sha1sum']),
      ...(o.knownHosts ? [`known_hosts_file = ${knownHostsFile}`] : []),
      '',
    ].join('\n')

  return inst.starting('OpenSSH sshd (SFTP)', async () => {
    mkdirSync(root)
    await runOk(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'rclone-jobs-host', '-f', hostKey])
    await runOk(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'rclone-jobs-user', '-f', keyFile])
    writeFileSync(path.join(d, 'authorized_keys'), readFileSync(`${keyFile}.pub`))
    inst.mark('keys-made')
    port = await freePort()
    sftpOnlyPort = await freePort()
    const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ')
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPub}\n[127.0.0.1]:${sftpOnlyPort} ${hostPub}\n`)
    if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }) // privilege separation
    const conf = path.join(d, 'sshd_config')
    writeFileSync(
      conf,
      `Port ${port}
Port ${sftpOnlyPort}
ListenAddress 127.0.0.1
HostKey ${hostKey}
PidFile ${d}/sshd.pid
AuthorizedKeysFile ${d}/authorized_keys
AllowUsers ${user}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The temp folder's modes are not what StrictModes wants for a home folder.
StrictModes no
Subsystem sftp internal-sftp
# bash sources ~/.bashrc for commands run by sshd unless it is a nested shell: SHLVL=1 makes it one, so a slow
# .bashrc (this machine's runs pyenv init: ~2 s) doesn't slow every md5sum rclone runs.
SetEnv SHLVL=1
LogLevel VERBOSE
Match LocalPort ${sftpOnlyPort}
  ForceCommand internal-sftp
  AllowTcpForwarding no
`,
    )
    // -D: no fork to the background; -e: log to stderr (log/sshd.out).
    inst.spawn('sshd', sshd, ['-D', '-e', '-f', conf])
    await inst.waitUntil(
      'rclone lsd on both sftp ports',
      async () =>
        (await rcloneLists(inst, section('s'), `s:${root}`)) &&
        (await rcloneLists(inst, section('o', { sftpOnly: true }), `o:${root}`)),
      timeoutMs,
    )
    return inst.started({
      port,
      sftpOnlyPort,
      user,
      keyFile,
      knownHostsFile,
      root,
      config: section,
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// FTP: vsftpd.

/**
 * Starts vsftpd on a free loopback port with a per-instance password and a writable `data` folder, and waits until
 * `rclone lsd` answers. Needs root (vsftpd switches to the `ftp` user for anonymous sessions).
 */
export async function startFtp(options: { timeoutMs?: number } = {}): Promise<FtpServer> {
  const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS
  const vsftpd = need('vsftpd', 'vsftpd')
  const inst = new Instance('ftp')
  const d = inst.dir
  const user = 'anonymous'
  // Letters and digits only: vsftpd compares the whole PASS argument with the lines of the password file.
  const pass = `pw${randomToken(18, 'abcdefghijklmnopqrstuvwxyz0123456789')}`
  inst.secrets.push(pass)
  let obscured = ''
  const ftpRoot = path.join(d, 'ftproot')
  const localRoot = path.join(ftpRoot, 'data')
  let port = 0
  let pasvPorts: [number, number] = [0, 0]
  const section = (name = 'ftp') =>
    `[${name}]\ntype = ftp\nhost = 127.0.0.1\nport = ${port}\nuser = ${user}\npass = ${obscured}\n`

  return inst.starting('vsftpd (FTP)', async () => {
    obscured = (await runOk('rclone', ['obscure', pass], { env: cleanRcloneEnv() })).trim()
    // The chroot root must not be writable (vsftpd refuses it for anonymous users); `data` is.
    mkdirSync(localRoot, { recursive: true, mode: 0o755 })
    chmodSync(ftpRoot, 0o755)
    chmodSync(localRoot, 0o777)
    const empty = path.join(d, 'empty')
    mkdirSync(empty, { mode: 0o755 })
    writeFileSync(path.join(d, 'passwords'), `${pass}\n`)
    port = await freePort()
    pasvPorts = await freePortRange(20)
    const asRoot = process.getuid?.() === 0
    writeFileSync(
      path.join(d, 'vsftpd.conf'),
      `listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=${port}
background=NO
# No seccomp filter or new namespaces: they fail in containers.
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
pasv_enable=YES
pasv_address=127.0.0.1
pasv_min_port=${pasvPorts[0]}
pasv_max_port=${pasvPorts[1]}
port_enable=NO
local_enable=NO
anonymous_enable=YES
no_anon_password=NO
# The anonymous password must be one of the lines of this file: a real password check without a system user.
secure_email_list_enable=YES
email_password_file=${d}/passwords
anon_root=${ftpRoot}
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
anon_umask=022
secure_chroot_dir=${empty}
${asRoot ? '' : 'run_as_launching_user=YES\n'}xferlog_enable=YES
xferlog_std_format=NO
syslog_enable=NO
vsftpd_log_file=${d}/log/vsftpd.log
log_ftp_protocol=YES
`,
    )
    inst.spawn('vsftpd', vsftpd, [path.join(d, 'vsftpd.conf')])
    await inst.waitUntil('rclone lsd ftp:', () => rcloneLists(inst, section(), 'ftp:'), timeoutMs)
    return inst.started({
      port,
      user,
      pass,
      obscured,
      root: '/data',
      localRoot,
      pasvPorts,
      config: section,
    })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// One instance per test file.

function useServer<T extends RemoteServer>(what: string, start: () => Promise<T>): () => T {
  let server: T | undefined
  beforeAll(async () => {
    server = await start()
  }, START_TIMEOUT_MS + 30_000)
  afterAll(async () => {
    await server?.stop()
    server = undefined
  })
  return () => {
    if (!server)
      throw new Error(`${what}: the server is not running (call it at the top of a file, use it in tests)`)
    return server
  }
}

/** Starts one Ceph RGW for the file (beforeAll) and stops it (afterAll); call the returned function in tests. */
export const useS3 = (): (() => S3Server) => useServer('useS3()', () => startS3())
/** Starts one sshd for the file (beforeAll) and stops it (afterAll); call the returned function in tests. */
export const useSftp = (): (() => SftpServer) => useServer('useSftp()', () => startSftp())
/** Starts one vsftpd for the file (beforeAll) and stops it (afterAll); call the returned function in tests. */
export const useFtp = (): (() => FtpServer) => useServer('useFtp()', () => startFtp())
