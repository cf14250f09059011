/**
 * What the consumer does on a broker error code: one table for every request it sends, so a
 * decision several of them take (refresh metadata, find the coordinator, retry, give up) is made
 * in one place. Its users: the fetcher (Fetch), the position resolver (ListOffsets,
 * OffsetForLeaderEpoch), the committer (OffsetCommit) and the committed-offset lookup
 * (OffsetFetch). The producer's counterpart is `producer/error-policy.ts`; group membership
 * requests (JoinGroup, Heartbeat …) decide in the membership.
 *
 * Every request starts from Kafka's default for the code ({@link errorCodeInfo}: its retriable
 * flag and its {@link ErrorAction}), read as its kind of request reads it; {@link DEPARTURES}
 * lists, with the reason, where a consumer request does something else. A code added to the
 * generated error table thus gets a sensible action everywhere without touching this file.
 */

import { ErrorCode, errorCodeInfo, type ErrorAction, type ErrorCodeName } from '../protocol/error-codes.js'

/**
 * The requests the table answers for: three about partitions, sent to their leaders, and two to
 * the group coordinator.
 */
export type ConsumerRequest = 'Fetch' | 'ListOffsets' | 'OffsetForLeaderEpoch' | 'OffsetCommit' | 'OffsetFetch'

/**
 * - `none`: success.
 * - `refresh-metadata`: look the partition's leader or topic id up again, then retry.
 * - `retry`: back off and send again (the same broker: waiting is what helps).
 * - `reset-position`: the position is out of range; apply `autoOffsetReset`.
 * - `find-coordinator`: forget the group coordinator, look it up again, then retry.
 * - `commit-rejected`: the member's generation is over; the membership must act and the commit
 *   fails with {@link KafkaCommitFailedError}.
 * - `fail`: the partition (or the call) fails with the broker's error.
 */
export type ConsumerErrorAction =
  | 'none'
  | 'refresh-metadata'
  | 'retry'
  | 'reset-position'
  | 'find-coordinator'
  | 'commit-rejected'
  | 'fail'

type Departures = { readonly [R in ConsumerRequest]?: ConsumerErrorAction }

/** Where a consumer request departs from what its kind of request does by default. */
const DEPARTURES: { readonly [N in ErrorCodeName]?: Departures } = {
  // Kafka's default fails the caller; a consumer's fetch applies its autoOffsetReset policy.
  // A ListOffsets answering so is a real failure (the reset itself went wrong).
  OFFSET_OUT_OF_RANGE: { Fetch: 'reset-position' },
  // A coordinator that does not answer in time may have moved: look it up again, as Java does.
  REQUEST_TIMED_OUT: { OffsetCommit: 'find-coordinator', OffsetFetch: 'find-coordinator' },
  // A fenced static member, or a KIP-848 epoch the coordinator has moved past: the commit belongs
  // to a generation that is over, as with ILLEGAL_GENERATION.
  FENCED_INSTANCE_ID: { OffsetCommit: 'commit-rejected' },
  STALE_MEMBER_EPOCH: { OffsetCommit: 'commit-rejected' },
}

/** What `request` does on `code`. */
export function consumerErrorAction(request: ConsumerRequest, code: number): ConsumerErrorAction {
  if (code === ErrorCode.NONE) return 'none'
  const info = errorCodeInfo(code)
  const departure = DEPARTURES[info.name]?.[request]
  if (departure !== undefined) return departure
  return byDefault(request, info.action, info.retriable)
}

function byDefault(request: ConsumerRequest, action: ErrorAction, retriable: boolean): ConsumerErrorAction {
  switch (request) {
    case 'Fetch':
    case 'ListOffsets':
    case 'OffsetForLeaderEpoch':
      if (!retriable) return 'fail'
      // UNKNOWN_LEADER_EPOCH is a plain retry: our metadata is ahead of that broker, so wait for it.
      return action === 'refresh-metadata' ? 'refresh-metadata' : 'retry'
    case 'OffsetCommit':
      // ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_MEMBER_EPOCH.
      if (action === 'rejoin-group') return 'commit-rejected'
      return retriable ? coordinatorRetry(action) : 'fail'
    case 'OffsetFetch':
      // Reading offsets needs no generation: a membership error is the caller's failure.
      return retriable ? coordinatorRetry(action) : 'fail'
  }
}

function coordinatorRetry(action: ErrorAction): ConsumerErrorAction {
  return action === 'find-coordinator' ? 'find-coordinator' : 'retry'
}
