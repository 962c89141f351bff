/**
 * The import arrows of src/ point one way: from the entry points down to the commands, from commands to the stages
 * (report, run, jobs, rclone), and from stages down to places/ and the basics. A file may import its own folder and
 * anything in a lower layer, never a layer above it nor a stage beside it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

/** Each folder (or top-level file) and its layer: higher numbers import lower ones only. */
const LAYERS: Record<string, number> = {
  'index.ts': 11,
  'cli-entry.ts': 11,
  'cli.ts': 10,
  'main.ts': 9,
  commands: 8,
  'inputs.ts': 7,
  report: 6,
  run: 5,
  jobs: 4,
  rclone: 3,
  places: 2,
  github: 1,
  'errors.ts': 0,
  'constants.ts': 0,
  'retry.ts': 0,
  'line-files.ts': 0,
  'bounded.ts': 0,
  'text.ts': 0,
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  )
}

/** The layer key of a file under src/: its folder, or its own name at the top. */
function unit(file: string): string {
  return path.relative('src', file).split(path.sep)[0] as string
}

/** Every relative import of a file, resolved to a path under src/. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/^(?:import|export)[^'"]*from '(\.{1,2}\/[^']+)'/gm)) {
    out.push(path.join(path.dirname(file), (m[1] as string).replace(/\.js$/, '.ts')))
  }
  return out
}

describe('layers', () => {
  const files = sourceFiles('src')

  it('every file under src/ belongs to a layer', () => {
    expect(files.map(unit).filter((u) => LAYERS[u] === undefined)).toEqual([])
  })

  it('no import points up, or sideways to another stage', () => {
    const wrong: string[] = []
    for (const file of files) {
      const from = unit(file)
      for (const target of imports(file)) {
        const to = unit(target)
        if (to === from) continue
        if ((LAYERS[to] ?? 99) >= (LAYERS[from] ?? -1)) wrong.push(`${file} -> ${target}`)
      }
    }
    expect(wrong).toEqual([])
  })
})
