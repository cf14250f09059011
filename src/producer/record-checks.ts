/**
 * What `send` checks of a record before it takes buffer memory or waits for anything: its shape,
 * the types of its fields, and what the serializers made of its key and value. A record that fails
 * here is refused at once with a {@link KafkaRecordError} naming the field and the type it got;
 * it never reaches the memory accounting (a key of the wrong type once had a size of NaN there,
 * which no amount of waiting could make room for) and never holds up the records behind it.
 */

import { KafkaRecordError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { RECORD_BATCH_OVERHEAD } from '../protocol/record-batch.js'
import type { RecordHeader } from '../protocol/record.js'
import { describeValue } from '../util/options.js'

/** Record headers: an object of name → value, or a list when names repeat. */
export type ProducerHeaders =
  | Readonly<Record<string, string | Uint8Array | null>>
  | ReadonlyArray<{ key: string; value: string | Uint8Array | null }>

/** Where a record sits in the call, for messages: -1 for `send`, its index for `sendBatch`. */
export type RecordIndex = number

const RECORD_FIELDS = new Set(['topic', 'key', 'value', 'headers', 'partition', 'timestamp'])

function fail(index: RecordIndex, field: string, problem: string, errorName = 'INVALID_RECORD_FIELD', code = -1): KafkaRecordError {
  const where = index < 0 ? field : `records[${index}].${field}`
  return new KafkaRecordError(`${where}: ${problem}`, {
    code,
    errorName,
    field,
    ...(index < 0 ? {} : { recordIndex: index }),
  })
}

/** Checks that a record is an object with a topic name; returns the topic. */
export function checkRecordShape(record: unknown, index: RecordIndex): string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    const where = index < 0 ? 'record' : `records[${index}]`
    throw new KafkaRecordError(`${where}: expected an object { topic, value, key?, headers?, partition?, timestamp? }, got ${describeValue(record)}`, {
      code: -1,
      errorName: 'INVALID_RECORD_FIELD',
      ...(index < 0 ? {} : { recordIndex: index }),
    })
  }
  const topic = (record as { topic?: unknown }).topic
  if (typeof topic !== 'string' || topic === '') {
    const problem = `expected a non-empty string, got ${describeValue(topic)}${unknownFieldsHint(record)}`
    throw fail(index, 'topic', problem, 'INVALID_TOPIC_EXCEPTION', 17)
  }
  return topic
}

/**
 * Checks what a serializer returned for a key or value: bytes or null. `custom` says whether the
 * user gave the serializer (then it is the serializer that is wrong) or the default one passed the
 * user's value through (then the value is).
 */
export function checkSerialized(
  bytes: unknown,
  original: unknown,
  field: 'key' | 'value',
  custom: boolean,
  record: object,
  index: RecordIndex,
): Uint8Array | null {
  if (bytes === null || bytes instanceof Uint8Array) return bytes
  const problem = custom
    ? `the ${field}Serializer returned ${describeValue(bytes)} for ${describeValue(original)}; a serializer must return a Uint8Array or null`
    : `expected a string, Buffer/Uint8Array or null (or set a ${field}Serializer), got ${describeValue(original)}` +
      (field === 'value' && original === undefined ? '; use null for a record without a value' : '') +
      unknownFieldsHint(record)
  throw fail(index, field, problem, 'SERIALIZATION_ERROR')
}

/** A serializer threw, or its promise rejected: that one record fails, for good. */
export function serializerFailed(field: 'key' | 'value', topic: string, index: RecordIndex, cause: unknown): KafkaRecordError {
  const where = index < 0 ? '' : `records[${index}]: `
  return new KafkaRecordError(`${where}the ${field} serializer failed for topic ${topic}`, {
    code: -1,
    errorName: 'SERIALIZATION_ERROR',
    cause,
    field,
    ...(index < 0 ? {} : { recordIndex: index }),
  })
}

/** Checks a serialized record's size against the largest request and the buffer memory. */
export function checkRecordSize(size: number, maxRequestSize: number, bufferMemory: number): void {
  if (size + RECORD_BATCH_OVERHEAD > maxRequestSize || size > bufferMemory) {
    throw new KafkaRecordError(
      `a record of about ${size} bytes exceeds maxRequestSize (${maxRequestSize}) or bufferMemory (${bufferMemory})`,
      { code: ErrorCode.MESSAGE_TOO_LARGE, errorName: 'MESSAGE_TOO_LARGE' },
    )
  }
}

/** Checks an explicit partition's type; whether the topic has it is known only with its metadata. */
export function checkPartition(partition: unknown, index: RecordIndex): void {
  if (partition === undefined) return
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw fail(index, 'partition', `expected a whole number >= 0, got ${describeValue(partition)}`)
  }
}

// The last timestamp converted, and its BigInt: records sent within the same millisecond (a
// hundred or more at full speed) share one instead of each keeping its own in the buffer.
let lastMs = -1
let lastBig = -1n

function timestampBig(ms: number): bigint {
  if (ms !== lastMs) {
    lastBig = BigInt(ms)
    lastMs = ms
  }
  return lastBig
}

/** The record's CreateTime: the given one (ms since the epoch, as Java a non-negative integer) or now. */
export function recordTimestamp(timestamp: unknown, index: RecordIndex): bigint {
  if (timestamp === undefined) return timestampBig(Date.now())
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw fail(index, 'timestamp', `expected milliseconds since the epoch as a whole number >= 0, got ${describeValue(timestamp)}`)
  }
  return timestampBig(timestamp)
}

/** Converts and checks headers: names are strings, values strings, bytes or null. */
export function toRecordHeaders(headers: unknown, index: RecordIndex): RecordHeader[] | undefined {
  if (headers === undefined) return undefined
  if (Array.isArray(headers)) {
    const list: RecordHeader[] = new Array<RecordHeader>(headers.length)
    for (let i = 0; i < headers.length; i++) {
      const entry: unknown = headers[i]
      if (typeof entry !== 'object' || entry === null) {
        throw fail(index, `headers[${i}]`, `expected { key, value }, got ${describeValue(entry)}`)
      }
      const { key, value } = entry as { key?: unknown; value?: unknown }
      if (typeof key !== 'string') throw fail(index, `headers[${i}].key`, `expected a string, got ${describeValue(key)}`)
      list[i] = { key, value: headerValue(value, `headers[${i}].value`, index) }
    }
    return list
  }
  if (typeof headers !== 'object' || headers === null || headers instanceof Uint8Array) {
    throw fail(index, 'headers', `expected an object of name → value or a list of { key, value }, got ${describeValue(headers)}`)
  }
  const list: RecordHeader[] = []
  for (const key of Object.keys(headers)) {
    list.push({ key, value: headerValue((headers as Record<string, unknown>)[key], `headers.${key}`, index) })
  }
  return list
}

function headerValue(value: unknown, field: string, index: RecordIndex): Uint8Array | null {
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value === null || value instanceof Uint8Array) return value
  throw fail(index, field, `expected a string, Buffer/Uint8Array or null, got ${describeValue(value)}`)
}

// Only on the error path: a record with fields send does not know is likely shaped for another
// client (kafkajs' `{ topic, messages }`), which says more than the type of a missing value.
function unknownFieldsHint(record: object): string {
  const unknown = Object.keys(record).filter((k) => !RECORD_FIELDS.has(k))
  if (unknown.length === 0) return ''
  if (unknown.includes('messages')) {
    return '; the record has a `messages` field: send one record as { topic, key, value }, or many with sendBatch([...])'
  }
  return `; the record has unknown field(s) ${unknown.join(', ')}`
}
