/**
 * Record batches (magic 2): encoding for the producer, and decoding of the `records` field of a
 * Fetch response, which may also hold legacy message sets (magic 0 and 1, decoded by
 * `legacy-message-set.ts`) and may end with a truncated batch.
 *
 * Batch header (61 bytes, then the records, compressed as one stream when a codec is set):
 *
 * | offset | field                 | offset | field                    |
 * |--------|-----------------------|--------|--------------------------|
 * | 0      | baseOffset int64      | 27     | baseTimestamp int64      |
 * | 8      | batchLength int32     | 35     | maxTimestamp int64       |
 * | 12     | partitionLeaderEpoch  | 43     | producerId int64         |
 * | 16     | magic int8 (2)        | 51     | producerEpoch int16      |
 * | 17     | crc uint32 (CRC-32C of bytes 21..end) | 53 | baseSequence int32 |
 * | 21     | attributes int16      | 57     | recordCount int32        |
 * | 23     | lastOffsetDelta int32 | 61     | records                  |
 */

import { KafkaProtocolError } from '../errors.js'
import { CompressionType, DEFAULT_MAX_DECOMPRESSED_SIZE, compressionCodec } from './compression/index.js'
import { crc32c } from './crc32c.js'
import { decodeLegacyEntry } from './legacy-message-set.js'
import { decodeRecords, measureRecords, writeRecords, type KafkaRecord, type RecordInput } from './record.js'

export type { KafkaRecord, RecordHeader, RecordInput } from './record.js'

/** Whether record timestamps were set by the producer or by the broker on append. */
export type TimestampType = 'CreateTime' | 'LogAppendTime'

/** Control record types (the `type` field of a control record's key). */
export const ControlRecordType = {
  /** Transaction aborted. */
  ABORT: 0,
  /** Transaction committed. */
  COMMIT: 1,
  // KRaft-internal types; a client ignores them.
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const

/**
 * The record of a control batch. For transaction markers (ABORT, COMMIT) the value is parsed into
 * `coordinatorEpoch`; other types keep only their raw bytes.
 */
export interface ControlRecord {
  readonly offset: bigint
  /** Milliseconds since the epoch (see {@link KafkaRecord.timestamp}). */
  readonly timestamp: number
  /** Version of the control record key. */
  readonly version: number
  /** A {@link ControlRecordType} id; unknown ids are possible and must be ignored. */
  readonly type: number
  /** The transaction coordinator's epoch, for ABORT and COMMIT markers; null for other types. */
  readonly coordinatorEpoch: number | null
  readonly key: Uint8Array
  readonly value: Uint8Array | null
}

/** What every batch says about itself, whatever its records. */
export interface RecordBatchHeader {
  /** Offset of the first record (for legacy message sets: of the first inner message). */
  readonly baseOffset: bigint
  /** Offset of the last record the batch covered when written; next fetch offset = lastOffset + 1. */
  readonly lastOffset: bigint
  /** Bytes after the length field (the legacy message size for magic 0 and 1). */
  readonly batchLength: number
  /** -1 for legacy message sets. */
  readonly partitionLeaderEpoch: number
  /** 2 for record batches, 0 or 1 for legacy message sets. */
  readonly magic: number
  /** The stored checksum: CRC-32C for magic 2, CRC-32 for magic 0 and 1. */
  readonly crc: number
  /** The raw attributes field. */
  readonly attributes: number
  readonly compression: CompressionType
  readonly timestampType: TimestampType
  readonly isTransactional: boolean
  /** The log cleaner set a delete horizon; `baseTimestamp` then holds it. */
  readonly hasDeleteHorizon: boolean
  readonly lastOffsetDelta: number
  /** Timestamp of the first record (or the delete horizon); -1 when unknown. */
  readonly baseTimestamp: bigint
  /** Largest record timestamp (CreateTime) or the broker's append time (LogAppendTime); -1 when unknown. */
  readonly maxTimestamp: bigint
  /** -1 when the producer is neither idempotent nor transactional. */
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
}

/** A batch of application records. */
export interface DataRecordBatch extends RecordBatchHeader {
  readonly isControl: false
  readonly records: readonly KafkaRecord[]
}

/** A batch of control records (transaction markers): never handed to applications. */
export interface ControlRecordBatch extends RecordBatchHeader {
  readonly isControl: true
  readonly records: readonly ControlRecord[]
}

export type RecordBatch = DataRecordBatch | ControlRecordBatch

/** Magic byte of record batches. */
export const RECORD_BATCH_MAGIC = 2
/** Bytes before a batch's records. */
export const RECORD_BATCH_OVERHEAD = 61
/** baseOffset + batchLength: the part of a batch or message not counted by its length. */
const LOG_OVERHEAD = 12
/** Bytes up to and including the magic byte, enough to tell the formats apart. */
const MAGIC_OFFSET = 16
const CRC_OFFSET = 17
const ATTRIBUTES_OFFSET = 21
/** The smallest legacy message (magic 0, null key and value). */
const MIN_ENTRY_SIZE = 14

const COMPRESSION_MASK = 0x07
const LOG_APPEND_TIME_FLAG = 0x08
const TRANSACTIONAL_FLAG = 0x10
const CONTROL_FLAG = 0x20
const DELETE_HORIZON_FLAG = 0x40

// ---------------------------------------------------------------------------------------------
// Encoding

export interface EncodeRecordBatchOptions {
  readonly records: readonly RecordInput[]
  /** Codec id; default none. */
  readonly compression?: CompressionType
  /** Codec level (see `CompressOptions.level`). */
  readonly compressionLevel?: number
  /** Default 0: the broker assigns offsets. */
  readonly baseOffset?: bigint
  /** Default -1: the broker fills it in. */
  readonly partitionLeaderEpoch?: number
  /** Default -1 (no idempotence). */
  readonly producerId?: bigint
  /** Default -1. */
  readonly producerEpoch?: number
  /** Default -1. */
  readonly baseSequence?: number
  readonly isTransactional?: boolean
  readonly isControl?: boolean
  /** Default CreateTime; LogAppendTime is for brokers (and fake brokers in tests). */
  readonly timestampType?: TimestampType
  /** Default: the largest record timestamp (-1 for no records). */
  readonly maxTimestamp?: bigint
  /** Default: the last record's offset delta (-1 for no records). */
  readonly lastOffsetDelta?: number
}

function attributesOf(options: EncodeRecordBatchOptions, compression: number): number {
  return (
    compression |
    (options.timestampType === 'LogAppendTime' ? LOG_APPEND_TIME_FLAG : 0) |
    (options.isTransactional === true ? TRANSACTIONAL_FLAG : 0) |
    (options.isControl === true ? CONTROL_FLAG : 0)
  )
}

interface BatchTimes {
  readonly base: bigint
  readonly max: bigint
}

function timesOf(records: readonly RecordInput[], maxOverride: bigint | undefined): BatchTimes {
  if (records.length === 0) return { base: -1n, max: maxOverride ?? -1n }
  const base = records[0]!.timestamp
  let max = base
  for (const r of records) if (r.timestamp > max) max = r.timestamp
  return { base, max: maxOverride ?? max }
}

function writeHeader(
  buf: Buffer,
  options: EncodeRecordBatchOptions,
  compression: number,
  times: BatchTimes,
): void {
  const records = options.records
  const last = records.length === 0 ? undefined : records[records.length - 1]
  const lastOffsetDelta = options.lastOffsetDelta ?? (last === undefined ? -1 : (last.offsetDelta ?? records.length - 1))
  buf.writeBigInt64BE(options.baseOffset ?? 0n, 0)
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, 8)
  buf.writeInt32BE(options.partitionLeaderEpoch ?? -1, 12)
  buf[MAGIC_OFFSET] = RECORD_BATCH_MAGIC
  buf.writeInt16BE(attributesOf(options, compression), ATTRIBUTES_OFFSET)
  buf.writeInt32BE(lastOffsetDelta, 23)
  buf.writeBigInt64BE(times.base, 27)
  buf.writeBigInt64BE(times.max, 35)
  buf.writeBigInt64BE(options.producerId ?? -1n, 43)
  buf.writeInt16BE(options.producerEpoch ?? -1, 51)
  buf.writeInt32BE(options.baseSequence ?? -1, 53)
  buf.writeInt32BE(records.length, 57)
  buf.writeUInt32BE(crc32c(buf, ATTRIBUTES_OFFSET, buf.length), CRC_OFFSET)
}

/** Encodes a batch without compression, synchronously. */
function encodeUncompressed(options: EncodeRecordBatchOptions, times: BatchTimes): Buffer {
  const layout = measureRecords(options.records, times.base)
  const buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + layout.size)
  writeRecords(buf, RECORD_BATCH_OVERHEAD, options.records, times.base, layout)
  writeHeader(buf, options, CompressionType.NONE, times)
  return buf
}

/**
 * Encodes one record batch (magic 2) with correct length, CRC-32C, attributes, offset delta and
 * timestamps. The records region is sized exactly before it is written, so an uncompressed batch
 * costs one allocation; a compressed one adds the codec's output and one copy of it.
 */
export async function encodeRecordBatch(options: EncodeRecordBatchOptions): Promise<Buffer> {
  const compression = options.compression ?? CompressionType.NONE
  const times = timesOf(options.records, options.maxTimestamp)
  if (compression === CompressionType.NONE) return encodeUncompressed(options, times)
  const codec = compressionCodec(compression)
  const layout = measureRecords(options.records, times.base)
  const region = Buffer.allocUnsafe(layout.size)
  writeRecords(region, 0, options.records, times.base, layout)
  const compressed = await codec.compress(
    region,
    options.compressionLevel === undefined ? undefined : { level: options.compressionLevel },
  )
  const buf = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + compressed.length)
  buf.set(compressed, RECORD_BATCH_OVERHEAD)
  writeHeader(buf, options, compression, times)
  return buf
}

export interface EncodeControlBatchOptions {
  /** {@link ControlRecordType.COMMIT} or {@link ControlRecordType.ABORT}. */
  readonly type: typeof ControlRecordType.COMMIT | typeof ControlRecordType.ABORT
  readonly coordinatorEpoch: number
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly timestamp: bigint
  readonly baseOffset?: bigint
  readonly partitionLeaderEpoch?: number
}

/**
 * Encodes a transaction marker batch as a broker writes it: transactional control batch with one
 * control record (key: version 0, type; value: version 0, coordinator epoch).
 */
export function encodeControlBatch(options: EncodeControlBatchOptions): Buffer {
  const key = Buffer.alloc(4)
  key.writeInt16BE(0, 0)
  key.writeInt16BE(options.type, 2)
  const value = Buffer.alloc(6)
  value.writeInt16BE(0, 0)
  value.writeInt32BE(options.coordinatorEpoch, 2)
  const batch: EncodeRecordBatchOptions = {
    records: [{ timestamp: options.timestamp, key, value }],
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    isTransactional: true,
    isControl: true,
  }
  return encodeUncompressed(batch, timesOf(batch.records, undefined))
}

// ---------------------------------------------------------------------------------------------
// Decoding

export interface DecodeRecordBatchesOptions {
  /** Verify every batch's (and legacy message's) CRC, as Java's `check.crcs`. Default true. */
  readonly checkCrcs?: boolean
  /** Largest decompressed size accepted for one batch. Default 256 MiB. */
  readonly maxDecompressedSize?: number
}

/** Options with their defaults applied, as the legacy decoder receives them. */
export interface ResolvedDecodeOptions {
  readonly checkCrcs: boolean
  readonly maxDecompressedSize: number
}

export interface DecodedRecordBatches {
  readonly batches: RecordBatch[]
  /** The bytes ended inside a batch (normal at the end of a Fetch response: fetch that offset again). */
  readonly truncated: boolean
  /** Bytes taken by the complete batches. */
  readonly bytesRead: number
}

function corrupt(message: string): KafkaProtocolError {
  return new KafkaProtocolError(message)
}

function toControlRecord(record: KafkaRecord, batchOffset: bigint): ControlRecord {
  const key = record.key
  if (key === null || key.length < 4) {
    throw corrupt(`control record at offset ${record.offset} (batch ${batchOffset}) has a key of fewer than 4 bytes`)
  }
  const keyView = new DataView(key.buffer, key.byteOffset, key.byteLength)
  const version = keyView.getInt16(0)
  if (version < 0) throw corrupt(`control record at offset ${record.offset} has invalid key version ${version}`)
  const type = keyView.getInt16(2)
  let coordinatorEpoch: number | null = null
  if (type === ControlRecordType.ABORT || type === ControlRecordType.COMMIT) {
    const value = record.value
    if (value === null || value.length < 6) {
      throw corrupt(`transaction marker at offset ${record.offset} has a value of fewer than 6 bytes`)
    }
    const valueView = new DataView(value.buffer, value.byteOffset, value.byteLength)
    if (valueView.getInt16(0) < 0) throw corrupt(`transaction marker at offset ${record.offset} has a negative version`)
    coordinatorEpoch = valueView.getInt32(2)
  }
  return {
    offset: record.offset,
    timestamp: record.timestamp,
    version,
    type,
    coordinatorEpoch,
    key,
    value: record.value,
  }
}

async function decodeBatchV2(buf: Buffer, start: number, end: number, options: ResolvedDecodeOptions): Promise<RecordBatch> {
  const batchLength = end - start - LOG_OVERHEAD
  const baseOffset = buf.readBigInt64BE(start)
  if (end - start < RECORD_BATCH_OVERHEAD) {
    throw corrupt(`record batch at offset ${baseOffset} is ${end - start} bytes, shorter than its 61-byte header`)
  }
  const crc = buf.readUInt32BE(start + CRC_OFFSET)
  if (options.checkCrcs) {
    const computed = crc32c(buf, start + ATTRIBUTES_OFFSET, end)
    if (computed !== crc) {
      throw corrupt(
        `record batch at offset ${baseOffset} is corrupt: stored CRC 0x${crc.toString(16)}, computed 0x${computed.toString(16)}`,
      )
    }
  }
  const attributes = buf.readInt16BE(start + ATTRIBUTES_OFFSET)
  const compression = attributes & COMPRESSION_MASK
  const timestampType: TimestampType = (attributes & LOG_APPEND_TIME_FLAG) !== 0 ? 'LogAppendTime' : 'CreateTime'
  const lastOffsetDelta = buf.readInt32BE(start + 23)
  const baseTimestamp = buf.readBigInt64BE(start + 27)
  const maxTimestamp = buf.readBigInt64BE(start + 35)
  const recordCount = buf.readInt32BE(start + 57)
  if (recordCount < 0) throw corrupt(`record batch at offset ${baseOffset} has negative record count ${recordCount}`)

  let records: KafkaRecord[]
  // Record timestamps are numbers: the batch's bases are converted once, not per record.
  const recordsBaseTimestamp = Number(baseTimestamp)
  const logAppendTime = timestampType === 'LogAppendTime' ? Number(maxTimestamp) : null
  if (compression === CompressionType.NONE) {
    records = decodeRecords(buf, start + RECORD_BATCH_OVERHEAD, end, recordCount, baseOffset, recordsBaseTimestamp, logAppendTime)
  } else {
    const codec = compressionCodec(compression)
    const raw = await codec.decompress(buf.subarray(start + RECORD_BATCH_OVERHEAD, end), {
      maxSize: options.maxDecompressedSize,
      magic: RECORD_BATCH_MAGIC,
    })
    const plain = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
    records = decodeRecords(plain, 0, plain.length, recordCount, baseOffset, recordsBaseTimestamp, logAppendTime)
  }

  const header = {
    baseOffset,
    lastOffset: baseOffset + BigInt(lastOffsetDelta),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(start + 12),
    magic: RECORD_BATCH_MAGIC,
    crc,
    attributes,
    compression: compression as CompressionType,
    timestampType,
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_FLAG) !== 0,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: buf.readBigInt64BE(start + 43),
    producerEpoch: buf.readInt16BE(start + 51),
    baseSequence: buf.readInt32BE(start + 53),
  }
  if ((attributes & CONTROL_FLAG) !== 0) {
    return { ...header, isControl: true, records: records.map((r) => toControlRecord(r, baseOffset)) }
  }
  return { ...header, isControl: false, records }
}

/**
 * Decodes the `records` field of a Fetch response: record batches of magic 2 and legacy message
 * sets of magic 0 and 1, told apart by the byte at offset 16 of each entry.
 *
 * A truncated last batch is normal (the broker cuts at the byte limit) and ends decoding with
 * `truncated: true`. Anything malformed throws a {@link KafkaProtocolError} (CRC mismatch,
 * impossible lengths, records that do not fill their batch) or a `KafkaCompressionError`
 * (corrupt compressed data, output over `maxDecompressedSize`, unknown codec).
 */
export async function decodeRecordBatches(
  bytes: Uint8Array,
  options: DecodeRecordBatchesOptions = {},
): Promise<DecodedRecordBatches> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const resolved: ResolvedDecodeOptions = {
    checkCrcs: options.checkCrcs ?? true,
    maxDecompressedSize: options.maxDecompressedSize ?? DEFAULT_MAX_DECOMPRESSED_SIZE,
  }
  const batches: RecordBatch[] = []
  let pos = 0
  while (pos < buf.length) {
    const left = buf.length - pos
    if (left < LOG_OVERHEAD) return { batches, truncated: true, bytesRead: pos }
    const size = buf.readInt32BE(pos + 8)
    if (size < MIN_ENTRY_SIZE) {
      throw corrupt(`record batch at byte ${pos} declares ${size} bytes, below the ${MIN_ENTRY_SIZE}-byte minimum`)
    }
    if (left - LOG_OVERHEAD < size) return { batches, truncated: true, bytesRead: pos }
    const end = pos + LOG_OVERHEAD + size
    const magic = buf.readInt8(pos + MAGIC_OFFSET)
    if (magic === RECORD_BATCH_MAGIC) {
      batches.push(await decodeBatchV2(buf, pos, end, resolved))
    } else if (magic === 0 || magic === 1) {
      batches.push(await decodeLegacyEntry(buf, pos, end, resolved))
    } else {
      throw corrupt(`record batch at byte ${pos} has unknown magic ${magic}`)
    }
    pos = end
  }
  return { batches, truncated: false, bytesRead: pos }
}
