/**
 * Hands buffered records to the application in chunks: up to `maxPollRecords` messages of one
 * partition at a time, partitions taken round-robin. A chunk moves the partition's position past
 * its messages; what the application finishes moves the processed offset (see
 * `SubscriptionState`). While a chunk is being taken or processed its partition is `busy`, so no
 * other worker reads it and per-partition order holds.
 *
 * Records become the application's messages as they are taken (`message-builder`). A deserializer
 * that throws fails the partition at that record; one that returns a promise holds its chunk until
 * every message of it is complete, so messages are still handed out in offset order and none is
 * processed (or committed) before it is. A promise that rejects ends the chunk before its record:
 * the messages before it are handed out, then the partition fails at it, as after a throw.
 *
 * Failures of partitions (reported by the fetcher and the position resolver) wait here until the
 * active consumption picks them up, as Java throws them from the next `poll()`.
 */

import type { FetchMetrics } from './consumer-metrics.js'
import { KafkaError } from '../errors.js'
import type { ChunkBuilder, FailedMessage } from './message-builder.js'
import type { FetchBuffer } from './fetch-buffer.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

/** Messages of one partition, taken together. */
export interface Chunk<M> {
  readonly state: PartitionState
  /** The partition's generation when taken: if it changed, the chunk is stale. */
  readonly generation: number
  readonly messages: M[]
  /**
   * A deserializer's promise rejected for the record right after the last message: once the
   * chunk is done with, the partition fails there (unless it moved meanwhile).
   */
  readonly failure: KafkaError | null
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
  /** The message builder of one take of a partition (deserializes keys and values). */
  readonly builder: (state: PartitionState) => ChunkBuilder<M>
  /** Runs whenever the application takes records or waits for them (the membership's `polled`). */
  readonly onPoll: () => void
  /** While waiting for data, `onPoll` runs at least this often (ms). */
  readonly pollIntervalMs: number
  /** A partition failed while its records were decoded or deserialized. */
  readonly onPartitionError: (state: PartitionState, error: KafkaError) => void
  /** Counts what is handed out (records-consumed-rate, bytes-consumed-rate). */
  readonly metrics?: FetchMetrics
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
    if (state.generation === chunk.generation) {
      if (handedOut < chunk.messages.length) this.#deps.subscriptions.rewindToProcessed(state)
      else if (chunk.failure !== null) this.#fail(state, chunk.failure)
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
    const positionEpoch = state.positionEpoch
    const messages: M[] = []
    const builder = this.#deps.builder(state)
    let failure: unknown = null
    try {
      await fetch.take(maxRecords, builder.build, messages)
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
    this.#deps.metrics?.consumed(messages.length, before - fetch.bytesLeft)
    if (messages.length > 0) {
      if (builder.pending) return this.#settle(state, generation, messages, builder, positionEpoch, caughtUp)
      return { state, generation, messages, failure: null }
    }
    if (caughtUp) subscriptions.markProcessed(state, generation, fetch.nextOffset, fetch.lastEpoch)
    if (failure !== null) {
      // Nothing before the failure was left to hand out: the partition stops here.
      this.#fail(state, failure instanceof KafkaError ? failure : new KafkaError(String(failure), { cause: failure }))
    }
    return null
  }

  // Some messages are still being deserialized: the chunk waits for them (its partition stays
  // busy). A sync throw after them is met again by the next take, which starts at that record.
  async #settle(
    state: PartitionState,
    generation: number,
    messages: M[],
    builder: ChunkBuilder<M>,
    positionEpoch: number,
    caughtUp: boolean,
  ): Promise<Chunk<M> | null> {
    const failed = await builder.settle()
    if (state.generation !== generation) return null
    if (failed === null) return { state, generation, messages, failure: null }
    const at = this.#cutAt(state, messages, failed, positionEpoch)
    if (at > 0) return { state, generation, messages, failure: failed.error }
    if (caughtUp) this.#deps.subscriptions.markProcessed(state, generation, failed.message.offset, positionEpoch)
    this.#fail(state, failed.error)
    return null
  }

  // The position goes back to the failed record (the take moved it past the whole chunk), and the
  // chunk ends before it. Returns how many messages are left.
  #cutAt(state: PartitionState, messages: M[], failed: FailedMessage<M>, positionEpoch: number): number {
    const at = messages.indexOf(failed.message)
    messages.length = at
    const last = messages[at - 1]
    state.position = failed.message.offset
    state.positionEpoch = last === undefined ? positionEpoch : (last.leaderEpoch ?? positionEpoch)
    return at
  }

  #fail(state: PartitionState, error: KafkaError): void {
    this.#deps.subscriptions.fail(state, error)
    this.#deps.onPartitionError(state, error)
  }
}
