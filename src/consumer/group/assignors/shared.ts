/**
 * What the built-in assignors share: member order, the topics in play, and the cooperative rule
 * that a partition never moves straight from one owner to another.
 */

import { partitionKey } from '../../../common/topic-partition.js'
import type { AssignorInput } from '../../options.js'

/** One member as an assignor sees it. */
export type AssignorMember = AssignorInput['members'][number]

/** What an assignor returns: each member's partitions. */
export type GroupAssignment = Map<string, Array<{ topic: string; partition: number }>>

/**
 * Member order of the built-in assignors (Java `AbstractPartitionAssignor.MemberInfo`): static
 * members first, by instance id, then dynamic members by member id. Static members so keep their
 * place, and their partitions, across restarts that give them new member ids.
 */
export function compareMembers(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId)
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

/** Java's `String.compareTo`: UTF-16 code units, no locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Topics some member subscribes to and that exist, sorted. */
export function subscribedTopics(input: AssignorInput): string[] {
  const topics = new Set<string>()
  for (const m of input.members) for (const t of m.topics) if ((input.partitionsPerTopic.get(t) ?? 0) > 0) topics.add(t)
  return [...topics].sort(compareStrings)
}

/** An assignment with an empty list for every member. */
export function emptyAssignment(input: AssignorInput): GroupAssignment {
  return new Map(input.members.map((m) => [m.memberId, [] as Array<{ topic: string; partition: number }>]))
}

/**
 * Keeps partitions from changing owners within one rebalance (KIP-429). A partition some member
 * still claims to own is taken out of any other member's assignment: the claimant revokes it, re-joins,
 * and the next rebalance hands it over. Claims from every generation count, not only the newest,
 * so that no partition ever has two owners at once.
 */
export function withholdTransfers(members: readonly AssignorMember[], assignment: GroupAssignment): GroupAssignment {
  const claimants = new Map<string, Set<string>>()
  for (const m of members) {
    for (const p of m.ownedPartitions) {
      const key = partitionKey(p.topic, p.partition)
      let set = claimants.get(key)
      if (set === undefined) claimants.set(key, (set = new Set()))
      set.add(m.memberId)
    }
  }
  const adjusted: GroupAssignment = new Map()
  for (const [memberId, partitions] of assignment) {
    adjusted.set(
      memberId,
      partitions.filter((p) => {
        const owners = claimants.get(partitionKey(p.topic, p.partition))
        return owners === undefined || (owners.size === 1 && owners.has(memberId))
      }),
    )
  }
  return adjusted
}
