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

/** The set of values a valid field allows. */
function allowed(field: string, spec: (typeof FIELDS)[number]): Set<number> {
  const out = new Set<number>()
  for (const item of field.split(',')) {
    const [range, stepText] = item.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    let lo: number = spec.min
    let hi: number = spec.max
    if (range !== '*') {
      const [a, b] = (range ?? '').split('-')
      lo = value(a as string, spec) as number
      hi = b === undefined ? (stepText === undefined ? lo : spec.max) : (value(b, spec) as number)
    }
    for (let v = lo; v <= hi; v += step) out.add(v)
  }
  return out
}

/**
 * When a valid cron fires next after `from` (ms), in UTC as GitHub schedules run; undefined when it never fires in
 * the next 5 years (`0 0 30 2 *`). Day of month and day of week combine as in cron: when both are restricted, either
 * one matching is enough.
 */
export function nextRun(expr: string, from: number): number | undefined {
  if (cronProblem(expr) !== undefined) return undefined
  const f = expr.trim().split(/\s+/)
  const [minutes, hours, days, months, weekdays] = FIELDS.map((spec, i) => allowed(f[i] as string, spec))
  const dayStar = f[2] === '*'
  const weekStar = f[4] === '*'
  const d = new Date(Math.floor(from / 60_000) * 60_000 + 60_000)
  const limit = from + 5 * 366 * 86_400_000
  while (d.getTime() <= limit) {
    if (!months?.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1)
      d.setUTCHours(0, 0, 0, 0)
      continue
    }
    const dom = days?.has(d.getUTCDate()) ?? false
    const dow = weekdays?.has(d.getUTCDay()) ?? false
    const dayOk = dayStar && weekStar ? true : dayStar ? dow : weekStar ? dom : dom || dow
    if (!dayOk) {
      d.setUTCDate(d.getUTCDate() + 1)
      d.setUTCHours(0, 0, 0, 0)
      continue
    }
    if (!hours?.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0)
      continue
    }
    if (!minutes?.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0)
      continue
    }
    return d.getTime()
  }
  return undefined
}
