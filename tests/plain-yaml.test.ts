/**
 * The fast reader for plain YAML against the full parser: on every file the fast reader accepts, the full parser
 * finds no problem, reads the same values (same keys in the same order, numbers compared with Object.is) and places
 * each document's root at the same line and column. Seeded mutations of plain job files, so a failure repeats.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseFully, parseJobFile } from '../src/jobs/load.js'
import { readPlainYaml } from '../src/jobs/plain-yaml.js'
import { malformedCorpus } from './helpers/corpus.js'
import { mutate, rng, TOKENS } from './helpers/fuzz.js'

const EXAMPLES = path.join(import.meta.dirname, '..', 'examples', 'jobs')

/** Plain job files of every shape the fast reader takes: block and flow collections, quotes, block scalars, CRLF. */
const PLAIN = [
  'name: photos\nsource: gdrive:Camera\ndestinations:\n  - b2:photos\n  - path: s3:archive/photos\n    options: { checksum: true, transfers: 8 }\nfilters:\n  include: ["*.jpg", "*.png"]\n  max-age: 7d\noptions:\n  max-delete: 100\n  bwlimit: 10M\nschedule: "30 2 * * *"\n',
  '# a comment first\n\nname: docs\nsource: ./docs\ndestinations: [remote:docs]\nmode: copy\n---\n# second\nname: mirror\nsource: a:x\ndestinations: [b:y]\nmode: bisync\nresync: true\n...\n',
  "---\ndescription: |\n  Nightly copy.\n  Two lines.\nsource: 'it''s here'\ndestinations:\n- \"esc\\t\\u00e9\\x41\"\n- >-\n  folded\n  text\noptions: {timeout: 5m, retries: 3, max-transfer: 1G}\nenabled: false\n",
  'source: src\r\ndestinations:\r\n  - dst\r\noptions:\r\n  transfers: 0o17\r\n  checkers: 0x1F\r\n  bwlimit: 1.5e3\r\n  max-delete: -0\r\n',
  '--- {source: a, destinations: [b, c], options: {dry: .inf, x: -.INF, y: .NaN, z: 1., w: .5, v: +12}}\n',
  '  source: indented\n  destinations:\n    - "quoted: colon"\n    - plain # trailing comment\n  schedule: [Null, ~, NULL, TRUE, False, null]\n',
  ...readdirSync(EXAMPLES).map((f) => readFileSync(path.join(EXAMPLES, f), 'utf8')),
]

/** Insertions that probe where the two readers could differ: scalar types, markers, quoting, keys of other types. */
const PROBES = [
  ...TOKENS,
  '0o17',
  '0x1F',
  '-0x1',
  '1_000',
  '0b101',
  '.inf',
  '-.Inf',
  '.NaN',
  '1e5',
  '+5',
  '-0',
  '007',
  '1.',
  '.5e-3',
  'Null',
  'yes',
  'on',
  '2024-01-01',
  '"\\x41"',
  '"\\/"',
  '"\\N"',
  "''",
  '...\n',
  '---\n',
  '--- ',
  '\r\n',
  'é',
  '|-\n',
  '>+\n',
  '[a, b]',
  '{a: 1}',
  '{a}',
  '[a: 1]',
  'null: x\n',
  '~: x\n',
  '1: x\n',
  'true: x\n',
  '1.0: x\n',
  '"": x\n',
  ': x\n',
  '- ',
  ' #',
  '\\',
  '@',
  '`',
  '  - ',
  '\n  ',
  '\n    ',
  '"a\n  b"',
  "'a\n\n  b'",
  '\u2028',
  '\u0085',
]

/** Equal values: the same types, keys in the same order, numbers by Object.is (so -0 and NaN count). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b)
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

describe('the fast reader for plain YAML', () => {
  it('reads every plain job file of the tests and examples as the full parser does', () => {
    for (const text of PLAIN) {
      const plain = readPlainYaml(text)
      expect(plain, text).toBeDefined()
      const full = parseFully('jobs/a.yml', text, 'job')
      expect(full.diagnostics).toEqual([])
      expect(plain?.map((d) => d.value)).toEqual(full.documents.map((d) => d.value))
    }
  })

  it('leaves tags, anchors, aliases, merge keys, directives, complex keys, tabs and empty documents to the full parser', () => {
    for (const text of [
      'source: !!str 5\ndestinations: [b]\n',
      'source: &s a\ndestinations: [*s]\n',
      'base: {a: 1}\nopts: {<<: {b: 2}}\n',
      '%YAML 1.1\n---\nsource: a\n',
      '? source\n: a\n',
      'source:\ta\n',
      'source: a\n---\n',
      '~\n',
      '# only a comment\n',
      'source: a\nsource: b\n',
      'schedule: */5 * * * *\n',
    ])
      expect(readPlainYaml(text), JSON.stringify(text)).toBeUndefined()
  })

  it('on every file of the malformed corpus, whatever it reads the full parser reads the same, with no problem', () => {
    let accepted = 0
    for (const entry of malformedCorpus()) {
      const text = typeof entry.content === 'string' ? entry.content : entry.content.toString('utf8')
      const plain = readPlainYaml(text)
      if (plain === undefined) continue
      accepted++
      const full = parseFully('jobs/a.yml', text, 'job')
      expect(full.diagnostics, entry.name).toEqual([])
      expect(
        same(
          plain.map((d) => d.value),
          full.documents.map((d) => d.value),
        ),
        entry.name,
      ).toBe(true)
    }
    // The corpus is mostly broken YAML, but many of its files are plain YAML with wrong job values.
    expect(accepted).toBeGreaterThan(50)
  })

  it('on 20,000 seeded mutations, whatever it reads the full parser reads the same, with no problem, roots at the same place', () => {
    const seed = 20261125
    const r = rng(seed)
    let accepted = 0
    let refused = 0
    for (let i = 0; i < 20_000; i++) {
      const text = mutate(PLAIN[i % PLAIN.length] as string, r.next, PLAIN, PROBES)
      const plain = readPlainYaml(text)
      if (plain === undefined) {
        refused++
        continue
      }
      accepted++
      const where = `seed ${seed}, mutation ${i}: ${JSON.stringify(text)}`
      const full = parseFully('jobs/a.yml', text, 'job')
      expect(full.diagnostics, where).toEqual([])
      expect(full.documents.length, where).toBe(plain.length)
      full.documents.forEach((doc, k) => {
        const fast = plain[k]
        if (!same(fast?.value, doc.value))
          expect.fail(`${where}\nfast: ${JSON.stringify(fast?.value)}\nfull: ${JSON.stringify(doc.value)}`)
        const root = parseJobFile('jobs/a.yml', text).documents[k]?.locate([])
        expect(root, where).toEqual(doc.locate([]))
      })
    }
    // Both paths are exercised: many mutants stay plain, many do not.
    expect(accepted).toBeGreaterThan(4_000)
    expect(refused).toBeGreaterThan(2_000)
  })

  it('locates a key of a plain file by the full parser, on the first question', () => {
    const text = 'name: x\nsource: a\ndestinations:\n  - b\n  - path: c\n    options: {transfers: 8}\n'
    const [doc] = parseJobFile('jobs/x.yml', text).documents
    expect(doc?.locate([])).toEqual({ file: 'jobs/x.yml', line: 1, col: 1 })
    expect(doc?.locate(['destinations', 1, 'options', 'transfers'])).toEqual({
      file: 'jobs/x.yml',
      line: 6,
      col: 26,
    })
    expect(doc?.locate(['destinations', 1, 'path'], 'key')).toEqual({ file: 'jobs/x.yml', line: 5, col: 5 })
  })
})
