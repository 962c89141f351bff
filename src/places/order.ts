/**
 * Order between jobs, from where data flows and from `needs`: a job that reads a place another job writes (its
 * source is, is inside, or contains the other's destination) runs after it, and so does a job that needs another.
 * Pure. Edges are found through a place index, so a thousand jobs cost a thousand look-ups, not a million pairs.
 */

import type { Place } from './place.js'
import { PlaceIndex } from './place-index.js'

/** How a job uses a place: a sync reads its source and writes its destinations; a bisync does both to each. */
export type Access = 'read' | 'write' | 'both'

/** One job as ordering sees it. */
export interface FlowNode {
  readonly name: string
  readonly places: ReadonlyArray<{ readonly place: Place; readonly access: Access }>
  /** The jobs it needs, by name, as written. */
  readonly needs: readonly string[]
}

/** `from` runs before `to`. */
export interface Edge {
  readonly from: number
  readonly to: number
  /** Why: `needs` (entry `at` of the job's needs) or `reads` (its place `at` overlaps a place `from` writes). */
  readonly kind: 'needs' | 'reads'
  readonly at: number
}

/**
 * The edges between nodes (by index), and the needs entries that name no node. Two bisyncs over one place are peers,
 * not an order: each reads and writes it, so neither must go first (they never run at once; see `conflicts`).
 */
export function orderEdges(nodes: readonly FlowNode[]): {
  edges: Edge[]
  unknownNeeds: Array<{ node: number; at: number }>
} {
  const byName = new Map<string, number>()
  nodes.forEach((n, i) => {
    if (!byName.has(n.name)) byName.set(n.name, i)
  })
  const writers = new PlaceIndex<{ node: number; both: boolean }>()
  nodes.forEach((n, i) => {
    for (const p of n.places)
      if (p.access !== 'read') writers.add(p.place, { node: i, both: p.access === 'both' })
  })
  const edges: Edge[] = []
  const unknownNeeds: Array<{ node: number; at: number }> = []
  nodes.forEach((n, to) => {
    const seen = new Set<number>()
    n.needs.forEach((name, at) => {
      const from = byName.get(name)
      if (from === undefined) unknownNeeds.push({ node: to, at })
      else if (from !== to && !seen.has(from)) {
        seen.add(from)
        edges.push({ from, to, kind: 'needs', at })
      }
    })
    n.places.forEach((p, at) => {
      if (p.access === 'write') return
      for (const { value } of writers.overlapping(p.place)) {
        const from = value.node
        if (from === to || seen.has(from) || (value.both && p.access === 'both')) continue
        seen.add(from)
        edges.push({ from, to, kind: 'reads', at })
      }
    })
  })
  return { edges, unknownNeeds }
}

/**
 * The cycles, each reported once by the edge that closes it: jobs are walked in file order along what each one
 * depends on, so the closing edge is the `needs` entry or the source written last. `path` lists the jobs along the
 * cycle, each depending on the next, ending where it started.
 */
export function findCycles(count: number, edges: readonly Edge[]): Array<{ edge: Edge; path: number[] }> {
  const out: Array<{ edge: Edge; path: number[] }> = []
  const dependsOn: Edge[][] = Array.from({ length: count }, () => [])
  for (const e of edges) dependsOn[e.to]?.push(e)
  // Iterative depth-first search: 0 unvisited, 1 on the stack, 2 done.
  const state = new Uint8Array(count)
  const stack: Array<{ node: number; next: number }> = []
  const onStack: number[] = []
  for (let start = 0; start < count; start++) {
    if (state[start] !== 0) continue
    stack.push({ node: start, next: 0 })
    onStack.push(start)
    state[start] = 1
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: number; next: number }
      const list = dependsOn[top.node] as Edge[]
      if (top.next >= list.length) {
        state[top.node] = 2
        stack.pop()
        onStack.pop()
        continue
      }
      const e = list[top.next++] as Edge
      if (state[e.from] === 0) {
        state[e.from] = 1
        stack.push({ node: e.from, next: 0 })
        onStack.push(e.from)
      } else if (state[e.from] === 1) {
        const first = onStack.indexOf(e.from)
        out.push({ edge: e, path: [...onStack.slice(first), e.from] })
      }
    }
  }
  return out
}
