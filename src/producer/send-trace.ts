/**
 * The `kafkats:producer:send` trace of one record: the context its listeners see, and the record
 * the producer then sends in place of the application's, carrying the headers the `start`
 * listeners appended. Used only while someone listens (see `Producer#sendAt`).
 */

import type { MetadataCache } from '../cluster/metadata-cache.js'
import type { SendTrace } from '../observability/channels.js'
import type { RecordMetadata } from './producer-batch.js'
import type { ProducerRecord } from './producer-types.js'

type TraceHeader = SendTrace['headers'][number]

/**
 * The context of a record's send, built before any check of the record: a record the producer
 * will refuse is traced too (with `topic` '' when it has none), and ends with its error.
 */
export function sendTraceOf(clientId: string, transactionalId: string | null, record: unknown): SendTrace {
  const shaped = typeof record === 'object' && record !== null
  const r = (shaped ? record : {}) as Partial<ProducerRecord<unknown, unknown>>
  return {
    clientId,
    transactionalId,
    topic: typeof r.topic === 'string' ? r.topic : '',
    partition: typeof r.partition === 'number' ? r.partition : null,
    key: r.key === undefined ? null : r.key,
    headers: copyHeaders(r.headers),
  }
}

// A copy as a list; headers of a shape the producer refuses give an empty list, and the record is
// then sent as it is (see tracedRecord) so that it fails the same way as untraced.
function copyHeaders(headers: unknown): TraceHeader[] {
  if (headers === undefined || headers === null || typeof headers !== 'object' || headers instanceof Uint8Array) return []
  // Entries are copied as they are: one of the wrong shape is refused by the producer's checks.
  if (Array.isArray(headers)) return headers.slice() as TraceHeader[]
  const list: TraceHeader[] = []
  for (const key of Object.keys(headers)) list.push({ key, value: (headers as Record<string, TraceHeader['value']>)[key] ?? null })
  return list
}

function headersCopyable(headers: unknown): boolean {
  return headers === undefined || (typeof headers === 'object' && headers !== null && !(headers instanceof Uint8Array))
}

/**
 * The record to send: the application's own when the trace's headers cannot stand for its
 * headers (none, or of a shape that must fail the checks), else a shallow copy carrying them.
 */
export function tracedRecord<K, V>(record: ProducerRecord<K, V>, trace: SendTrace): ProducerRecord<K, V> {
  if (typeof record !== 'object' || record === null || !headersCopyable(record.headers)) return record
  if (record.headers === undefined && trace.headers.length === 0) return record
  return { ...record, headers: trace.headers }
}

/** The leader's `host:port` for a delivered record, from the metadata it was sent by. */
export function leaderAddress(metadata: MetadataCache, delivered: RecordMetadata): string | undefined {
  const leader = metadata.partition(delivered.topic, delivered.partition)?.leader
  if (leader === undefined || leader < 0) return undefined
  const broker = metadata.broker(leader)
  return broker === undefined ? undefined : `${broker.host}:${broker.port}`
}
