/**
 * The producer: serializer → partitioner → per-partition batches → background sender.
 *
 * `send` does its work synchronously whenever it can (metadata known, memory free), so records sent
 * one after another reach their partition's batch in that order, and a fire-and-forget send costs
 * no extra turn of the event loop.
 */

import { EventEmitter } from 'node:events'
import type { Cluster } from '../cluster/cluster.js'
import type { TopicInfo } from '../cluster/metadata-cache.js'
import { KafkaBrokerError, KafkaError, KafkaRecordError, KafkaStateError, KafkaTimeoutError } from '../errors.js'
import { ErrorCode, errorCodeInfo } from '../protocol/error-codes.js'
import { RECORD_BATCH_OVERHEAD } from '../protocol/record-batch.js'
import type { RecordInput } from '../protocol/record.js'
import { stringSerde, type Serializer } from '../serde/serde.js'
import { describeValue } from '../util/options.js'
import { Accumulator, recordSize } from './accumulator.js'
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js'
import { Partitioner, type TopicPartitions } from './partitioner.js'
import {
  checkPartition,
  checkRecordShape,
  checkSerialized,
  recordTimestamp,
  toRecordHeaders,
  type ProducerHeaders,
  type RecordIndex,
} from './record-checks.js'
import type { ProducerBatch, RecordCompletion, RecordMetadata } from './producer-batch.js'
import { ProducerIdentity } from './producer-identity.js'
import { Sender } from './sender.js'
import { clusterTransactionIo } from './transaction-io.js'
import { TransactionManager, type ConsumerGroupMetadata, type TransactionOffset } from './transaction-manager.js'

export type { ProducerHeaders }

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

/** A send waiting for its topic's metadata or for buffer memory. */
interface WaitingSend<K, V> {
  readonly record: ProducerRecord<K, V>
  readonly input: RecordInput
  readonly size: number
  /** Memory already asked for on the fast path, or undefined to ask when its turn comes. */
  readonly reserved: Promise<void> | undefined
  readonly resolve: (delivered: Promise<RecordMetadata>) => void
  readonly reject: (error: unknown) => void
}

// Marks a queue slot already handled, so the queue does not keep the record alive.
const DONE = Object.freeze({})

const noop = (): void => {}

/**
 * Sends records to Kafka. Made by {@link Kafka.producer}; idempotent with acks=all by default.
 *
 * Three ways to send:
 * - sync: `await producer.send(record)` — resolves once the broker acknowledged the record;
 * - async: keep the promises of many sends and handle each as it settles;
 * - fire-and-forget: ignore the promise; failures are emitted as `deliveryError` and never become
 *   unhandled rejections.
 *
 * With a `transactionalId` the producer sends only inside transactions: {@link initTransactions}
 * once, then per transaction {@link beginTransaction}, sends (and {@link sendOffsetsToTransaction}),
 * and {@link commitTransaction} or {@link abortTransaction}.
 */
export class Producer<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  readonly #cluster: Cluster
  readonly #options: ResolvedProducerOptions
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  // Whether the user chose the serializers: then a non-bytes result is the serializer's fault.
  readonly #customSerializers: { readonly key: boolean; readonly value: boolean }
  readonly #accumulator: Accumulator
  readonly #partitioner: Partitioner
  readonly #identity: ProducerIdentity | null
  readonly #transactions: TransactionManager | null
  readonly #sender: Sender
  readonly #events = new EventEmitter<ProducerEvents>()
  readonly #onClose: () => void
  // Per topic, sends still waiting for metadata or memory, oldest first; later sends to the topic
  // queue behind them so records keep their order.
  readonly #waiting = new Map<string, WaitingSend<K, V>[]>()
  // The loops draining those queues, for flush.
  readonly #drains = new Set<Promise<void>>()
  // The partition view of each metadata snapshot of a topic, built once rather than per send.
  readonly #partitionViews = new WeakMap<TopicInfo, TopicPartitions>()
  #state: 'idle' | 'connected' | 'closing' | 'closed' = 'idle'

  /** @internal Made by {@link Kafka.producer}. */
  constructor(cluster: Cluster, options: ProducerOptions<K, V>, onClose: () => void) {
    this.#cluster = cluster
    this.#options = resolveProducerOptions(options as ProducerOptions<never, never>, {
      requestTimeoutMs: cluster.options.requestTimeoutMs,
      retryBackoffMs: cluster.options.retryBackoff.initialMs,
      retryBackoffMaxMs: cluster.options.retryBackoff.maxMs,
    })
    this.#keySerializer = options.keySerializer ?? (stringSerde as unknown as Serializer<K>)
    this.#valueSerializer = options.valueSerializer ?? (stringSerde as unknown as Serializer<V>)
    this.#customSerializers = { key: options.keySerializer !== undefined, value: options.valueSerializer !== undefined }
    this.#accumulator = new Accumulator(this.#options.batchSize, this.#options.bufferMemory)
    this.#partitioner = new Partitioner(this.#options.partitioner, this.#options.batchSize)
    this.#identity = this.#options.enableIdempotence
      ? new ProducerIdentity(cluster, this.#options.transactionalId, this.#options.transactionTimeoutMs)
      : null
    const transactionalId = this.#options.transactionalId
    this.#transactions =
      transactionalId === null || this.#identity === null
        ? null
        : new TransactionManager({
            transactionalId,
            transactionTimeoutMs: this.#options.transactionTimeoutMs,
            retryBackoffMs: this.#options.retryBackoffMs,
            io: clusterTransactionIo(cluster, this.#options.requestTimeoutMs),
            identity: this.#identity,
            whenBuffersEmpty: () => this.#whenBuffersEmpty(),
            wakeSender: () => this.#sender.wake(),
            resetSequences: () => this.#accumulator.resetSequenceState(),
          })
    this.#sender = new Sender({
      cluster,
      accumulator: this.#accumulator,
      options: this.#options,
      identity: this.#identity,
      onBatchFailed: (batch, error) => this.#emitFailure(batch, error),
      transactions: this.#transactions,
    })
    this.#onClose = onClose
  }

  /** The options in force, defaults included. */
  get options(): Readonly<ResolvedProducerOptions> {
    return this.#options
  }

  /**
   * Bytes of records buffered and not yet acknowledged or failed; never more than `bufferMemory`
   * (Java's `buffer.memory` minus the `buffer-available-bytes` metric).
   */
  get bufferedBytes(): number {
    return this.#accumulator.usedMemory
  }

  /** Listens to producer events. */
  on<E extends keyof ProducerEvents>(event: E, listener: (...args: ProducerEvents[E]) => void): this {
    this.#events.on(event, listener as never)
    return this
  }

  off<E extends keyof ProducerEvents>(event: E, listener: (...args: ProducerEvents[E]) => void): this {
    this.#events.off(event, listener as never)
    return this
  }

  /**
   * Checks that the cluster is reachable and, for an idempotent producer, obtains its producer id.
   * Sending without connecting first works too: the first send connects.
   */
  async connect(): Promise<void> {
    this.#assertOpen()
    await this.#cluster.fetchMetadata([])
    // A transactional producer gets its id from initTransactions, which also fences older instances.
    if (this.#transactions === null) await this.#identity?.ensure()
    this.#state = 'connected'
  }

  /**
   * Sends one record. Resolves with its partition and offset once the broker acknowledged it (at
   * once with offset -1 for acks=0). Rejects with a {@link KafkaRecordError} for a record that
   * cannot be sent (too large, no such partition, serializer failure), a {@link KafkaTimeoutError}
   * when metadata or buffer memory did not come within `maxBlockMs` or the record was not delivered
   * within `deliveryTimeoutMs`, or the broker's error for non-retriable failures. An idempotent
   * record whose outcome is unknown (a request timed out) is retried in order rather than failed,
   * so it is never written twice.
   */
  send(record: ProducerRecord<K, V>): Promise<RecordMetadata> {
    return this.#sendAt(record, -1)
  }

  #sendAt(record: ProducerRecord<K, V>, index: RecordIndex): Promise<RecordMetadata> {
    let promise: Promise<RecordMetadata>
    try {
      promise = this.#send(record, index)
    } catch (error) {
      promise = Promise.reject(error)
    }
    // Fire-and-forget callers never see an unhandled rejection; awaiting callers still get it.
    promise.catch((error: unknown) => {
      if (!(error instanceof KafkaError)) return
      const shaped = typeof record === 'object' && record !== null
      const topic = shaped && typeof record.topic === 'string' ? record.topic : ''
      const partition = shaped && typeof record.partition === 'number' ? record.partition : null
      this.#events.emit('deliveryError', error, { topic, partition })
    })
    return promise
  }

  /**
   * Sends many records. Resolves with their metadata in the order given; if some fail, rejects with
   * a {@link KafkaProduceBatchError} listing each record's metadata or error (the others were
   * delivered).
   */
  async sendBatch(records: ReadonlyArray<ProducerRecord<K, V>>): Promise<RecordMetadata[]> {
    this.#assertOpen()
    if (!Array.isArray(records)) {
      throw new KafkaRecordError(`sendBatch: expected an array of records, got ${describeValue(records)}`, {
        code: -1,
        errorName: 'INVALID_RECORD_FIELD',
      })
    }
    const settled = await Promise.allSettled(records.map((r, i) => this.#sendAt(r, i)))
    if (settled.every((s) => s.status === 'fulfilled')) {
      return settled.map((s) => (s as PromiseFulfilledResult<RecordMetadata>).value)
    }
    throw new KafkaProduceBatchError(
      settled.map((s) =>
        s.status === 'fulfilled'
          ? { metadata: s.value }
          : { error: s.reason instanceof KafkaError ? s.reason : new KafkaError(String(s.reason), { cause: s.reason }) },
      ),
    )
  }

  #send(record: ProducerRecord<K, V>, index: RecordIndex): Promise<RecordMetadata> {
    this.#assertOpen()
    this.#transactions?.failIfNotReadyForSend()
    // Everything about the record itself is checked before it may take memory or wait.
    const topic = checkRecordShape(record, index)
    checkPartition(record.partition, index)
    const rawKey = record.key === undefined ? (null as K) : record.key
    const key = checkSerialized(
      this.#serialize(this.#keySerializer, rawKey, topic, 'key'),
      rawKey,
      'key',
      this.#customSerializers.key,
      record,
      index,
    )
    const value = checkSerialized(
      this.#serialize(this.#valueSerializer, record.value, topic, 'value'),
      record.value,
      'value',
      this.#customSerializers.value,
      record,
      index,
    )
    const headers = toRecordHeaders(record.headers, index)
    const timestamp = recordTimestamp(record.timestamp, index)
    const size = recordSize(key, value, headers)
    if (size + RECORD_BATCH_OVERHEAD > this.#options.maxRequestSize || size > this.#options.bufferMemory) {
      throw new KafkaRecordError(
        `a record of about ${size} bytes exceeds maxRequestSize (${this.#options.maxRequestSize}) or bufferMemory (${this.#options.bufferMemory})`,
        { code: ErrorCode.MESSAGE_TOO_LARGE, errorName: 'MESSAGE_TOO_LARGE' },
      )
    }
    const input: RecordInput = { timestamp, key, value, headers }

    const waiting = this.#waiting.get(topic)
    const partitions = waiting === undefined ? this.#partitionsOf(topic) : undefined
    if (partitions !== undefined) {
      const reserved = this.#accumulator.reserve(size, this.#options.maxBlockMs)
      if (reserved === undefined) return this.#append(record, input, partitions, size)
      reserved.catch(noop)
      return this.#enqueue(topic, record, input, size, reserved)
    }
    return this.#enqueue(topic, record, input, size, undefined)
  }

  // Slow path: records of a topic whose metadata or buffer memory is not there yet wait in a
  // per-topic queue, drained in order by one loop, so they keep their order and later sends to the
  // topic line up behind them until the queue is empty again.
  #enqueue(
    topic: string,
    record: ProducerRecord<K, V>,
    input: RecordInput,
    size: number,
    reserved: Promise<void> | undefined,
  ): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => {
      let queue = this.#waiting.get(topic)
      if (queue === undefined) {
        queue = []
        this.#waiting.set(topic, queue)
        const drained = this.#drainWaiting(topic, queue)
        this.#drains.add(drained)
        void drained.finally(() => this.#drains.delete(drained))
      }
      queue.push({ record, input, size, reserved, resolve, reject })
    })
  }

  async #drainWaiting(topic: string, queue: WaitingSend<K, V>[]): Promise<void> {
    // Let the sends of the current tick join the queue before the first await.
    await Promise.resolve()
    // An index, not shift(): the queue can hold tens of thousands of sends.
    let next = 0
    try {
      const known = this.#partitionsOf(topic) ?? (await this.#waitForPartitions(topic))
      while (next < queue.length) {
        const w = queue[next] as WaitingSend<K, V>
        try {
          const reserved = w.reserved ?? this.#accumulator.reserve(w.size, this.#options.maxBlockMs)
          if (reserved !== undefined) await reserved
        } catch (error) {
          queue[next++] = DONE as WaitingSend<K, V>
          w.reject(error)
          continue
        }
        queue[next++] = DONE as WaitingSend<K, V>
        try {
          w.resolve(this.#append(w.record, w.input, this.#partitionsOf(topic) ?? known, w.size))
        } catch (error) {
          w.reject(error)
        }
      }
    } catch (error) {
      for (const w of queue.slice(next)) {
        w.reserved?.then(() => this.#accumulator.release(w.size), noop)
        w.reject(error)
      }
    } finally {
      this.#waiting.delete(topic)
    }
  }

  #serialize<T>(serializer: Serializer<T>, value: T, topic: string, what: string): unknown {
    try {
      return serializer.serialize(value, topic) as unknown
    } catch (cause) {
      throw new KafkaRecordError(`the ${what} serializer failed for topic ${topic}`, {
        code: -1,
        errorName: 'SERIALIZATION_ERROR',
        cause,
      })
    }
  }

  #partitionsOf(topic: string): TopicPartitions | undefined {
    const info = this.#cluster.metadata.topic(topic)
    if (info === undefined || info.partitions.length === 0) return undefined
    let view = this.#partitionViews.get(info)
    if (view === undefined) {
      const available: number[] = []
      for (const p of info.partitions) if (p.leader >= 0) available.push(p.partition)
      view = { numPartitions: info.partitions.length, available }
      this.#partitionViews.set(info, view)
    }
    return view
  }

  // Java's waitOnMetadata: ask for the topic (letting the broker auto-create it if it is set up
  // to) until it has partitions, within maxBlockMs.
  async #waitForPartitions(topic: string): Promise<TopicPartitions> {
    const deadline = Date.now() + this.#options.maxBlockMs
    let lastCode: number = ErrorCode.NONE
    for (let attempt = 0; ; attempt++) {
      this.#assertOpen()
      const response = await this.#cluster.fetchMetadata([topic], { allowAutoTopicCreation: true })
      this.#cluster.applyMetadata(response, [topic])
      this.#cluster.addTopicsOfInterest([topic])
      lastCode = response.topics[0]?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      const partitions = this.#partitionsOf(topic)
      if (partitions !== undefined) return partitions
      // Waiting cannot help a topic we may not write to or whose name is invalid: fail now, as
      // Java's producer does with TopicAuthorizationException.
      if (lastCode !== ErrorCode.NONE && !errorCodeInfo(lastCode).retriable) {
        throw new KafkaBrokerError(lastCode, `${errorCodeInfo(lastCode).name} for topic ${topic}`)
      }
      const delay = Math.min(50 * 2 ** attempt, 1000)
      if (Date.now() + delay >= deadline) break
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
    throw new KafkaTimeoutError(`topic ${topic} not present in metadata after maxBlockMs (${this.#options.maxBlockMs} ms)`, {
      cause: lastCode === ErrorCode.NONE ? undefined : new KafkaBrokerError(lastCode),
    })
  }

  #append(
    record: ProducerRecord<K, V>,
    input: RecordInput,
    partitions: TopicPartitions,
    size: number,
  ): Promise<RecordMetadata> {
    let partition: number
    try {
      partition = this.#choosePartition(record, input, partitions, size)
      this.#transactions?.maybeAddPartition(record.topic, partition)
    } catch (error) {
      this.#accumulator.release(size)
      throw error
    }
    let completion!: RecordCompletion
    const delivered = new Promise<RecordMetadata>((resolve, reject) => {
      completion = { resolve, reject }
    })
    const { full, created } = this.#accumulator.append(record.topic, partition, input, size, completion, Date.now())
    if (full || created) this.#sender.wake()
    return delivered
  }

  #choosePartition(record: ProducerRecord<K, V>, input: RecordInput, partitions: TopicPartitions, size: number): number {
    const explicit = record.partition
    if (explicit === undefined) {
      return this.#partitioner.partition(record.topic, input.key, input.value, partitions, size)
    }
    if (!Number.isInteger(explicit) || explicit < 0 || explicit >= partitions.numPartitions) {
      throw new KafkaRecordError(
        `partition ${String(explicit)} does not exist: topic ${record.topic} has partitions 0 to ${partitions.numPartitions - 1}`,
        { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorName: 'UNKNOWN_TOPIC_OR_PARTITION' },
      )
    }
    return explicit
  }

  #emitFailure(batch: ProducerBatch, error: KafkaError): void {
    // Records' own promises carry the error; `send` turns those into deliveryError events. A lost
    // record means the transaction cannot commit.
    this.#transactions?.onBatchFailed(error, batch.attempts > 0)
  }

  // Resolves once every record accepted so far was delivered or failed, sending without linger.
  async #whenBuffersEmpty(): Promise<void> {
    this.#sender.beginFlush()
    try {
      for (;;) {
        if (this.#drains.size > 0) {
          await Promise.allSettled([...this.#drains])
          continue
        }
        if (this.#accumulator.isEmpty) return
        await this.#accumulator.whenEmpty()
      }
    } finally {
      this.#sender.endFlush()
    }
  }

  /**
   * Registers the `transactionalId` with its coordinator and gets a producer id and epoch; an older
   * producer with the same id is fenced, and a transaction it left open is aborted. Call once,
   * before the first transaction. Rejects with a {@link KafkaTimeoutError} after `maxBlockMs`: the
   * call goes on in the background, and calling initTransactions again waits for it.
   */
  async initTransactions(): Promise<void> {
    const transactions = this.#requireTransactions('initTransactions')
    await transactions.initTransactions().wait(this.#options.maxBlockMs)
    this.#state = 'connected'
  }

  /**
   * Starts a transaction. Nothing is sent to the coordinator yet: records and offsets sent from now
   * on join it until {@link commitTransaction} or {@link abortTransaction}.
   */
  beginTransaction(): void {
    this.#requireTransactions('beginTransaction').beginTransaction()
  }

  /**
   * Makes a consumer group's offsets part of the transaction, so that they are committed if and
   * only if the transaction commits (consume-transform-produce, KIP-447). `offsets` are the next
   * offsets to read (last processed + 1). `groupMetadata` is the consumer's group membership; a
   * bare `{ groupId }` commits without fencing by generation.
   */
  async sendOffsetsToTransaction(
    offsets: ReadonlyArray<TransactionOffset>,
    groupMetadata: ConsumerGroupMetadata,
  ): Promise<void> {
    const transactions = this.#requireTransactions('sendOffsetsToTransaction')
    await transactions.sendOffsetsToTransaction(offsets, groupMetadata).wait(this.#options.maxBlockMs)
  }

  /**
   * Sends every buffered record, waits until each is acknowledged, then commits the transaction.
   * If any record of the transaction failed, rejects with an abortable {@link KafkaTransactionError}:
   * call {@link abortTransaction}. A {@link KafkaFencedError} (or any error that is not abortable)
   * means the producer must be closed. After `maxBlockMs` it rejects with a
   * {@link KafkaTimeoutError}; the commit goes on, and calling commitTransaction again waits for it.
   */
  async commitTransaction(): Promise<void> {
    const transactions = this.#requireTransactions('commitTransaction')
    await transactions.beginCommit().wait(this.#options.maxBlockMs)
  }

  /**
   * Aborts the transaction: records not yet sent fail with a `TRANSACTION_ABORTED`
   * {@link KafkaTransactionError}, those in flight are awaited, and the coordinator writes abort
   * markers. Also the way out of an abortable error. Resumable after a timeout like commit.
   */
  async abortTransaction(): Promise<void> {
    const transactions = this.#requireTransactions('abortTransaction')
    await transactions.beginAbort().wait(this.#options.maxBlockMs)
  }

  #requireTransactions(operation: string): TransactionManager {
    this.#assertOpen()
    if (this.#transactions === null) {
      throw new KafkaStateError(`${operation}: this producer is not transactional (set transactionalId)`)
    }
    return this.#transactions
  }

  // On close a transaction still open is aborted, as the Java producer does; one being committed
  // or aborted is waited for.
  async #endTransactionForClose(): Promise<void> {
    const transactions = this.#transactions
    if (transactions === null || !transactions.hasOngoingTransaction || transactions.hasFatalError) return
    try {
      const result = transactions.isCompleting ? transactions.pendingResult : transactions.beginAbort()
      await result?.wait(this.#options.maxBlockMs)
    } catch {
      // Closing anyway; the coordinator aborts the transaction after transactionTimeoutMs.
    }
  }

  /**
   * Sends everything buffered now, without waiting for linger, and resolves when every record sent
   * before the call has settled (delivered or failed).
   */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#drains])
    const batches: ProducerBatch[] = []
    for (const q of this.#accumulator.nonEmptyQueues()) batches.push(...q.batches)
    if (batches.length === 0) return
    this.#sender.beginFlush()
    try {
      await Promise.all(batches.map((b) => b.whenDone()))
    } finally {
      this.#sender.endFlush()
    }
  }

  /**
   * Stops the producer. By default first delivers everything buffered (`flush`); with
   * `{ flush: false }` buffered records fail with a {@link KafkaStateError}.
   */
  async disconnect(options: { flush?: boolean } = {}): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') return
    this.#state = 'closing'
    try {
      await this.#endTransactionForClose()
      if (options.flush !== false) {
        this.#sender.beginClose()
        await this.flush()
      }
    } finally {
      this.#state = 'closed'
      this.#transactions?.close()
      this.#sender.stop()
      const error = new KafkaStateError('the producer was closed before this record was sent')
      this.#accumulator.rejectWaiters(error)
      for (const q of this.#accumulator.nonEmptyQueues()) {
        for (const batch of [...q.batches]) {
          this.#accumulator.remove(q, batch)
          this.#accumulator.release(batch.recordBytes)
          batch.fail(error)
        }
      }
      this.#onClose()
    }
  }

  /** @internal Closing the root closes its producers. */
  close(): Promise<void> {
    return this.disconnect()
  }

  #assertOpen(): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new KafkaStateError('the producer is closed')
    if (this.#cluster.isClosed) throw new KafkaStateError('the Kafka client is closed')
  }
}
