/**
 * LZ4 as Kafka carries it: an LZ4 *frame* (not a bare block) with independent blocks.
 *
 * Writing matches the Java producer's Lz4BlockOutputStream byte for byte in the header
 * (`04 22 4d 18 60 40 82`: version 1, independent blocks, no checksums, 64 KiB blocks), stores a
 * block raw (high bit of its size set) when compressing would not shrink it, and ends with the
 * end mark. Reading accepts what Java, librdkafka and the `lz4` package write: block sizes of
 * 64 KiB-4 MiB, optional content size, block checksums and content checksum; it refuses dependent
 * blocks, dictionaries and reserved bits as Java does. The block codec is the native one of the
 * `lz4` package, loaded on first use.
 */

import { KafkaCompressionError } from '../../errors.js'
import {
  CompressionType,
  checkMaxSize,
  corruptCompressedData,
  decompressedTooLarge,
  type CompressionCodec,
  type CompressOptions,
  type DecompressOptions,
} from './codec.js'
import { xxhash32 } from './xxhash32.js'

interface Lz4Blocks {
  encodeBlock(input: Uint8Array, output: Uint8Array): number
  encodeBlockHC(input: Uint8Array, output: Uint8Array): number
  decodeBlock(input: Uint8Array, output: Uint8Array, startIdx: number, endIdx: number): number
}

let blocks: Promise<Lz4Blocks> | undefined

/** The native block functions, loaded once: loading costs a native addon, so only LZ4 users pay it. */
function loadBlocks(): Promise<Lz4Blocks> {
  blocks ??= import('lz4').then(
    (m) => m.default,
    (err: unknown) => {
      blocks = undefined
      throw new KafkaCompressionError(`lz4: the 'lz4' package could not be loaded: ${(err as Error).message}`, {
        cause: err,
        code: 76,
      })
    },
  )
  return blocks
}

const MAGIC = 0x184d2204
const FLG_VERSION_MASK = 0xc0
const FLG_VERSION_1 = 0x40
const FLG_BLOCK_INDEPENDENCE = 0x20
const FLG_BLOCK_CHECKSUM = 0x10
const FLG_CONTENT_SIZE = 0x08
const FLG_CONTENT_CHECKSUM = 0x04
const FLG_RESERVED = 0x02
const FLG_DICT_ID = 0x01
const BD_RESERVED = 0x8f
/** Stored-uncompressed flag in a block's size word. */
const UNCOMPRESSED_BLOCK = 0x80000000
/** Java's default: BD code 4 = 64 KiB blocks. */
const WRITE_BLOCK_SIZE = 64 * 1024
const WRITE_HEADER = Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82)

function corrupt(message: string): KafkaCompressionError {
  return corruptCompressedData('lz4', message)
}

function readU32LE(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16)) + b[i + 3]! * 0x1000000
}

function writeU32LE(b: Uint8Array, i: number, v: number): void {
  b[i] = v & 0xff
  b[i + 1] = (v >>> 8) & 0xff
  b[i + 2] = (v >>> 16) & 0xff
  b[i + 3] = (v >>> 24) & 0xff
}

/** Encodes `data` as one Kafka-compatible LZ4 frame. `highCompression` selects the HC compressor. */
export function encodeLz4Frame(lz4: Lz4Blocks, data: Uint8Array, highCompression = false): Uint8Array {
  const blockCount = Math.ceil(data.length / WRITE_BLOCK_SIZE)
  // Each block costs at most its raw size plus its size word (incompressible blocks are stored),
  // so this bound is exact in the worst case and never needs to grow.
  const out = Buffer.allocUnsafe(WRITE_HEADER.length + blockCount * 4 + data.length + 4)
  out.set(WRITE_HEADER, 0)
  let pos = WRITE_HEADER.length
  const input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  for (let start = 0; start < data.length; start += WRITE_BLOCK_SIZE) {
    const end = Math.min(start + WRITE_BLOCK_SIZE, data.length)
    const rawSize = end - start
    // Room for one byte less than the raw block: the native compressor gives up (returns 0) when
    // the result would not be smaller, and the block is stored instead.
    const room = out.subarray(pos + 4, pos + 4 + rawSize - 1)
    const chunk = input.subarray(start, end)
    const compressed = rawSize > 1 ? (highCompression ? lz4.encodeBlockHC(chunk, room) : lz4.encodeBlock(chunk, room)) : 0
    if (compressed > 0 && compressed < rawSize) {
      writeU32LE(out, pos, compressed)
      pos += 4 + compressed
    } else {
      writeU32LE(out, pos, (rawSize | UNCOMPRESSED_BLOCK) >>> 0)
      out.set(chunk, pos + 4)
      pos += 4 + rawSize
    }
  }
  writeU32LE(out, pos, 0)
  pos += 4
  return out.subarray(0, pos)
}

/**
 * The most bytes `compressedBytes` of LZ4 data can decode to: every byte of a match-length
 * extension adds at most 255 output bytes, and nothing is denser. Allocating by this bound, not
 * by a length the frame announces, keeps a few hostile bytes from reserving megabytes.
 */
function maxDecodedSize(compressedBytes: number): number {
  return compressedBytes * 255
}

/**
 * Decodes one or more concatenated LZ4 frames. `checkHeaderChecksum` is false only for magic 0
 * messages, whose writers computed the header checksum over the wrong bytes (KAFKA-3160).
 */
export function decodeLz4Frames(lz4: Lz4Blocks, src: Uint8Array, maxSize: number, checkHeaderChecksum = true): Uint8Array {
  checkMaxSize(maxSize)
  const input = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength)
  let out = Buffer.allocUnsafe(Math.min(maxSize, Math.max(input.length * 4, 1024)))
  let op = 0
  let pos = 0
  const ensure = (extra: number): void => {
    if (out.length - op >= extra) return
    const need = op + extra
    if (need > maxSize) throw decompressedTooLarge('lz4', `more than ${maxSize}`, maxSize)
    const next = Buffer.allocUnsafe(Math.min(maxSize, Math.max(need, out.length * 2)))
    out.copy(next, 0, 0, op)
    out = next
  }
  do {
    if (input.length - pos < 7) throw corrupt('truncated frame header')
    if (readU32LE(input, pos) !== MAGIC) throw corrupt('bad frame magic')
    const descriptorStart = pos + 4
    const flg = input[descriptorStart]!
    const bd = input[descriptorStart + 1]!
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_1) throw corrupt(`unsupported frame version ${flg >>> 6}`)
    if ((flg & FLG_RESERVED) !== 0 || (bd & BD_RESERVED) !== 0) throw corrupt('reserved frame-descriptor bits set')
    if ((flg & FLG_BLOCK_INDEPENDENCE) === 0) throw corrupt('dependent block stream is unsupported')
    if ((flg & FLG_DICT_ID) !== 0) throw corrupt('frames with a dictionary id are unsupported')
    const sizeCode = (bd >>> 4) & 7
    if (sizeCode < 4) throw corrupt(`invalid block-maximum-size code ${sizeCode}`)
    const blockMax = 1 << (2 * sizeCode + 8)
    const hasBlockChecksum = (flg & FLG_BLOCK_CHECKSUM) !== 0
    pos = descriptorStart + 2
    let contentSize = -1
    if ((flg & FLG_CONTENT_SIZE) !== 0) {
      if (input.length - pos < 9) throw corrupt('truncated frame header')
      const high = readU32LE(input, pos + 4)
      const size = readU32LE(input, pos) + high * 0x100000000
      if (high > 0x1fffff || op + size > maxSize) throw decompressedTooLarge('lz4', size, maxSize)
      contentSize = size
      pos += 8
    }
    const hc = input[pos]!
    if (checkHeaderChecksum && ((xxhash32(input, descriptorStart, pos) >>> 8) & 0xff) !== hc) {
      throw corrupt('frame-header checksum mismatch')
    }
    pos += 1
    if (contentSize > maxDecodedSize(input.length - pos)) {
      throw corrupt(`frame announces ${contentSize} bytes, more than its ${input.length - pos} remaining bytes can hold`)
    }
    if (contentSize >= 0) ensure(contentSize)
    const frameStart = op
    for (;;) {
      if (input.length - pos < 4) throw corrupt('truncated block size')
      const word = readU32LE(input, pos)
      pos += 4
      if (word === 0) break
      const stored = word >= UNCOMPRESSED_BLOCK
      const size = stored ? word - UNCOMPRESSED_BLOCK : word
      if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the frame's ${blockMax}-byte maximum`)
      if (input.length - pos < size + (hasBlockChecksum ? 4 : 0)) throw corrupt('truncated block')
      if (hasBlockChecksum && xxhash32(input, pos, pos + size) !== readU32LE(input, pos + size)) {
        throw corrupt('block checksum mismatch')
      }
      if (stored) {
        ensure(size)
        input.copy(out, op, pos, pos + size)
        op += size
      } else {
        ensure(Math.min(blockMax, maxSize - op, maxDecodedSize(size)))
        const room = Math.min(blockMax, out.length - op)
        const n = lz4.decodeBlock(input, out.subarray(op, op + room), pos, pos + size)
        if (n < 0) {
          throw room < blockMax && op + room >= maxSize
            ? decompressedTooLarge('lz4', `more than ${maxSize}`, maxSize)
            : corrupt('corrupt block')
        }
        op += n
      }
      pos += size + (hasBlockChecksum ? 4 : 0)
    }
    if (contentSize >= 0 && op - frameStart !== contentSize) {
      throw corrupt(`frame decodes to ${op - frameStart} bytes, ${contentSize} announced`)
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      if (input.length - pos < 4) throw corrupt('truncated content checksum')
      if (xxhash32(out, frameStart, op) !== readU32LE(input, pos)) throw corrupt('content checksum mismatch')
      pos += 4
    }
  } while (pos < input.length)
  return out.subarray(0, op)
}

export const lz4Codec: CompressionCodec = {
  type: CompressionType.LZ4,
  name: 'lz4',

  async compress(data: Uint8Array, options?: CompressOptions): Promise<Uint8Array> {
    const lz4 = await loadBlocks()
    return encodeLz4Frame(lz4, data, (options?.level ?? 1) > 1)
  },

  async decompress(data: Uint8Array, options: DecompressOptions): Promise<Uint8Array> {
    const lz4 = await loadBlocks()
    return decodeLz4Frames(lz4, data, options.maxSize, options.magic !== 0)
  },
}
