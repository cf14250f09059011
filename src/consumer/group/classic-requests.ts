/**
 * The four requests of the classic group protocol, built for whatever version the coordinator
 * speaks. Error codes come back as data: {@link ClassicMembership} decides what they mean.
 */

import { heartbeatApi } from '../../protocol/messages/heartbeat.js'
import { joinGroupApi, type JoinGroupResponse } from '../../protocol/messages/join-group.js'
import { leaveGroupApi } from '../../protocol/messages/leave-group.js'
import { syncGroupApi } from '../../protocol/messages/sync-group.js'
import { groupChannels } from '../../observability/channels.js'
import type { CoordinatorLink } from './coordinator-link.js'

export const PROTOCOL_TYPE = 'consumer'

/** Who the member is, as every request after JoinGroup names it. */
export interface MemberIdentity {
  readonly groupId: string
  readonly memberId: string
  readonly generationId: number
  readonly groupInstanceId: string | null
}

export interface JoinRequest {
  readonly groupId: string
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly sessionTimeoutMs: number
  readonly rebalanceTimeoutMs: number
  readonly protocols: ReadonlyArray<{ name: string; metadata: Uint8Array }>
  readonly reason: string
}

/**
 * JoinGroup. The coordinator holds the request until every member has joined or the rebalance
 * timeout passes, so the request may take that long plus a margin (Java: rebalance timeout + 5 s).
 */
export function sendJoinGroup(link: CoordinatorLink, join: JoinRequest, timeoutMs: number): Promise<JoinGroupResponse> {
  return link.send(
    joinGroupApi,
    () =>
      joinGroupApi.createRequest({
        groupId: join.groupId,
        sessionTimeoutMs: join.sessionTimeoutMs,
        rebalanceTimeoutMs: join.rebalanceTimeoutMs,
        memberId: join.memberId,
        groupInstanceId: join.groupInstanceId,
        protocolType: PROTOCOL_TYPE,
        protocols: join.protocols,
        reason: join.reason,
      }),
    timeoutMs,
    // JoinGroup names no generation.
    { channel: groupChannels.join, protocol: 'classic', memberId: join.memberId, generationId: -1 },
  )
}

/** SyncGroup: the leader sends everyone's assignment, followers send none. Returns the error code and this member's assignment. */
export async function sendSyncGroup(
  link: CoordinatorLink,
  member: MemberIdentity,
  protocolName: string,
  assignments: ReadonlyArray<{ memberId: string; assignment: Uint8Array }>,
  timeoutMs: number,
): Promise<{ errorCode: number; assignment: Uint8Array }> {
  const response = await link.send(
    syncGroupApi,
    () =>
      syncGroupApi.createRequest({
        groupId: member.groupId,
        generationId: member.generationId,
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        protocolType: PROTOCOL_TYPE,
        protocolName,
        assignments,
      }),
    timeoutMs,
    { channel: groupChannels.sync, protocol: 'classic', memberId: member.memberId, generationId: member.generationId },
  )
  return { errorCode: response.errorCode, assignment: response.assignment }
}

export async function sendHeartbeat(link: CoordinatorLink, member: MemberIdentity): Promise<number> {
  const response = await link.send(
    heartbeatApi,
    () =>
      heartbeatApi.createRequest({
        groupId: member.groupId,
        generationId: member.generationId,
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
      }),
    undefined,
    { channel: groupChannels.heartbeat, protocol: 'classic', memberId: member.memberId, generationId: member.generationId },
  )
  return response.errorCode
}

/** LeaveGroup for one dynamic member. Returns the group's error code, else the member's. */
export async function sendLeaveGroup(link: CoordinatorLink, groupId: string, memberId: string, reason: string): Promise<number> {
  const response = await link.send(leaveGroupApi, (version) =>
    leaveGroupApi.createRequest(
      version >= 3 ? { groupId, members: [{ memberId, groupInstanceId: null, reason }] } : { groupId, memberId },
    ),
  )
  return response.errorCode !== 0 ? response.errorCode : (response.members[0]?.errorCode ?? 0)
}
