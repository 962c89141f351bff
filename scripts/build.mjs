// Builds the committed bundles with ncc: dist/index.js (the action) and dist/cli.js (the local CLI).
// Deterministic: the same sources give the same bytes, which the check-dist step relies on.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const ncc = [
  'node_modules/@vercel/ncc/dist/ncc/cli.js',
  'build',
  '--minify',
  '--no-source-map-register',
  '--quiet',
  '--target',
  'es2022',
]
rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, [...ncc, 'src/index.ts', '-o', 'dist'], { stdio: 'inherit' })

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rclone-jobs-cli-'))
try {
  execFileSync(process.execPath, [...ncc, 'src/cli-entry.ts', '-o', tmp], { stdio: 'inherit' })
  const code = readFileSync(path.join(tmp, 'index.js'), 'utf8').replace(/^#!.*\n/, '')
  writeFileSync('dist/cli.js', `#!/usr/bin/env node\n${code}`)
  chmodSync('dist/cli.js', 0o755)
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
