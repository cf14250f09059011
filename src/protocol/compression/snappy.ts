/**
 * Snappy as Kafka carries it.
 *
 * Producers write one of two framings: librdkafka, franz-go and kafkats write one raw snappy block;
 * the Java producer writes snappy-java's ("xerial") stream: an 8-byte magic, two int32 version
 * fields, then `int32 BE length + raw block` chunks. The broker keeps whichever the producer sent,
 * so decoding accepts both.
 *
 * Encoding uses `snappyjs`. Decoding is done here: snappyjs's decoder trusts its input (a literal
 * with a 4-byte length can move it backwards forever, and output longer than announced is silently
 * cut), which a consumer of hostile bytes cannot afford.
 */

import { compress as snappyCompress } from 'snappyjs'
import { KafkaCompressionError } from '../../errors.js'
import {
  CompressionType,
  checkMaxSize,
  corruptCompressedData,
  decompressedTooLarge,
  type CompressionCodec,
  type DecompressOptions,
} from './codec.js'

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const
/** Magic, version int32, minimum compatible version int32. */
const XERIAL_HEADER_SIZE = 16

/** True when `data` starts with snappy-java's stream magic. */
export function isXerialFramed(data: Uint8Array): boolean {
  if (data.length < XERIAL_HEADER_SIZE) return false
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false
  return true
}

function corrupt(message: string): KafkaCompressionError {
  return corruptCompressedData('snappy', message)
}

/** Reads a raw block's uvarint preamble (the uncompressed length, < 2^32). */
function readPreamble(src: Uint8Array, start: number, end: number): { length: number; next: number } {
  let length = 0
  let pos = start
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw corrupt('truncated block length')
    const b = src[pos++]!
    length += (b & 0x7f) * 2 ** shift
    if ((b & 0x80) === 0) {
      if (length > 0xffffffff) break
      return { length, next: pos }
    }
  }
  throw corrupt('block length does not fit in 32 bits')
}

/**
 * The most bytes `compressedBytes` of elements can decode to. The densest element is a 3-byte
 * copy of 64 bytes, so a block announcing more than 64/3 of its size is corrupt: checking it
 * before allocating keeps a few hostile bytes from reserving up to the decompression limit.
 */
function maxDecodedSize(compressedBytes: number): number {
  return Math.floor((compressedBytes * 64) / 3)
}

/** A block's announced length, checked against the limit and against what its elements can hold. */
function checkAnnounced(length: number, elementBytes: number, maxSize: number): void {
  if (length > maxSize) throw decompressedTooLarge('snappy', length, maxSize)
  if (length > maxDecodedSize(elementBytes)) {
    throw corrupt(`block announces ${length} bytes, more than ${elementBytes} compressed bytes can hold`)
  }
}

/**
 * Decodes the elements of one raw block in `src[pos, end)` into `out[outStart, outStart + length)`
 * and checks that they produce exactly `length` bytes.
 */
function decodeElements(src: Uint8Array, pos: number, end: number, out: Uint8Array, outStart: number, length: number): void {
  const outEnd = outStart + length
  let op = outStart
  while (pos < end) {
    const tag = src[pos++]!
    const kind = tag & 3
    if (kind === 0) {
      let len = (tag >>> 2) + 1
      if (len > 60) {
        // 1-4 little-endian bytes of length - 1. Int32 arithmetic throughout (a 4-byte length of
        // 2^31 or more turns negative and is refused below): doubles here would slow every element.
        const extra = len - 60
        if (end - pos < extra) throw corrupt('truncated literal length')
        len = src[pos]!
        if (extra > 1) len |= src[pos + 1]! << 8
        if (extra > 2) len |= src[pos + 2]! << 16
        if (extra > 3) len |= src[pos + 3]! << 24
        len = (len + 1) | 0
        pos += extra
      }
      if (len <= 0 || end - pos < len) throw corrupt('literal runs past the end of the block')
      if (outEnd - op < len) throw corrupt('block decodes to more bytes than announced')
      if (len < 64) {
        for (let i = 0; i < len; i++) out[op + i] = src[pos + i]!
      } else {
        // Long literals are what incompressible data becomes: copy them natively.
        out.set(src.subarray(pos, pos + len), op)
      }
      pos += len
      op += len
      continue
    }
    let len: number
    let offset: number
    if (kind === 1) {
      if (end - pos < 1) throw corrupt('truncated copy')
      len = ((tag >>> 2) & 7) + 4
      offset = ((tag >>> 5) << 8) | src[pos]!
      pos += 1
    } else if (kind === 2) {
      if (end - pos < 2) throw corrupt('truncated copy')
      len = (tag >>> 2) + 1
      offset = src[pos]! | (src[pos + 1]! << 8)
      pos += 2
    } else {
      if (end - pos < 4) throw corrupt('truncated copy')
      len = (tag >>> 2) + 1
      // Signed: an offset of 2^31 or more reads as negative and is refused below.
      offset = src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)
      pos += 4
    }
    if (offset <= 0 || offset > op - outStart) throw corrupt(`copy offset ${offset} outside the output`)
    if (outEnd - op < len) throw corrupt('block decodes to more bytes than announced')
    // Forwards byte by byte: an overlapping copy (offset < len) repeats the last `offset` bytes.
    for (let i = 0; i < len; i++) out[op + i] = out[op - offset + i]!
    op += len
  }
  if (op !== outEnd) throw corrupt(`block decodes to ${op - outStart} bytes, ${length} announced`)
}

/** Decodes one raw snappy block. */
export function decodeSnappyBlock(src: Uint8Array, maxSize: number): Uint8Array {
  checkMaxSize(maxSize)
  const { length, next } = readPreamble(src, 0, src.length)
  checkAnnounced(length, src.length - next, maxSize)
  const out = Buffer.allocUnsafe(length)
  decodeElements(src, next, src.length, out, 0, length)
  return out
}

/** Decodes snappy-java's stream framing: header, then `int32 BE length + raw block` until the end. */
export function decodeXerialFramed(src: Uint8Array, maxSize: number): Uint8Array {
  checkMaxSize(maxSize)
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength)
  // First pass: validate the chunk boundaries and add up the announced sizes, so the output is
  // allocated once and only when it fits the limit.
  let total = 0
  let pos = XERIAL_HEADER_SIZE
  while (pos < src.length) {
    if (src.length - pos < 4) throw corrupt(`${src.length - pos} trailing byte(s) after the last chunk`)
    const chunkLength = view.getInt32(pos)
    pos += 4
    if (chunkLength < 0 || chunkLength > src.length - pos) throw corrupt(`chunk length ${chunkLength} exceeds the data left`)
    const { length, next } = readPreamble(src, pos, pos + chunkLength)
    checkAnnounced(length, pos + chunkLength - next, maxSize)
    total += length
    if (total > maxSize) throw decompressedTooLarge('snappy', `more than ${maxSize}`, maxSize)
    pos += chunkLength
  }
  const out = Buffer.allocUnsafe(total)
  let op = 0
  pos = XERIAL_HEADER_SIZE
  while (pos < src.length) {
    const chunkEnd = pos + 4 + view.getInt32(pos)
    const { length, next } = readPreamble(src, pos + 4, chunkEnd)
    decodeElements(src, next, chunkEnd, out, op, length)
    op += length
    pos = chunkEnd
  }
  return out
}

export const snappyCodec: CompressionCodec = {
  type: CompressionType.SNAPPY,
  name: 'snappy',

  async compress(data: Uint8Array): Promise<Uint8Array> {
    try {
      return snappyCompress(data)
    } catch (err) {
      throw new KafkaCompressionError(`snappy: cannot compress: ${(err as Error).message}`, { cause: err })
    }
  },

  async decompress(data: Uint8Array, options: DecompressOptions): Promise<Uint8Array> {
    return isXerialFramed(data) ? decodeXerialFramed(data, options.maxSize) : decodeSnappyBlock(data, options.maxSize)
  },
}
