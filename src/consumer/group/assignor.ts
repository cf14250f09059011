/**
 * Client-side assignors of the classic protocol: which ones a member offers, which one the
 * coordinator will pick, and what the leader does with the pick.
 *
 * Every member lists its assignors in JoinGroup in order of preference. The coordinator picks,
 * among the assignors *every* member supports, the one most members list first; the leader then
 * runs that assignor for the whole group. Separately, each member decides how it gives partitions
 * up (eager: all of them before every re-join; cooperative, KIP-429: only those that move), and it
 * can be cooperative only if every assignor it offers is.
 */

import { partitionKey } from '../../common/topic-partition.js'
import { KafkaConfigError, KafkaStateError } from '../../errors.js'
import type { AssignorInput, BuiltInAssignor, ConsumerAssignor } from '../options.js'
import { cooperativeStickyAssignor } from './assignors/cooperative-sticky.js'
import { rangeAssignor } from './assignors/range.js'
import { roundRobinAssignor } from './assignors/round-robin.js'

import { withholdTransfers, type GroupAssignment } from './assignors/shared.js'

export { compareMembers, withholdTransfers, type AssignorMember, type GroupAssignment } from './assignors/shared.js'

/** How a member gives up partitions in a rebalance. */
export type RebalanceProtocol = 'eager' | 'cooperative'

const BUILT_IN: Readonly<Record<BuiltInAssignor, ConsumerAssignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
}

/** The assignors named by `partitionAssigners`, built-in names replaced by their implementation. */
export function resolveAssignors(list: ReadonlyArray<BuiltInAssignor | ConsumerAssignor>): ConsumerAssignor[] {
  const assignors = list.map((a) => (typeof a === 'string' ? BUILT_IN[a] : a))
  const names = new Set<string>()
  for (const a of assignors) {
    if (names.has(a.name)) throw new KafkaConfigError(`partitionAssigners: ${JSON.stringify(a.name)} is listed twice`)
    names.add(a.name)
  }
  return assignors
}

/**
 * The member's rebalance protocol: cooperative only when every assignor it offers is, because the
 * coordinator may pick any of them (Java `ConsumerCoordinator`: the highest protocol all support).
 */
export function memberRebalanceProtocol(assignors: readonly ConsumerAssignor[]): RebalanceProtocol {
  return assignors.length > 0 && assignors.every((a) => a.rebalanceProtocol === 'cooperative') ? 'cooperative' : 'eager'
}

/**
 * The protocol the coordinator picks from each member's ordered list: among the protocols all
 * members list, the one most members prefer (list first among those). Kafka leaves ties to hash
 * order; here the protocol that comes first in the first member's list wins, so the result is
 * stable. Null when the members have no protocol in common (the coordinator then rejects the
 * joining member with INCONSISTENT_GROUP_PROTOCOL).
 */
export function selectGroupProtocol(memberProtocols: ReadonlyArray<readonly string[]>): string | null {
  const first = memberProtocols[0]
  if (first === undefined) return null
  const candidates = first.filter((name) => memberProtocols.every((list) => list.includes(name)))
  if (candidates.length === 0) return null
  const votes = new Map<string, number>(candidates.map((name) => [name, 0]))
  for (const list of memberProtocols) {
    const vote = list.find((name) => votes.has(name)) as string
    votes.set(vote, (votes.get(vote) as number) + 1)
  }
  let best = candidates[0] as string
  for (const name of candidates) if ((votes.get(name) as number) > (votes.get(best) as number)) best = name
  return best
}


/**
 * Runs the group's assignor as the leader and checks its answer: every member gets a list (empty
 * if the assignor left it out), and an assignment naming an unknown member, a partition that does
 * not exist, or one partition twice is refused. For a cooperative group, partitions that would
 * move straight to a new owner are held back, whatever the assignor did (Java validates the same).
 */
export function performAssignment(
  assignor: ConsumerAssignor,
  input: AssignorInput,
  protocol: RebalanceProtocol,
): GroupAssignment {
  const proposed = assignor.assign(input)
  const result: GroupAssignment = new Map(input.members.map((m) => [m.memberId, []]))
  const seen = new Set<string>()
  for (const [memberId, partitions] of proposed) {
    const list = result.get(memberId)
    if (list === undefined) throw new KafkaStateError(`assignor ${assignor.name} assigned partitions to unknown member ${memberId}`)
    for (const { topic, partition } of partitions) {
      const count = input.partitionsPerTopic.get(topic) ?? 0
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new KafkaStateError(`assignor ${assignor.name} assigned ${topic}-${partition}, which does not exist`)
      }
      const key = partitionKey(topic, partition)
      if (seen.has(key)) throw new KafkaStateError(`assignor ${assignor.name} assigned ${topic}-${partition} twice`)
      seen.add(key)
      list.push({ topic, partition })
    }
  }
  return protocol === 'cooperative' ? withholdTransfers(input.members, result) : result
}
