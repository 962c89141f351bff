/**
 * GitHub's `on.schedule` cron syntax: five fields (minute, hour, day of month, month, day of week), each `*`, a
 * number, a range, a list, with optional `/step`; month and weekday names (JAN, MON). Pure.
 */

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const

/** Returns what is wrong with a cron string, or undefined when GitHub would accept it. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/)
  if (fields.length !== 5 || expr.trim() === '') {
    return `a cron needs 5 fields (minute hour day-of-month month day-of-week), not ${expr.trim() === '' ? 0 : fields.length}, e.g. "30 2 * * *"`
  }
  for (let i = 0; i < 5; i++) {
    const spec = FIELDS[i] as (typeof FIELDS)[number]
    const problem = fieldProblem(fields[i] as string, spec)
    if (problem) return `cron ${spec.name} "${fields[i]}": ${problem}`
  }
  return undefined
}

function fieldProblem(field: string, spec: (typeof FIELDS)[number]): string | undefined {
  for (const item of field.split(',')) {
    if (item === '') return 'empty list item'
    const [range, step, extra] = item.split('/')
    if (extra !== undefined) return 'more than one "/"'
    if (step !== undefined && !/^\d+$/.test(step)) return `step "${step}" must be a whole number`
    if (step !== undefined && Number(step) < 1) return 'step must be at least 1'
    if (range === '*') continue
    const bounds = (range ?? '').split('-')
    if (bounds.length > 2) return `"${range}" is not a value or a range`
    const values: number[] = []
    for (const b of bounds) {
      const v = value(b, spec)
      if (v === undefined)
        return `"${b}" is not a ${spec.name} (${spec.min}-${spec.max}${'names' in spec ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''})`
      values.push(v)
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number))
      return `range "${range}" runs backwards`
  }
  return undefined
}

function value(text: string, spec: (typeof FIELDS)[number]): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text)
    return n >= spec.min && n <= spec.max ? n : undefined
  }
  if ('names' in spec) {
    const i = (spec.names as readonly string[]).indexOf(text.toUpperCase())
    if (i >= 0) return i + spec.min
  }
  return undefined
}

/** Normalizes a cron string for comparison: GitHub compares the text, we forgive extra spaces and name case. */
export function normalizeCron(cron: string): string {
  return cron.trim().split(/\s+/).join(' ').toUpperCase()
}
