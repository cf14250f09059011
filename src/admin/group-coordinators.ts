/**
 * Sending group requests to the group's coordinator: one request per coordinator for calls on many
 * groups, and a target that looks the coordinator up again after a failure for calls on one group.
 */

import type { BrokerTarget } from '../cluster/cluster.js'
import { KafkaBrokerError, KafkaError } from '../errors.js'
import { ErrorCode, errorCodeInfo } from '../protocol/error-codes.js'
import type { AdminContext, ResourceError } from './context.js'

/** One group's outcome in a round, as {@link AdminContext.perResource} takes it. */
export interface GroupOutcome<R> {
  readonly code: number
  readonly message: string | null
  readonly result: R
}

/** True for the codes after which the coordinator must be looked up again (their default action). */
export function isCoordinatorMoved(code: number): boolean {
  return errorCodeInfo(code).action === 'find-coordinator'
}

/**
 * A target for {@link AdminContext.send} that resolves the group's coordinator, and forgets it
 * before each retry: whatever made the last try fail (a lost connection, NOT_COORDINATOR), the
 * group may have moved.
 */
export function coordinatorOf(ctx: AdminContext, groupId: string): () => Promise<BrokerTarget> {
  let tries = 0
  return async () => {
    if (tries++ > 0) ctx.cluster.forgetCoordinator('group', groupId)
    return { nodeId: await ctx.cluster.coordinator('group', groupId) }
  }
}

/** Throws a group-level error code so that {@link AdminContext.send} retries or reports it. */
export function throwGroupError(code: number, message: string | null): void {
  if (code !== ErrorCode.NONE) throw new KafkaBrokerError(code, message ?? undefined)
}

/**
 * One round of a request on many groups: each group's coordinator is looked up, and each
 * coordinator gets one request for its groups. Groups whose coordinator moved come back with
 * NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE (and the coordinator forgotten), for the next round.
 */
export async function groupRound<R extends ResourceError>(
  ctx: AdminContext,
  groups: readonly string[],
  send: (nodeId: number, groups: readonly string[]) => Promise<Map<string, GroupOutcome<R>>>,
  failed: (groupId: string, error: KafkaError) => R,
): Promise<Map<string, GroupOutcome<R>>> {
  const outcomes = new Map<string, GroupOutcome<R>>()
  const byCoordinator = new Map<number, string[]>()
  await Promise.all(
    groups.map(async (groupId) => {
      try {
        const nodeId = await ctx.cluster.coordinator('group', groupId)
        const list = byCoordinator.get(nodeId)
        if (list === undefined) byCoordinator.set(nodeId, [groupId])
        else list.push(groupId)
      } catch (error) {
        // The lookup has retried up to the client's API timeout already.
        const e = asKafkaError(error)
        outcomes.set(groupId, { code: -1, message: e.message, result: failed(groupId, e) })
      }
    }),
  )
  await Promise.all(
    [...byCoordinator].map(async ([nodeId, members]) => {
      try {
        for (const [groupId, outcome] of await send(nodeId, members)) {
          if (isCoordinatorMoved(outcome.code)) ctx.cluster.forgetCoordinator('group', groupId)
          outcomes.set(groupId, outcome)
        }
      } catch (error) {
        const e = asKafkaError(error)
        for (const groupId of members) {
          if (e.retriable) {
            ctx.cluster.forgetCoordinator('group', groupId)
            const code = ErrorCode.COORDINATOR_NOT_AVAILABLE
            outcomes.set(groupId, { code, message: e.message, result: failed(groupId, e) })
          } else {
            outcomes.set(groupId, { code: -1, message: e.message, result: failed(groupId, e) })
          }
        }
      }
    }),
  )
  return outcomes
}

function asKafkaError(error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
}
