/**
 * The vocabulary of a transactional producer: the public types an application hands to
 * `sendOffsetsToTransaction`, what the transaction manager is built from, and the request versions
 * that tell the broker which transaction protocol the client speaks.
 *
 * Transaction version 2 (KIP-890 part 2, finalized `transaction.version` >= 2) changes three things:
 * Produce v12+ adds partitions to the transaction implicitly (no AddPartitionsToTxn), TxnOffsetCommit
 * v5 adds the offsets (no AddOffsetsToTxn), and EndTxn v5 bumps the epoch and returns the next one.
 * Under version 1 the requests are capped below those versions, as the broker reads the version of
 * the request to tell which protocol the client speaks.
 */

import { KafkaConfigError } from '../errors.js'
import type { TransactionIo } from './transaction-io.js'

/** The consumer's group membership that transactional offsets are committed under (Java `ConsumerGroupMetadata`). */
export interface ConsumerGroupMetadata {
  readonly groupId: string
  /** Generation of the member's group; -1 (default) when unknown, and then the commit is not fenced by generation. */
  readonly generationId?: number
  /** Member id in the group; '' (default) when unknown. */
  readonly memberId?: string
  /** Static member id (KIP-345), if the consumer has one. */
  readonly groupInstanceId?: string | null
}

/** One partition's offset for `Producer.sendOffsetsToTransaction`. */
export interface TransactionOffset {
  readonly topic: string
  readonly partition: number
  /** The next offset the group will consume: the last processed record's offset + 1. */
  readonly offset: bigint
  /** Leader epoch of the last processed record, if known. */
  readonly leaderEpoch?: number
  readonly metadata?: string | null
}

/** Where the producer id and epoch live; the sender stamps batches from it. */
export interface ProducerIdHolder {
  readonly producerId: bigint
  readonly epoch: number
  adopt(producerId: bigint, epoch: number): void
}

export interface TransactionManagerOptions {
  readonly transactionalId: string
  readonly transactionTimeoutMs: number
  readonly retryBackoffMs: number
  readonly io: TransactionIo
  readonly identity: ProducerIdHolder
  /** Resolves once every record accepted so far has been delivered or failed. */
  readonly whenBuffersEmpty: () => Promise<void>
  /** Tells the sender to look again: partitions were added, or batches must be failed. */
  readonly wakeSender: () => void
  /** Every partition's next batch starts a new sequence (the producer id or epoch changed). */
  readonly resetSequences: () => void
  /** Waits between retries; tests replace it. */
  readonly sleep?: (ms: number) => Promise<void>
}

/** Produce v12, EndTxn v5 and TxnOffsetCommit v5 mean transaction version 2 to the broker. */
export const LAST_PRODUCE_VERSION_BEFORE_TV2 = 11
export const LAST_END_TXN_VERSION_BEFORE_TV2 = 4
export const LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2 = 4
/**
 * v6 (Kafka 4.4, KIP-1319) names topics by id only; the offsets handed in carry topic names, so
 * the client stays on v5, which every broker with transaction version 2 accepts.
 */
export const LAST_TXN_OFFSET_COMMIT_VERSION_BY_NAME = 5
/** Clients use AddPartitionsToTxn v0-3; v4+ batches transactions and is for brokers. */
export const MAX_CLIENT_ADD_PARTITIONS_VERSION = 3

/** The group metadata with its defaults filled in, or a KafkaConfigError saying what is wrong. */
export function checkGroupMetadata(group: ConsumerGroupMetadata): Required<ConsumerGroupMetadata> {
  if (typeof group?.groupId !== 'string' || group.groupId === '') {
    throw new KafkaConfigError('groupMetadata.groupId: expected a non-empty string')
  }
  const generationId = group.generationId ?? -1
  const memberId = group.memberId ?? ''
  if (!Number.isInteger(generationId)) throw new KafkaConfigError('groupMetadata.generationId: expected an integer')
  if (generationId > 0 && memberId === '') {
    throw new KafkaConfigError('groupMetadata: a generationId needs the memberId of the same membership')
  }
  return { groupId: group.groupId, generationId, memberId, groupInstanceId: group.groupInstanceId ?? null }
}
