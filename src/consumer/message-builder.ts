/**
 * Records become the application's messages here: the key and value deserializers run per record
 * as the application takes records, not in the fetch decode loop.
 *
 * A deserializer that answers synchronously costs what it always did: one context per
 * deserializer and take is reused from record to record, and no promise is made. One that returns
 * a promise leaves its message pending: the message is built with the fields filled in once both
 * deserializers have answered, and {@link ChunkBuilder.settle} waits for the pending ones before
 * the chunk is handed out, so the application never sees a half-built message.
 */

import type { DataRecordBatch } from '../protocol/record-batch.js'
import type { KafkaRecord } from '../protocol/record.js'
import { ConsumerSerdeContext, isThenable } from '../serde/contexts.js'
import type { Deserializer } from '../serde/serde.js'
import type { MessageBuilder } from './completed-fetch.js'
import type { ConsumerMessage } from './consumer-types.js'
import { KafkaDeserializationError } from './errors.js'
import type { PartitionRef } from './errors.js'

/** A message whose deserialization has not finished; `done` rejects with a KafkaDeserializationError. */
interface PendingMessage<M> {
  readonly message: M
  readonly done: Promise<void>
}

/** The first message of a chunk (in offset order) whose deserializer failed. */
export interface FailedMessage<M> {
  readonly message: M
  readonly error: KafkaDeserializationError
}

/** Builds the messages of one take and waits for the ones still being deserialized. */
export interface ChunkBuilder<M> {
  /** Builds one message; throws a KafkaDeserializationError when a deserializer throws. */
  readonly build: MessageBuilder<M>
  /** True when some message is still being deserialized: {@link settle} must run before handing out. */
  readonly pending: boolean
  /** Waits for every pending message; resolves with the first that failed, or null. */
  settle(): Promise<FailedMessage<M> | null>
}

type Mutable<T> = { -readonly [P in keyof T]: T[P] }

const noop = (): void => {}

/** The builder of one take of a partition's messages. */
export class ConsumerMessageBuilder<K, V> implements ChunkBuilder<ConsumerMessage<K, V>> {
  readonly #partition: PartitionRef
  readonly #keys: Deserializer<K>
  readonly #values: Deserializer<V>
  #keyContext: ConsumerSerdeContext
  #valueContext: ConsumerSerdeContext
  #pending: PendingMessage<ConsumerMessage<K, V>>[] | null = null
  readonly build: MessageBuilder<ConsumerMessage<K, V>>

  constructor(partition: PartitionRef, keys: Deserializer<K>, values: Deserializer<V>) {
    this.#partition = partition
    this.#keys = keys
    this.#values = values
    this.#keyContext = new ConsumerSerdeContext(partition.topic, partition.partition, true)
    this.#valueContext = new ConsumerSerdeContext(partition.topic, partition.partition, false)
    // Bound once per take: CompletedFetch calls it per record.
    this.build = (record, batch) => this.#build(record, batch)
  }

  get pending(): boolean {
    return this.#pending !== null
  }

  async settle(): Promise<FailedMessage<ConsumerMessage<K, V>> | null> {
    const pending = this.#pending
    if (pending === null) return null
    this.#pending = null
    for (const p of pending) {
      try {
        await p.done
      } catch (error) {
        return { message: p.message, error: error as KafkaDeserializationError }
      }
    }
    return null
  }

  #build(record: KafkaRecord, batch: DataRecordBatch): ConsumerMessage<K, V> {
    const { topic, partition } = this.#partition
    const keyContext = this.#keyContext
    keyContext.offset = record.offset
    keyContext.headers = record.headers
    let key: K | PromiseLike<K>
    let value: V | PromiseLike<V>
    let keyLater = false
    let valueLater = false
    try {
      key = this.#keys.deserialize(record.key, keyContext)
      if (isThenable(key)) {
        keyLater = true
        // That call may read its context until it settles: the next record gets a new one.
        this.#keyContext = new ConsumerSerdeContext(topic, partition, true)
      }
      const valueContext = this.#valueContext
      valueContext.offset = record.offset
      valueContext.headers = record.headers
      value = this.#values.deserialize(record.value, valueContext)
      if (isThenable(value)) {
        valueLater = true
        this.#valueContext = new ConsumerSerdeContext(topic, partition, false)
      }
    } catch (cause) {
      // The key's promise is dropped with the record: its rejection must not go unhandled.
      if (keyLater) (key! as PromiseLike<K>).then(undefined, noop)
      throw new KafkaDeserializationError(this.#partition, record.offset, cause)
    }
    const message: ConsumerMessage<K, V> = {
      topic,
      partition,
      offset: record.offset,
      key: key as K,
      value: value as V,
      headers: record.headers,
      timestamp: Number(record.timestamp),
      timestampType: batch.timestampType,
      leaderEpoch: batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null,
    }
    if (keyLater || valueLater) this.#defer(message, key, value)
    return message
  }

  #defer(message: ConsumerMessage<K, V>, key: K | PromiseLike<K>, value: V | PromiseLike<V>): void {
    const filled = message as Mutable<ConsumerMessage<K, V>>
    const done = Promise.all([key, value]).then(
      ([k, v]) => {
        filled.key = k
        filled.value = v
      },
      (cause: unknown) => {
        throw new KafkaDeserializationError(this.#partition, message.offset, cause)
      },
    )
    // Settled only when the chunk is ready: until then a rejection must not count as unhandled.
    done.catch(noop)
    ;(this.#pending ??= []).push({ message, done })
  }
}
