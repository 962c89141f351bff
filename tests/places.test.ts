/**
 * Where a path points: random spellings of the same places are one place, unrelated places never are, and the
 * place index finds exactly the overlaps that comparing every pair finds. Seeded, so a failure repeats.
 */
import { describe, expect, it } from 'vitest'
import { findCycles, orderEdges } from '../src/places/order.js'
import { type Place, placeKey, placeOf, relate } from '../src/places/place.js'
import { PlaceIndex } from '../src/places/place-index.js'
import { remoteLookup } from '../src/places/remotes.js'
import { rng } from './helpers/fuzz.js'

const CWD = '/home/runner/work/repo/repo'
const WORDS = ['data', 'photos', 'backup', 'a b', 'x.y', 'Ünï', 'deep', 'out', '2024']

/** A folder path of 1-4 segments. */
function segments(r: ReturnType<typeof rng>): string[] {
  return Array.from({ length: 1 + r.int(4) }, () => r.pick(WORDS))
}

/** A path spelled with detours: `./`, `x/..`, doubled and trailing slashes. */
function detour(r: ReturnType<typeof rng>, segs: readonly string[]): string {
  const parts: string[] = []
  for (const s of segs) {
    if (r.next() < 0.2) parts.push('.')
    if (r.next() < 0.2) parts.push(r.pick(WORDS), '..')
    parts.push(s)
  }
  let p = parts.join(r.next() < 0.2 ? '//' : '/')
  if (r.next() < 0.4) p += '/'
  return p
}

/** Spellings of one local folder under CWD: relative, ./, absolute, :local:, with detours. */
function localSpellings(r: ReturnType<typeof rng>, segs: readonly string[]): string[] {
  const rel = detour(r, segs)
  const abs = `${CWD}/${detour(r, segs)}`
  return [
    segs.join('/'),
    `./${rel}`,
    abs,
    `:local:${CWD}/${detour(r, segs)}`,
    `:local:${detour(r, segs)}`,
    `../repo/${detour(r, segs)}`,
  ]
}

const HOSTS = ['nas.example', '10.0.0.5', 'files.example.org']

/** Spellings of one SFTP folder: options in any order, host case, default port, options that change nothing. */
function sftpSpellings(
  r: ReturnType<typeof rng>,
  host: string,
  user: string,
  segs: readonly string[],
): string[] {
  const out: string[] = []
  for (let i = 0; i < 4; i++) {
    const opts = [`host=${r.next() < 0.5 ? host.toUpperCase() : host}`, `user=${user}`]
    if (r.next() < 0.5) opts.push('port=22')
    if (r.next() < 0.5) opts.push('idle_timeout=5m')
    if (r.next() < 0.3) opts.push(`shell-type=unix`)
    out.push(`:sftp,${r.shuffle(opts).join(',')}:${detour(r, segs)}`)
  }
  return out
}

/** Spellings of one WebDAV folder: the URL's path and the remote path are one path. */
function webdavSpellings(r: ReturnType<typeof rng>, host: string, segs: readonly string[]): string[] {
  const [first = 'dav', ...rest] = segs
  return [
    `:webdav,url='https://${host}/${first}',vendor=other:${rest.join('/')}`,
    `:webdav,vendor=other,url='https://${host.toUpperCase()}:443/${first}/':${detour(r, rest)}`,
    `:webdav,url='https://${host}',vendor=other:${detour(r, segs)}`,
  ]
}

describe('place identity (property)', () => {
  it('every spelling of a place is that place, across hundreds of generated cases', () => {
    const r = rng(20261125)
    let cases = 0
    for (let n = 0; n < 150; n++) {
      const segs = segments(r)
      const host = r.pick(HOSTS)
      for (const group of [
        localSpellings(r, segs),
        sftpSpellings(r, host, r.pick(['ann', 'bob']), segs),
        webdavSpellings(r, host, segs),
      ]) {
        const keys = new Set(group.map((s) => placeKey(placeOf(s, { cwd: CWD }))))
        expect(keys.size, `spellings of one place: ${group.join(' | ')}`).toBe(1)
        cases += group.length
      }
    }
    expect(cases).toBeGreaterThan(1500)
  })

  it('unrelated places are never the same, nor nested', () => {
    const r = rng(7)
    for (let n = 0; n < 300; n++) {
      const a = segments(r)
      const b = [...a]
      // Change one segment to a word not used elsewhere: a sibling, never a parent or child.
      const at = r.int(b.length)
      b[at] = `${b[at]}-other`
      const pa = placeOf(r.pick(localSpellings(r, a)), { cwd: CWD })
      const pb = placeOf(r.pick(localSpellings(r, b)), { cwd: CWD })
      expect(relate(pa, pb)).toBeUndefined()
      const host = r.pick(HOSTS)
      const sa = placeOf(r.pick(sftpSpellings(r, host, 'ann', a)), { cwd: CWD })
      const other = placeOf(r.pick(sftpSpellings(r, `${host}.other`, 'ann', a)), { cwd: CWD })
      const otherUser = placeOf(r.pick(sftpSpellings(r, host, 'zed', a)), { cwd: CWD })
      expect(relate(sa, other)).toBeUndefined()
      expect(relate(sa, otherUser)).toBeUndefined()
      expect(relate(sa, pa)).toBeUndefined()
    }
  })

  it('a folder inside another is inside it under any spelling', () => {
    const r = rng(99)
    for (let n = 0; n < 200; n++) {
      const parent = segments(r)
      const child = [...parent, r.pick(WORDS)]
      const p = placeOf(r.pick(localSpellings(r, parent)), { cwd: CWD })
      const c = placeOf(r.pick(localSpellings(r, child)), { cwd: CWD })
      expect(relate(c, p)).toBe('inside')
      expect(relate(p, c)).toBe('contains')
    }
  })

  it('with a config, remotes resolve: alias to its target, a remote to its backend and options', () => {
    const config = [
      '[nas]',
      'type = sftp',
      'host = nas.example',
      'user = ann',
      'pass = xxx',
      '[photos]',
      'type = alias',
      'remote = nas:data/photos',
      '[here]',
      'type = alias',
      'remote = /srv/share',
      '[vault]',
      'type = crypt',
      'remote = nas:vault',
      'password = yyy',
    ].join('\n')
    const context = {
      cwd: CWD,
      remote: remoteLookup(config, {
        RCLONE_CONFIG_ENVNAS_TYPE: 'sftp',
        RCLONE_CONFIG_ENVNAS_HOST: 'NAS.example',
        RCLONE_CONFIG_ENVNAS_USER: 'ann',
      }),
    }
    const key = (s: string) => placeKey(placeOf(s, context))
    expect(key('photos:2024')).toBe(key(':sftp,user=ann,host=nas.example:data/photos/2024'))
    expect(key('photos:2024')).toBe(key('nas:data/photos/2024/'))
    expect(key('envnas:data')).toBe(key('nas:data'))
    expect(key('here:x')).toBe(key('/srv/share/x'))
    expect(key('here:x')).toBe(key(':local:/srv/share/x/'))
    expect(relate(placeOf('vault:docs', context), placeOf('nas:vault', context))).toBe('inside')
    // Without the config a remote is only its name: nothing is assumed.
    expect(
      relate(placeOf('photos:2024', { cwd: CWD }), placeOf('nas:data/photos/2024', { cwd: CWD })),
    ).toBeUndefined()
  })
})

describe('the place index', () => {
  it('finds exactly the overlaps that comparing all pairs finds', () => {
    const r = rng(4242)
    const places: Place[] = []
    for (let n = 0; n < 400; n++) {
      const segs = Array.from({ length: 1 + r.int(3) }, () => r.pick(['a', 'b', 'c']))
      places.push(placeOf(r.next() < 0.8 ? segs.join('/') : `:sftp,host=h:${segs.join('/')}`, { cwd: '/w' }))
    }
    const index = new PlaceIndex<number>()
    places.forEach((p, i) => {
      index.add(p, i)
    })
    places.forEach((p, i) => {
      const found = index
        .overlapping(p)
        .map((o) => `${o.value}:${o.relation}`)
        .sort()
      const brute = places
        .map((q, k) => [k, relate(p, q)] as const)
        .filter(([, rel]) => rel !== undefined)
        .map(([k, rel]) => `${k}:${rel}`)
        .sort()
      expect(found, `place ${i}`).toEqual(brute)
    })
  })
})

describe('order between jobs', () => {
  const node = (name: string, reads: string[], writes: string[], needs: string[] = []) => ({
    name,
    places: [
      ...reads.map((p) => ({ place: placeOf(p, { cwd: '/w' }), access: 'read' as const })),
      ...writes.map((p) => ({ place: placeOf(p, { cwd: '/w' }), access: 'write' as const })),
    ],
    needs,
  })

  it('a reader of a written place runs after the writer; needs too; unknown needs are reported', () => {
    const { edges, unknownNeeds } = orderEdges([
      node('publish', ['stage/site'], ['public']),
      node('build', ['src'], ['stage']),
      node('notify', ['x'], ['y'], ['publish', 'nobody']),
    ])
    expect(edges.map((e) => [e.from, e.to, e.kind])).toEqual([
      [1, 0, 'reads'],
      [0, 2, 'needs'],
    ])
    expect(unknownNeeds).toEqual([{ node: 2, at: 1 }])
  })

  it('two bisyncs over one place are peers, not a cycle', () => {
    const both = (name: string, a: string, b: string) => ({
      name,
      places: [a, b].map((p) => ({ place: placeOf(p, { cwd: '/w' }), access: 'both' as const })),
      needs: [],
    })
    const { edges } = orderEdges([both('one', 'hub', 'x'), both('two', 'hub', 'y')])
    expect(edges).toEqual([])
  })

  it('finds each cycle once, at the edge that closes it in file order', () => {
    const { edges } = orderEdges([
      node('a', ['p'], ['q'], ['c']),
      node('b', ['q'], ['r']),
      node('c', ['r'], ['s']),
    ])
    const cycles = findCycles(3, edges)
    expect(cycles).toHaveLength(1)
    expect(cycles[0]?.path).toEqual([0, 2, 1, 0])
    expect(cycles[0]?.edge).toMatchObject({ from: 0, to: 1, kind: 'reads' })
  })
})
