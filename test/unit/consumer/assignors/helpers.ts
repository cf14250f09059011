/** Builders and checks shared by the assignor tests. */
import { expect } from 'vitest'
import type { AssignorInput } from '../../../../src/consumer/options.js'
import type { AssignorMember, GroupAssignment } from '../../../../src/consumer/group/assignor.js'

export interface MemberSpec {
  id: string
  topics: string[]
  instance?: string
  owned?: Array<[string, number]>
  generation?: number
  userData?: Uint8Array
}

export function member(spec: MemberSpec): AssignorMember {
  return {
    memberId: spec.id,
    groupInstanceId: spec.instance ?? null,
    topics: spec.topics,
    ownedPartitions: (spec.owned ?? []).map(([topic, partition]) => ({ topic, partition })),
    generationId: spec.generation ?? (spec.owned === undefined ? -1 : 1),
    rackId: null,
    userData: spec.userData ?? null,
  }
}

export function input(members: MemberSpec[], partitions: Record<string, number>): AssignorInput {
  return { members: members.map(member), partitionsPerTopic: new Map(Object.entries(partitions)) }
}

/** `topic-partition` strings of one member, sorted, for readable equality checks. */
export function names(assignment: GroupAssignment, memberId: string): string[] {
  return (assignment.get(memberId) ?? []).map((p) => `${p.topic}-${p.partition}`).sort()
}

export function counts(assignment: GroupAssignment): number[] {
  return [...assignment.values()].map((list) => list.length)
}

/** Every partition of `partitions` is assigned exactly once, and only to members subscribing to its topic. */
export function expectCompleteAndExclusive(
  assignment: GroupAssignment,
  spec: AssignorInput,
  options: { complete?: boolean } = {},
): void {
  const seen = new Map<string, string>()
  for (const [memberId, list] of assignment) {
    const m = spec.members.find((x) => x.memberId === memberId)
    expect(m, `unknown member ${memberId}`).toBeDefined()
    for (const p of list) {
      const key = `${p.topic}-${p.partition}`
      expect(seen.get(key), `${key} given to ${seen.get(key)} and ${memberId}`).toBeUndefined()
      seen.set(key, memberId)
      expect(m?.topics, `${memberId} does not subscribe to ${p.topic}`).toContain(p.topic)
    }
  }
  if (options.complete !== false) {
    let total = 0
    for (const [topic, count] of spec.partitionsPerTopic) {
      if (spec.members.some((m) => m.topics.includes(topic))) total += count
    }
    expect(seen.size).toBe(total)
  }
}

/** A small seeded generator (mulberry32), so randomised cases are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
