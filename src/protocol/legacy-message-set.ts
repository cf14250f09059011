/**
 * Legacy message sets (magic 0 and 1), which a 4.x broker still returns for data stored long ago.
 * Decoding only: no supported broker accepts them from a producer.
 *
 * ```
 * entry      => offset int64 | size int32 | message
 * message v0 => crc uint32 | magic int8 | attributes int8 | key BYTES | value BYTES
 * message v1 => crc uint32 | magic int8 | attributes int8 | timestamp int64 | key BYTES | value BYTES
 * ```
 *
 * The CRC is CRC-32 (IEEE) from the magic byte to the end of the message. A compressed message is
 * a wrapper whose value is a compressed message set of plain messages; the wrapper's offset is
 * that of the last inner message. Inner offsets are absolute in v0 and relative in v1 (absolute =
 * wrapper offset - last relative offset + relative offset; a wrapper offset of 0, written by some
 * librdkafka versions, means the relative offsets are used as they are). Each wrapper, or each
 * uncompressed message, becomes one {@link DataRecordBatch}.
 */

import { KafkaProtocolError } from '../errors.js'
import { CompressionType, compressionCodec } from './compression/index.js'
import { crc32 } from './crc32c.js'
import type { KafkaRecord } from './record.js'
import type { DataRecordBatch, ResolvedDecodeOptions, TimestampType } from './record-batch.js'

const LOG_OVERHEAD = 12
const MIN_MESSAGE_SIZE_V0 = 14
const MIN_MESSAGE_SIZE_V1 = 22
const COMPRESSION_MASK = 0x07
const LOG_APPEND_TIME_FLAG = 0x08
const NO_TIMESTAMP = -1n
/** Legacy messages have no headers; one frozen empty list serves them all. */
const NO_HEADERS: readonly [] = Object.freeze([]) as readonly []

function corrupt(message: string): KafkaProtocolError {
  return new KafkaProtocolError(message)
}

/** One message of a legacy message set, decoded but not yet placed at its absolute offset. */
interface LegacyMessage {
  readonly offset: bigint
  readonly crc: number
  readonly magic: number
  readonly attributes: number
  readonly timestamp: bigint
  readonly key: Buffer | null
  readonly value: Buffer | null
  readonly size: number
}

function readBytesField(buf: Buffer, pos: number, end: number, what: string, at: bigint): [Buffer | null, number] {
  if (end - pos < 4) throw corrupt(`legacy message at offset ${at}: truncated ${what} length`)
  const n = buf.readInt32BE(pos)
  pos += 4
  if (n === -1) return [null, pos]
  if (n < 0 || n > end - pos) throw corrupt(`legacy message at offset ${at}: ${what} length ${n} with ${end - pos} bytes left`)
  return [buf.subarray(pos, pos + n), pos + n]
}

/** Decodes the message of the entry `buf[start, end)`; the caller has checked the entry's size. */
function readMessage(buf: Buffer, start: number, end: number, checkCrcs: boolean): LegacyMessage {
  const offset = buf.readBigInt64BE(start)
  const size = end - start - LOG_OVERHEAD
  const magic = buf.readInt8(start + 16)
  if (magic !== 0 && magic !== 1) throw corrupt(`legacy message at offset ${offset} has magic ${magic}`)
  const minSize = magic === 0 ? MIN_MESSAGE_SIZE_V0 : MIN_MESSAGE_SIZE_V1
  if (size < minSize) throw corrupt(`legacy message at offset ${offset} is ${size} bytes, below the ${minSize}-byte minimum`)
  const crc = buf.readUInt32BE(start + 12)
  if (checkCrcs) {
    const computed = crc32(buf, start + 16, end)
    if (computed !== crc) {
      throw corrupt(
        `legacy message at offset ${offset} is corrupt: stored CRC 0x${crc.toString(16)}, computed 0x${computed.toString(16)}`,
      )
    }
  }
  const attributes = buf.readInt8(start + 17)
  let pos = start + 18
  let timestamp = NO_TIMESTAMP
  if (magic === 1) {
    timestamp = buf.readBigInt64BE(pos)
    pos += 8
  }
  const [key, afterKey] = readBytesField(buf, pos, end, 'key', offset)
  // Bytes after the value are covered by the CRC but not read, as the Java client does.
  const [value] = readBytesField(buf, afterKey, end, 'value', offset)
  return { offset, crc, magic, attributes, timestamp, key, value, size }
}

function timestampTypeOf(message: LegacyMessage): TimestampType {
  return message.magic === 1 && (message.attributes & LOG_APPEND_TIME_FLAG) !== 0 ? 'LogAppendTime' : 'CreateTime'
}

function toBatch(wrapper: LegacyMessage, records: KafkaRecord[]): DataRecordBatch {
  const first = records[0]!
  return {
    baseOffset: first.offset,
    lastOffset: wrapper.offset,
    batchLength: wrapper.size,
    partitionLeaderEpoch: -1,
    magic: wrapper.magic,
    crc: wrapper.crc,
    attributes: wrapper.attributes,
    compression: (wrapper.attributes & COMPRESSION_MASK) as CompressionType,
    timestampType: timestampTypeOf(wrapper),
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: Number(wrapper.offset - first.offset),
    baseTimestamp: BigInt(first.timestamp),
    maxTimestamp: wrapper.timestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records,
  }
}

/** Splits a decompressed inner message set into its messages; every entry must be whole. */
function readInnerMessages(inner: Buffer, wrapper: LegacyMessage, checkCrcs: boolean): LegacyMessage[] {
  const messages: LegacyMessage[] = []
  let pos = 0
  while (pos < inner.length) {
    if (inner.length - pos < LOG_OVERHEAD + 5) {
      throw corrupt(`compressed message set at offset ${wrapper.offset} ends inside an inner message header`)
    }
    const size = inner.readInt32BE(pos + 8)
    if (size < MIN_MESSAGE_SIZE_V0 || size > inner.length - pos - LOG_OVERHEAD) {
      throw corrupt(`compressed message set at offset ${wrapper.offset} has an inner message of invalid size ${size}`)
    }
    const end = pos + LOG_OVERHEAD + size
    const message = readMessage(inner, pos, end, checkCrcs)
    if ((message.attributes & COMPRESSION_MASK) !== CompressionType.NONE) {
      throw corrupt(`compressed message set at offset ${wrapper.offset} nests a compressed message`)
    }
    messages.push(message)
    pos = end
  }
  if (messages.length === 0) throw corrupt(`compressed message set at offset ${wrapper.offset} holds no messages`)
  return messages
}

/**
 * Decodes the legacy entry `buf[start, end)` (offset, size, message) into one batch: a plain
 * message gives one record, a compressed wrapper gives its inner messages at absolute offsets.
 */
export async function decodeLegacyEntry(
  buf: Buffer,
  start: number,
  end: number,
  options: ResolvedDecodeOptions,
): Promise<DataRecordBatch> {
  const wrapper = readMessage(buf, start, end, options.checkCrcs)
  const compression = wrapper.attributes & COMPRESSION_MASK
  if (compression === CompressionType.NONE) {
    const record: KafkaRecord = {
      offset: wrapper.offset,
      timestamp: Number(wrapper.timestamp),
      key: wrapper.key,
      value: wrapper.value,
      headers: NO_HEADERS,
    }
    return toBatch(wrapper, [record])
  }
  if (compression === CompressionType.ZSTD) {
    throw corrupt(`legacy message at offset ${wrapper.offset} uses zstd, which message formats 0 and 1 do not allow`)
  }
  if (wrapper.value === null) throw corrupt(`compressed legacy message at offset ${wrapper.offset} has a null value`)
  const raw = await compressionCodec(compression).decompress(wrapper.value, {
    maxSize: options.maxDecompressedSize,
    magic: wrapper.magic,
  })
  const inner = readInnerMessages(
    Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength),
    wrapper,
    options.checkCrcs,
  )

  let base = 0n
  if (wrapper.magic === 1 && wrapper.offset !== 0n) {
    const lastInner = inner[inner.length - 1]!.offset
    if (wrapper.offset < lastInner) {
      throw corrupt(`compressed message set at offset ${wrapper.offset} has a last inner offset ${lastInner} beyond it`)
    }
    base = wrapper.offset - lastInner
  }
  const logAppendTime = timestampTypeOf(wrapper) === 'LogAppendTime'
  const records = inner.map(
    (m): KafkaRecord => ({
      offset: base + m.offset,
      // Inner v1 messages take the wrapper's time when the broker stamped the wrapper.
      timestamp: Number(m.magic === 1 && logAppendTime ? wrapper.timestamp : m.timestamp),
      key: m.key,
      value: m.value,
      headers: NO_HEADERS,
    }),
  )
  return toBatch(wrapper, records)
}
