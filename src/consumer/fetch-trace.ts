/**
 * The `kafkats:consumer:fetch` trace's summary of a Fetch response: per partition, its record
 * count, bytes, watermarks and error. Built only while someone listens; the record count is read
 * off the batch headers, without decoding a record.
 */

import type { FetchTrace } from '../observability/channels.js'
import type { FetchResponse } from '../protocol/messages/fetch.js'

/** Size of the fields every batch format starts with: baseOffset int64 + length int32. */
const LOG_OVERHEAD = 12
const MAGIC_OFFSET = 16
/** Where a v2 batch's record count sits, after the 61-byte header's other fields. */
const RECORDS_COUNT_OFFSET = 57
const V2_HEADER = 61

type FetchedPartition = NonNullable<FetchTrace['partitions']>[number]

/**
 * Records in the complete batches of `bytes` (control records included; a batch cut off at the
 * end of the response is not counted, as the consumer does not hand it out). A legacy (v0/v1)
 * entry counts as one record.
 */
export function countRecords(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let count = 0
  let pos = 0
  while (pos + LOG_OVERHEAD <= bytes.length) {
    const end = pos + LOG_OVERHEAD + view.getInt32(pos + 8)
    if (end > bytes.length || end <= pos + LOG_OVERHEAD) break
    if (bytes[pos + MAGIC_OFFSET] === 2 && pos + V2_HEADER <= end) count += view.getInt32(pos + RECORDS_COUNT_OFFSET)
    else count++
    pos = end
  }
  return count
}

/** Every partition of the response, by name (`nameById` resolves the topic ids of v13+). */
export function fetchedPartitions(response: FetchResponse, nameById: ReadonlyMap<string, string>): FetchedPartition[] {
  const out: FetchedPartition[] = []
  for (const t of response.responses) {
    const topic = t.topic !== '' ? t.topic : (nameById.get(t.topicId) ?? t.topicId)
    for (const p of t.partitions) {
      const records = p.records
      out.push({
        topic,
        partition: p.partitionIndex,
        records: records === null ? 0 : countRecords(records),
        bytes: records?.length ?? 0,
        highWatermark: p.highWatermark,
        lastStableOffset: p.lastStableOffset,
        errorCode: p.errorCode,
      })
    }
  }
  return out
}
