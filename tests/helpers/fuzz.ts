/**
 * Seeded randomness for property and fuzz tests: a failure names a seed that reproduces it. Also the job files that
 * fuzz tests start from, and the mutations they apply.
 */

/** A small deterministic generator (mulberry32). */
export function rng(seed: number) {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T
  const shuffle = <T>(xs: readonly T[]): T[] => {
    const out = [...xs]
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1)
      ;[out[i], out[j]] = [out[j] as T, out[i] as T]
    }
    return out
  }
  return { next, int, pick, shuffle }
}

export type Rng = ReturnType<typeof rng>

/** Valid job files of every shape: nested options, filters, several documents, anchors and merge keys. */
export const VALID = [
  'name: photos\nsource: gdrive:Camera\ndestinations:\n  - b2:photos\n  - path: s3:archive/photos\n    options: { checksum: true, transfers: 8 }\nfilters:\n  include: ["*.jpg", "*.png"]\n  max-age: 7d\noptions:\n  max-delete: 100\n  bwlimit: 10M\nschedule: "30 2 * * *"\n',
  'name: docs\nsource: ./docs\ndestinations: [remote:docs]\nmode: copy\ncreate-empty-src-dirs: true\nfilters:\n  filter: ["- *.tmp", "+ *"]\n---\nname: mirror\nsource: a:x\ndestinations: [b:y]\nmode: bisync\nresync: true\n',
  'source: src\ndestinations: [dst]\noptions: { timeout: 5m, contimeout: 30s, retries: 3, max-transfer: 1G, max-duration: 1h }\nenabled: false\n',
  'source: src\ndestinations:\n  - path: a\n    options: &fast { transfers: 8, checkers: 16 }\n  - path: b\n    options: { <<: *fast, bwlimit: "08:00,512k 19:00,off" }\nschedule: "*/15 * * * *"\n',
]
/** What mutations insert: YAML syntax, scalars of every type, control characters. */
export const TOKENS = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  ',',
  '"',
  "'",
  '&a',
  '*a',
  '!!str',
  '\n',
  '  ',
  '\t',
  '#',
  '---',
  '~',
  '0',
  '-1',
  'true',
  '\0',
  '\uFEFF',
  '<<: *a',
  '%',
  '|',
  '>',
  '?',
]

/** One to four random edits of a text: deletions, insertions, byte changes, copies, line swaps, appended files. */
export function mutate(
  text: string,
  r: () => number,
  valid: readonly string[] = VALID,
  tokens: readonly string[] = TOKENS,
): string {
  let s = text
  const n = 1 + Math.floor(r() * 4)
  for (let k = 0; k < n; k++) {
    const at = Math.floor(r() * (s.length + 1))
    const op = Math.floor(r() * 7)
    if (op === 0) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8))
    else if (op === 1) s = s.slice(0, at) + (tokens[Math.floor(r() * tokens.length)] as string) + s.slice(at)
    else if (op === 2) s = s.slice(0, at) + String.fromCharCode(Math.floor(r() * 256)) + s.slice(at + 1)
    else if (op === 3) {
      const from = Math.floor(r() * s.length)
      s = s.slice(0, at) + s.slice(from, from + Math.floor(r() * 40)) + s.slice(at)
    } else if (op === 4) {
      const lines = s.split('\n')
      const i = Math.floor(r() * lines.length)
      const j = Math.floor(r() * lines.length)
      ;[lines[i], lines[j]] = [lines[j] as string, lines[i] as string]
      s = lines.join('\n')
    } else if (op === 5)
      s = s.replace(
        /: [^\n]+/,
        [': [1, 2]', ': {a: 1}', ': ~', ': -5', ': "x"', ': 1e999'][Math.floor(r() * 6)] as string,
      )
    else s = s + (valid[Math.floor(r() * valid.length)] as string).slice(Math.floor(r() * 50))
  }
  return s
}
