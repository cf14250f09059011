/**
 * Per-partition queues of batches, and the memory bound on everything buffered.
 *
 * Records join the last batch of their partition's queue until it reaches `batchSize`; batches
 * leave from the head once the broker answered. The sender decides when a batch goes; the
 * accumulator only says which are ready. Appending is synchronous, so records sent one after the
 * other land in order without any lock.
 */

import { KafkaError, KafkaRecordError, KafkaTimeoutError } from '../errors.js'
import type { RecordHeader, RecordInput } from '../protocol/record.js'
import { onAbort } from '../util/abort.js'
import { ProducerBatch, type RecordMetadata } from './producer-batch.js'

/** One partition's queue and its idempotence bookkeeping. */
export class PartitionQueue {
  readonly topic: string
  readonly partition: number
  /** Unfinished batches, oldest first. Batches in flight come first, in send order. */
  readonly batches: ProducerBatch[] = []
  /** Batches of this partition currently in flight. */
  inFlight = 0
  /** The broker node the in-flight batches went to; -1 when none are in flight. */
  inFlightNode = -1
  /** Next sequence number to stamp (idempotence). */
  nextSequence = 0
  /** Sequence the broker expects next: the one after the last acknowledged batch (idempotence). */
  ackedNextSequence = 0
  /**
   * Producer epoch the sequences above belong to; -1 before the first stamp, or when the unsent
   * batches must be re-stamped (a batch failed and left a gap).
   */
  sequenceEpoch = -1
  /** Epoch of the last stamps given out, to tell a gap (same epoch) from an epoch bump. */
  lastStampedEpoch = -1
  /**
   * True once a batch with the current epoch was acknowledged. Until then only one request may be
   * in flight: a broker accepts any sequence as the first of a new producer epoch, so a second
   * request overtaking the first would be taken out of order.
   */
  ackedInEpoch = false
  /**
   * The sequence after a batch that failed while the broker may hold it (Java's unresolved
   * sequence), -1 when there is none: the batches behind it keep their stamps, and only a refusal
   * of the batch stamped right after it proves it absent.
   */
  unresolvedEnd = -1

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
  }

  /** The first batch not yet in flight. */
  nextToSend(): ProducerBatch | undefined {
    for (const batch of this.batches) if (!batch.inFlight) return batch
    return undefined
  }
}

interface MemoryWaiter {
  readonly bytes: number
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
  readonly timer: NodeJS.Timeout
  /** Stops listening to the waiting send's signal. */
  release: () => void
}

function noop(): void {}

/** Exact-enough size of a record in a batch: its length prefix, fields and headers. */
export function recordSize(key: Uint8Array | null, value: Uint8Array | null, headers: readonly RecordHeader[] | undefined): number {
  // attributes + timestamp delta (1-2 bytes in practice) + offset delta (up to 3 bytes in big batches)
  let body = 1 + 2 + 3
  body += key === null ? 1 : varintSize(key.length) + key.length
  body += value === null ? 1 : varintSize(value.length) + value.length
  if (headers === undefined || headers.length === 0) {
    body += 1
  } else {
    body += varintSize(headers.length)
    for (const h of headers) {
      const keyBytes = Buffer.byteLength(h.key, 'utf8')
      body += varintSize(keyBytes) + keyBytes + (h.value === null ? 1 : varintSize(h.value.length) + h.value.length)
    }
  }
  return varintSize(body) + body
}

function varintSize(n: number): number {
  const z = n << 1
  return z < 0x80 ? 1 : z < 0x4000 ? 2 : z < 0x200000 ? 3 : z < 0x10000000 ? 4 : 5
}

export class Accumulator {
  readonly #batchSize: number
  readonly #bufferMemory: number
  readonly #queues = new Map<string, PartitionQueue[]>()
  #usedMemory = 0
  // Insertion-ordered, with O(1) removal when a waiter times out: a flood of sends can queue
  // tens of thousands of them.
  readonly #memoryWaiters = new Set<MemoryWaiter>()
  #emptyWaiters: Array<() => void> = []
  #appendWakes = false

  constructor(batchSize: number, bufferMemory: number) {
    this.#batchSize = batchSize
    this.#bufferMemory = bufferMemory
  }

  /** Bytes of records buffered and not yet acknowledged or failed. */
  get usedMemory(): number {
    return this.#usedMemory
  }

  /** True while `send` calls wait for memory: the sender then sends everything it can. */
  get memoryExhausted(): boolean {
    return this.#memoryWaiters.size > 0
  }

  queue(topic: string, partition: number): PartitionQueue {
    let queues = this.#queues.get(topic)
    if (queues === undefined) {
      queues = []
      this.#queues.set(topic, queues)
    }
    let q = queues[partition]
    if (q === undefined) {
      q = new PartitionQueue(topic, partition)
      queues[partition] = q
    }
    return q
  }

  /** Every partition queue that holds batches. */
  *nonEmptyQueues(): Generator<PartitionQueue> {
    for (const queues of this.#queues.values()) {
      for (const q of queues) if (q !== undefined && q.batches.length > 0) yield q
    }
  }

  /**
   * Takes `bytes` of buffer memory, waiting (in arrival order) up to `maxBlockMs` for batches to be
   * acknowledged. Returns synchronously-resolved `undefined` when memory is available at once.
   * When `signal` aborts first the wait ends with its reason, no memory is taken, and the waiters
   * behind move up.
   */
  reserve(bytes: number, maxBlockMs: number, signal?: AbortSignal): Promise<void> | undefined {
    // A size that is not a byte count (NaN from a value that is not bytes) can never fit and would
    // hold up every waiter behind it; refuse it before it touches the accounting.
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new KafkaRecordError(`a record size of ${String(bytes)} is not a byte count`, {
        code: -1,
        errorName: 'INVALID_RECORD_FIELD',
      })
    }
    if (this.#memoryWaiters.size === 0 && this.#usedMemory + bytes <= this.#bufferMemory) {
      this.#usedMemory += bytes
      return undefined
    }
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#memoryWaiters.delete(waiter)
        waiter.release()
        reject(
          new KafkaTimeoutError(
            `no room in bufferMemory (${this.#bufferMemory} bytes) for a record of ${bytes} bytes within maxBlockMs (${maxBlockMs} ms)`,
          ),
        )
        this.#wakeWaiters()
      }, maxBlockMs)
      const waiter: MemoryWaiter = { bytes, resolve, reject, timer, release: noop }
      this.#memoryWaiters.add(waiter)
      if (signal !== undefined) {
        waiter.release = onAbort(signal, (reason) => {
          if (!this.#memoryWaiters.delete(waiter)) return
          clearTimeout(timer)
          reject(reason)
          this.#wakeWaiters()
        })
      }
    })
  }

  /** Returns memory taken by {@link reserve}. */
  release(bytes: number): void {
    this.#usedMemory -= bytes
    this.#wakeWaiters()
  }

  #wakeWaiters(): void {
    for (const head of this.#memoryWaiters) {
      if (this.#usedMemory + head.bytes > this.#bufferMemory) return
      this.#memoryWaiters.delete(head)
      clearTimeout(head.timer)
      head.release()
      this.#usedMemory += head.bytes
      head.resolve()
    }
  }

  /** Fails every waiting `send` (the producer is closing). */
  rejectWaiters(error: KafkaError): void {
    const waiters = [...this.#memoryWaiters]
    this.#memoryWaiters.clear()
    for (const waiter of waiters) {
      clearTimeout(waiter.timer)
      waiter.release()
      waiter.reject(error)
    }
  }

  /**
   * Whether the last {@link append} started a batch or filled one: the sender should look now
   * rather than at its next linger deadline. A flag rather than a result object, which would cost
   * an allocation per send.
   */
  get appendWakes(): boolean {
    return this.#appendWakes
  }

  /**
   * Appends a record to its partition's open batch, or to a new one, and returns the promise of
   * its outcome. See {@link appendWakes}.
   */
  append(topic: string, partition: number, record: RecordInput, size: number, now: number): Promise<RecordMetadata> {
    const q = this.queue(topic, partition)
    let batch = q.batches[q.batches.length - 1]
    let created = false
    if (batch === undefined || batch.closed || (batch.recordCount > 0 && batch.sizeBytes + size > this.#batchSize)) {
      if (batch !== undefined) batch.closed = true
      batch = new ProducerBatch(topic, partition, now)
      q.batches.push(batch)
      created = true
    }
    const delivered = batch.append(record, size)
    const full = batch.sizeBytes >= this.#batchSize
    if (full) batch.closed = true
    this.#appendWakes = full || created
    return delivered
  }

  /** Removes a finished batch from its queue. */
  remove(q: PartitionQueue, batch: ProducerBatch): void {
    const i = q.batches.indexOf(batch)
    if (i >= 0) q.batches.splice(i, 1)
    if (this.#emptyWaiters.length > 0 && q.batches.length === 0 && this.isEmpty) {
      for (const resolve of this.#emptyWaiters.splice(0)) resolve()
    }
  }

  /** True when no partition holds a batch. */
  get isEmpty(): boolean {
    return this.nonEmptyQueues().next().done === true
  }

  /**
   * Resolves once no partition holds a batch (every one was completed or failed). A batch split
   * for MESSAGE_TOO_LARGE counts through its parts.
   */
  whenEmpty(): Promise<void> {
    if (this.isEmpty) return Promise.resolve()
    return new Promise((resolve) => this.#emptyWaiters.push(resolve))
  }

  /**
   * Makes every partition start its sequences anew at its next batch: the producer id or epoch
   * changed (a transaction coordinator gave out a new one). Only while nothing is in flight.
   */
  resetSequenceState(): void {
    for (const queues of this.#queues.values()) {
      for (const q of queues) {
        if (q === undefined) continue
        q.sequenceEpoch = -1
        q.lastStampedEpoch = -1
      }
    }
  }
}
