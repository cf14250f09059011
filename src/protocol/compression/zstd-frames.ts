/**
 * A structural walk over Zstandard frames (RFC 8878 §3.1) without decoding them.
 *
 * The pure-JS decoder (fzstd) allocates what a frame header announces (content size or window
 * size) and has no output limit, so before handing it bytes the walk checks every frame header
 * against the caller's size limit and works out how large the output can possibly be.
 */

import type { KafkaCompressionError } from '../../errors.js'
import { corruptCompressedData, decompressedTooLarge } from './codec.js'

const FRAME_MAGIC = 0xfd2fb528
const SKIPPABLE_MAGIC_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
/** The largest block a frame may hold, whatever its window. */
const BLOCK_MAX = 128 * 1024
/** zstd's default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27): larger windows need opting in. */
export const ZSTD_MAX_WINDOW = 1 << 27

export interface ZstdFramesSummary {
  /** Sum of the content sizes when every frame announces one, else null. */
  readonly exactSize: number | null
  /** The most bytes the frames can decode to. */
  readonly upperBound: number
}

function corrupt(message: string): KafkaCompressionError {
  return corruptCompressedData('zstd', message)
}

function readLE(b: Uint8Array, at: number, n: number): number {
  let v = 0
  for (let i = n - 1; i >= 0; i--) v = v * 256 + b[at + i]!
  return v
}

/**
 * Walks the frames in `src`, which must be complete, with nothing after the last one. Throws a
 * {@link KafkaCompressionError} when they are malformed, need a dictionary or a window above
 * {@link ZSTD_MAX_WINDOW}, or announce more than `maxSize` bytes.
 */
export function walkZstdFrames(src: Uint8Array, maxSize: number): ZstdFramesSummary {
  let pos = 0
  let exact: number | null = 0
  let bound = 0
  if (src.length === 0) throw corrupt('empty input')
  while (pos < src.length) {
    if (src.length - pos < 4) throw corrupt('truncated frame magic')
    const magic = readLE(src, pos, 4)
    pos += 4
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (src.length - pos < 4) throw corrupt('truncated skippable frame')
      const size = readLE(src, pos, 4)
      if (src.length - pos - 4 < size) throw corrupt('truncated skippable frame')
      pos += 4 + size
      continue
    }
    if (magic !== FRAME_MAGIC) throw corrupt('bad frame magic')
    if (pos >= src.length) throw corrupt('truncated frame header')
    const descriptor = src[pos++]!
    const contentSizeFlag = descriptor >>> 6
    const singleSegment = (descriptor & 0x20) !== 0
    const hasChecksum = (descriptor & 0x04) !== 0
    const dictIdSize = [0, 1, 2, 4][descriptor & 3]!
    if ((descriptor & 0x08) !== 0) throw corrupt('reserved frame-header bit set')
    const contentSizeSize = contentSizeFlag === 0 ? (singleSegment ? 1 : 0) : 1 << contentSizeFlag
    const headerRest = (singleSegment ? 0 : 1) + dictIdSize + contentSizeSize
    if (src.length - pos < headerRest) throw corrupt('truncated frame header')
    let window = 0
    if (!singleSegment) {
      const w = src[pos++]!
      const base = 2 ** (10 + (w >>> 3))
      window = base + (base / 8) * (w & 7)
    }
    if (dictIdSize > 0 && readLE(src, pos, dictIdSize) !== 0) throw corrupt('frames that need a dictionary are unsupported')
    pos += dictIdSize
    let contentSize = -1
    if (contentSizeSize > 0) {
      contentSize = readLE(src, pos, contentSizeSize) + (contentSizeSize === 2 ? 256 : 0)
      pos += contentSizeSize
    }
    if (singleSegment) window = contentSize
    if (window > ZSTD_MAX_WINDOW) throw corrupt(`window of ${window} bytes exceeds the ${ZSTD_MAX_WINDOW}-byte limit`)
    if (contentSize >= 0) {
      if (contentSize > maxSize - bound) throw decompressedTooLarge('zstd', contentSize, maxSize)
    }
    const blockMax = Math.min(window, BLOCK_MAX)
    let frameBound = 0
    for (;;) {
      if (src.length - pos < 3) throw corrupt('truncated block header')
      const header = readLE(src, pos, 3)
      pos += 3
      const last = (header & 1) !== 0
      const type = (header >>> 1) & 3
      const size = header >>> 3
      if (type === 3) throw corrupt('reserved block type')
      if (size > blockMax) throw corrupt(`block of ${size} bytes exceeds the ${blockMax}-byte maximum`)
      if (type === 1) {
        // RLE: one byte repeated `size` times.
        if (src.length - pos < 1) throw corrupt('truncated block')
        pos += 1
        frameBound += size
      } else {
        if (src.length - pos < size) throw corrupt('truncated block')
        pos += size
        frameBound += type === 0 ? size : blockMax
      }
      if (last) break
    }
    if (hasChecksum) {
      if (src.length - pos < 4) throw corrupt('truncated frame checksum')
      pos += 4
    }
    if (contentSize >= 0) {
      if (contentSize > frameBound) throw corrupt(`frame announces ${contentSize} bytes but its blocks hold at most ${frameBound}`)
      bound += contentSize
      if (exact !== null) exact += contentSize
    } else {
      bound += frameBound
      exact = null
    }
  }
  return { exactSize: exact, upperBound: bound }
}
