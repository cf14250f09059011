/**
 * One partition's data from one Fetch response, handed out in pieces.
 *
 * The bytes stay as the broker sent them until records are taken: each batch is decoded (and
 * decompressed) only when the application reaches it, so the buffer holds compact wire bytes, and
 * a large response costs decoded memory one batch at a time.
 *
 * Walking the batches applies the fetch-side rules (protocol.md §3.5): records before the fetch
 * offset are skipped (a compressed batch may start earlier), control batches and batches of
 * aborted transactions (read_committed) are skipped but still move the next offset past them, and
 * a truncated batch at the end is left for the next fetch, which starts at its first offset.
 *
 * Where the next fetch starts is known before anything is decoded: {@link CompletedFetch.endOffset}
 * reads it off the batch headers, so the fetcher can ask for the partition's next records while the
 * application is still taking these (one response per partition may wait behind this one).
 */

import { decodeRecordBatches, type DataRecordBatch, type RecordBatch } from '../protocol/record-batch.js'
import type { KafkaRecord } from '../protocol/record.js'
import { AbortedTransactionFilter, type AbortedTransaction } from './aborted-transactions.js'

/** Size of the batch fields every format starts with: baseOffset int64 + length int32. */
const LOG_OVERHEAD = 12
/** Where the magic byte sits in every format (after baseOffset, length and a 4-byte field). */
const MAGIC_OFFSET = 16
/** Where a v2 batch's lastOffsetDelta sits: baseOffset, length, leader epoch, magic, crc, attributes. */
const LAST_OFFSET_DELTA_OFFSET = 23

/**
 * The offset after the last complete batch of `bytes` (not before `from`): where the fetch after
 * this one starts once every batch has been handed out or skipped. A v2 batch ends at its base
 * offset plus its last offset delta; a legacy (v0/v1) entry's offset is its last record's (a
 * compressed wrapper carries its last inner offset). A truncated last batch is not counted.
 */
export function endOffsetOf(bytes: Uint8Array, from: bigint): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let end = from
  let pos = 0
  while (bytes.length - pos >= LOG_OVERHEAD) {
    const size = view.getInt32(pos + 8)
    if (size < 0 || bytes.length - pos - LOG_OVERHEAD < size) break
    const base = view.getBigInt64(pos)
    let last = base
    if (size >= LAST_OFFSET_DELTA_OFFSET + 4 - LOG_OVERHEAD && view.getInt8(pos + MAGIC_OFFSET) >= 2) {
      last = base + BigInt(view.getInt32(pos + LAST_OFFSET_DELTA_OFFSET))
    }
    if (last + 1n > end) end = last + 1n
    pos += LOG_OVERHEAD + size
  }
  return end
}

export interface CompletedFetchInit {
  /** The partition's generation when the fetch was sent (see `PartitionState.generation`). */
  readonly generation: number
  /** The offset the fetch asked for; records before it are skipped. */
  readonly fetchOffset: bigint
  /** The `records` field of the partition's response. */
  readonly records: Uint8Array
  /** read_committed: the response's aborted transactions (empty list when none); null for read_uncommitted. */
  readonly abortedTransactions: readonly AbortedTransaction[] | null
  readonly checkCrcs: boolean
}

/** Builds the application's message for one record (deserializing key and value). */
export type MessageBuilder<M> = (record: KafkaRecord, batch: DataRecordBatch) => M

export class CompletedFetch {
  readonly generation: number
  readonly fetchOffset: bigint
  /** Where the partition's next fetch starts: the value `nextOffset` reaches once this is exhausted. */
  readonly endOffset: bigint
  /** Offset of the next record to hand out: past everything taken or skipped so far. */
  nextOffset: bigint
  /** Leader epoch of the batch of the last record handed out; -1 when none yet. */
  lastEpoch = -1
  readonly #bytes: Buffer
  #pos = 0
  readonly #filter: AbortedTransactionFilter | null
  readonly #checkCrcs: boolean
  #batch: DataRecordBatch | null = null
  #index = 0
  #exhausted = false

  constructor(init: CompletedFetchInit) {
    this.generation = init.generation
    this.fetchOffset = init.fetchOffset
    this.nextOffset = init.fetchOffset
    const r = init.records
    this.#bytes = Buffer.isBuffer(r) ? r : Buffer.from(r.buffer, r.byteOffset, r.byteLength)
    this.endOffset = endOffsetOf(r, init.fetchOffset)
    this.#filter = init.abortedTransactions === null ? null : new AbortedTransactionFilter(init.abortedTransactions)
    this.#checkCrcs = init.checkCrcs
  }

  /** Wire bytes not yet decoded (the part of the buffer budget this fetch still holds). */
  get bytesLeft(): number {
    return this.#exhausted ? 0 : this.#bytes.length - this.#pos
  }

  /** Nothing more to hand out. */
  get isExhausted(): boolean {
    return this.#exhausted
  }

  /**
   * Appends up to `max - out.length` messages to `out`. Resolves once `out` is full or the data is
   * exhausted. Throws what decoding throws (corrupt batch, bad compression); the position then
   * stays before the bad batch.
   */
  async take<M>(max: number, build: MessageBuilder<M>, out: M[]): Promise<void> {
    while (out.length < max) {
      const batch = this.#batch
      if (batch !== null) {
        const records = batch.records
        let i = this.#index
        // Offsets rise within a batch, so only its first records can lie before the position (a
        // fetch from the middle of a batch); the position moves once per take, not per record.
        if (i === 0) while (i < records.length && (records[i] as KafkaRecord).offset < this.nextOffset) i++
        let last: KafkaRecord | undefined
        try {
          while (i < records.length && out.length < max) {
            const record = records[i] as KafkaRecord
            out.push(build(record, batch))
            last = record
            i++
          }
        } finally {
          // A throwing builder leaves the position at its record.
          this.#index = i
          if (last !== undefined) {
            this.nextOffset = last.offset + 1n
            this.lastEpoch = batch.partitionLeaderEpoch
          }
        }
        if (i < records.length) return
        this.#passed(batch)
        this.#batch = null
        continue
      }
      const next = await this.#decodeNext()
      if (next === null) {
        this.#exhausted = true
        return
      }
      // The filter must see control batches too: an ABORT marker ends its producer's aborted range.
      const aborted = this.#filter !== null && this.#filter.skip(next)
      if (aborted || next.isControl) {
        this.#passed(next)
        continue
      }
      this.#batch = next
      this.#index = 0
    }
  }

  /** Drops what is left (the partition was seeked, revoked or failed). */
  discard(): void {
    this.#exhausted = true
    this.#batch = null
  }

  // A batch is behind us: the next fetch starts after its last offset, even when compaction or
  // filtering left nothing of it to return.
  #passed(batch: RecordBatch): void {
    const after = batch.lastOffset + 1n
    if (after > this.nextOffset) this.nextOffset = after
  }

  async #decodeNext(): Promise<RecordBatch | null> {
    const bytes = this.#bytes
    const pos = this.#pos
    const left = bytes.length - pos
    if (left < LOG_OVERHEAD) return null
    const size = bytes.readInt32BE(pos + 8)
    // A truncated last batch (the broker cut at its byte limit): fetch it again from its start.
    if (size >= 0 && left - LOG_OVERHEAD < size) return null
    const end = pos + LOG_OVERHEAD + Math.max(size, 0)
    const { batches } = await decodeRecordBatches(bytes.subarray(pos, end), { checkCrcs: this.#checkCrcs })
    this.#pos = end
    return batches[0] ?? null
  }
}
