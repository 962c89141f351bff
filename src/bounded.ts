/**
 * A count with a sample of what it counted: the `limit` smallest items in code-point order, whatever order they
 * came in. rclone reports files as its transfers finish, in an order that changes from run to run; a plan, a run and
 * a check of the same files list the same first paths. Memory stays at `limit` items however many are counted.
 */
export class SmallestN {
  count = 0
  private readonly items: string[] = []

  constructor(private readonly limit: number) {}

  /** Counts one item, and keeps it when it is among the smallest so far. */
  add(item: string): void {
    this.count++
    const items = this.items
    if (items.length === this.limit && !(item < (items[items.length - 1] as string))) return
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((items[mid] as string) < item) lo = mid + 1
      else hi = mid
    }
    items.splice(lo, 0, item)
    if (items.length > this.limit) items.pop()
  }

  /** The kept items, smallest first. */
  get first(): readonly string[] {
    return this.items
  }
}
