/**
 * Serializers turn application values into the bytes Kafka stores; deserializers turn them back.
 * A pair is a tiny interface so users can plug in their own (Avro, Protobuf, a schema registry …);
 * the type parameter flows into the producer's and consumer's signatures.
 *
 * As in the Java client (`Serializer.serialize(topic, headers, data)`,
 * `Deserializer.deserialize(topic, headers, data)`), each call is told which topic the record is
 * for and sees the record's headers; a serializer may add headers (a schema id, a content type).
 * Either side may return a promise, e.g. to look a schema up over the network: the producer and
 * consumer keep the order of records all the same. A serde that returns a plain value costs
 * nothing extra: no promise is made or awaited for it.
 *
 * A serde that needs none of this is still a one-liner: `{ serialize: (v: Point) => encode(v) }`.
 */

import type { RecordHeader } from '../protocol/record.js'

/**
 * What a {@link Serializer} is told about the record it serializes.
 *
 * The producer reuses one context per serializer while serializers return synchronously: do not
 * keep it past the call. A serializer that returns a promise may use it (and add headers) until
 * that promise settles.
 */
export interface SerializerContext {
  /** The topic the record is sent to. Its partition is chosen only after serializing (it may depend on the key's bytes). */
  readonly topic: string
  /** True when serializing the record's key, false for its value. */
  readonly isKey: boolean
  /**
   * The record's headers, as given to `send` (converted to bytes). Writable: a header pushed
   * here is sent with the record, e.g. `context.headers.push({ key: 'schema-id', value })`. The
   * key serializer runs first and the value serializer sees what it added.
   */
  readonly headers: RecordHeader[]
}

/**
 * What a {@link Deserializer} is told about the record it deserializes.
 *
 * The consumer reuses one context per deserializer while deserializers return synchronously: do
 * not keep it past the call. A deserializer that returns a promise may use it until that promise
 * settles.
 */
export interface DeserializerContext {
  readonly topic: string
  readonly partition: number
  /** The record's offset in its partition. */
  readonly offset: bigint
  /** True when deserializing the record's key, false for its value. */
  readonly isKey: boolean
  /** The record's headers; their values are views of the fetched bytes. */
  readonly headers: readonly RecordHeader[]
}

/**
 * Turns a value into bytes. `null` stays `null` (a tombstone value, or a record without a key).
 *
 * May return a promise (e.g. to register or look up a schema): `send` then waits for it, and
 * records sent after it to the same topic wait their turn, so they keep the order of the `send`
 * calls. A serializer that throws, or whose promise rejects, fails that one send with a
 * `KafkaRecordError` (`SERIALIZATION_ERROR`); time spent serializing does not count against
 * `maxBlockMs` (as in Java).
 */
export interface Serializer<T> {
  serialize(value: T, context: SerializerContext): Uint8Array | null | PromiseLike<Uint8Array | null>
}

/**
 * Turns bytes back into a value.
 *
 * May return a promise: the consumer waits for it before handing the record to the application,
 * and hands records out in offset order per partition all the same (calls for the records of one
 * chunk may overlap). A deserializer that throws, or whose promise rejects, stops the partition at
 * that record with a `KafkaDeserializationError` (topic, partition, offset); the records before it
 * are handed out and nothing past it is committed.
 */
export interface Deserializer<T> {
  deserialize(data: Uint8Array | null, context: DeserializerContext): T | PromiseLike<T>
}

/**
 * A serializer and deserializer pair that answers synchronously, so that calling it directly
 * (`stringSerde.deserialize(header.value)`) gives the value itself; the built-in serdes are such pairs.
 */
export interface SyncSerde<In, Out> {
  serialize(value: In, context?: SerializerContext): Uint8Array | null
  deserialize(data: Uint8Array | null, context?: DeserializerContext): Out
}

// Fetched keys and values are Buffers already (views of the response); other callers may pass a
// plain Uint8Array, which gets a Buffer view of the same memory.
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** Bytes as they are: `Buffer` or `Uint8Array` in, `Buffer` out. */
export const bufferSerde: SyncSerde<Uint8Array | null, Buffer | null> = {
  serialize: (value) => value,
  deserialize: (data) => (data === null ? null : asBuffer(data)),
}

/** UTF-8 strings. `Buffer`s are passed through, so a string producer can still send raw bytes. */
export const stringSerde: SyncSerde<string | Uint8Array | null, string | null> = {
  serialize: (value) => (value === null ? null : typeof value === 'string' ? Buffer.from(value, 'utf8') : value),
  deserialize: (data) =>
    data === null ? null : asBuffer(data).toString('utf8'),
}

/** JSON text in UTF-8. */
export function jsonSerde<T = unknown>(): SyncSerde<T | null, T | null> {
  return {
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize: (data) =>
      data === null ? null : (JSON.parse(asBuffer(data).toString('utf8')) as T),
  }
}
