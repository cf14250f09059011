/**
 * Serializers turn application values into the bytes Kafka stores; deserializers turn them back.
 * A pair is a tiny interface so users can plug in their own (Avro, Protobuf …); the type parameter
 * flows into the producer's and consumer's signatures.
 */

/** Turns a value into bytes. `null` stays `null` (a tombstone value, or a record without a key). */
export interface Serializer<T> {
  serialize(value: T, topic: string): Uint8Array | null
}

/** Turns bytes back into a value. */
export interface Deserializer<T> {
  deserialize(data: Uint8Array | null, topic: string): T
}

/** Bytes as they are: `Buffer` or `Uint8Array` in, `Buffer` out. */
export const bufferSerde: Serializer<Uint8Array | null> & Deserializer<Buffer | null> = {
  serialize: (value) => value,
  deserialize: (data) =>
    data === null ? null : Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
}

/** UTF-8 strings. `Buffer`s are passed through, so a string producer can still send raw bytes. */
export const stringSerde: Serializer<string | Uint8Array | null> & Deserializer<string | null> = {
  serialize: (value) => (value === null ? null : typeof value === 'string' ? Buffer.from(value, 'utf8') : value),
  deserialize: (data) =>
    data === null ? null : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'),
}

/** JSON text in UTF-8. */
export function jsonSerde<T = unknown>(): Serializer<T | null> & Deserializer<T | null> {
  return {
    serialize: (value) => (value === null ? null : Buffer.from(JSON.stringify(value), 'utf8')),
    deserialize: (data) =>
      data === null ? null : (JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T),
  }
}
