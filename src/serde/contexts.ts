/**
 * The contexts the producer and consumer hand to serializers and deserializers, and the test that
 * tells a promise from a plain result.
 *
 * A context is reused from record to record while serdes answer synchronously, so the sync path
 * allocates nothing per record. A serde that returns a promise may still read (and, on the
 * producer, add headers through) its context until the promise settles: the caller then gives that
 * context to the pending call and takes a fresh one for the records after it.
 */

import type { RecordHeader } from '../protocol/record.js'
import type { DeserializerContext, SerializerContext } from './serde.js'

/** Whether a serde answered with a promise (any thenable) rather than a value. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

/** @internal The producer's context for one serializer (key or value). */
export class ProducerSerdeContext implements SerializerContext {
  topic = ''
  readonly isKey: boolean
  #headers: RecordHeader[] | undefined = undefined

  constructor(isKey: boolean) {
    this.isKey = isKey
  }

  /** Made on first use: a record without headers gets a list only if a serializer asks for it. */
  get headers(): RecordHeader[] {
    return (this.#headers ??= [])
  }

  /** Points the context at the next record. */
  reset(topic: string, headers: RecordHeader[] | undefined): this {
    this.topic = topic
    this.#headers = headers
    return this
  }

  /** The record's headers as they stand now, without making a list. */
  get currentHeaders(): RecordHeader[] | undefined {
    return this.#headers
  }
}

/** @internal The consumer's context for one deserializer (key or value) of one partition. */
export class ConsumerSerdeContext implements DeserializerContext {
  readonly topic: string
  readonly partition: number
  readonly isKey: boolean
  offset = -1n
  headers: readonly RecordHeader[] = []

  constructor(topic: string, partition: number, isKey: boolean) {
    this.topic = topic
    this.partition = partition
    this.isKey = isKey
  }
}
