/**
 * The first minute of a new user: `npm run demo` on a machine without rclone on PATH installs the pinned rclone
 * through the action's own installer (from a local mirror here, built from the real rclone), and without a way to
 * download it says in one line what to do.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_RCLONE_VERSION } from '../src/constants.js'
import { requireRclone, tempDir } from './helpers/rclone.js'
import { publish, releaseSite } from './helpers/release-server.js'

beforeAll(() => {
  requireRclone()
})

/** A PATH with node and unzip (which the toolkit extracts with on Linux), and no rclone. */
function pathWithoutRclone(): string {
  const dir = tempDir('node-only-')
  symlinkSync(process.execPath, path.join(dir, 'node'))
  const unzip = spawnSync('sh', ['-c', 'command -v unzip'], { encoding: 'utf8' }).stdout.trim()
  if (unzip === '') throw new Error('this test needs unzip on PATH (apt-get install -y unzip)')
  symlinkSync(unzip, path.join(dir, 'unzip'))
  return dir
}

/**
 * A copy of what the demo needs (its script, the bundle, the example jobs and data), so that the test never writes
 * into this repository's .demo folder, where a user's next `npm run demo` would find it.
 */
function demoCopy(): string {
  const root = tempDir('demo-')
  for (const part of ['scripts/demo.mjs', 'dist', 'jobs', 'examples/data', 'src/constants.ts'])
    cpSync(part, path.join(root, part), { recursive: true })
  return root
}

function demo(root: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; out: string }>((resolve) => {
    // Asynchronous, so the mirror in this process keeps answering.
    import('node:child_process').then(({ spawn }) => {
      const child = spawn(process.execPath, [path.join(root, 'scripts/demo.mjs')], {
        cwd: root,
        env: { PATH: pathWithoutRclone(), HOME: process.env.HOME ?? '/tmp', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
      })
      child.stderr.on('data', (c: Buffer) => {
        out += c.toString()
      })
      child.on('close', (status) => resolve({ status, out }))
    })
  })
}

describe('npm run demo on a machine without rclone', () => {
  it('installs the pinned release with the action installer into .demo/tool-cache, says so, and runs', async () => {
    expect(spawnSync('rclone', ['version'], { env: { PATH: pathWithoutRclone() } }).error).toBeDefined()
    const root = demoCopy()
    const site = await releaseSite()
    publish(site, DEFAULT_RCLONE_VERSION)
    const r = await demo(root, { RCLONE_DOWNLOAD_URL: site.url })
    expect(r.status, r.out).toBe(0)
    expect(r.out).toContain(
      `no rclone on PATH; installing rclone ${DEFAULT_RCLONE_VERSION} with the action's own installer`,
    )
    expect(r.out).toContain(`rclone ${DEFAULT_RCLONE_VERSION} verified (sha256`)
    expect(readdirSync(path.join(root, '.demo/tool-cache/rclone'))).toEqual([DEFAULT_RCLONE_VERSION])
    expect(existsSync(path.join(root, '.demo/backup-a/photos'))).toBe(true)
    // What a user reads: no raw workflow debug lines, no rclone notice about a missing config file.
    expect(r.out).not.toContain('::debug::')
    expect(r.out).not.toContain('Config file')
    // A second demo takes rclone from the tool cache: no download.
    const zips = site.requests.filter((p) => p.endsWith('.zip')).length
    const again = await demo(root, { RCLONE_DOWNLOAD_URL: site.url })
    expect(again.status, again.out).toBe(0)
    expect(again.out).toContain(`rclone ${DEFAULT_RCLONE_VERSION} found in the tool cache`)
    expect(site.requests.filter((p) => p.endsWith('.zip'))).toHaveLength(zips)
  })

  it('without a way to download, says in one line what to do', async () => {
    // A mirror without the release: HTTP 404, which the installer does not retry (its retries and their backoff
    // are tests/install.test.ts's, with a sleep that does not wait; here they would only add real seconds).
    const site = await releaseSite()
    const r = await demo(demoCopy(), { RCLONE_DOWNLOAD_URL: site.url, INPUT_RCLONE_VERSION: '1.60.0' })
    expect(site.requests.length).toBeGreaterThan(0)
    expect(r.status).not.toBe(0)
    const last = r.out.trim().split('\n').at(-1) ?? ''
    expect(last).toContain('rclone-jobs demo: rclone could not be installed')
    expect(last).toContain('Install rclone (apt-get install -y rclone')
    expect(last).toContain('RCLONE_DOWNLOAD_URL')
  }, 120_000)
})
