/**
 * Hands buffered records to the application in chunks: up to `maxPollRecords` messages of one
 * partition at a time, partitions taken round-robin. A chunk moves the partition's position past
 * its messages; what the application finishes moves the processed offset (see
 * `SubscriptionState`). While a chunk is being taken or processed its partition is `busy`, so no
 * other worker reads it and per-partition order holds.
 *
 * Records become the application's messages here ({@link messageBuilder}): the key and value
 * deserializers run per record as the application takes records, not in the fetch decode loop,
 * and one that throws fails the partition at that record.
 *
 * Failures of partitions (reported by the fetcher and the position resolver) wait here until the
 * active consumption picks them up, as Java throws them from the next `poll()`.
 */

import { KafkaError } from '../errors.js'
import type { DataRecordBatch } from '../protocol/record-batch.js'
import type { KafkaRecord } from '../protocol/record.js'
import type { Deserializer } from '../serde/serde.js'
import type { MessageBuilder } from './completed-fetch.js'
import type { ConsumerMessage } from './consumer-types.js'
import { KafkaDeserializationError } from './errors.js'
import type { FetchBuffer } from './fetch-buffer.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

/** Messages of one partition, taken together. */
export interface Chunk<M> {
  readonly state: PartitionState
  /** The partition's generation when taken: if it changed, the chunk is stale. */
  readonly generation: number
  readonly messages: M[]
}

/** The offset fields a message must expose for bookkeeping. */
export interface Positioned {
  readonly offset: bigint
  readonly leaderEpoch: number | null
}

/** One active consumption (`run()` or an iterator): stopped by the application, an error, or disconnect. */
export class Consumption {
  #stopped = false
  #error: KafkaError | null = null
  readonly #listeners: Array<() => void> = []

  get stopped(): boolean {
    return this.#stopped
  }

  /** The error that stopped it, if any. */
  get error(): KafkaError | null {
    return this.#error
  }

  /** Runs `listener` when the consumption stops (at once if it has). */
  onStop(listener: () => void): void {
    if (this.#stopped) listener()
    else this.#listeners.push(listener)
  }

  stop(error?: KafkaError): void {
    if (this.#stopped) return
    this.#stopped = true
    if (error !== undefined) this.#error = error
    for (const listener of this.#listeners.splice(0)) listener()
  }
}

export interface MessageSourceDeps<M> {
  readonly subscriptions: SubscriptionState
  readonly buffer: FetchBuffer
  readonly maxRecords: number
  /** The message builder of a partition (deserializes keys and values). */
  readonly builder: (state: PartitionState) => MessageBuilder<M>
  /** Runs whenever the application takes records or waits for them (the membership's `polled`). */
  readonly onPoll: () => void
  /** While waiting for data, `onPoll` runs at least this often (ms). */
  readonly pollIntervalMs: number
  /** A partition failed while its records were decoded or deserialized. */
  readonly onPartitionError: (state: PartitionState, error: KafkaError) => void
}

export class MessageSource<M extends Positioned> {
  readonly #deps: MessageSourceDeps<M>
  readonly #errors: KafkaError[] = []

  constructor(deps: MessageSourceDeps<M>) {
    this.#deps = deps
  }

  /** Queues an error for the active (or next) consumption. */
  reportError(error: KafkaError): void {
    this.#errors.push(error)
    this.#deps.buffer.notify()
  }

  /** The oldest error not yet delivered. */
  takeError(): KafkaError | undefined {
    return this.#errors.shift()
  }

  /**
   * The next chunk, waiting for data; null once `consumption` stops (an error queued here stops
   * it). The chunk's partition stays busy until {@link release}.
   */
  async next(consumption: Consumption): Promise<Chunk<M> | null> {
    const { buffer } = this.#deps
    for (;;) {
      const error = this.takeError()
      if (error !== undefined) consumption.stop(error)
      if (consumption.stopped) return null
      // Waiting for records is polling too: the group must not think this member is stuck.
      this.#deps.onPoll()
      const state = buffer.nextConsumable()
      if (state === undefined) {
        await buffer.waitForChange(this.#deps.pollIntervalMs)
        continue
      }
      state.busy = true
      const chunk = await this.#take(state)
      if (chunk !== null) return chunk
      state.busy = false
    }
  }

  /**
   * Gives a chunk's partition back. With `handedOut` short of the chunk (the consumption stopped,
   * the partition was paused or revoked mid-chunk), the position moves back to the processed
   * offset so the rest is handed out again.
   */
  release(chunk: Chunk<M>, handedOut: number): void {
    const { state } = chunk
    state.busy = false
    if (handedOut < chunk.messages.length && state.generation === chunk.generation) {
      this.#deps.subscriptions.rewindToProcessed(state)
    }
    this.#deps.buffer.notify()
  }

  /** Marks `message` finished: the processed offset moves past it. */
  processed(chunk: Chunk<M>, message: M): void {
    this.#deps.subscriptions.markProcessed(chunk.state, chunk.generation, message.offset + 1n, message.leaderEpoch ?? -1)
  }

  async #take(state: PartitionState): Promise<Chunk<M> | null> {
    const { subscriptions, buffer, maxRecords } = this.#deps
    const fetch = state.buffered
    if (fetch === null) return null
    const generation = state.generation
    const before = fetch.bytesLeft
    const messages: M[] = []
    let failure: unknown = null
    try {
      await fetch.take(maxRecords, this.#deps.builder(state), messages)
    } catch (error) {
      failure = error
    }
    // Seeked, revoked or failed while the batch was decoded: the chunk is stale.
    if (state.generation !== generation || state.buffered !== fetch) return null
    // Nothing handed out since the last chunk means the application is done up to the position,
    // so skipped control and aborted batches count as processed too.
    const caughtUp = state.processedOffset === state.position
    buffer.consumed(state, fetch, before)
    subscriptions.advance(state, fetch.nextOffset, fetch.lastEpoch)
    if (messages.length > 0) return { state, generation, messages }
    if (caughtUp) subscriptions.markProcessed(state, generation, fetch.nextOffset, fetch.lastEpoch)
    if (failure !== null) {
      // Nothing before the failure was left to hand out: the partition stops here.
      const error = failure instanceof KafkaError ? failure : new KafkaError(String(failure), { cause: failure })
      subscriptions.fail(state, error)
      this.#deps.onPartitionError(state, error)
    }
    return null
  }
}

/** The builder of one partition's messages. */
export function messageBuilder<K, V>(
  state: PartitionState,
  keys: Deserializer<K>,
  values: Deserializer<V>,
): MessageBuilder<ConsumerMessage<K, V>> {
  const topic = state.topic
  const partition = state.partition
  return (record: KafkaRecord, batch: DataRecordBatch): ConsumerMessage<K, V> => {
    let key: K
    let value: V
    try {
      key = keys.deserialize(record.key, topic)
      value = values.deserialize(record.value, topic)
    } catch (cause) {
      throw new KafkaDeserializationError(state, record.offset, cause)
    }
    return {
      topic,
      partition,
      offset: record.offset,
      key,
      value,
      headers: record.headers,
      timestamp: Number(record.timestamp),
      timestampType: batch.timestampType,
      leaderEpoch: batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null,
    }
  }
}
