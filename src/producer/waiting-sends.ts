/**
 * The producer's slow path: sends whose topic's metadata or buffer memory is not there yet wait
 * in a per-topic queue, drained in order by one loop per topic, so that they keep their order and
 * later sends to the topic line up behind them until the queue is empty again. Java's
 * `waitOnMetadata` and `BufferPool.allocate`, both bounded by `maxBlockMs`.
 *
 * A send whose serializer returned a promise waits here too, from the moment of `send`: its size
 * is known only once it is serialized, and the sends behind it to the topic must not overtake it
 * (their partition may be its partition). It asks for memory only once serialized, so a serializer
 * that fails never touches the memory accounting. The time spent serializing does not count
 * against `maxBlockMs`, as in Java, where the serializer runs before the blocking starts.
 *
 * A waiting send whose signal aborts leaves its queue: it is never appended, memory it was given
 * is released, and once no send of a topic waits any more the metadata lookup stops too.
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaBrokerError, KafkaStateError, KafkaTimeoutError } from '../errors.js'
import { ErrorCode, errorCodeInfo } from '../protocol/error-codes.js'
import type { RecordInput } from '../protocol/record.js'
import { onAbort } from '../util/abort.js'
import type { Accumulator } from './accumulator.js'
import type { TopicPartitions } from './partitioner.js'
import type { RecordMetadata } from './producer-batch.js'
import type { ProducerRecord } from './producer-types.js'

/** A record once its serializers' promises resolved: what to append, and its size. */
export interface SerializedRecord {
  readonly input: RecordInput
  readonly size: number
}

/** A send waiting for its serializers, its topic's metadata or buffer memory. */
interface WaitingSend<K, V> {
  readonly record: ProducerRecord<K, V>
  /** Filled in once `serialized` resolves. */
  input: RecordInput
  size: number
  /** The serializers' result still to come, or undefined when serialized already. */
  readonly serialized: Promise<SerializedRecord> | undefined
  /** Memory already asked for on the fast path, or undefined to ask when its turn comes. */
  readonly reserved: Promise<void> | undefined
  readonly signal: AbortSignal | undefined
  readonly resolve: (delivered: Promise<RecordMetadata>) => void
  readonly reject: (error: unknown) => void
  /** Set when its signal aborted: the send was rejected and must not be appended. */
  aborted: boolean
  /** Stops listening to the signal, once the send leaves the queue. */
  release: () => void
}

interface TopicQueue<K, V> {
  readonly sends: WaitingSend<K, V>[]
  /** Sends still waiting (not aborted, not yet handled). */
  live: number
}

export interface WaitingSendsDeps<K, V> {
  readonly cluster: Cluster
  readonly accumulator: Accumulator
  readonly maxBlockMs: number
  /** The topic's partitions when its metadata is known. */
  readonly partitionsOf: (topic: string) => TopicPartitions | undefined
  /** Appends the record to its partition's batch; memory for it is already taken. */
  readonly append: (record: ProducerRecord<K, V>, input: RecordInput, partitions: TopicPartitions, size: number) => Promise<RecordMetadata>
  /** Throws once the producer may not send any more. */
  readonly assertOpen: () => void
  /** True once the producer is closed: a send serialized after that is not appended. */
  readonly closed: () => boolean
  /** A waiting send failed for good before it was appended (the producer's `deliveryError`). */
  readonly failed: (record: ProducerRecord<K, V>, error: unknown, signal: AbortSignal | undefined) => void
}

// Marks a queue slot already handled, so the queue does not keep the record alive.
const DONE = Object.freeze({})
const noop = (): void => {}
// The input of a send still being serialized.
const UNSERIALIZED: RecordInput = Object.freeze({ timestamp: 0n, key: null, value: null, headers: undefined })

export class WaitingSends<K, V> {
  readonly #d: WaitingSendsDeps<K, V>
  readonly #queues = new Map<string, TopicQueue<K, V>>()
  // The loops draining those queues, for flush.
  readonly #drains = new Set<Promise<void>>()

  constructor(deps: WaitingSendsDeps<K, V>) {
    this.#d = deps
  }

  /** Whether sends to `topic` are waiting: a new one must line up behind them. */
  has(topic: string): boolean {
    return this.#queues.has(topic)
  }

  /** True while some topic's queue is being drained. */
  get draining(): boolean {
    return this.#drains.size > 0
  }

  /** Resolves once every queue that exists now has been drained (sends appended or failed). */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.#drains])
  }

  /** Queues a send; `reserved` is memory the fast path already asked for. */
  enqueue(
    topic: string,
    record: ProducerRecord<K, V>,
    input: RecordInput,
    size: number,
    reserved: Promise<void> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RecordMetadata> {
    return this.#push(topic, record, input, size, undefined, reserved, signal)
  }

  /**
   * Queues a send whose serializers have not answered yet: it is appended in its turn once
   * `serialized` resolves, and fails with its rejection (the caller makes that a KafkaRecordError).
   */
  enqueueSerializing(
    topic: string,
    record: ProducerRecord<K, V>,
    serialized: Promise<SerializedRecord>,
    signal: AbortSignal | undefined,
  ): Promise<RecordMetadata> {
    // Its turn may never come (aborted, the queue failed): the rejection is reported through the send.
    serialized.catch(noop)
    return this.#push(topic, record, UNSERIALIZED, 0, serialized, undefined, signal)
  }

  #push(
    topic: string,
    record: ProducerRecord<K, V>,
    input: RecordInput,
    size: number,
    serialized: Promise<SerializedRecord> | undefined,
    reserved: Promise<void> | undefined,
    signal: AbortSignal | undefined,
  ): Promise<RecordMetadata> {
    const waiting = new Promise<RecordMetadata>((resolve, reject) => {
      let queue = this.#queues.get(topic)
      if (queue === undefined) {
        const created: TopicQueue<K, V> = { sends: [], live: 0 }
        queue = created
        this.#queues.set(topic, created)
        const drained = this.#drain(topic, created)
        this.#drains.add(drained)
        void drained.finally(() => this.#drains.delete(drained))
      }
      const w: WaitingSend<K, V> = {
        record,
        input,
        size,
        serialized,
        reserved,
        signal,
        resolve,
        reject,
        aborted: false,
        release: noop,
      }
      queue.sends.push(w)
      queue.live++
      if (signal !== undefined) {
        const q = queue
        w.release = onAbort(signal, (reason) => {
          w.aborted = true
          q.live--
          reject(reason)
        })
      }
    })
    // Failures are reported through `failed` (before the append) or by the record's batch (after):
    // a send nobody awaits must not become an unhandled rejection.
    waiting.catch(noop)
    return waiting
  }

  // Fails a send that was not appended; an aborted one was rejected with its signal's reason already.
  #fail(w: WaitingSend<K, V>, error: unknown): void {
    if (w.aborted) return
    w.reject(error)
    this.#d.failed(w.record, error, w.signal)
  }

  async #drain(topic: string, queue: TopicQueue<K, V>): Promise<void> {
    const { accumulator, maxBlockMs } = this.#d
    // Let the sends of the current tick join the queue before the first await.
    await Promise.resolve()
    const sends = queue.sends
    // An index, not shift(): the queue can hold tens of thousands of sends.
    let next = 0
    try {
      const known = this.#d.partitionsOf(topic) ?? (await this.#waitForPartitions(topic, queue))
      while (next < sends.length) {
        const w = sends[next] as WaitingSend<K, V>
        sends[next++] = DONE as WaitingSend<K, V>
        if (w.aborted) {
          // Memory the fast path was given (before the abort) goes back.
          w.reserved?.then(() => accumulator.release(w.size), noop)
          continue
        }
        if (w.serialized !== undefined && !(await this.#serialized(queue, w))) continue
        try {
          const reserved = w.reserved ?? accumulator.reserve(w.size, maxBlockMs, w.signal)
          if (reserved !== undefined) await reserved
        } catch (error) {
          this.#settle(queue, w)
          this.#fail(w, error)
          continue
        }
        if (w.aborted) {
          // Aborted between getting the memory and its turn: it is not appended.
          accumulator.release(w.size)
          continue
        }
        this.#settle(queue, w)
        try {
          w.resolve(this.#d.append(w.record, w.input, this.#d.partitionsOf(topic) ?? known, w.size))
        } catch (error) {
          this.#fail(w, error)
        }
      }
    } catch (error) {
      for (const w of sends.slice(next)) {
        if (w === DONE) continue
        w.reserved?.then(() => accumulator.release(w.size), noop)
        this.#settle(queue, w)
        this.#fail(w, error)
      }
    } finally {
      this.#queues.delete(topic)
    }
  }

  // Waits for a send's serializers; false when it is not to be appended (failed, aborted meanwhile,
  // or the producer closed).
  async #serialized(queue: TopicQueue<K, V>, w: WaitingSend<K, V>): Promise<boolean> {
    let serialized: SerializedRecord
    try {
      serialized = await (w.serialized as Promise<SerializedRecord>)
    } catch (error) {
      this.#settle(queue, w)
      this.#fail(w, error)
      return false
    }
    if (w.aborted) return false
    if (this.#d.closed()) {
      this.#settle(queue, w)
      this.#fail(w, new KafkaStateError('the producer was closed before this record was sent'))
      return false
    }
    w.input = serialized.input
    w.size = serialized.size
    return true
  }

  // The send leaves the queue for good: its signal no longer matters.
  #settle(queue: TopicQueue<K, V>, w: WaitingSend<K, V>): void {
    if (w.aborted) return
    w.release()
    queue.live--
  }

  // Java's waitOnMetadata: ask for the topic (letting the broker auto-create it if it is set up
  // to) until it has partitions, within maxBlockMs, or until no send waits for it any more.
  async #waitForPartitions(topic: string, queue: TopicQueue<K, V>): Promise<TopicPartitions> {
    const { cluster, maxBlockMs } = this.#d
    const deadline = Date.now() + maxBlockMs
    let lastCode: number = ErrorCode.NONE
    for (let attempt = 0; ; attempt++) {
      this.#d.assertOpen()
      if (queue.live === 0) throw new KafkaStateError(`every send waiting for topic ${topic} was aborted`)
      const response = await cluster.fetchMetadata([topic], { allowAutoTopicCreation: true })
      cluster.applyMetadata(response, [topic])
      cluster.addTopicsOfInterest([topic])
      lastCode = response.topics[0]?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
      const partitions = this.#d.partitionsOf(topic)
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
    throw new KafkaTimeoutError(`topic ${topic} not present in metadata after maxBlockMs (${maxBlockMs} ms)`, {
      cause: lastCode === ErrorCode.NONE ? undefined : new KafkaBrokerError(lastCode),
    })
  }
}
