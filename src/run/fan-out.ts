/**
 * The `matrix` output: how a set of jobs fans out over runners with `strategy.matrix`. Jobs whose paths overlap (one
 * reads what another writes, a bisync pair) must not run at once on two runners, so they always share one entry, in
 * file order. Without `shards`, one entry per job (or per group of overlapping jobs); with `shards: N`, N entries of
 * similar size, counted in destinations. Pure.
 */

import type { Dependency, ValidJob } from '../jobs/validate.js'
import { conflicts } from './execute.js'
import { invocationPlaces } from './plan.js'

/** One matrix entry: `job` is a job name, or several, comma-separated, as the `jobs` input takes them. */
export interface MatrixEntry {
  readonly job: string
  readonly shard?: number
  readonly destinations?: number
}

/**
 * Groups of jobs (in file order) that must run on one runner: their places overlap, or one depends on another
 * (`needs`, or reading what another writes), since order holds only within one run.
 */
export function overlapGroups(
  jobs: readonly ValidJob[],
  dependencies: ReadonlyMap<string, readonly Dependency[]>,
): ValidJob[][] {
  // Only where each invocation reads and writes matters here: no argument vectors are built.
  const invocations = jobs.flatMap((j) =>
    j.destinations.map((d) => ({ job: j.name, ...invocationPlaces(j, d) })),
  )
  const index = new Map(jobs.map((j, i) => [j.name, i]))
  const parent = jobs.map((_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number
      i = parent[i] as number
    }
    return i
  }
  const union = (x: number | undefined, y: number | undefined) => {
    if (x === undefined || y === undefined) return
    const a = find(x)
    const b = find(y)
    if (a !== b) parent[Math.max(a, b)] = Math.min(a, b)
  }
  conflicts(invocations).forEach((others, i) => {
    for (const k of others) {
      union(index.get(invocations[i]?.job as string), index.get(invocations[k]?.job as string))
    }
  })
  for (const [job, deps] of dependencies) {
    for (const d of deps) union(index.get(job), index.get(d.job))
  }
  const groups = new Map<number, ValidJob[]>()
  jobs.forEach((j, i) => {
    const root = find(i)
    const group = groups.get(root)
    if (group) group.push(j)
    else groups.set(root, [j])
  })
  return [...groups.values()]
}

/** The `matrix` output for the selected jobs. `shards` 0 means one entry per job (or overlapping group). */
export function matrixFor(
  jobs: readonly ValidJob[],
  shards: number,
  dependencies: ReadonlyMap<string, readonly Dependency[]>,
): { include: MatrixEntry[] } {
  const groups = overlapGroups(jobs, dependencies)
  if (shards <= 0) return { include: groups.map((g) => ({ job: g.map((j) => j.name).join(',') })) }
  const weight = (g: ValidJob[]) => g.reduce((n, j) => n + j.destinations.length, 0)
  const bins = Array.from({ length: Math.min(shards, groups.length) }, () => ({
    groups: [] as ValidJob[][],
    weight: 0,
  }))
  // Largest first into the lightest shard: a simple greedy that keeps shards within one group of each other.
  for (const g of [...groups].sort((a, b) => weight(b) - weight(a))) {
    const bin = bins.reduce((min, b) => (b.weight < min.weight ? b : min))
    bin.groups.push(g)
    bin.weight += weight(g)
  }
  const order = new Map(jobs.map((j, i) => [j.name, i]))
  return {
    include: bins.map((b, i) => ({
      shard: i + 1,
      job: b.groups
        .flat()
        .sort((x, y) => (order.get(x.name) ?? 0) - (order.get(y.name) ?? 0))
        .map((j) => j.name)
        .join(','),
      destinations: b.weight,
    })),
  }
}
