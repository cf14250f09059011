/**
 * The group leader's part of a classic rebalance: read every member's subscription from the
 * JoinGroup response, run the assignor the coordinator picked, and encode each member's share for
 * SyncGroup.
 */

import { KafkaStateError } from '../../errors.js'
import type { JoinGroupResponseMember } from '../../protocol/messages/join-group.js'
import type { ConsumerAssignor } from '../options.js'
import { performAssignment } from './assignor.js'
import { decodeSubscription, encodeAssignment, type MemberSubscription } from '../../protocol/consumer-protocol.js'

export interface GroupMember extends MemberSubscription {
  readonly memberId: string
  readonly groupInstanceId: string | null
}

export function decodeMembers(members: readonly JoinGroupResponseMember[]): GroupMember[] {
  return members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, ...decodeSubscription(m.metadata) }))
}

/**
 * Every member's assignment bytes. They are written in the lowest subscription version any member
 * sent, so that the oldest member can read its own.
 */
export function leaderAssignments(
  assignors: readonly ConsumerAssignor[],
  protocolName: string | null,
  members: readonly GroupMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Array<{ memberId: string; assignment: Uint8Array }> {
  const assignor = assignors.find((a) => a.name === protocolName)
  if (assignor === undefined) {
    throw new KafkaStateError(`the coordinator chose assignor ${JSON.stringify(protocolName)}, which this member does not offer`)
  }
  const assignment = performAssignment(
    assignor,
    {
      members: members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        topics: m.topics,
        ownedPartitions: m.ownedPartitions,
        generationId: m.generationId,
        rackId: m.rackId,
        userData: m.userData,
      })),
      partitionsPerTopic,
    },
    assignor.rebalanceProtocol,
  )
  const version = Math.min(...members.map((m) => m.version))
  return members.map((m) => ({ memberId: m.memberId, assignment: encodeAssignment(assignment.get(m.memberId) ?? [], version) }))
}
