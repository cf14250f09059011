/**
 * The seam between the consumer and its group protocol.
 *
 * The consumer (subscription state, fetcher, commits) does not know whether partitions come from
 * the classic protocol (JoinGroup/SyncGroup with a client-side assignor), from the KIP-848 protocol
 * (ConsumerGroupHeartbeat with server-side assignment), or from `assign()` without a group. A
 * membership tells it what to own through {@link AssignmentListener}, and tells commits which
 * generation (or member epoch) they belong to.
 */

export type { TopicPartition } from '../common/topic-partition.js'
import type { TopicPartition } from '../common/topic-partition.js'

/** What subscribed topics are: a list of names, or a pattern matched against all topic names. */
export type Subscription = { readonly topics: readonly string[] } | { readonly pattern: RegExp }

/**
 * Identity of the member for offset commits and `sendOffsetsToTransaction` (Java's
 * ConsumerGroupMetadata). Classic groups: the generation id; KIP-848 groups: the member epoch.
 */
export interface GroupMetadata {
  readonly groupId: string
  /** Classic: generation id; KIP-848: member epoch; -1 outside a group. */
  readonly generationId: number
  /** Empty outside a group. */
  readonly memberId: string
  readonly groupInstanceId: string | null
}

/**
 * The consumer's side of a rebalance. A membership calls these one at a time, never concurrently,
 * and waits for each to finish before it goes on (acknowledging to the coordinator, re-joining …).
 */
export interface AssignmentListener {
  /**
   * Partitions this member now owns in addition to what it had. The consumer fetches committed
   * offsets for them and starts fetching; the user's `onPartitionsAssigned` runs here.
   */
  assigned(partitions: readonly TopicPartition[]): Promise<void>
  /**
   * Partitions this member must give up while it can still commit: the consumer stops handing out
   * their records, commits their processed offsets when auto-commit is on, runs the user's
   * `onPartitionsRevoked`, and only then resolves.
   */
  revoked(partitions: readonly TopicPartition[]): Promise<void>
  /**
   * Partitions already taken away (the member was fenced or its session expired): no commit is
   * possible. The user's `onPartitionsLost` runs here.
   */
  lost(partitions: readonly TopicPartition[]): Promise<void>
}

/** A group protocol driving one consumer's membership. */
export interface GroupMembership {
  /** Joins the group with the given subscription and keeps the membership alive until {@link leave}. */
  join(subscription: Subscription): Promise<void>
  /** Changes the subscription; the group rebalances. */
  resubscribe(subscription: Subscription): void
  /**
   * Leaves the group: revokes everything (so offsets are committed), then tells the coordinator
   * (dynamic members only; static members let their session expire, KIP-345).
   */
  leave(): Promise<void>
  /** The identity offset commits must carry now. */
  metadata(): GroupMetadata
  /**
   * Called whenever the application takes records or waits for them (at least every second while
   * it waits), for `maxPollIntervalMs`: a member whose application stops polling (a handler stuck,
   * an iterator not advanced) leaves the group so its partitions move to members that make progress.
   */
  polled(): void
  /**
   * The coordinator rejected a commit because the generation moved on (ILLEGAL_GENERATION,
   * UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, STALE_MEMBER_EPOCH …): re-join as the protocol says.
   * `generationId` is the generation (or member epoch) the rejected commit carried, so a late
   * answer to an old commit need not reset a newer generation.
   */
  commitRejected(errorCode: number, generationId?: number): void
}
