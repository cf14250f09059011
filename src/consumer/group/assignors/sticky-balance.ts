/**
 * The balancing core of the sticky assignors: keep every partition with its current owner when
 * that owner still subscribes to it, hand the rest to the least loaded members, then move as few
 * partitions as it takes for no member to hold two more than another member that could take one.
 *
 * Ownership claims come from the members' subscriptions. Only claims of the newest generation
 * count (an older claim means the member missed a rebalance, and the partition may have moved on
 * since), and a partition two members claim in the same generation counts as unowned.
 *
 * Balancing works on paths: a partition can always move from A to B when B subscribes to its
 * topic; with different subscriptions, a surplus on A may only reach a short member C through B
 * (A→B, B→C), each member on the way keeping its count. Every move lowers the spread of counts, so
 * the loop ends, and it ends when no path from a member to one holding two fewer exists.
 */

import { partitionKey } from '../../../common/topic-partition.js'
import type { AssignorInput } from '../../options.js'
import { compareMembers, type AssignorMember, type GroupAssignment } from './shared.js'

interface Slot {
  readonly member: AssignorMember
  readonly index: number
  readonly topics: ReadonlySet<string>
  /** Partition keys held now, in the order they were given. */
  readonly held: Set<string>
  /** Partition keys this member validly owned before the rebalance. */
  readonly kept: Set<string>
}

// The separator of partitionKey: topic names cannot contain it.
const SEP = ':'
const keyOf = partitionKey

function topicOfKey(key: string): string {
  return key.slice(0, key.indexOf(SEP))
}

/**
 * The sticky, balanced assignment. `generationOf` reads a member's generation (the subscription's
 * field, or an older encoding in its user data).
 */
export function stickyBalance(input: AssignorInput, generationOf: (m: AssignorMember) => number): GroupAssignment {
  const slots: Slot[] = [...input.members].sort(compareMembers).map((member, index) => ({
    member,
    index,
    topics: new Set(member.topics),
    held: new Set(),
    kept: new Set(),
  }))

  const partitions: string[] = []
  const eligible = new Map<string, Slot[]>()
  for (const slot of slots) {
    for (const topic of slot.topics) {
      const count = input.partitionsPerTopic.get(topic) ?? 0
      let list = eligible.get(topic)
      if (list === undefined) {
        eligible.set(topic, (list = []))
        for (let p = 0; p < count; p++) partitions.push(keyOf(topic, p))
      }
      list.push(slot)
    }
  }

  assignValidClaims(slots, input, generationOf)

  const owned = new Set<string>()
  for (const slot of slots) for (const key of slot.held) owned.add(key)
  // Most constrained first: partitions few members can take go before ones anyone can take.
  const unowned = partitions
    .filter((key) => !owned.has(key))
    .map((key, order) => ({ key, order, choices: eligible.get(topicOfKey(key)) as Slot[] }))
    .sort((a, b) => a.choices.length - b.choices.length || a.order - b.order)
  for (const { key, choices } of unowned) leastLoaded(choices).held.add(key)

  balance(slots)

  const assignment: GroupAssignment = new Map()
  for (const slot of slots) {
    const list = [...slot.held].map((key) => {
      const at = key.indexOf(SEP)
      return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) }
    })
    list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    assignment.set(slot.member.memberId, list)
  }
  return assignment
}

function assignValidClaims(slots: readonly Slot[], input: AssignorInput, generationOf: (m: AssignorMember) => number): void {
  let newest = -1
  for (const slot of slots) if (slot.member.ownedPartitions.length > 0) newest = Math.max(newest, generationOf(slot.member))
  const claimedBy = new Map<string, Slot>()
  const contested = new Set<string>()
  for (const slot of slots) {
    if (slot.member.ownedPartitions.length === 0 || generationOf(slot.member) !== newest) continue
    for (const p of slot.member.ownedPartitions) {
      if (!slot.topics.has(p.topic) || p.partition < 0 || p.partition >= (input.partitionsPerTopic.get(p.topic) ?? 0)) continue
      const key = keyOf(p.topic, p.partition)
      const other = claimedBy.get(key)
      if (other !== undefined && other !== slot) contested.add(key)
      else claimedBy.set(key, slot)
    }
  }
  for (const [key, slot] of claimedBy) {
    if (contested.has(key)) continue
    slot.held.add(key)
    slot.kept.add(key)
  }
}

function leastLoaded(choices: readonly Slot[]): Slot {
  let best = choices[0] as Slot
  for (const slot of choices) if (slot.held.size < best.held.size) best = slot
  return best
}

function balance(slots: readonly Slot[]): void {
  for (;;) {
    let moved = false
    const byLoad = [...slots].sort((a, b) => b.held.size - a.held.size || a.index - b.index)
    for (const source of byLoad) {
      const path = pathToLighterMember(source, slots)
      if (path === null) continue
      for (let i = 0; i + 1 < path.length; i++) movePartition(path[i] as Slot, path[i + 1] as Slot)
      moved = true
      break
    }
    if (!moved) return
  }
}

/**
 * Breadth-first search over "can hand a partition to" edges from `source`; returns the path to the
 * least loaded member reached, if it holds at least two fewer partitions than `source`.
 */
function pathToLighterMember(source: Slot, slots: readonly Slot[]): Slot[] | null {
  const previous = new Map<Slot, Slot | null>([[source, null]])
  const queue: Slot[] = [source]
  let target: Slot | null = null
  for (let head = 0; head < queue.length; head++) {
    const from = queue[head] as Slot
    const heldTopics = new Set<string>()
    for (const key of from.held) heldTopics.add(topicOfKey(key))
    for (const to of slots) {
      if (previous.has(to)) continue
      let canTake = false
      for (const t of heldTopics) if (to.topics.has(t)) canTake = true
      if (!canTake) continue
      previous.set(to, from)
      queue.push(to)
      if (target === null || to.held.size < target.held.size) target = to
    }
  }
  if (target === null || source.held.size - target.held.size < 2) return null
  const path: Slot[] = []
  for (let at: Slot | null = target; at !== null; at = previous.get(at) ?? null) path.push(at)
  return path.reverse()
}

/** Moves one partition `to` can take, preferring one `from` was given in this round over one it kept. */
function movePartition(from: Slot, to: Slot): void {
  let choice: string | undefined
  for (const key of from.held) {
    if (!to.topics.has(topicOfKey(key))) continue
    if (!from.kept.has(key)) {
      choice = key
      break
    }
    choice ??= key
  }
  if (choice === undefined) return
  from.held.delete(choice)
  to.held.add(choice)
}
