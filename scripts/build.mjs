// Builds the committed bundles: dist/index.js (the action) with ncc, then regenerates the JSON Schema.
// Deterministic: the same sources give the same bytes, which the check-dist step relies on.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'

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
