/**
 * What the members of one consumer group did, as their processes reported it: which records each
 * received, which partitions each owned, and when. The same bookkeeping serves kafkats members and
 * Java's VerifiableConsumer, so both clients' resume times are measured the same way: the parent
 * stamps every line when it arrives.
 *
 * Resume time: from the last fault (a kill) until the group consumes again under its final
 * assignment, i.e. every partition is owned by a live member and has delivered a record to it
 * after the last change of ownership.
 */

export interface ObservedMember {
  readonly name: string
  alive: boolean
  readonly owned: Set<number>
  /** Last offset handed to this member per partition since it was (re)assigned the partition. */
  readonly last: Map<number, number>
  records: number
  errors: string[]
}

export class GroupObserver {
  readonly partitions: number
  /** Every offset any member received, per partition (at-least-once check). */
  readonly consumed: Array<Set<number>>
  readonly members = new Map<string, ObservedMember>()
  /** A member received an offset below one it already had without being (re)assigned the partition. */
  orderViolations: string[] = []
  #changedAt = Date.now()
  /** Per partition: when it first delivered to its live owner after the last ownership change. */
  #flowingAt = new Map<number, number>()
  /** Per partition: the last time a live member received one of its records. */
  readonly lastArrival = new Map<number, number>()
  /** Ownership changes and deaths with their times, for diagnosing a slow resume. */
  readonly timeline: Array<{ at: number; member: string; event: string }> = []

  constructor(partitions: number) {
    this.partitions = partitions
    this.consumed = Array.from({ length: partitions }, () => new Set<number>())
  }

  add(name: string): ObservedMember {
    const member: ObservedMember = { name, alive: true, owned: new Set(), last: new Map(), records: 0, errors: [] }
    this.members.set(name, member)
    return member
  }

  /** The member's process is gone (killed or exited): what it owned is no longer being consumed. */
  died(name: string): void {
    const member = this.members.get(name)
    if (member === undefined || !member.alive) return
    member.alive = false
    this.timeline.push({ at: Date.now(), member: name, event: 'died' })
    if (member.owned.size > 0) this.#ownershipChanged()
  }

  assigned(name: string, partitions: readonly number[]): void {
    const member = this.#member(name)
    for (const p of partitions) {
      member.owned.add(p)
      member.last.delete(p)
    }
    this.timeline.push({ at: Date.now(), member: name, event: `assigned ${partitions.join(',')}` })
    if (member.alive) this.#ownershipChanged()
  }

  /** Eager protocols revoke everything and assign again; incremental ones revoke only what moves. */
  revoked(name: string, partitions: readonly number[]): void {
    const member = this.#member(name)
    for (const p of partitions) member.owned.delete(p)
    this.timeline.push({ at: Date.now(), member: name, event: `revoked ${partitions.join(',')}` })
    if (member.alive && partitions.length > 0) this.#ownershipChanged()
  }

  /** Offsets `from..to` (inclusive) of `partition` reached the member. */
  received(name: string, partition: number, from: number, to: number): void {
    const member = this.#member(name)
    const seen = this.consumed[partition]
    if (seen === undefined) return
    const last = member.last.get(partition)
    if (last !== undefined && from <= last) this.orderViolations.push(`${name}: partition ${partition} went from ${last} to ${from}`)
    member.last.set(partition, to)
    for (let o = from; o <= to; o++) seen.add(o)
    member.records += to - from + 1
    if (!member.alive) return
    const now = Date.now()
    this.lastArrival.set(partition, now)
    if (member.owned.has(partition) && !this.#flowingAt.has(partition)) this.#flowingAt.set(partition, now)
  }

  error(name: string, text: string): void {
    this.#member(name).errors.push(text)
    this.timeline.push({ at: Date.now(), member: name, event: `error ${text}` })
  }

  /** A fault happened now: resuming means delivering after this moment, even if no ownership changes. */
  mark(): void {
    this.#ownershipChanged()
  }

  note(member: string, event: string): void {
    this.timeline.push({ at: Date.now(), member, event })
  }

  /** The timeline relative to `since`, one event a line. */
  trace(since: number): string {
    return this.timeline.map((e) => `${((e.at - since) / 1000).toFixed(1).padStart(7)} s  ${e.member}  ${e.event}`).join('\n')
  }

  /**
   * When consumption resumed under the current assignment, or null while it has not: every
   * partition owned by exactly one live member, every live member owning one (when there are
   * enough partitions), and each partition delivering since the last change.
   */
  resumedAt(): number | null {
    const live = [...this.members.values()].filter((m) => m.alive)
    const owners = new Map<number, number>()
    for (const m of live) for (const p of m.owned) owners.set(p, (owners.get(p) ?? 0) + 1)
    for (let p = 0; p < this.partitions; p++) if (owners.get(p) !== 1) return null
    if (live.length <= this.partitions && live.some((m) => m.owned.size === 0)) return null
    let at = this.#changedAt
    for (let p = 0; p < this.partitions; p++) {
      const flowing = this.#flowingAt.get(p)
      if (flowing === undefined) return null
      at = Math.max(at, flowing)
    }
    return at
  }

  /** Offsets in [0, end) of each partition that no member received. */
  missing(ends: readonly number[]): Array<{ partition: number; offsets: number[] }> {
    const out: Array<{ partition: number; offsets: number[] }> = []
    ends.forEach((end, partition) => {
      const seen = this.consumed[partition] as Set<number>
      const offsets: number[] = []
      for (let o = 0; o < end; o++) if (!seen.has(o)) offsets.push(o)
      if (offsets.length > 0) out.push({ partition, offsets })
    })
    return out
  }

  /** True once every offset below `ends[p]` was received. */
  covers(ends: readonly number[]): boolean {
    return ends.every((end, p) => {
      const seen = this.consumed[p] as Set<number>
      if (seen.size < end) return false
      for (let o = 0; o < end; o++) if (!seen.has(o)) return false
      return true
    })
  }

  describe(): string {
    return [...this.members.values()]
      .map((m) => `${m.name}${m.alive ? '' : ' (dead)'}: owns [${[...m.owned].sort((a, b) => a - b).join(',')}], ${m.records} records${m.errors.length > 0 ? `, errors: ${m.errors.join(' | ')}` : ''}`)
      .join('; ')
  }

  #ownershipChanged(): void {
    this.#changedAt = Date.now()
    this.#flowingAt = new Map()
  }

  #member(name: string): ObservedMember {
    return this.members.get(name) ?? this.add(name)
  }
}
