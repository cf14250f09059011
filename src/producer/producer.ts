/**
 * The producer: serializer → partitioner → per-partition batches → background sender.
 *
 * `send` does its work synchronously whenever it can (metadata known, memory free), so records sent
 * one after another reach their partition's batch in that order, and a fire-and-forget send costs
 * no extra turn of the event loop. The rest lives next door: the sends that must wait
 * (waiting-sends), the batches and memory (accumulator), the sender loop (sender), the transaction
 * (transaction-manager), and the public types (producer-types).
 *
 * A serializer that returns a promise takes the slow path for that record only: it waits in its
 * topic's queue from the moment of `send` (so nothing sent after it to the topic overtakes it),
 * and takes memory once serialized. Serializers that answer synchronously never make a promise.
 */

import { EventEmitter, setMaxListeners } from 'node:events'
import type { Cluster } from '../cluster/cluster.js'
import type { TopicInfo } from '../cluster/metadata-cache.js'
import { KafkaError, KafkaRecordError, KafkaStateError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { RecordHeader, RecordInput } from '../protocol/record.js'
import { isThenable, ProducerSerdeContext } from '../serde/contexts.js'
import { stringSerde, type Serializer } from '../serde/serde.js'
import { isTraced, sendChannel, transactionChannels } from '../observability/channels.js'
import { abortable, callSignal, onAbort, throwIfAborted } from '../util/abort.js'
import { describeValue } from '../util/options.js'
import { Accumulator, recordSize } from './accumulator.js'
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options.js'
import { Partitioner, type TopicPartitions } from './partitioner.js'
import {
  checkPartition,
  checkRecordShape,
  checkRecordSize,
  checkSerialized,
  recordTimestamp,
  serializerFailed,
  toRecordHeaders,
  type ProducerHeaders,
  type RecordIndex,
} from './record-checks.js'
import type { ProducerBatch, RecordMetadata } from './producer-batch.js'
import { ProducerIdentity } from './producer-identity.js'
import {
  closedError,
  KafkaProduceBatchError,
  notTransactionalError,
  type ProducerCallOptions,
  type ProducerEvents,
  type ProducerRecord,
} from './producer-types.js'
import { leaderAddress, sendTraceOf, tracedRecord } from './send-trace.js'
import { Sender } from './sender.js'
import { clusterTransactionIo } from './transaction-io.js'
import { traceTransaction, type TransactionChannel } from './transaction-trace.js'
import { TransactionManager, type ConsumerGroupMetadata, type TransactionOffset } from './transaction-manager.js'
import { WaitingSends, type SerializedRecord } from './waiting-sends.js'

export type { ProducerHeaders }
export { KafkaProduceBatchError } from './producer-types.js'
export type { ProducerCallOptions, ProducerEvents, ProducerRecord } from './producer-types.js'

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
 * and {@link commitTransaction} or {@link abortTransaction}. A call in the wrong order fails with a
 * {@link KafkaStateError} naming the call that is missing.
 *
 * Every call that may wait takes `{ signal }` as its last argument, as Node's APIs do: an abort
 * rejects it with `signal.reason`. Each call says what the abort leaves behind; in short, a record
 * not yet appended to a batch is never sent, anything already handed over goes on.
 */
export class Producer<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  readonly #cluster: Cluster
  readonly #options: ResolvedProducerOptions
  readonly #keySerializer: Serializer<K>
  readonly #valueSerializer: Serializer<V>
  // Whether the user chose the serializers: then a non-bytes result is the serializer's fault.
  readonly #customSerializers: { readonly key: boolean; readonly value: boolean }
  // Reused from send to send while serializers answer synchronously (see serde/contexts).
  #keyContext = new ProducerSerdeContext(true)
  #valueContext = new ProducerSerdeContext(false)
  readonly #accumulator: Accumulator
  readonly #partitioner: Partitioner
  readonly #identity: ProducerIdentity | null
  readonly #transactions: TransactionManager | null
  readonly #sender: Sender
  readonly #events = new EventEmitter<ProducerEvents>()
  readonly #onClose: () => void
  // Sends still waiting for their topic's metadata or for memory, per topic in order.
  readonly #waiting: WaitingSends<K, V>
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
    // Kafka.producer lets a serializer be left out only when K (or V) is strings and bytes.
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
    this.#waiting = new WaitingSends<K, V>({
      cluster,
      accumulator: this.#accumulator,
      maxBlockMs: this.#options.maxBlockMs,
      partitionsOf: (topic) => this.#partitionsOf(topic),
      append: (record, input, partitions, size) => this.#append(record, input, partitions, size),
      assertOpen: () => this.#assertOpen('send'),
      failed: (record, error, signal) => this.#reportFailure(error, record, signal),
      closed: () => this.#state === 'closed' || this.#cluster.isClosed,
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
   *
   * An aborted `signal` rejects with `signal.reason` and leaves the producer unconnected; a
   * metadata or producer id request already sent completes in the background, and a later
   * `connect` or `send` uses its answer.
   */
  async connect(options?: ProducerCallOptions): Promise<void> {
    const signal = callSignal('connect()', options)
    this.#assertOpen('connect')
    throwIfAborted(signal)
    await abortable(this.#cluster.fetchMetadata([]), signal)
    // A transactional producer gets its id from initTransactions, which also fences older instances.
    if (this.#transactions === null && this.#identity !== null) await abortable(this.#identity.ensure(), signal)
    this.#state = 'connected'
  }

  /**
   * Sends one record. Resolves with its partition and offset once the broker acknowledged it (at
   * once with offset -1 for acks=0). Rejects with a {@link KafkaRecordError} for a record that
   * cannot be sent (too large, no such partition, a serializer that threw or whose promise
   * rejected: `SERIALIZATION_ERROR`, with the serializer's error as `cause`), a {@link KafkaTimeoutError}
   * when metadata or buffer memory did not come within `maxBlockMs` or the record was not delivered
   * within `deliveryTimeoutMs`, or the broker's error for non-retriable failures. An idempotent
   * record whose outcome is unknown (a request timed out) is retried in order rather than failed,
   * so it is never written twice.
   *
   * Serializers are called before `send` returns, key first, with the record's topic and headers
   * ({@link SerializerContext}). When one returns a promise, the record is sent once it resolves,
   * still after the records sent before it to the same topic and before those sent after it.
   *
   * When `signal` aborts before the send settles, it rejects with `signal.reason`. A record still
   * being serialized, or waiting for its topic's metadata or for buffer memory, is then never sent, and memory it was
   * given is released; a record already appended to a batch is still sent (a failure to deliver it
   * is then reported as a `deliveryError` event only). An already aborted signal rejects at once.
   */
  send(record: ProducerRecord<K, V>, options?: ProducerCallOptions): Promise<RecordMetadata> {
    let signal: AbortSignal | undefined
    try {
      signal = callSignal('send()', options)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#sendAt(record, -1, signal)
  }

  #sendAt(record: ProducerRecord<K, V>, index: RecordIndex, signal: AbortSignal | undefined): Promise<RecordMetadata> {
    if (isTraced(sendChannel)) return this.#tracedSendAt(record, index, signal)
    return this.#untracedSendAt(record, index, signal)
  }

  // The send under kafkats:producer:send: `start` runs before the record is checked or
  // serialized, so its listeners may add headers, and the record goes out with them.
  #tracedSendAt(record: ProducerRecord<K, V>, index: RecordIndex, signal: AbortSignal | undefined): Promise<RecordMetadata> {
    const trace = sendTraceOf(this.#cluster.options.clientId, this.#options.transactionalId, record)
    const traced = sendChannel.tracePromise(
      () =>
        this.#untracedSendAt(tracedRecord(record, trace), index, signal).then((delivered) => {
          trace.broker = leaderAddress(this.#cluster.metadata, delivered)
          return delivered
        }),
      trace,
    )
    // As untraced: a failure is reported where it happens, and a send nobody awaits is not an
    // unhandled rejection.
    traced.catch(noop)
    return traced
  }

  #untracedSendAt(record: ProducerRecord<K, V>, index: RecordIndex, signal: AbortSignal | undefined): Promise<RecordMetadata> {
    let promise: Promise<RecordMetadata>
    try {
      promise = this.#send(record, index, signal)
    } catch (error) {
      this.#reportFailure(error, record, signal)
      promise = Promise.reject(error)
      promise.catch(noop)
    }
    // No handler per send here (it cost ~160 bytes of heap per buffered record): each failure is
    // reported as a `deliveryError` where it happens (here, in the waiting queue, or when a batch
    // fails), and the promise is marked handled there, so fire-and-forget callers never see an
    // unhandled rejection while awaiting callers still get it.
    return abortable(promise, signal)
  }

  // A record failed for good before it reached a batch: a `deliveryError`, unless it is the
  // caller's own abort (or not ours to report).
  #reportFailure(error: unknown, record: ProducerRecord<K, V>, signal: AbortSignal | undefined): void {
    if (!(error instanceof KafkaError) || (signal !== undefined && error === signal.reason)) return
    const shaped = typeof record === 'object' && record !== null
    const topic = shaped && typeof record.topic === 'string' ? record.topic : ''
    const partition = shaped && typeof record.partition === 'number' ? record.partition : null
    this.#events.emit('deliveryError', error, { topic, partition })
  }

  /**
   * Sends many records. Resolves with their metadata in the order given; if some fail, rejects with
   * a {@link KafkaProduceBatchError} listing each record's metadata or error (the others were
   * delivered). A `signal` applies to each record as in {@link send}: on abort the batch rejects
   * with `signal.reason`, records still waiting are not sent, records already appended are.
   */
  async sendBatch(records: ReadonlyArray<ProducerRecord<K, V>>, options?: ProducerCallOptions): Promise<RecordMetadata[]> {
    const signal = callSignal('sendBatch()', options)
    this.#assertOpen('sendBatch')
    if (!Array.isArray(records)) {
      throw new KafkaRecordError(`sendBatch: expected an array of records, got ${describeValue(records)}`, {
        code: -1,
        errorName: 'INVALID_RECORD_FIELD',
      })
    }
    throwIfAborted(signal)
    // One listener on the caller's signal fans out to the records, which listen to a signal of
    // our own: a batch of thousands must not trip Node's listener-leak warning on the caller's.
    let each: AbortSignal | undefined
    let release = noop
    if (signal !== undefined) {
      const fanOut = new AbortController()
      setMaxListeners(0, fanOut.signal)
      release = onAbort(signal, (reason) => fanOut.abort(reason))
      each = fanOut.signal
    }
    let settled: PromiseSettledResult<RecordMetadata>[]
    try {
      settled = await Promise.allSettled(records.map((r, i) => this.#sendAt(r, i, each)))
    } finally {
      release()
    }
    if (settled.every((s) => s.status === 'fulfilled')) {
      return settled.map((s) => (s as PromiseFulfilledResult<RecordMetadata>).value)
    }
    if (signal?.aborted === true) throw signal.reason
    throw new KafkaProduceBatchError(
      settled.map((s) =>
        s.status === 'fulfilled'
          ? { metadata: s.value }
          : { error: s.reason instanceof KafkaError ? s.reason : new KafkaError(String(s.reason), { cause: s.reason }) },
      ),
    )
  }

  #send(record: ProducerRecord<K, V>, index: RecordIndex, signal: AbortSignal | undefined): Promise<RecordMetadata> {
    this.#assertOpen('send')
    this.#transactions?.failIfNotReadyForSend()
    // Everything about the record itself is checked before it may take memory or wait.
    const topic = checkRecordShape(record, index)
    checkPartition(record.partition, index)
    // Before the serializers, which see the headers and may add to them.
    const givenHeaders = toRecordHeaders(record.headers, index)
    const timestamp = recordTimestamp(record.timestamp, index)
    const rawKey = record.key === undefined ? (null as K) : record.key
    const keyContext = this.#keyContext.reset(topic, givenHeaders)
    const keyOut = this.#serialize(this.#keySerializer, rawKey, keyContext, index)
    let later = isThenable(keyOut)
    let headers: RecordHeader[] | undefined
    if (later) {
      // The pending call keeps its context (and may still add headers through it).
      this.#keyContext = new ProducerSerdeContext(true)
      headers = keyContext.headers
    } else {
      checkSerialized(keyOut, rawKey, 'key', this.#customSerializers.key, record, index)
      headers = keyContext.currentHeaders
    }
    const valueContext = this.#valueContext.reset(topic, headers)
    let valueOut: unknown
    try {
      valueOut = this.#serialize(this.#valueSerializer, record.value, valueContext, index)
    } catch (error) {
      if (later) (keyOut as PromiseLike<unknown>).then(undefined, noop)
      throw error
    }
    if (isThenable(valueOut)) {
      later = true
      this.#valueContext = new ProducerSerdeContext(false)
      headers = valueContext.headers
    } else {
      headers = valueContext.currentHeaders
    }
    if (later) {
      // An abort from here on is the queue's to report: it rejects the send at once.
      const serialized = this.#serializedLater(record, index, keyOut, valueOut, headers as RecordHeader[], timestamp)
      return this.#waiting.enqueueSerializing(topic, record, serialized, signal)
    }
    const key = keyOut as Uint8Array | null
    const value = checkSerialized(valueOut, record.value, 'value', this.#customSerializers.value, record, index)
    const size = recordSize(key, value, headers)
    checkRecordSize(size, this.#options.maxRequestSize, this.#options.bufferMemory)
    throwIfAborted(signal)
    const input: RecordInput = { timestamp, key, value, headers }

    const partitions = this.#waiting.has(topic) ? undefined : this.#partitionsOf(topic)
    if (partitions !== undefined) {
      const reserved = this.#accumulator.reserve(size, this.#options.maxBlockMs, signal)
      if (reserved === undefined) return this.#append(record, input, partitions, size)
      reserved.catch(noop)
      return this.#waiting.enqueue(topic, record, input, size, reserved, signal)
    }
    return this.#waiting.enqueue(topic, record, input, size, undefined, signal)
  }

  #serialize<T>(serializer: Serializer<T>, value: T, context: ProducerSerdeContext, index: RecordIndex): unknown {
    try {
      return serializer.serialize(value, context) as unknown
    } catch (cause) {
      throw serializerFailed(context.isKey ? 'key' : 'value', context.topic, index, cause)
    }
  }

  // A serializer returned a promise: the record is checked and sized once both have answered. It
  // waits in its topic's queue meanwhile (see WaitingSends), so it keeps its place among the
  // topic's sends; it takes no memory before then, and none if a serializer fails.
  async #serializedLater(
    record: ProducerRecord<K, V>,
    index: RecordIndex,
    keyOut: unknown,
    valueOut: unknown,
    headers: RecordHeader[],
    timestamp: bigint,
  ): Promise<SerializedRecord> {
    const topic = record.topic
    const [keyBytes, valueBytes] = await Promise.all([
      settleSerialized(keyOut, 'key', topic, index),
      settleSerialized(valueOut, 'value', topic, index),
    ])
    const rawKey = record.key === undefined ? null : record.key
    const key = checkSerialized(keyBytes, rawKey, 'key', this.#customSerializers.key, record, index)
    const value = checkSerialized(valueBytes, record.value, 'value', this.#customSerializers.value, record, index)
    const recordHeaders = headers.length === 0 ? undefined : headers
    const size = recordSize(key, value, recordHeaders)
    checkRecordSize(size, this.#options.maxRequestSize, this.#options.bufferMemory)
    return { input: { timestamp, key, value, headers: recordHeaders }, size }
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
    const delivered = this.#accumulator.append(record.topic, partition, input, size, Date.now())
    if (this.#accumulator.appendWakes) this.#sender.wake()
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
    this.#reportBatchFailure(batch, error)
    // A lost record means the transaction cannot commit.
    this.#transactions?.onBatchFailed(error, batch.attempts > 0)
  }

  // The batch rejected its records' promises: one `deliveryError` per record, for the callers
  // that did not await them.
  #reportBatchFailure(batch: ProducerBatch, error: KafkaError): void {
    if (this.#events.listenerCount('deliveryError') === 0) return
    const where = { topic: batch.topic, partition: batch.partition }
    for (let i = 0; i < batch.recordCount; i++) this.#events.emit('deliveryError', error, where)
  }

  // Resolves once every record accepted so far was delivered or failed, sending without linger.
  async #whenBuffersEmpty(): Promise<void> {
    this.#sender.beginFlush()
    try {
      for (;;) {
        if (this.#waiting.draining) {
          await this.#waiting.drained()
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
   * before the first transaction. Rejects with a {@link KafkaTimeoutError} after `maxBlockMs`, or
   * with `signal.reason` when the signal aborts first: either way the call goes on in the
   * background, and initTransactions must be called again (before any other transaction call) to
   * wait for its outcome.
   */
  async initTransactions(options?: ProducerCallOptions): Promise<void> {
    const signal = callSignal('initTransactions()', options)
    const transactions = this.#requireTransactions('initTransactions')
    throwIfAborted(signal)
    await this.#traceTransaction(transactionChannels.init, undefined, () => transactions.initTransactions().wait(this.#options.maxBlockMs, signal))
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
   * bare `{ groupId }` commits without fencing by generation. An aborted `signal` rejects with its
   * reason; offsets already handed over still join the transaction.
   */
  async sendOffsetsToTransaction(
    offsets: ReadonlyArray<TransactionOffset>,
    groupMetadata: ConsumerGroupMetadata,
    options?: ProducerCallOptions,
  ): Promise<void> {
    const signal = callSignal('sendOffsetsToTransaction()', options)
    const transactions = this.#requireTransactions('sendOffsetsToTransaction')
    throwIfAborted(signal)
    const groupId = typeof groupMetadata?.groupId === 'string' ? groupMetadata.groupId : undefined
    await this.#traceTransaction(transactionChannels.sendOffsets, groupId, () =>
      transactions.sendOffsetsToTransaction(offsets, groupMetadata).wait(this.#options.maxBlockMs, signal),
    )
  }

  /**
   * Sends every buffered record, waits until each is acknowledged, then commits the transaction.
   * If any record of the transaction failed, rejects with an abortable {@link KafkaTransactionError}:
   * call {@link abortTransaction}. A {@link KafkaFencedError} (or any error that is not abortable)
   * means the producer must be closed. After `maxBlockMs` it rejects with a
   * {@link KafkaTimeoutError}, and when `signal` aborts first with `signal.reason`: the commit goes
   * on, and commitTransaction must be called again (before any other transaction call) to wait for
   * its outcome.
   */
  async commitTransaction(options?: ProducerCallOptions): Promise<void> {
    const signal = callSignal('commitTransaction()', options)
    const transactions = this.#requireTransactions('commitTransaction')
    throwIfAborted(signal)
    await this.#traceTransaction(transactionChannels.commit, undefined, () => transactions.beginCommit().wait(this.#options.maxBlockMs, signal))
  }

  /**
   * Aborts the transaction: records not yet sent fail with a `TRANSACTION_ABORTED`
   * {@link KafkaTransactionError}, those in flight are awaited, and the coordinator writes abort
   * markers. Also the way out of an abortable error. Resumable after a timeout or an aborted
   * `signal` like commit: the abort goes on, and abortTransaction waits for it when called again.
   */
  async abortTransaction(options?: ProducerCallOptions): Promise<void> {
    const signal = callSignal('abortTransaction()', options)
    const transactions = this.#requireTransactions('abortTransaction')
    throwIfAborted(signal)
    await this.#traceTransaction(transactionChannels.abort, undefined, () => transactions.beginAbort().wait(this.#options.maxBlockMs, signal))
  }

  #traceTransaction(trace: TransactionChannel, groupId: string | undefined, call: () => Promise<void>): Promise<void> {
    if (!isTraced(trace)) return call()
    const who = { clientId: this.#cluster.options.clientId, transactionalId: this.#options.transactionalId as string }
    return traceTransaction(trace, who, this.#identity as ProducerIdentity, groupId, call)
  }

  #requireTransactions(call: string): TransactionManager {
    this.#assertOpen(call)
    if (this.#transactions === null) throw notTransactionalError(call)
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
   * before the call has settled (delivered or failed). An aborted `signal` rejects with its reason
   * and stops only the wait: the records buffered at the call are still sent without linger.
   */
  async flush(options?: ProducerCallOptions): Promise<void> {
    const signal = callSignal('flush()', options)
    throwIfAborted(signal)
    await abortable(this.#flush(), signal)
  }

  async #flush(): Promise<void> {
    await this.#waiting.drained()
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
        await this.#flush()
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
          this.#reportBatchFailure(batch, error)
        }
      }
      this.#onClose()
    }
  }

  /** @internal Closing the root closes its producers. */
  close(): Promise<void> {
    return this.disconnect()
  }

  #assertOpen(call: string): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw closedError(call, this.#state)
    if (this.#cluster.isClosed) throw closedError(call, 'client-closed')
  }
}

// What a serializer's promise resolved to, or its rejection as the record's error.
async function settleSerialized(out: unknown, field: 'key' | 'value', topic: string, index: RecordIndex): Promise<unknown> {
  try {
    return await out
  } catch (cause) {
    throw serializerFailed(field, topic, index, cause)
  }
}
