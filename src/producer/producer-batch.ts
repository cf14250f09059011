/**
 * One partition's batch of records on its way to the leader: the records, who is waiting for each,
 * its producer-id stamp, and its wire bytes once encoded (kept so a retry re-sends the same bytes).
 */

import type { KafkaError } from '../errors.js'
import type { ProduceBatchTrace } from '../observability/channels.js'
import { compressionCodecByName, type CompressionName } from '../protocol/compression/index.js'
import { crc32c } from '../protocol/crc32c.js'
import { encodeRecordBatch, RECORD_BATCH_OVERHEAD } from '../protocol/record-batch.js'
import type { RecordInput } from '../protocol/record.js'

/** Where a record landed. */
export interface RecordMetadata {
  readonly topic: string
  readonly partition: number
  /** Offset in the partition; -1n when acks=0 (the broker says nothing). */
  readonly offset: bigint
  /** CreateTime the record carried, or the broker's LogAppendTime for such topics (ms since epoch). */
  readonly timestamp: number
}

type Resolve = (outcome: RecordMetadata | PromiseLike<RecordMetadata>) => void

// Every record's promise is made with this one executor, which hands its resolve function out
// through a slot instead of a closure (and context) per record; its reject function is let go
// (a failure resolves the promise with a rejected one instead). Each of these would cost ~56
// bytes of heap for each of the tens of thousands of records a full buffer holds.
let madeResolve: Resolve | undefined
function takeResolve(resolve: Resolve): void {
  madeResolve = resolve
}
const noop = (): void => {}

// Field offsets in the batch header that a re-stamp rewrites (see protocol/record-batch.ts).
const CRC_OFFSET = 17
const ATTRIBUTES_OFFSET = 21
const PRODUCER_ID_OFFSET = 43
const PRODUCER_EPOCH_OFFSET = 51
const BASE_SEQUENCE_OFFSET = 53

export class ProducerBatch {
  readonly topic: string
  readonly partition: number
  readonly createdAt: number
  readonly records: RecordInput[] = []
  // Per record, flat: its promise's resolve function, and the promise (marked handled when it is
  // rejected, so that a send nobody awaits never becomes an unhandled rejection).
  readonly #settlers: Array<Resolve | Promise<RecordMetadata>> = []
  /** Bytes accounted against `bufferMemory` and `batchSize`: the uncompressed wire size. */
  sizeBytes = RECORD_BATCH_OVERHEAD
  /** No more records may join (full, or handed to the sender). */
  closed = false
  /** Times this batch was sent. */
  attempts = 0
  /** Do not send again before this time (retry backoff). */
  retryAt = 0
  /**
   * Sent at least once without a definite answer, or answered with an error that the leader gives
   * after appending (REQUEST_TIMED_OUT): the broker may have it, under its current stamp only.
   */
  ambiguous = false
  /**
   * The broker proved its current stamp absent from the log (this batch or one before it in the
   * same epoch was refused): answers to attempts already made can no longer put it there.
   */
  stampLost = false
  inFlight = false
  done = false
  producerId = -1n
  producerEpoch = -1
  baseSequence = -1
  isTransactional = false
  /** The `kafkats:producer:batch` trace of the attempt in flight, while someone listens. */
  trace: ProduceBatchTrace | undefined = undefined
  #encoded: Buffer | undefined
  #doneWaiters: Array<() => void> | undefined

  constructor(topic: string, partition: number, now: number) {
    this.topic = topic
    this.partition = partition
    this.createdAt = now
  }

  get recordCount(): number {
    return this.records.length
  }

  /**
   * The bytes its records took from `bufferMemory` (what `send` reserved for them): its size
   * without the batch header, which `send` never reserved. Release this, not `sizeBytes`.
   */
  get recordBytes(): number {
    return this.sizeBytes - RECORD_BATCH_OVERHEAD
  }

  /** Appends a record; the caller checked that it fits. Returns the promise of its outcome. */
  append(record: RecordInput, size: number): Promise<RecordMetadata> {
    const delivered = new Promise<RecordMetadata>(takeResolve)
    this.#adopt(record, madeResolve as Resolve, delivered, size)
    return delivered
  }

  #adopt(record: RecordInput, resolve: Resolve, delivered: Promise<RecordMetadata>, size: number): void {
    this.records.push(record)
    this.#settlers.push(resolve, delivered)
    this.sizeBytes += size
  }

  /** Stamps producer id, epoch and first sequence (idempotence). Clears cached bytes if they change. */
  stamp(producerId: bigint, producerEpoch: number, baseSequence: number, isTransactional: boolean): void {
    if (this.producerId === producerId && this.producerEpoch === producerEpoch && this.baseSequence === baseSequence) {
      return
    }
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    this.baseSequence = baseSequence
    this.isTransactional = isTransactional
    if (this.#encoded !== undefined) restampHeader(this.#encoded, producerId, producerEpoch, baseSequence)
  }

  /** The wire bytes, encoded (and compressed) once. */
  async encode(compression: CompressionName): Promise<Buffer> {
    if (this.#encoded !== undefined) return this.#encoded
    this.#encoded = await encodeRecordBatch({
      records: this.records,
      compression: compressionCodecByName(compression).type,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      isTransactional: this.isTransactional,
    })
    return this.#encoded
  }

  /** Resolves when the batch is completed or failed. */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve()
    return new Promise((resolve) => (this.#doneWaiters ??= []).push(resolve))
  }

  #finish(): void {
    this.done = true
    for (const waiter of this.#doneWaiters?.splice(0) ?? []) waiter()
  }

  /**
   * Marks a batch whose records moved to other batches (a split) as finished once those are: its
   * own records are settled by them, and whoever waits for this batch (flush) waits for them.
   */
  retireInto(parts: readonly ProducerBatch[]): void {
    void Promise.all(parts.map((p) => p.whenDone())).then(() => this.#finish())
  }

  /** Resolves every record with its offset. */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.done) return
    this.#finish()
    const useAppendTime = logAppendTimeMs >= 0n
    const settlers = this.#settlers
    for (let i = 0; i < this.records.length; i++) {
      const record = this.records[i] as RecordInput
      ;(settlers[2 * i] as Resolve)({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i),
        timestamp: Number(useAppendTime ? logAppendTimeMs : record.timestamp),
      })
    }
  }

  /**
   * Rejects every record. Their promises count as handled: whoever did not await a send hears of
   * its failure through the producer's `deliveryError` event.
   */
  fail(error: KafkaError): void {
    if (this.done) return
    this.#finish()
    const rejected = Promise.reject(error)
    rejected.catch(noop)
    const settlers = this.#settlers
    for (let i = 0; i < settlers.length; i += 2) {
      ;(settlers[i] as Resolve)(rejected)
      ;(settlers[i + 1] as Promise<RecordMetadata>).catch(noop)
    }
  }

  /** Splits into batches of about `targetBytes`, for MESSAGE_TOO_LARGE. Stamps are not carried over. */
  split(targetBytes: number, sizes: readonly number[], now: number): ProducerBatch[] {
    const parts: ProducerBatch[] = []
    let current = new ProducerBatch(this.topic, this.partition, now)
    for (let i = 0; i < this.records.length; i++) {
      const size = sizes[i] as number
      if (current.recordCount > 0 && current.sizeBytes + size > targetBytes) {
        parts.push(current)
        current = new ProducerBatch(this.topic, this.partition, now)
      }
      const s = this.#settlers
      current.#adopt(
        this.records[i] as RecordInput,
        s[2 * i] as Resolve,
        s[2 * i + 1] as Promise<RecordMetadata>,
        size,
      )
    }
    parts.push(current)
    for (const part of parts) {
      part.closed = true
      part.attempts = this.attempts
    }
    return parts
  }
}

/** Rewrites producer id, epoch and base sequence in encoded batch bytes, and the CRC over them. */
export function restampHeader(batch: Buffer, producerId: bigint, producerEpoch: number, baseSequence: number): void {
  batch.writeBigInt64BE(producerId, PRODUCER_ID_OFFSET)
  batch.writeInt16BE(producerEpoch, PRODUCER_EPOCH_OFFSET)
  batch.writeInt32BE(baseSequence, BASE_SEQUENCE_OFFSET)
  batch.writeUInt32BE(crc32c(batch, ATTRIBUTES_OFFSET, batch.length), CRC_OFFSET)
}
