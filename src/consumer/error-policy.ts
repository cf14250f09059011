/**
 * What the consumer does on a broker error code: one table for the requests it sends about
 * partitions (Fetch, ListOffsets, OffsetForLeaderEpoch: the fetcher and the position resolver)
 * and one for those it sends to the group coordinator (OffsetCommit and OffsetFetch: the
 * committer and the committed-offset lookup).
 *
 * Both start from Kafka's default action of the code ({@link errorCodeInfo}) and its retriable
 * flag; {@link DEPARTURES} lists where the consumer does something else, with the reason. So a
 * decision the roles share (refresh metadata, find the coordinator, retry, give up) is taken in
 * one place, and a new code in the generated error table gets a sensible default everywhere.
 */

import { ErrorCode, errorCodeInfo, type ErrorCodeName } from '../protocol/error-codes.js'

/**
 * For a partition's answer: go on (`none`), look the leader or topic id up again and retry
 * (`refresh-metadata`), back off and retry (`retry`), move the position by `autoOffsetReset`
 * (`reset-position`), or fail the partition (`fail`).
 */
export type PartitionErrorAction = 'none' | 'refresh-metadata' | 'retry' | 'reset-position' | 'fail'

/**
 * For a coordinator's answer: go on (`none`), forget the coordinator and retry
 * (`find-coordinator`), back off and retry (`retry`), refuse the commit because the member's
 * generation is over (`commit-rejected`: the membership must act), or fail (`fail`).
 */
export type CoordinatorErrorAction = 'none' | 'find-coordinator' | 'retry' | 'commit-rejected' | 'fail'

interface Departure {
  readonly partition?: PartitionErrorAction
  readonly coordinator?: CoordinatorErrorAction
}

/** Where the consumer departs from Kafka's default action. */
const DEPARTURES: { readonly [N in ErrorCodeName]?: Departure } = {
  // The default is to fail the caller; a consumer applies its autoOffsetReset policy instead.
  OFFSET_OUT_OF_RANGE: { partition: 'reset-position' },
  // A coordinator that does not answer in time may have moved: look it up again (Java does).
  REQUEST_TIMED_OUT: { coordinator: 'find-coordinator' },
  // A fenced static member, or a KIP-848 epoch the coordinator has moved past: the commit belongs
  // to a generation that is over, like ILLEGAL_GENERATION.
  FENCED_INSTANCE_ID: { coordinator: 'commit-rejected' },
  STALE_MEMBER_EPOCH: { coordinator: 'commit-rejected' },
}

/** The action on a per-partition error code of Fetch, ListOffsets or OffsetForLeaderEpoch. */
export function partitionErrorAction(code: number): PartitionErrorAction {
  if (code === ErrorCode.NONE) return 'none'
  const info = errorCodeInfo(code)
  const departure = DEPARTURES[info.name]?.partition
  if (departure !== undefined) return departure
  if (!info.retriable) return 'fail'
  // UNKNOWN_LEADER_EPOCH is `retry`: our metadata is ahead of that broker, so wait for it.
  return info.action === 'refresh-metadata' ? 'refresh-metadata' : 'retry'
}

/** The action on an error code of OffsetCommit or OffsetFetch (top-level or per partition). */
export function coordinatorErrorAction(code: number): CoordinatorErrorAction {
  if (code === ErrorCode.NONE) return 'none'
  const info = errorCodeInfo(code)
  const departure = DEPARTURES[info.name]?.coordinator
  if (departure !== undefined) return departure
  if (info.action === 'rejoin-group') return 'commit-rejected'
  if (!info.retriable) return 'fail'
  return info.action === 'find-coordinator' ? 'find-coordinator' : 'retry'
}
