import { describe, expect, it } from 'vitest'
import type { GroupAssignment } from '../../../../src/consumer/group/assignor.js'
import { assignCooperativeSticky } from '../../../../src/consumer/group/assignors/cooperative-sticky.js'
import { stickyBalance } from '../../../../src/consumer/group/assignors/sticky-balance.js'
import { stickyGeneration } from '../../../../src/consumer/group/assignors/cooperative-sticky.js'
import type { AssignorInput } from '../../../../src/consumer/options.js'
import { counts, expectCompleteAndExclusive, input, names, seededRandom, type MemberSpec } from './helpers.js'

const sticky = (spec: AssignorInput): GroupAssignment => stickyBalance(spec, stickyGeneration)

function spread(assignment: GroupAssignment): number {
  const c = counts(assignment)
  return Math.max(...c) - Math.min(...c)
}

function owned(assignment: GroupAssignment, memberId: string): Array<[string, number]> {
  return (assignment.get(memberId) ?? []).map((p) => [p.topic, p.partition])
}

/**
 * A group of members running cooperative rebalances until nothing moves, as the classic protocol
 * does: each round every member sends what it owns, gets its new assignment, revokes what it lost
 * and adds what it gained. Checks after every round that no partition has two owners.
 */
class CooperativeGroup {
  readonly owners = new Map<string, Array<[string, number]>>()
  generation = 0
  rounds = 0
  /** Partitions handed from one member to another, as `partition: from -> to`. */
  readonly handovers: string[] = []
  readonly #lastOwner = new Map<string, string>()

  constructor(
    readonly topics: string[],
    readonly partitions: Record<string, number>,
  ) {}

  add(id: string): void {
    this.owners.set(id, [])
  }

  remove(id: string): void {
    this.owners.delete(id)
  }

  /** Rebalances until a round revokes nothing; returns the number of rounds it took. */
  settle(): number {
    let rounds = 0
    for (;;) {
      rounds++
      this.rounds++
      const members: MemberSpec[] = [...this.owners].map(([id, list]) => ({
        id,
        topics: this.topics,
        owned: list,
        generation: this.generation,
      }))
      const result = assignCooperativeSticky(input(members, this.partitions))
      this.generation++
      // Members apply their assignments independently: a new owner may start before the old
      // owner has revoked, so nothing may be given to a member while another one still owns it.
      for (const [id, list] of result) {
        for (const p of list) {
          for (const [other, before] of this.owners) {
            if (other === id) continue
            const clash = before.some(([t, n]) => t === p.topic && n === p.partition)
            expect(clash, `${p.topic}-${p.partition} given to ${id} while ${other} still owns it`).toBe(false)
          }
        }
      }
      let revoked = false
      for (const [id, before] of this.owners) {
        const after = owned(result, id)
        const key = (p: [string, number]): string => `${p[0]}-${p[1]}`
        const afterKeys = new Set(after.map(key))
        if (before.some((p) => !afterKeys.has(key(p)))) revoked = true
        for (const p of after) {
          const k = key(p)
          const previous = this.#lastOwner.get(k)
          if (previous !== undefined && previous !== id) this.handovers.push(`${k}: ${previous} -> ${id}`)
          this.#lastOwner.set(k, id)
        }
        this.owners.set(id, after)
      }
      const all = [...this.owners.values()].flat().map((p) => `${p[0]}-${p[1]}`)
      expect(new Set(all).size, 'a partition has two owners').toBe(all.length)
      if (!revoked) return rounds
      if (rounds > 5) throw new Error('cooperative rebalancing did not settle')
    }
  }

  counts(): number[] {
    return [...this.owners.values()].map((l) => l.length)
  }
}

describe('sticky balance', () => {
  it('balances a fresh group to within one partition', () => {
    const spec = input(
      Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, topics: ['a', 'b'] })),
      { a: 7, b: 6 },
    )
    const result = sticky(spec)
    expectCompleteAndExclusive(result, spec)
    expect(spread(result)).toBeLessThanOrEqual(1)
  })

  it('keeps every partition whose owner stays when a member joins, moving only the new member’s share', () => {
    const start: MemberSpec[] = [
      { id: 'a', topics: ['t'], owned: [['t', 0], ['t', 1], ['t', 2]] },
      { id: 'b', topics: ['t'], owned: [['t', 3], ['t', 4], ['t', 5]] },
      { id: 'c', topics: ['t'] },
    ]
    const result = sticky(input(start, { t: 6 }))
    expect(counts(result)).toEqual([2, 2, 2])
    // a and b each give up exactly one partition and keep the rest.
    expect(names(result, 'a').every((p) => ['t-0', 't-1', 't-2'].includes(p))).toBe(true)
    expect(names(result, 'b').every((p) => ['t-3', 't-4', 't-5'].includes(p))).toBe(true)
  })

  it('moves the fewest partitions possible from a lopsided start', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t'], owned: [['t', 0], ['t', 1], ['t', 2], ['t', 3], ['t', 4]] },
        { id: 'b', topics: ['t'], owned: [['t', 5], ['t', 6], ['t', 7]] },
        { id: 'c', topics: ['t'] },
      ],
      { t: 8 },
    )
    const result = sticky(spec)
    expectCompleteAndExclusive(result, spec)
    expect(counts(result).sort()).toEqual([2, 3, 3])
    // Only two of a's partitions move, to c; b keeps all three.
    expect(names(result, 'b')).toEqual(['t-5', 't-6', 't-7'])
    expect(names(result, 'a')).toHaveLength(3)
    expect(names(result, 'c')).toHaveLength(2)
  })

  it('gives partitions of a departed member to the others without moving anything else', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t'], owned: [['t', 0], ['t', 1], ['t', 2]] },
        { id: 'b', topics: ['t'], owned: [['t', 3], ['t', 4], ['t', 5]] },
      ],
      { t: 9 },
    )
    const result = sticky(spec)
    expectCompleteAndExclusive(result, spec)
    expect(spread(result)).toBeLessThanOrEqual(1)
    expect(names(result, 'a')).toEqual(expect.arrayContaining(['t-0', 't-1', 't-2']))
    expect(names(result, 'b')).toEqual(expect.arrayContaining(['t-3', 't-4', 't-5']))
  })

  it('ignores claims from an older generation and treats a partition claimed twice in one generation as unowned', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t'], owned: [['t', 0], ['t', 1]], generation: 7 },
        { id: 'b', topics: ['t'], owned: [['t', 1], ['t', 2]], generation: 7 },
        { id: 'stale', topics: ['t'], owned: [['t', 3], ['t', 0]], generation: 5 },
      ],
      { t: 6 },
    )
    const result = sticky(spec)
    expectCompleteAndExclusive(result, spec)
    expect(names(result, 'a')).toContain('t-0')
    expect(names(result, 'b')).toContain('t-2')
    expect(spread(result)).toBe(0)
  })

  it('reads the generation from Java’s cooperative-sticky user data when the subscription has none', () => {
    const userData = (generation: number): Uint8Array => {
      const bytes = new Uint8Array(4)
      new DataView(bytes.buffer).setInt32(0, generation)
      return bytes
    }
    const spec = input(
      [
        { id: 'old', topics: ['t'], owned: [['t', 0], ['t', 1]], generation: -1, userData: userData(3) },
        { id: 'new', topics: ['t'], owned: [['t', 0], ['t', 2]], generation: -1, userData: userData(4) },
      ],
      { t: 4 },
    )
    const result = sticky(spec)
    expect(names(result, 'new')).toEqual(expect.arrayContaining(['t-0', 't-2']))
  })

  it('balances different subscriptions through members that share topics', () => {
    // a can take only x, c only y; b takes both. Starting with everything on a and c, the balance
    // must pass surplus through b.
    const spec = input(
      [
        { id: 'a', topics: ['x'], owned: [['x', 0], ['x', 1], ['x', 2], ['x', 3], ['x', 4], ['x', 5]] },
        { id: 'b', topics: ['x', 'y'] },
        { id: 'c', topics: ['y'], owned: [['y', 0], ['y', 1], ['y', 2]] },
      ],
      { x: 6, y: 3 },
    )
    const result = sticky(spec)
    expectCompleteAndExclusive(result, spec)
    expect(counts(result)).toEqual([3, 3, 3])
    expect(names(result, 'c')).toEqual(['y-0', 'y-1', 'y-2'])
  })

  it('stays complete, exclusive and balanced over random groups', () => {
    const random = seededRandom(848)
    for (let round = 0; round < 200; round++) {
      const topicCount = 1 + Math.floor(random() * 4)
      const partitions: Record<string, number> = {}
      for (let t = 0; t < topicCount; t++) partitions[`t${t}`] = 1 + Math.floor(random() * 12)
      const topics = Object.keys(partitions)
      const memberCount = 1 + Math.floor(random() * 7)
      const members: MemberSpec[] = []
      const taken = new Set<string>()
      for (let m = 0; m < memberCount; m++) {
        const mine: Array<[string, number]> = []
        for (const t of topics) {
          for (let p = 0; p < (partitions[t] as number); p++) {
            if (random() < 0.3 && !taken.has(`${t}-${p}`)) {
              taken.add(`${t}-${p}`)
              mine.push([t, p])
            }
          }
        }
        members.push({ id: `m${m}`, topics, owned: mine })
      }
      const spec = input(members, partitions)
      const result = sticky(spec)
      expectCompleteAndExclusive(result, spec)
      expect(spread(result), `round ${round}`).toBeLessThanOrEqual(1)
      // Stickiness: a member keeps min(owned, its final count) of what it owned.
      for (const m of members) {
        const kept = names(result, m.id).filter((n) => (m.owned ?? []).some(([t, p]) => `${t}-${p}` === n)).length
        expect(kept).toBe(Math.min((m.owned ?? []).length, names(result, m.id).length))
      }
    }
  })
})

describe('cooperative-sticky assignor', () => {
  it('withholds partitions that change owner in the first round and hands them over in the second', () => {
    const first = assignCooperativeSticky(
      input(
        [
          { id: 'a', topics: ['t'], owned: [['t', 0], ['t', 1], ['t', 2]] },
          { id: 'b', topics: ['t'], owned: [['t', 3], ['t', 4], ['t', 5]] },
          { id: 'c', topics: ['t'] },
        ],
        { t: 6 },
      ),
    )
    // c gets nothing yet; a and b each give up one partition they owned.
    expect(names(first, 'c')).toEqual([])
    expect(names(first, 'a')).toHaveLength(2)
    expect(names(first, 'b')).toHaveLength(2)
    const released = ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'].filter(
      (p) => !names(first, 'a').includes(p) && !names(first, 'b').includes(p),
    )
    expect(released).toHaveLength(2)

    const second = assignCooperativeSticky(
      input(
        [
          { id: 'a', topics: ['t'], owned: owned(first, 'a'), generation: 2 },
          { id: 'b', topics: ['t'], owned: owned(first, 'b'), generation: 2 },
          { id: 'c', topics: ['t'], owned: [], generation: 2 },
        ],
        { t: 6 },
      ),
    )
    expect(names(second, 'a')).toEqual(names(first, 'a'))
    expect(names(second, 'b')).toEqual(names(first, 'b'))
    expect(names(second, 'c')).toEqual(released.sort())
  })

  it('assigns unowned partitions at once: nothing to withhold', () => {
    const result = assignCooperativeSticky(
      input(
        [
          { id: 'a', topics: ['t'] },
          { id: 'b', topics: ['t'] },
        ],
        { t: 4 },
      ),
    )
    expect(counts(result)).toEqual([2, 2])
  })

  it('withholds a partition still claimed by a stale member even though the stale claim does not count', () => {
    const result = assignCooperativeSticky(
      input(
        [
          { id: 'a', topics: ['t'], owned: [['t', 0]], generation: 9 },
          { id: 'zombie', topics: ['t'], owned: [['t', 1]], generation: 3 },
          { id: 'b', topics: ['t'], owned: [], generation: 9 },
        ],
        { t: 3 },
      ),
    )
    const holders = [...result].filter(([, list]) => list.some((p) => p.partition === 1)).map(([id]) => id)
    expect(holders.filter((id) => id !== 'zombie')).toEqual([])
  })

  it('never gives a partition two owners while members join and leave, and settles within two rounds', () => {
    const group = new CooperativeGroup(['orders', 'payments'], { orders: 12, payments: 5 })
    const random = seededRandom(429)
    let next = 0
    for (let step = 0; step < 60; step++) {
      if (group.owners.size === 0 || (group.owners.size < 8 && random() < 0.6)) group.add(`member-${next++}`)
      else {
        const ids = [...group.owners.keys()]
        group.remove(ids[Math.floor(random() * ids.length)] as string)
      }
      if (group.owners.size === 0) continue
      expect(group.settle()).toBeLessThanOrEqual(2)
      const c = group.counts()
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1)
      expect(c.reduce((s, n) => s + n, 0)).toBe(17)
    }
  })

  it('moves only the new member’s share when a fourth member joins a group of three', () => {
    const group = new CooperativeGroup(['t'], { t: 12 })
    for (const id of ['a', 'b', 'c']) group.add(id)
    group.settle()
    const before = new Map([...group.owners].map(([id, list]) => [id, list.map(([t, p]) => `${t}-${p}`)]))
    group.handovers.length = 0
    group.add('d')
    expect(group.settle()).toBe(2)
    expect(group.handovers).toHaveLength(3)
    expect(group.handovers.every((h) => h.endsWith('-> d'))).toBe(true)
    for (const id of ['a', 'b', 'c']) {
      const now = (group.owners.get(id) ?? []).map(([t, p]) => `${t}-${p}`)
      expect(now).toHaveLength(3)
      expect(before.get(id)).toEqual(expect.arrayContaining(now))
    }
  })
})
