/**
 * Generated files stay current: the JSON Schema for editors is generated from the zod schema. With
 * UPDATE_GENERATED=1 (npm run generate) the test rewrites them instead of failing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
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

/** The README with the text between `<!-- name:start ... -->` and `<!-- name:end -->` replaced. */
function withSection(readme: string, name: string, body: string): string {
  const start = readme.indexOf(`<!-- ${name}:start`)
  const end = readme.indexOf(`<!-- ${name}:end -->`)
  expect(start, `README.md lacks the ${name} markers`).toBeGreaterThan(-1)
  const open = readme.indexOf('-->', start) + 4
  return `${readme.slice(0, open)}\n${body}\n${readme.slice(end)}`
}

describe('generated files', () => {
  it('schema/job.schema.json equals the schema generated from zod', () => {
    checkGenerated('schema/job.schema.json', `${JSON.stringify(jobJsonSchema(), null, 2)}\n`)
  })

  it('schema/defaults.schema.json (for _defaults.yml) equals the schema generated from zod', () => {
    checkGenerated('schema/defaults.schema.json', `${JSON.stringify(defaultsJsonSchema(), null, 2)}\n`)
  })

  it('the README list of file types equals the one generated from src/jobs/file-types.ts', () => {
    checkGenerated('README.md', withSection(readFileSync('README.md', 'utf8'), 'types', fileTypesMarkdown()))
  })

  it('the README job reference equals the one generated from zod', () => {
    checkGenerated(
      'README.md',
      withSection(readFileSync('README.md', 'utf8'), 'reference', jobReferenceMarkdown()),
    )
  })

  it('the README feature table equals the one generated from src/rclone/features.ts', () => {
    checkGenerated(
      'README.md',
      withSection(readFileSync('README.md', 'utf8'), 'features', `${featureTableMarkdown()}\n`),
    )
  })

  it('the README version table equals the one generated from src/rclone/versions.ts', () => {
    checkGenerated(
      'README.md',
      withSection(readFileSync('README.md', 'utf8'), 'versions', `${versionTableMarkdown()}\n`),
    )
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
