/**
 * Installs an rclone release the way the toolkit's setup actions do: the tool cache first; otherwise download the
 * release zip for this OS and architecture, verify its sha256 against the release's SHA256SUMS before extracting,
 * extract, cache, and put it on PATH. Works against rclone's download site or any mirror laid out like it.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { HttpClient } from '@actions/http-client'
import * as tc from '@actions/tool-cache'
import { UserError } from '../errors.js'
import { retry } from '../retry.js'

/** rclone's official download site: `{base}/v{X.Y.Z}/rclone-v{X.Y.Z}-{os}-{arch}.zip` beside `SHA256SUMS`. */
export const DEFAULT_DOWNLOAD_URL = 'https://downloads.rclone.org'

/** What the installer needs; the defaults are the runner's. */
export interface InstallOptions {
  readonly version: string
  readonly baseUrl: string
  readonly platform?: NodeJS.Platform
  readonly arch?: string
  /** Where the zip is written before extraction; the runner's temp folder. */
  readonly tempDir?: string
  /** Attempts for transient errors (5xx, 429, network), and the first backoff in ms (doubles each time). */
  readonly attempts?: number
  readonly backoffMs?: number
  /** How a backoff waits (tests pass one that does not sleep). */
  readonly sleep?: (ms: number) => Promise<void>
  readonly log?: (message: string) => void
}

/**
 * The release builds rclone publishes, as bin/cross-compile.go (v1.75.0, `osarches`) names them: darwin is `osx`;
 * 32-bit ARM is `arm` (ARMv5), `arm-v6` or `arm-v7`; 32-bit x86 is `386`, which has no macOS build.
 */
const RELEASE_ARCHES: Readonly<Record<string, readonly string[]>> = {
  linux: ['386', 'amd64', 'arm', 'arm-v6', 'arm-v7', 'arm64'],
  osx: ['amd64', 'arm64'],
  windows: ['386', 'amd64', 'arm64'],
}

/** rclone's names for the runner's OS and architecture. `armVersion` is Node's `arm_version` (6 or 7) on 32-bit ARM. */
export function releasePlatform(
  platform: NodeJS.Platform,
  arch: string,
  armVersion: string | undefined = String(
    (process.config.variables as unknown as Record<string, unknown>).arm_version ?? '',
  ),
): { os: string; arch: string; exe: string } {
  const osName = { linux: 'linux', darwin: 'osx', win32: 'windows' }[platform as string]
  const archName =
    arch === 'arm'
      ? armVersion === '7' || armVersion === '6'
        ? `arm-v${armVersion}`
        : 'arm'
      : { x64: 'amd64', arm64: 'arm64', ia32: '386' }[arch]
  if (!osName || !archName || !RELEASE_ARCHES[osName]?.includes(archName)) {
    throw new UserError(
      `rclone publishes no release for this runner (${platform}/${arch}); releases exist for Linux (386, amd64, arm, arm-v6, arm-v7, arm64), macOS (amd64, arm64) and Windows (386, amd64, arm64). Install rclone in an earlier step and set rclone-version: system`,
    )
  }
  return { os: osName, arch: archName, exe: platform === 'win32' ? 'rclone.exe' : 'rclone' }
}

/** The zip's file name for a version and platform. */
export function zipName(version: string, p: { os: string; arch: string }): string {
  return `rclone-v${version}-${p.os}-${p.arch}.zip`
}

/**
 * Reads a SHA256SUMS file: plain `hash  file` lines, or rclone's PGP clear-signed form (the same lines between the
 * armour headers). Returns file name -> lower-case hex digest.
 */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>()
  let inSignature = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^- /, '')
    if (line.startsWith('-----BEGIN PGP SIGNATURE')) inSignature = true
    if (line.startsWith('-----END PGP SIGNATURE')) inSignature = false
    if (inSignature) continue
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line)
    if (m) sums.set((m[2] as string).replace(/^\.\//, ''), (m[1] as string).toLowerCase())
  }
  return sums
}

/** An HTTP failure with its status, for the retry decision. */
class DownloadError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

function explain(status: number, url: string, what: string): string {
  if (status === 404) {
    return `${what} was not found (HTTP 404 at ${url}). Check that rclone-version names a released version (see https://rclone.org/downloads/), or that rclone-download-url mirrors the release`
  }
  if (status === 403) {
    return `${what} was refused (HTTP 403 at ${url}). The download site or mirror denies this runner; check the mirror's permissions, or set rclone-download-url to a mirror this runner may read`
  }
  if (status === 429) {
    return `${what} was rate-limited (HTTP 429 at ${url}) after retries. Wait and re-run, or set rclone-download-url to a mirror`
  }
  return `${what} failed (HTTP ${status} at ${url})`
}

async function fetchOnce(client: HttpClient, url: string, what: string): Promise<Buffer> {
  let res: Awaited<ReturnType<HttpClient['get']>>
  try {
    res = await client.get(url)
  } catch (e) {
    throw new DownloadError(
      `${what} could not be downloaded from ${url}: ${e instanceof Error ? e.message : String(e)}. Check the runner's network, or set rclone-download-url to a reachable mirror`,
      undefined,
      true,
      { cause: e },
    )
  }
  const status = res.message.statusCode ?? 0
  if (status >= 200 && status < 300) {
    if (!res.readBodyBuffer)
      throw new DownloadError(`${what}: the HTTP client cannot read binary bodies`, status, false)
    return res.readBodyBuffer()
  }
  await res.readBody().catch(() => '')
  throw new DownloadError(
    explain(status, url, what),
    status,
    status === 429 || status === 408 || status >= 500,
  )
}

async function fetchWithRetries(url: string, what: string, opts: InstallOptions): Promise<Buffer> {
  const client = new HttpClient('rclone-jobs', undefined, { allowRetries: false, socketTimeout: 120_000 })
  const policy = { attempts: opts.attempts ?? 4, backoffMs: opts.backoffMs ?? 2_000, sleep: opts.sleep }
  try {
    return await retry(
      () => fetchOnce(client, url, what),
      policy,
      (e) => e instanceof DownloadError && e.retryable,
      (e, wait, next) =>
        opts.log?.(`${(e as Error).message}; retrying in ${wait} ms (attempt ${next} of ${policy.attempts})`),
    )
  } catch (e) {
    if (e instanceof DownloadError) throw new UserError(e.message, { cause: e })
    throw e
  }
}

/** Finds the rclone binary inside an extracted release (`rclone-vX-os-arch/rclone`). */
async function findBinary(dir: string, exe: string): Promise<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isFile() && entry.name === exe) return dir
    if (entry.isDirectory()) {
      const inner = await findBinary(full, exe).catch(() => undefined)
      if (inner) return inner
    }
  }
  throw new UserError(`the release zip holds no ${exe}; the mirror may serve something else under that name`)
}

/**
 * Installs (or finds in the tool cache) rclone `version` and returns the folder that holds the binary. The caller
 * puts it on PATH.
 */
export async function installRclone(
  opts: InstallOptions,
): Promise<{ dir: string; binary: string; cached: boolean }> {
  const p = releasePlatform(opts.platform ?? process.platform, opts.arch ?? process.arch)
  const cachedDir = tc.find('rclone', opts.version, p.arch)
  if (cachedDir) {
    opts.log?.(`rclone ${opts.version} found in the tool cache`)
    return { dir: cachedDir, binary: path.join(cachedDir, p.exe), cached: true }
  }
  const base = opts.baseUrl.replace(/\/+$/, '')
  const name = zipName(opts.version, p)
  const zipUrl = `${base}/v${opts.version}/${name}`
  const sumsUrl = `${base}/v${opts.version}/SHA256SUMS`
  opts.log?.(`Downloading rclone ${opts.version} from ${zipUrl}`)
  const sumsText = (
    await fetchWithRetries(sumsUrl, `the checksum list of rclone ${opts.version}`, opts)
  ).toString('utf8')
  const expected = parseChecksums(sumsText).get(name)
  if (!expected) {
    throw new UserError(
      `${sumsUrl} lists no checksum for ${name}; rclone ${opts.version} may not be released for ${p.os}/${p.arch}, or the mirror's SHA256SUMS is incomplete`,
    )
  }
  const zip = await fetchWithRetries(zipUrl, `rclone ${opts.version} (${name})`, opts)
  const actual = createHash('sha256').update(zip).digest('hex')
  if (actual !== expected) {
    throw new UserError(
      `checksum mismatch for ${name}: SHA256SUMS says ${expected}, the download is ${actual}. The file was corrupted or tampered with; nothing was installed. Re-run, and if it persists check the mirror (rclone-download-url)`,
    )
  }
  const work = await mkdtemp(path.join(opts.tempDir || os.tmpdir(), 'rclone-install-'))
  try {
    const zipFile = path.join(work, name)
    await writeFile(zipFile, zip)
    const extracted = await tc.extractZip(zipFile, path.join(work, 'x')).catch((e: unknown) => {
      // The toolkit extracts with the system's unzip on Linux and macOS.
      if (e instanceof Error && /unzip/.test(e.message))
        throw new UserError(
          `rclone ${opts.version} was downloaded and verified, but extracting it needs unzip on PATH (apt-get install -y unzip); or install rclone yourself and set rclone-version: system`,
          { cause: e },
        )
      throw e
    })
    const binDir = await findBinary(extracted, p.exe)
    await stat(path.join(binDir, p.exe))
    const dir = await tc.cacheDir(binDir, 'rclone', opts.version, p.arch)
    opts.log?.(`rclone ${opts.version} verified (sha256 ${actual.slice(0, 12)}…) and cached`)
    return { dir, binary: path.join(dir, p.exe), cached: false }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
