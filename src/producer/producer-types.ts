/**
 * The producer's public vocabulary besides its options: the record to send, its events, the error
 * of a partly failed batch, the options of a call that may wait, what `sendOffsetsToTransaction`
 * takes, and the errors a call in the wrong state gets (each says what to do instead).
 */

import { KafkaConfigError, KafkaError, KafkaStateError } from '../errors.js'
import type { CallOptions } from '../util/abort.js'
import { describeValue } from '../util/options.js'
import type { RecordMetadata } from './producer-batch.js'
import type { ProducerHeaders } from './record-checks.js'

/** A record to send. */
export interface ProducerRecord<K, V> {
  topic: string
  /** Records with the same key go to the same partition (murmur2, as the Java client). */
  key?: K
  value: V
  headers?: ProducerHeaders
  /** Send to this partition instead of letting the partitioner choose. */
  partition?: number
  /** CreateTime in ms since the epoch; default now. */
  timestamp?: number
}

/** Events of a {@link Producer}. */
export interface ProducerEvents {
  /** A record failed for good (after retries). Listen here when you do not await `send`. */
  deliveryError: [error: KafkaError, record: { topic: string; partition: number | null }]
}

/**
 * Options of a producer call that may wait (`connect`, `send`, `sendBatch`, `flush` and the
 * transaction calls): a signal that abandons the wait. The call then rejects with `signal.reason`,
 * as Node's own APIs do; each call's documentation says what the abort leaves behind.
 */
export type ProducerCallOptions = CallOptions

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

/** Raised by {@link Producer.sendBatch} when some records failed; the others were delivered. */
export class KafkaProduceBatchError extends KafkaError {
  /** One entry per record, in the order given: its metadata, or its error. */
  readonly results: ReadonlyArray<{ metadata: RecordMetadata } | { error: KafkaError }>

  constructor(results: ReadonlyArray<{ metadata: RecordMetadata } | { error: KafkaError }>) {
    const failed = results.filter((r): r is { error: KafkaError } => 'error' in r)
    const first = failed[0]?.error
    super(`${failed.length} of ${results.length} record(s) failed; first: ${first?.message ?? ''}`, {
      code: first?.code ?? -1,
      errorName: first?.errorName ?? 'UNKNOWN_SERVER_ERROR',
      retriable: failed.every((f) => f.error.retriable),
      cause: first,
    })
    this.results = results
  }
}

/** Where a producer is in its life, for the error of a call it can no longer take. */
export type ProducerLife = 'open' | 'closing' | 'closed' | 'client-closed'

/** The error of `call` on a producer that is disconnecting or disconnected, or whose client closed. */
export function closedError(call: string, life: Exclude<ProducerLife, 'open'>): KafkaStateError {
  switch (life) {
    case 'closing':
      return new KafkaStateError(`${call}(): the producer is disconnecting; create a new one with kafka.producer() to send more`)
    case 'closed':
      return new KafkaStateError(`${call}(): the producer is closed (disconnect() was called); create a new one with kafka.producer()`)
    case 'client-closed':
      return new KafkaStateError(`${call}(): the Kafka client is closed; create a new Kafka client, and a producer from it`)
  }
}

/** The error of a transaction call on a producer without a transactional id. */
export function notTransactionalError(call: string): KafkaStateError {
  return new KafkaStateError(
    `${call}(): this producer is not transactional; create one with kafka.producer({ transactionalId }) to use transactions`,
  )
}

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
