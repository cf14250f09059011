/**
 * The range assignor (Java `RangeAssignor`): each topic on its own, its partitions cut into
 * contiguous ranges over the members that subscribe to it, in member order. With P partitions and
 * M members each gets ⌊P/M⌋ and the first P mod M one more, so the same members get the same
 * partition numbers of co-partitioned topics (the reason to choose range).
 */

import type { AssignorInput, ConsumerAssignor } from '../../options.js'
import { compareMembers, emptyAssignment, subscribedTopics, type GroupAssignment } from './shared.js'

export function assignRange(input: AssignorInput): GroupAssignment {
  const assignment = emptyAssignment(input)
  const members = [...input.members].sort(compareMembers)
  for (const topic of subscribedTopics(input)) {
    const partitions = input.partitionsPerTopic.get(topic) as number
    const consumers = members.filter((m) => m.topics.includes(topic))
    const base = Math.floor(partitions / consumers.length)
    const extra = partitions % consumers.length
    consumers.forEach((member, i) => {
      const start = i * base + Math.min(i, extra)
      const count = base + (i < extra ? 1 : 0)
      const list = assignment.get(member.memberId) as Array<{ topic: string; partition: number }>
      for (let p = start; p < start + count; p++) list.push({ topic, partition: p })
    })
  }
  return assignment
}

export const rangeAssignor: ConsumerAssignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign: assignRange,
}
