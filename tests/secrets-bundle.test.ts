import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { runBundle } from './helpers/bundle.js'
import { readTree, requireRclone, tempDir, writeTree } from './helpers/rclone.js'
import { serve } from './helpers/servers.js'

beforeAll(() => {
  requireRclone()
})

/** Every file under a folder, as bytes. */
function allFiles(root: string): Array<{ file: string; bytes: Buffer }> {
  const out: Array<{ file: string; bytes: Buffer }> = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const full = path.join(dir, e)
      if (statSync(full).isDirectory()) walk(full)
      else out.push({ file: full, bytes: readFileSync(full) })
    }
  }
  walk(root)
  return out
}

describe('secrets never reach anything the action writes (node dist/index.js)', () => {
  it('greps the log, summary, outputs and every file left behind for the secret values', async () => {
    const ws = tempDir()
    const served = tempDir()
    const dav = await serve('webdav', served)
    const sftpServed = tempDir()
    const sftp = await serve('sftp', sftpServed)
    const token =
      '{"access_token":"ya29.SECRET-ACCESS-TOKEN-123","token_type":"Bearer","refresh_token":"1//SECRET-REFRESH-456"}'
    const config = [
      '[dav]',
      'type = webdav',
      `url = http://127.0.0.1:${dav.port}`,
      'vendor = other',
      `user = ${dav.user}`,
      `pass = ${dav.obscured}`,
      '',
      '[cloud]',
      'type = drive',
      `token = ${token}`,
      'client_secret = SECRET-CLIENT-789',
      '',
    ].join('\n')
    writeTree(ws, {
      'jobs/up.yml': 'source: src\ndestinations: ["dav:backup", "box:drop"]\n',
      'jobs/broken.yml': 'source: "dav:does-not-exist"\ndestinations: [out]\n',
      'src/a.txt': 'alpha',
    })
    const r = await runBundle(
      ws,
      { command: 'run', 'rclone-version': 'system', 'rclone-config': config, 'max-parallel': '1' },
      {
        RCLONE_CONFIG_BOX_TYPE: 'sftp',
        RCLONE_CONFIG_BOX_HOST: '127.0.0.1',
        RCLONE_CONFIG_BOX_PORT: String(sftp.port),
        RCLONE_CONFIG_BOX_USER: sftp.user,
        RCLONE_CONFIG_BOX_PASS: sftp.obscured,
      },
    )
    // The run did real work: the failing job makes rclone print errors, the others reached both servers.
    expect(r.status).toBe(1)
    expect(readTree(path.join(served, 'backup'))).toEqual({ 'a.txt': 'alpha' })
    expect(readTree(path.join(sftpServed, 'drop'))).toEqual({ 'a.txt': 'alpha' })

    const secrets = [
      dav.pass,
      dav.obscured,
      sftp.pass,
      sftp.obscured,
      'ya29.SECRET-ACCESS-TOKEN-123',
      '1//SECRET-REFRESH-456',
      'SECRET-CLIENT-789',
    ]
    // ::add-mask:: lines are commands the runner consumes to hide the values; they are never shown.
    const shownLog = r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n')
    const written = [
      { file: 'stdout', bytes: Buffer.from(shownLog) },
      { file: 'stderr', bytes: Buffer.from(r.stderr) },
      ...allFiles(ws).filter((f) => !f.file.includes(`${path.sep}jobs${path.sep}`)),
    ]
    for (const s of secrets) {
      for (const w of written) expect(w.bytes.includes(s), `${s} found in ${w.file}`).toBe(false)
    }
    expect(r.stdout).toContain(`::add-mask::${dav.obscured}`)
    expect(r.stdout).toContain('::add-mask::SECRET-CLIENT-789')
    expect(r.stdout).toContain('::add-mask::ya29.SECRET-ACCESS-TOKEN-123')
    // Nothing of the config is left in RUNNER_TEMP.
    // Only the report (the report-dir output, grepped above with every other file) is left, by design.
    expect(
      readdirSync(path.join(ws, '.runner', 'temp')).filter((f) => !f.startsWith('rclone-jobs-report-')),
    ).toEqual([])
  })
})
