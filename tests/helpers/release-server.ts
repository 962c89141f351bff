/**
 * A local stand-in for rclone's download site, on 127.0.0.1: real release-shaped zips built at test time from the
 * rclone binary on this machine, with SHA256SUMS (plain or PGP clear-signed), and switchable faults.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'
import { afterEach } from 'vitest'
import { tempDir } from './rclone.js'

const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** The path of the rclone binary on PATH. */
export function rcloneBinary(): string {
  return execFileSync('sh', ['-c', 'command -v rclone'], { encoding: 'utf8' }).trim()
}

/** Zips built in this test process, by name: each holds the 50 MB rclone binary, so one is built once. */
const built = new Map<string, Buffer>()

/** Builds `rclone-v{version}-linux-{arch}.zip` holding this machine's rclone, as rclone's releases are laid out. */
export function buildReleaseZip(
  version: string,
  arch = process.arch === 'arm64' ? 'arm64' : 'amd64',
): { name: string; zip: Buffer } {
  const name = `rclone-v${version}-linux-${arch}.zip`
  const cached = built.get(name)
  if (cached) return { name, zip: cached }
  const dir = tempDir('release-')
  const folder = `rclone-v${version}-linux-${arch}`
  mkdirSync(path.join(dir, folder))
  copyFileSync(rcloneBinary(), path.join(dir, folder, 'rclone'))
  try {
    // -1: the fastest deflate, as real (deflated) releases are; the tests read it, they do not ship it.
    execFileSync('zip', ['-q', '-1', '-r', `${folder}.zip`, folder], { cwd: dir })
  } catch (e) {
    throw new Error(
      `these tests need the zip and unzip commands (apt-get install -y zip unzip): ${String(e)}`,
    )
  }
  const zip = readFileSync(path.join(dir, name))
  built.set(name, zip)
  return { name, zip }
}

/** SHA256SUMS text for files, plain or wrapped as rclone signs it. */
export function checksums(files: Record<string, Buffer>, signed: boolean): string {
  const lines = Object.entries(files).map(([n, b]) => `${createHash('sha256').update(b).digest('hex')}  ${n}`)
  const body = `${lines.join('\n')}\n`
  if (!signed) return body
  return `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n${body}-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBAgAdFiEE0000000000000000000000000000000000000000000000000000\n=abcd\n-----END PGP SIGNATURE-----\n`
}

/** A running download site. */
export interface ReleaseSite {
  readonly url: string
  /** Every path requested, in order. */
  readonly requests: string[]
  /** Files served, by URL path (`/v1.60.1/SHA256SUMS`). */
  readonly files: Map<string, Buffer>
  /** Status codes to answer instead, by URL path, consumed one per request. */
  readonly faults: Map<string, number[]>
}

/** Starts a site on a free loopback port. */
export async function releaseSite(): Promise<ReleaseSite> {
  const requests: string[] = []
  const files = new Map<string, Buffer>()
  const faults = new Map<string, number[]>()
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requests.push(p)
    const fault = faults.get(p)?.shift()
    if (fault !== undefined) {
      res.writeHead(fault, fault === 429 ? { 'retry-after': '0' } : {})
      res.end(`status ${fault}`)
      return
    }
    const body = files.get(p)
    if (!body) {
      res.writeHead(404)
      res.end('not found')
      return
    }
    res.writeHead(200, { 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  servers.push(server)
  const { port } = server.address() as net.AddressInfo
  return { url: `http://127.0.0.1:${port}`, requests, files, faults }
}

/** Publishes a release on the site: the zip and its SHA256SUMS. */
export function publish(
  site: ReleaseSite,
  version: string,
  options: { signed?: boolean; tamper?: boolean } = {},
): string {
  const { name, zip } = buildReleaseZip(version)
  const listed = options.tamper ? Buffer.concat([zip, Buffer.from('tampered')]) : zip
  site.files.set(`/v${version}/${name}`, listed)
  site.files.set(
    `/v${version}/SHA256SUMS`,
    Buffer.from(checksums({ [name]: zip, 'rclone-v0-other.zip': Buffer.from('x') }, options.signed ?? true)),
  )
  return name
}
