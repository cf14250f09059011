/**
 * What every compression codec offers, and the codec ids Kafka stores in bits 0-2 of a record
 * batch's attributes.
 */

import { KafkaCompressionError } from '../../errors.js'

/** Kafka's compression codec ids (`CompressionType` in the Java client). */
export const CompressionType = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const

/** A codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType]

/** A codec's name as Kafka's `compression.type` config spells it. */
export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export interface CompressOptions {
  /**
   * Codec-specific level: gzip 1-9 (default 6, as `java.util.zip.Deflater`); lz4 1 = fast (the
   * default), 2 and above = the high-compression compressor; zstd -131072..22 (default 3).
   * Snappy has no levels.
   */
  readonly level?: number
}

export interface DecompressOptions {
  /**
   * The most bytes the decompressed data may take. Larger output is refused with a
   * {@link KafkaCompressionError} before it is allocated (or as soon as it is produced when the
   * framing does not announce the size), so a hostile batch cannot exhaust memory.
   */
  readonly maxSize: number
  /**
   * The magic of the batch or message the data came from. Only LZ4 cares: magic 0 messages carry a
   * frame-header checksum computed the broken pre-KAFKA-3160 way, which is not checked.
   */
  readonly magic?: number
}

/**
 * One compression codec in the framing Kafka uses on the wire.
 *
 * Both directions return promises so a codec may move large inputs off the event loop (gzip and
 * zstd through node:zlib's thread pool); small inputs, and codecs without an async engine, complete
 * synchronously inside an already-resolved promise.
 */
export interface CompressionCodec {
  readonly type: CompressionType
  readonly name: CompressionName
  /** Compresses `data` into the framing Kafka expects for this codec. */
  compress(data: Uint8Array, options?: CompressOptions): Promise<Uint8Array>
  /**
   * Decompresses `data`. Corrupt input, or output above `options.maxSize`, rejects with a
   * {@link KafkaCompressionError} (code 2, CORRUPT_MESSAGE).
   */
  decompress(data: Uint8Array, options: DecompressOptions): Promise<Uint8Array>
}

/** The error for input a codec cannot decode. */
export function corruptCompressedData(codec: CompressionName, message: string, cause?: unknown): KafkaCompressionError {
  return new KafkaCompressionError(`${codec}: ${message}`, cause === undefined ? {} : { cause })
}

/** The error for output that would exceed {@link DecompressOptions.maxSize}. */
export function decompressedTooLarge(codec: CompressionName, size: number | string, maxSize: number): KafkaCompressionError {
  return new KafkaCompressionError(
    `${codec}: decompressed data of ${size} bytes exceeds the limit of ${maxSize} bytes`,
  )
}

/** Checks the size limit a caller passed in, once, so codecs can rely on it. */
export function checkMaxSize(maxSize: number): void {
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
    throw new RangeError(`maxSize must be a non-negative integer, got ${maxSize}`)
  }
}
