/**
 * The `bisync-state` store seen from validation: a path that the jobs must leave alone. Pure.
 */
import { type Place, type PlaceContext, placeOf, relate, relationWords } from '../places/place.js'
import { type Diagnostic, formatKeyPath } from './diagnostics.js'
import type { ValidJob } from './validate.js'

/** Errors for job paths that overlap the state store: a sync there would copy or delete the state. */
export function storeOverlaps(store: string, jobs: readonly ValidJob[], context: PlaceContext): Diagnostic[] {
  if (store === '') return []
  const st = placeOf(store, context)
  const out: Diagnostic[] = []
  for (const j of jobs) {
    const paths: Array<[readonly PropertyKey[], string, Place]> = [[['source'], j.job.source, j.sourcePlace]]
    for (const d of j.destinations) paths.push([d.keyPath, d.path, d.place])
    for (const [keyPath, p, place] of paths) {
      const rel = relate(place, st)
      if (rel === undefined) continue
      out.push({
        severity: 'error',
        ...j.locate(keyPath),
        key: formatKeyPath(keyPath),
        message: `"${p}" ${relationWords(rel)} the bisync-state store "${store}"; a sync there would copy or delete the state. Keep the store outside every job's paths`,
      })
    }
  }
  return out
}
