/**
 * Smoke test of tests/helpers/remote-servers.ts: real Ceph RGW, OpenSSH and vsftpd on loopback, driven by the real
 * rclone. Each server starts once for the file (useS3/useSftp/useFtp).
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readTree, writeTree } from './helpers/rclone.js'
import {
  cleanRcloneEnv,
  type FtpServer,
  type S3Server,
  type SftpServer,
  useFtp,
  useS3,
  useSftp,
} from './helpers/remote-servers.js'

const s3server = useS3()
const sftpServer = useSftp()
const ftpServer = useFtp()
let work: string
let conf: string
let s3: S3Server
let sftp: SftpServer
let ftp: FtpServer

const tree = {
  'a.txt': 'alpha\n',
  'sub/b.txt': 'bravo\n',
  'sub/deeper/c.txt': 'charlie\n',
}
let big: Buffer
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex')

function rclone(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'rclone',
      args,
      { env: cleanRcloneEnv({ RCLONE_CONFIG: conf }), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
      },
    )
  })
}

async function rcloneOk(args: string[]): Promise<string> {
  const r = await rclone(args)
  if (r.code !== 0) throw new Error(`rclone ${args.join(' ')} exited ${r.code}:\n${r.stderr}`)
  return r.stdout
}

/** `rclone lsf -R --files-only` sorted, as "path;size" lines. */
async function listing(remote: string): Promise<string[]> {
  const out = await rcloneOk(['lsf', '-R', '--files-only', '--format', 'ps', remote])
  return out.trim().split('\n').filter(Boolean).sort()
}

const expectedListing = (withBig: boolean) =>
  [
    ...Object.entries(tree).map(([p, c]) => `${p};${Buffer.byteLength(c)}`),
    ...(withBig ? [`big.bin;${20 * 1024 * 1024}`] : []),
  ].sort()

// Runs after the three servers' own beforeAll hooks (hooks run in the order they were registered).
beforeAll(() => {
  s3 = s3server()
  sftp = sftpServer()
  ftp = ftpServer()
  for (const [name, s] of Object.entries({ s3, sftp, ftp }))
    console.log(`${name} started in ${s.startedInMs} ms: ${JSON.stringify(s.phasesMs)}`)
  work = mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-remote-smoke-'))
  writeTree(path.join(work, 'src'), tree)
  big = randomBytes(20 * 1024 * 1024)
  writeFileSync(path.join(work, 'src', 'big.bin'), big)
  conf = path.join(work, 'rclone.conf')
  writeFileSync(
    conf,
    [
      s3.config('s3'),
      sftp.config('sftp'),
      sftp.config('sftponly', { sftpOnly: true }),
      ftp.config('ftp'),
    ].join('\n'),
  )
})

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('S3 (Ceph RGW)', () => {
  it('makes a bucket, copies a tree and a 20 MiB multipart file, and lists them back', async () => {
    await rcloneOk(['mkdir', 's3:smoke-bucket'])
    expect(await rcloneOk(['lsf', '--dirs-only', 's3:'])).toContain('smoke-bucket/')
    await rcloneOk([
      'copy',
      path.join(work, 'src'),
      's3:smoke-bucket/dst',
      '--s3-upload-cutoff',
      '5M',
      '--s3-chunk-size',
      '5M',
    ])
    expect(await listing('s3:smoke-bucket/dst')).toEqual(expectedListing(true))
    // RGW's access log (beast) shows the multipart upload: one initiation, four 5 MiB parts, one completion.
    const access = readFileSync(path.join(s3.dir, 'log', 'client.rgw.log'), 'utf8')
    expect(access).toMatch(/"POST \/smoke-bucket\/dst\/big\.bin\?uploads=? HTTP/)
    const parts = access.match(
      /"PUT \/smoke-bucket\/dst\/big\.bin\?partNumber=\d+&uploadId=[^ ]+ HTTP\/1\.1" 200 5242880/g,
    )
    expect(parts).toHaveLength(4)
    // A multipart upload's ETag is not an MD5; rclone keeps the MD5 in metadata, so the sums equal the source's.
    const sums = await rcloneOk(['md5sum', 's3:smoke-bucket/dst'])
    expect(sums).toContain(`${md5(big)}  big.bin`)
    expect(sums).toContain(`${md5(tree['sub/b.txt'])}  sub/b.txt`)
    expect(await rcloneOk(['cat', 's3:smoke-bucket/dst/sub/deeper/c.txt'])).toBe(tree['sub/deeper/c.txt'])
    await rcloneOk(['copy', 's3:smoke-bucket/dst', path.join(work, 'back-s3')])
    expect(md5(readFileSync(path.join(work, 'back-s3', 'big.bin')))).toBe(md5(big))
    expect(readTree(path.join(work, 'back-s3'))['sub/deeper/c.txt']).toBe(tree['sub/deeper/c.txt'])
    const check = await rclone(['check', path.join(work, 'src'), 's3:smoke-bucket/dst'])
    expect(check.code, check.stderr).toBe(0)
    expect(check.stderr).toContain('4 matching files')
  })

  it('rejects a wrong secret key', async () => {
    const r = await rclone(['lsd', 's3:', '--s3-secret-access-key', 'wrong-secret', '--retries', '1'])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('SignatureDoesNotMatch')
  })
})

describe('SFTP (OpenSSH)', () => {
  it('copies a tree over the shell port, and md5 hashes are available there', async () => {
    const dst = `sftp:${sftp.root}/shell`
    await rcloneOk(['copy', path.join(work, 'src'), dst, '--exclude', 'big.bin'])
    expect(await listing(dst)).toEqual(expectedListing(false))
    expect(readTree(path.join(sftp.root, 'shell'))).toEqual(tree)
    const sums = await rcloneOk(['hashsum', 'md5', dst])
    for (const [p, c] of Object.entries(tree)) expect(sums).toContain(`${md5(c)}  ${p}`)
    const check = await rclone(['check', path.join(work, 'src'), dst, '--exclude', 'big.bin'])
    expect(check.code, check.stderr).toBe(0)
    expect(check.stderr).toContain('3 matching files')
    expect(check.stderr).not.toContain('hashes could not be checked')
  })

  it('has no hashes on the SFTP-only port: md5sum says unsupported, check cannot check hashes', async () => {
    const dst = `sftponly:${sftp.root}/only`
    await rcloneOk(['copy', path.join(work, 'src'), dst, '--exclude', 'big.bin'])
    expect(readTree(path.join(sftp.root, 'only'))).toEqual(tree)
    const sums = await rclone(['md5sum', dst])
    expect(sums.code).not.toBe(0)
    expect(sums.stderr).toContain('hash unsupported')
    const check = await rclone(['check', path.join(work, 'src'), dst, '--exclude', 'big.bin'])
    expect(check.code, check.stderr).toBe(0)
    expect(check.stderr).toContain('3 hashes could not be checked')
  })

  it('checks the host key against known_hosts when asked to', async () => {
    const kh = path.join(work, 'kh.conf')
    writeFileSync(kh, sftp.config('kh', { knownHosts: true }))
    const ok = await new Promise<number>((resolve) =>
      execFile('rclone', ['lsd', `kh:${sftp.root}`], { env: cleanRcloneEnv({ RCLONE_CONFIG: kh }) }, (err) =>
        resolve(err ? 1 : 0),
      ),
    )
    expect(ok).toBe(0)
    // rclone left the config as written: the section names every option it would otherwise detect and save.
    expect(readFileSync(conf, 'utf8')).toContain(sftp.config('sftp'))
    expect(readFileSync(conf, 'utf8')).toContain(sftp.config('sftponly', { sftpOnly: true }))
  })
})

describe('FTP (vsftpd)', () => {
  it('copies a tree and lists it back', async () => {
    const dst = `ftp:${ftp.root}/tree`
    await rcloneOk(['copy', path.join(work, 'src'), dst, '--exclude', 'big.bin'])
    expect(await listing(dst)).toEqual(expectedListing(false))
    expect(readTree(path.join(ftp.localRoot, 'tree'))).toEqual(tree)
    expect((await rcloneOk(['lsf', dst])).trim().split('\n').sort()).toEqual(['a.txt', 'sub/'])
  })

  it('checks the password', async () => {
    const bad = await rclone(['lsd', 'ftp:', '--ftp-pass', (await rcloneOk(['obscure', 'nope'])).trim()])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('530 Login incorrect')
    expect(ftp.config('ftp')).not.toContain(ftp.pass)
  })
})
