/**
 * Errors only a consumer raises. Each names the partition it concerns, so an application can seek
 * past the problem or reset that partition and go on.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaError } from '../errors.js'

/** Where a consumer error happened. */
export interface PartitionRef {
  readonly topic: string
  readonly partition: number
}

/**
 * The fetch position is outside the partition's log (deleted by retention, or a seek too far) and
 * `autoOffsetReset` is `'none'`. Seek the partition to go on. Java: OffsetOutOfRangeException.
 * @category Error
 */
export class KafkaOffsetOutOfRangeError extends KafkaError {
  readonly topic: string
  readonly partition: number
  /** The position that was out of range. */
  readonly offset: bigint

  constructor(tp: PartitionRef, offset: bigint) {
    super(`offset ${offset} is out of range for ${tp.topic}-${tp.partition} and autoOffsetReset is 'none'`, {
      code: ErrorCode.OFFSET_OUT_OF_RANGE,
      errorName: 'OFFSET_OUT_OF_RANGE',
    })
    this.topic = tp.topic
    this.partition = tp.partition
    this.offset = offset
  }
}

/**
 * A partition has no committed offset and `autoOffsetReset` is `'none'`. Seek it to start.
 * Java: NoOffsetForPartitionException.
 * @category Error
 */
export class KafkaNoOffsetError extends KafkaError {
  readonly topic: string
  readonly partition: number

  constructor(tp: PartitionRef) {
    super(`${tp.topic}-${tp.partition} has no committed offset and autoOffsetReset is 'none'`, {
      errorName: 'NO_OFFSET_FOR_PARTITION',
    })
    this.topic = tp.topic
    this.partition = tp.partition
  }
}

/**
 * The log was truncated below the consumer's position after a leader change (KIP-320: unclean
 * leader election), and `autoOffsetReset` is `'none'`. Records the consumer has read may no longer
 * exist. Java: LogTruncationException.
 * @category Error
 */
export class KafkaLogTruncationError extends KafkaError {
  readonly topic: string
  readonly partition: number
  /** The consumer's position when the truncation was found. */
  readonly offset: bigint
  /** The first offset known to diverge, or null when the broker could not say. */
  readonly divergentOffset: bigint | null

  constructor(tp: PartitionRef, offset: bigint, divergentOffset: bigint | null) {
    super(
      `log truncation detected for ${tp.topic}-${tp.partition} at offset ${offset}` +
        (divergentOffset === null ? '' : ` (diverges from ${divergentOffset})`),
      { errorName: 'LOG_TRUNCATION' },
    )
    this.topic = tp.topic
    this.partition = tp.partition
    this.offset = offset
    this.divergentOffset = divergentOffset
  }
}

/**
 * The group coordinator rejected an offset commit because this member's generation (or member
 * epoch) is no longer current: the group rebalanced. The partitions may now belong to another
 * member; the membership re-joins. Java: CommitFailedException / RebalanceInProgressException.
 * @category Error
 */
export class KafkaCommitFailedError extends KafkaError {
  constructor(code: number, errorName: string, message: string) {
    super(message, { code, errorName, retriable: false })
  }
}

/**
 * An `eachMessage` / `eachBatch` handler threw. Its partition is paused at the record that failed
 * (resume it to try again, or seek past it); nothing past that record is committed.
 * @category Error
 */
export class KafkaHandlerError extends KafkaError {
  readonly topic: string
  readonly partition: number
  /** Offset of the record the handler failed on (for `eachBatch`: the first unresolved one). */
  readonly offset: bigint

  constructor(tp: PartitionRef, offset: bigint, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(`handler failed on ${tp.topic}-${tp.partition} at offset ${offset}: ${why}`, {
      errorName: 'HANDLER_ERROR',
      cause,
    })
    this.topic = tp.topic
    this.partition = tp.partition
    this.offset = offset
  }
}

/**
 * The key or value deserializer threw for a record. The partition stops at that record; seek past
 * it to go on. Java: RecordDeserializationException.
 * @category Error
 */
export class KafkaDeserializationError extends KafkaError {
  readonly topic: string
  readonly partition: number
  /** Offset of the record that could not be deserialized. */
  readonly offset: bigint

  constructor(tp: PartitionRef, offset: bigint, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause)
    super(`cannot deserialize the record at ${tp.topic}-${tp.partition} offset ${offset}: ${why}`, {
      errorName: 'RECORD_DESERIALIZATION_ERROR',
      cause,
    })
    this.topic = tp.topic
    this.partition = tp.partition
    this.offset = offset
  }
}
