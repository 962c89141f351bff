/**
 * The job format reference for the README, generated from the zod schema (descriptions, types, bounds, defaults),
 * so the documentation cannot drift from what validation accepts. Pure.
 */
import { z } from 'zod'
import {
  AGE_PATTERN,
  DURATION_PATTERN,
  filtersSchema,
  jobSchema,
  NAME_PATTERN,
  optionsSchema,
  SIZE_PATTERN,
} from './schema.js'

interface JsonProp {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  pattern?: string
  minimum?: number
  maxLength?: number
  minItems?: number
  items?: JsonProp
  anyOf?: JsonProp[]
  properties?: Record<string, JsonProp>
}

function typeOf(p: JsonProp): string {
  if (p.enum) return p.enum.map((v) => `\`${String(v)}\``).join(', ')
  if (p.anyOf) {
    // A size or age may also be written as a plain number; name the richer form only.
    const kinds = [...new Set(p.anyOf.map(typeOf))]
    const rich = kinds.filter((k) => !/^(integer|number)/.test(k))
    return (
      rich.length === 1 && kinds.length === 2 && /^(size|age)/.test(rich[0] as string) ? rich : kinds
    ).join(' or ')
  }
  if (p.type === 'array') return `list of ${p.items ? typeOf(p.items) : 'values'}`
  if (p.type === 'integer') return p.minimum !== undefined ? `integer >= ${p.minimum}` : 'integer'
  if (p.type === 'boolean') return 'bool'
  if (p.type === 'object') return 'mapping'
  if (p.type === 'string') {
    if (p.pattern === SIZE_PATTERN.source) return 'size (`10M`, `1.5G`, `off`)'
    if (p.pattern === DURATION_PATTERN.source) return 'duration (`30s`, `1h30m`)'
    if (p.pattern === AGE_PATTERN.source) return 'age (`90s`, `7d`, `2w`, `2024-01-31`)'
    if (p.pattern === NAME_PATTERN.source)
      return `\`${NAME_PATTERN.source}\`${p.maxLength ? `, at most ${p.maxLength}` : ''}`
    if (p.pattern?.startsWith('^[+-]')) return 'filter rule (`+ *.jpg`, `- *`)'
    return 'string'
  }
  return String(p.type ?? 'value')
}

function table(schema: z.ZodType, keyColumn: string): string {
  const json = z.toJSONSchema(schema, { io: 'input' }) as {
    properties: Record<string, JsonProp>
    required?: string[]
  }
  const required = new Set(json.required ?? [])
  const rows = Object.entries(json.properties).map(([key, p]) => {
    const desc = (p.description ?? '').replace(/\|/g, '\\|')
    const def = required.has(key)
      ? 'required'
      : p.default !== undefined
        ? `\`${JSON.stringify(p.default)}\``
        : p.type === 'object'
          ? '`{}`'
          : 'none'
    return `| \`${key}\` | ${typeOf(p).replace(/\|/g, '\\|')} | ${def} | ${desc} |`
  })
  return [`| ${keyColumn} | type | default | meaning |`, '| --- | --- | --- | --- |', ...rows].join('\n')
}

/** The Markdown reference: job keys, then `options`, then `filters`. */
export function jobReferenceMarkdown(): string {
  return [
    '#### Job keys',
    '',
    table(jobSchema, 'key'),
    '',
    '#### `options` (each maps to the rclone flag of the same name; omitted keys pass no flag)',
    '',
    table(optionsSchema, 'option'),
    '',
    '#### `filters` (each maps to the rclone filter flag of the same name)',
    '',
    table(filtersSchema, 'filter'),
    '',
  ].join('\n')
}
