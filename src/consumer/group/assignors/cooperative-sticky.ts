/**
 * The cooperative-sticky assignor (KIP-429, Java `CooperativeStickyAssignor`): the sticky balanced
 * assignment, minus every partition that would change owners in this round. The old owner revokes
 * it and re-joins, and the follow-up rebalance gives it to its new owner, so a partition never has
 * two owners and partitions that do not move keep being consumed throughout.
 */

import type { AssignorInput, ConsumerAssignor } from '../../options.js'
import { withholdTransfers, type AssignorMember, type GroupAssignment } from './shared.js'
import { stickyBalance } from './sticky-balance.js'

/**
 * The member's generation: the subscription's field (version 2 and later), else the int32 that
 * Java's cooperative-sticky assignor puts in the user data for older subscription versions.
 */
export function stickyGeneration(member: AssignorMember): number {
  if (member.generationId >= 0) return member.generationId
  const data = member.userData
  if (data !== null && data.length === 4) return new DataView(data.buffer, data.byteOffset, 4).getInt32(0)
  return -1
}

export function assignCooperativeSticky(input: AssignorInput): GroupAssignment {
  return withholdTransfers(input.members, stickyBalance(input, stickyGeneration))
}

export const cooperativeStickyAssignor: ConsumerAssignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign: assignCooperativeSticky,
}
