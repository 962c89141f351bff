import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { installRclone, parseChecksums, releasePlatform } from '../src/rclone/install.js'
import { runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { publish, releaseSite } from './helpers/release-server.js'

const VERSION = '1.60.1'
let toolCache = ''

beforeAll(() => {
  requireRclone()
  if (process.platform !== 'linux') throw new Error('the installer tests build Linux release zips')
})

beforeEach(() => {
  toolCache = tempDir('tool-cache-')
  process.env.RUNNER_TOOL_CACHE = toolCache
  process.env.RUNNER_TEMP = tempDir('runner-temp-')
})

function cachedVersions(): string[] {
  const dir = path.join(toolCache, 'rclone')
  return existsSync(dir) ? readdirSync(dir) : []
}

/** Backoff without waiting: the retries are what is tested, not the clock. */
const noSleep = async (_ms: number): Promise<void> => {}

describe('installing rclone from a download site', () => {
  it('downloads, verifies, caches and runs; the second install is a cache hit with no download', async () => {
    const site = await releaseSite()
    const zip = publish(site, VERSION, { signed: true })
    const first = await installRclone({ version: VERSION, baseUrl: site.url })
    expect(first.cached).toBe(false)
    expect(site.requests).toEqual([`/v${VERSION}/SHA256SUMS`, `/v${VERSION}/${zip}`])
    expect(first.dir.startsWith(toolCache)).toBe(true)
    expect(execFileSync(first.binary, ['version'], { encoding: 'utf8' })).toMatch(/^rclone v1\.60\.1/)
    expect(cachedVersions()).toEqual([VERSION])

    const second = await installRclone({ version: VERSION, baseUrl: site.url })
    expect(second).toMatchObject({ cached: true, dir: first.dir })
    expect(site.requests).toHaveLength(2)
  })

  it('refuses a tampered zip and caches nothing', async () => {
    const site = await releaseSite()
    publish(site, VERSION, { tamper: true })
    await expect(installRclone({ version: VERSION, baseUrl: site.url })).rejects.toThrow(
      /checksum mismatch for rclone-v1\.60\.1-linux-\w+\.zip: SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}\. The file was corrupted or tampered with; nothing was installed/,
    )
    expect(cachedVersions()).toEqual([])
  })

  it('says what to do on 404, 403 and 429, retrying only what can pass', async () => {
    const site = await releaseSite()
    await expect(
      installRclone({ version: '9.9.9', baseUrl: site.url, attempts: 3, backoffMs: 5, sleep: noSleep }),
    ).rejects.toThrow(
      /was not found \(HTTP 404 at http:\/\/127\.0\.0\.1:\d+\/v9\.9\.9\/SHA256SUMS\)\. Check that rclone-version names a released version/,
    )
    expect(site.requests).toEqual(['/v9.9.9/SHA256SUMS'])

    publish(site, VERSION)
    site.faults.set(`/v${VERSION}/SHA256SUMS`, [403])
    await expect(
      installRclone({ version: VERSION, baseUrl: site.url, attempts: 3, backoffMs: 5, sleep: noSleep }),
    ).rejects.toThrow(/HTTP 403 .*denies this runner/)

    site.faults.set(`/v${VERSION}/SHA256SUMS`, [429, 429, 429])
    await expect(
      installRclone({ version: VERSION, baseUrl: site.url, attempts: 3, backoffMs: 5, sleep: noSleep }),
    ).rejects.toThrow(/rate-limited \(HTTP 429/)
    expect(cachedVersions()).toEqual([])
  })

  it('retries transient server errors (503, then 500), then installs', async () => {
    const site = await releaseSite()
    const zip = publish(site, VERSION, { signed: false })
    site.faults.set(`/v${VERSION}/${zip}`, [503, 500])
    const r = await installRclone({
      version: VERSION,
      baseUrl: site.url,
      attempts: 4,
      backoffMs: 5,
      sleep: noSleep,
    })
    expect(r.cached).toBe(false)
    expect(site.requests.filter((p) => p.endsWith('.zip'))).toHaveLength(3)
  })

  it('fails clearly when nothing listens', async () => {
    await expect(
      installRclone({
        version: VERSION,
        baseUrl: 'http://127.0.0.1:9',
        attempts: 2,
        backoffMs: 5,
        sleep: noSleep,
      }),
    ).rejects.toThrow(
      /could not be downloaded from http:\/\/127\.0\.0\.1:9\/v1\.60\.1\/SHA256SUMS: .*Check the runner's network/,
    )
  })
})

describe('release names and checksum files', () => {
  it('maps runners to rclone release names', () => {
    expect(releasePlatform('linux', 'x64')).toEqual({ os: 'linux', arch: 'amd64', exe: 'rclone' })
    expect(releasePlatform('darwin', 'arm64')).toEqual({ os: 'osx', arch: 'arm64', exe: 'rclone' })
    expect(releasePlatform('win32', 'x64')).toEqual({ os: 'windows', arch: 'amd64', exe: 'rclone.exe' })
    expect(() => releasePlatform('aix', 'ppc64')).toThrow(/set rclone-version: system/)
    // Names as rclone's bin/cross-compile.go (v1.75.0) gives them: arm-v7 and arm-v6 for 32-bit ARM, 386 for x86.
    expect(releasePlatform('linux', 'arm', '7').arch).toBe('arm-v7')
    expect(releasePlatform('linux', 'arm', '6').arch).toBe('arm-v6')
    expect(releasePlatform('linux', 'arm', '').arch).toBe('arm')
    expect(releasePlatform('win32', 'ia32', '').arch).toBe('386')
    expect(() => releasePlatform('darwin', 'ia32', '')).toThrow(/no release for this runner/)
  })

  it('reads plain and PGP clear-signed SHA256SUMS', () => {
    const h = 'a'.repeat(64)
    const plain = parseChecksums(
      `${h}  rclone-v1.0.0-linux-amd64.zip\n${'b'.repeat(64)} *rclone-v1.0.0-osx-arm64.zip\n`,
    )
    expect([...plain]).toEqual([
      ['rclone-v1.0.0-linux-amd64.zip', h],
      ['rclone-v1.0.0-osx-arm64.zip', 'b'.repeat(64)],
    ])
    const signed = parseChecksums(
      `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n${h.toUpperCase()}  rclone-v1.0.0-linux-amd64.zip\n-----BEGIN PGP SIGNATURE-----\n\n${'c'.repeat(64)}  not-a-checksum\n-----END PGP SIGNATURE-----\n`,
    )
    expect([...signed]).toEqual([['rclone-v1.0.0-linux-amd64.zip', h]])
  })
})

describe('node dist/index.js installs through rclone-download-url', () => {
  it('installs from the mirror onto a runner without rclone, then runs the job with it', async () => {
    const site = await releaseSite()
    publish(site, VERSION)
    const ws = tempDir()
    writeTree(ws, { 'jobs/j.yml': 'source: src\ndestinations: [dst]\n', 'src/a.txt': 'a' })
    const r = await runBundle(
      ws,
      { command: 'run', 'rclone-version': `v${VERSION}`, 'rclone-download-url': `${site.url}/` },
      { PATH: path.dirname(process.execPath) },
    )
    expect(r.stderr).toBe('')
    expect(r.status, r.stdout).toBe(0)
    expect(site.requests.some((p) => p.endsWith('.zip'))).toBe(true)
    expect(r.stdout).toContain(`Using rclone ${VERSION}`)
    expect(r.stdout).toContain(`rclone ${VERSION} verified (sha256`)
    expect(readTree(path.join(ws, 'dst'))).toEqual({ 'a.txt': 'a' })
    expect(r.summary).toContain(`rclone ${VERSION}`)
    expect(readdirSync(path.join(ws, '.runner', 'tool-cache', 'rclone'))).toEqual([VERSION])
  })
})
