/**
 * The consumer's public vocabulary: what a record looks like to the application, where a
 * partition can be moved, what is committed, the rebalance callbacks, the options of `run()` and
 * of the iterator, the events and the counters. {@link Consumer} re-exports every type here.
 */

import type { KafkaError } from '../errors.js'
import type { TimestampType } from '../protocol/record-batch.js'
import type { RecordHeader } from '../protocol/record.js'
import type { CallOptions } from '../util/abort.js'
import type { Subscription, TopicPartition } from './membership.js'
import type { EachBatch, EachMessage } from './run-loop.js'

/** A record as the application receives it. */
export interface ConsumerMessage<K = Buffer | null, V = Buffer | null> {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: K
  readonly value: V
  /** Header values are views of the fetched bytes (null for a null value). */
  readonly headers: readonly RecordHeader[]
  /** Milliseconds since the epoch. */
  readonly timestamp: number
  readonly timestampType: TimestampType
  /** Leader epoch of the batch the record came in; null for old message formats. */
  readonly leaderEpoch: number | null
}

/** Where to move a partition: an offset, its first or end offset, or the first record at or after a time (ms). */
export type SeekTarget = bigint | number | 'earliest' | 'latest' | { readonly timestamp: number }

/** A partition for {@link Consumer.assign}, optionally with where to start. */
export interface AssignedPartition extends TopicPartition {
  /** Default: the committed offset (with a `groupId`), else `autoOffsetReset`. */
  readonly offset?: SeekTarget
}

/** An offset to commit explicitly. */
export interface CommitOffset extends TopicPartition {
  /** The next offset to read: last processed + 1. */
  readonly offset: bigint
  readonly leaderEpoch?: number
  readonly metadata?: string
}

/** A partition's committed offset, from {@link Consumer.committed}. */
export interface CommittedPartitionOffset extends TopicPartition {
  /** Null when the group has none for the partition. */
  readonly offset: bigint | null
  readonly leaderEpoch: number | null
  readonly metadata: string | null
}

/** Callbacks the consumer awaits during a rebalance (Java's ConsumerRebalanceListener). */
export interface RebalanceListener {
  /** Newly owned partitions; seek here to override where they start. */
  onPartitionsAssigned?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions about to go; processed offsets are already committed when auto-commit is on. */
  onPartitionsRevoked?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions already taken away (session expired, fenced): committing is no longer possible. */
  onPartitionsLost?(partitions: TopicPartition[]): Promise<void> | void
}

/** What to subscribe to: topic names or a pattern, and optional rebalance callbacks. */
export type SubscribeOptions = Subscription & { readonly listener?: RebalanceListener }

/**
 * Options of a consumer call that may wait (`connect`, `commit`, `committed`, `position`): a
 * signal that abandons the wait. The call then rejects with `signal.reason`, as Node's own APIs do.
 */
export type ConsumerCallOptions = CallOptions

/** `run()` with a handler per message or per batch. */
export type RunOptions<K, V> = (
  | { readonly eachMessage: EachMessage<ConsumerMessage<K, V>> }
  | { readonly eachBatch: EachBatch<ConsumerMessage<K, V>> }
) & {
  /** Partitions processed at the same time (order within a partition is always kept). Default 1. */
  readonly partitionsConsumedConcurrently?: number
  /**
   * Stops the run as {@link Consumer.stop} does; `run()` then rejects with `signal.reason` once the
   * handlers in flight have finished.
   */
  readonly signal?: AbortSignal
}

/** Options of {@link Consumer.messages}. */
export interface MessagesOptions {
  /**
   * Ends the iteration: the waiting `next()` (or the next one called) rejects with `signal.reason`,
   * and the consumer is free for another `run()` or iterator.
   */
  readonly signal?: AbortSignal
}

/** A change of the partitions this consumer owns. */
export interface RebalanceEvent {
  readonly type: 'assigned' | 'revoked' | 'lost'
  readonly partitions: TopicPartition[]
}

/** The outcome of an automatic commit (auto-commit, commit on revoke, on disconnect). */
export interface AutoCommitEvent {
  readonly offsets: ReadonlyArray<TopicPartition & { readonly offset: bigint }>
  readonly error: KafkaError | null
}

/** Events of a {@link Consumer}. */
export interface ConsumerEvents {
  rebalance: [event: RebalanceEvent]
  /** A failure the application should know of: a handler threw, a partition stopped, an automatic commit failed. */
  error: [error: KafkaError]
  /** An automatic commit completed or failed. */
  commit: [event: AutoCommitEvent]
}

