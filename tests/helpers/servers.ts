/**
 * Real network remotes on loopback for tests: `rclone serve webdav|sftp` with a user and password, started and
 * stopped by the tests, and a TCP server that accepts connections and never answers (a hung remote).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import net from 'node:net'
import { afterEach } from 'vitest'
import { freePort } from './ports.js'

/** A running server. */
export interface Served {
  readonly port: number
  readonly user: string
  readonly pass: string
  /** `rclone obscure`d password, as an rclone.conf holds it. */
  readonly obscured: string
  readonly process: ChildProcess
  stop(): Promise<void>
}

const running: Array<{ stop(): Promise<void> }> = []
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop()
})

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before listening`)
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1')
      sock.once('connect', () => {
        sock.destroy()
        resolve(true)
      })
      sock.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`)
}

/** `rclone obscure` of a password, as rclone.conf stores it. */
export function obscure(pass: string): string {
  return execFileSync('rclone', ['obscure', pass], { encoding: 'utf8' }).trim()
}

/**
 * Serves `root` over WebDAV or SFTP on a free loopback port with a user and password. `port` reuses a port (a
 * restarted server); `extra` adds rclone serve flags.
 */
export async function serve(
  kind: 'webdav' | 'sftp',
  root: string,
  options: { port?: number; user?: string; pass?: string; extra?: string[] } = {},
): Promise<Served> {
  const port = options.port ?? (await freePort())
  const user = options.user ?? 'tester'
  const pass = options.pass ?? `pw-${Math.random().toString(36).slice(2, 12)}`
  const child = spawn(
    'rclone',
    [
      'serve',
      kind,
      '--addr',
      `127.0.0.1:${port}`,
      '--user',
      user,
      '--pass',
      pass,
      ...(options.extra ?? []),
      root,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RCLONE_CONFIG: '/dev/null' } },
  )
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const closed = new Promise((r) => child.once('close', r))
    child.kill('SIGKILL')
    await closed
  }
  running.push({ stop })
  try {
    await waitForPort(port, child)
  } catch (e) {
    await stop()
    throw new Error(
      `rclone serve ${kind} did not start: ${e instanceof Error ? e.message : String(e)}\n${stderr}`,
    )
  }
  return { port, user, pass, obscured: obscure(pass), process: child, stop }
}

/** A TCP server that accepts connections and never answers: a hung remote. */
export async function blackhole(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const srv = net.createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const stop = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy()
      srv.close(() => r())
    })
  running.push({ stop })
  return { port: (srv.address() as net.AddressInfo).port, stop }
}

/** An rclone.conf section for a served WebDAV folder, with its user and obscured password. */
export function davConfig(served: Pick<Served, 'port' | 'user' | 'obscured'>, name = 'dav'): string {
  return `[${name}]\ntype = webdav\nurl = http://127.0.0.1:${served.port}\nvendor = other\nuser = ${served.user}\npass = ${served.obscured}\n`
}
