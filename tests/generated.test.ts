/**
 * Generated files stay current: the JSON Schema for editors is generated from the zod schema, and the tables of
 * docs/reference.md from the code. With UPDATE_GENERATED=1 (npm run generate) the test rewrites them instead of
 * failing. The README and docs/ link to each other: every relative link must reach a file, and a heading there.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { featureTableMarkdown } from '../src/jobs/features.js'
import { fileTypesMarkdown } from '../src/jobs/file-types.js'
import { jobReferenceMarkdown } from '../src/jobs/reference.js'
import { defaultsJsonSchema, jobJsonSchema } from '../src/jobs/schema.js'
import { versionTableMarkdown } from '../src/rclone/versions.js'

const update = process.env.UPDATE_GENERATED === '1'

function checkGenerated(file: string, fresh: string): void {
  if (update) {
    writeFileSync(file, fresh)
    return
  }
  const current = existsSync(file) ? readFileSync(file, 'utf8') : ''
  expect(current, `${file} is stale: run "npm run generate" and commit it`).toBe(fresh)
}

/** The page that holds the generated tables. */
const REFERENCE = 'docs/reference.md'

/** The page with the text between `<!-- name:start ... -->` and `<!-- name:end -->` replaced. */
function withSection(page: string, name: string, body: string): string {
  const start = page.indexOf(`<!-- ${name}:start`)
  const end = page.indexOf(`<!-- ${name}:end -->`)
  expect(start, `${REFERENCE} lacks the ${name} markers`).toBeGreaterThan(-1)
  const open = page.indexOf('-->', start) + 4
  return `${page.slice(0, open)}\n${body}\n${page.slice(end)}`
}

/** The README and every page under docs/. */
function pages(): string[] {
  return [
    'README.md',
    ...readdirSync('docs')
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ]
}

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens. */
function anchors(text: string): Set<string> {
  const out = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of text.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(line)
    if (!heading) continue
    const slug = (heading[1] as string)
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    out.add(n === 0 ? slug : `${slug}-${n}`)
    seen.set(slug, n + 1)
  }
  return out
}

/** The relative links of a page (`[text](target)`), outside code blocks: web links and mail addresses left out. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
}

describe('generated files', () => {
  it('schema/job.schema.json equals the schema generated from zod', () => {
    checkGenerated('schema/job.schema.json', `${JSON.stringify(jobJsonSchema(), null, 2)}\n`)
  })

  it('schema/defaults.schema.json (for _defaults.yml) equals the schema generated from zod', () => {
    checkGenerated('schema/defaults.schema.json', `${JSON.stringify(defaultsJsonSchema(), null, 2)}\n`)
  })

  it('the list of file types in docs/reference.md equals the one generated from src/jobs/file-types.ts', () => {
    checkGenerated(REFERENCE, withSection(readFileSync(REFERENCE, 'utf8'), 'types', fileTypesMarkdown()))
  })

  it('the job reference in docs/reference.md equals the one generated from zod', () => {
    checkGenerated(
      REFERENCE,
      withSection(readFileSync(REFERENCE, 'utf8'), 'reference', jobReferenceMarkdown()),
    )
  })

  it('the feature table in docs/reference.md equals the one generated from src/rclone/features.ts', () => {
    checkGenerated(
      REFERENCE,
      withSection(readFileSync(REFERENCE, 'utf8'), 'features', `${featureTableMarkdown()}\n`),
    )
  })

  it('the version table in docs/reference.md equals the one generated from src/rclone/versions.ts', () => {
    checkGenerated(
      REFERENCE,
      withSection(readFileSync(REFERENCE, 'utf8'), 'versions', `${versionTableMarkdown()}\n`),
    )
  })

  it('the README holds no generated section: they live in docs/reference.md', () => {
    expect(readFileSync('README.md', 'utf8')).not.toMatch(/<!-- \w+:start/)
  })

  it('the JSON Schema describes every job key and rejects unknown ones', () => {
    const s = jobJsonSchema() as {
      properties: Record<string, unknown>
      required: string[]
      additionalProperties: boolean
    }
    expect(Object.keys(s.properties)).toEqual(
      expect.arrayContaining([
        'name',
        'source',
        'destinations',
        'mode',
        'options',
        'filters',
        'schedule',
        'enabled',
        'allow-empty-source',
        'create-empty-src-dirs',
        'description',
      ]),
    )
    expect(s.required).toEqual(['source', 'destinations'])
    expect(s.additionalProperties).toBe(false)
  })

  it('the defaults JSON Schema takes every job key but name, source, destinations and needs, none required', () => {
    const s = defaultsJsonSchema() as {
      properties: Record<string, unknown>
      required?: string[]
      additionalProperties: boolean
    }
    const job = jobJsonSchema() as { properties: Record<string, unknown> }
    expect(Object.keys(s.properties).sort()).toEqual(
      Object.keys(job.properties)
        .filter((k) => !['name', 'source', 'destinations', 'needs'].includes(k))
        .sort(),
    )
    expect(s.required ?? []).toEqual([])
    expect(s.additionalProperties).toBe(false)
  })
})

describe('links between the README and docs/', () => {
  it.each(pages())('every relative link in %s reaches a file, and a heading there', (page) => {
    const text = readFileSync(page, 'utf8')
    const broken: string[] = []
    for (const link of relativeLinks(text)) {
      const [target = '', anchor] = link.split('#')
      const file = target === '' ? page : path.normalize(path.join(path.dirname(page), target))
      if (file.startsWith('..') || !existsSync(file)) {
        broken.push(`${link}: no file ${file}`)
        continue
      }
      if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue
      if (!anchors(readFileSync(file, 'utf8')).has(anchor))
        broken.push(`${link}: no heading #${anchor} in ${file}`)
    }
    expect(broken).toEqual([])
  })

  it('the README and docs/ show the schema line that works from any repository', () => {
    for (const page of pages()) {
      for (const line of readFileSync(page, 'utf8').match(/yaml-language-server: \$schema=\S+/g) ?? [])
        expect(line, page).toMatch(
          /^yaml-language-server: \$schema=https:\/\/raw\.githubusercontent\.com\/org\/rclone-jobs\/v1\/schema\/(job|defaults)\.schema\.json$/,
        )
    }
  })
})
