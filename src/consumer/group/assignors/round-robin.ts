/**
 * The round-robin assignor (Java `RoundRobinAssignor`): every subscribed partition, topics by name
 * and partitions in order, dealt in turn to the members in member order, skipping members that do
 * not subscribe to the partition's topic.
 */

import type { AssignorInput, ConsumerAssignor } from '../../options.js'
import { compareMembers, emptyAssignment, subscribedTopics, type GroupAssignment } from './shared.js'

export function assignRoundRobin(input: AssignorInput): GroupAssignment {
  const assignment = emptyAssignment(input)
  const members = [...input.members].sort(compareMembers)
  let next = 0
  for (const topic of subscribedTopics(input)) {
    const partitions = input.partitionsPerTopic.get(topic) as number
    for (let partition = 0; partition < partitions; partition++) {
      // Some member subscribes to the topic (subscribedTopics says so), so this stops within one lap.
      while (!(members[next % members.length] as (typeof members)[number]).topics.includes(topic)) next++
      const member = members[next % members.length] as (typeof members)[number]
      next++
      ;(assignment.get(member.memberId) as Array<{ topic: string; partition: number }>).push({ topic, partition })
    }
  }
  return assignment
}

export const roundRobinAssignor: ConsumerAssignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  assign: assignRoundRobin,
}
