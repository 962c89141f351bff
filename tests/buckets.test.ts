/**
 * What validation knows of bucket backends (issue 20, defects 3 and 7), without servers: a config (or a connection
 * string) names a remote's backend; without one nothing is known and nothing is said.
 */
import { describe, expect, it } from 'vitest'
import { parseJobFile } from '../src/jobs/load.js'
import { validateDocuments } from '../src/jobs/validate.js'
import { bucketLevel } from '../src/places/buckets.js'
import { placeOf } from '../src/places/place.js'
import { remoteLookup } from '../src/places/remotes.js'

const config = [
  '[s3]\ntype = s3\nprovider = AWS\n',
  '[marked]\ntype = s3\nprovider = AWS\ndirectory_markers = true\n',
  '[nas]\ntype = sftp\nhost = nas\n',
  '[photos]\ntype = alias\nremote = s3:photos\n',
].join('\n')
const withConfig = { cwd: '/ws', remote: remoteLookup(config, {}) }

function problems(text: string, context: Parameters<typeof validateDocuments>[1] = withConfig): string[] {
  return validateDocuments(parseJobFile('jobs/j.yml', text).documents, context).diagnostics.map(
    (d) => `${d.severity} ${d.line} ${d.key}: ${d.message}`,
  )
}

describe('bucket backends', () => {
  it('reads where a place sits on a bucket backend, through aliases', () => {
    const at = (p: string) => bucketLevel(placeOf(p, withConfig))
    expect([at('s3:'), at('s3:b'), at('s3:b/x'), at('photos:'), at(':s3:b'), at('nas:x'), at('x')]).toEqual([
      'remote',
      'bucket',
      'inside',
      'bucket',
      'bucket',
      undefined,
      undefined,
    ])
  })

  it('versions at a bucket root need a path; inside a bucket, on another backend or without a config they do not', () => {
    for (const dest of ['s3:photos', ':s3,provider=AWS:photos', 's3:']) {
      const found = problems(`source: src\ndestinations: ["${dest}"]\nversions: { keep: 30d }\n`)
      // At the top of the remote, the default is also inside the destination, refused already.
      expect(found, dest).toHaveLength(dest === 's3:' ? 2 : 1)
      expect(found[0], dest).toMatch(
        /^error 3 versions: destinations\[0\] .* is the root of a bucket.*set versions\.path/,
      )
    }
    // Through the alias the default is inside the destination, which the versions rules refuse already.
    expect(
      problems('source: src\ndestinations: ["photos:"]\nversions: { keep: 30d }\n').join('\n'),
    ).toContain('is inside the destination')
    for (const ok of ['s3:photos/all', 'nas:photos']) {
      expect(problems(`source: src\ndestinations: ["${ok}"]\nversions: { keep: 30d }\n`), ok).toEqual([])
    }
    expect(
      problems(
        'source: src\ndestinations: ["s3:photos"]\nversions: { keep: 30d, path: "s3:history/photos" }\n',
      ),
    ).toEqual([])
    expect(
      problems('source: src\ndestinations: ["s3:photos"]\nversions: { keep: 30d }\n', { cwd: '/ws' }),
    ).toEqual([])
  })

  it('create-empty-src-dirs to a bucket warns, unless the remote writes directory markers', () => {
    const found = problems(
      'source: src\ncreate-empty-src-dirs: true\ndestinations: ["s3:b1/x", "marked:b2/x", "nas:x", ":s3,directory_markers=true:b3"]\n',
    )
    expect(found).toHaveLength(1)
    expect(found[0]).toMatch(/^warning 3 destinations\[0\]: create-empty-src-dirs: .*no folders/)
  })
})
