/**
 * An index of places: a trie per storage root, keyed by folder segments. Finding every place that overlaps a given
 * one walks its segments (the places it is inside, and itself) and the subtree below it (the places it contains), so
 * checking N places costs about N times their depth plus the overlaps found, never N squared.
 */
import type { Place, Relation } from './place.js'

interface Node<T> {
  readonly children: Map<string, Node<T>>
  readonly values: T[]
}

function node<T>(): Node<T> {
  return { children: new Map(), values: [] }
}

/** A set of values filed by place. */
export class PlaceIndex<T> {
  private readonly roots = new Map<string, Node<T>>()

  /** Files `value` under `place`. */
  add(place: Place, value: T): void {
    let n: Node<T> | undefined = this.roots.get(place.root)
    if (n === undefined) {
      n = node()
      this.roots.set(place.root, n)
    }
    for (const seg of place.segments) {
      let next: Node<T> | undefined = n.children.get(seg)
      if (next === undefined) {
        next = node()
        n.children.set(seg, next)
      }
      n = next
    }
    n.values.push(value)
  }

  /** Every value whose place overlaps `place`, with how `place` relates to the value's place. */
  overlapping(place: Place): Array<{ value: T; relation: Relation }> {
    const out: Array<{ value: T; relation: Relation }> = []
    let n: Node<T> | undefined = this.roots.get(place.root)
    if (n === undefined) return out
    for (const seg of place.segments) {
      for (const value of n.values) out.push({ value, relation: 'inside' })
      n = n.children.get(seg)
      if (n === undefined) return out
    }
    for (const value of n.values) out.push({ value, relation: 'equal' })
    const stack = [...n.children.values()]
    while (stack.length > 0) {
      const below = stack.pop() as Node<T>
      for (const value of below.values) out.push({ value, relation: 'contains' })
      for (const child of below.children.values()) stack.push(child)
    }
    return out
  }
}
