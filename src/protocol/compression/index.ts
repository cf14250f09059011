/**
 * Compression codecs by Kafka codec id, with the one limit every decompression obeys.
 */

import { KafkaCompressionError } from '../../errors.js'
import { CompressionType, checkMaxSize, decompressedTooLarge, type CompressionCodec, type CompressionName } from './codec.js'
import { gzipCodec } from './gzip.js'
import { lz4Codec } from './lz4.js'
import { snappyCodec } from './snappy.js'
import { zstdCodec } from './zstd.js'

export { CompressionType } from './codec.js'
export type { CompressionCodec, CompressionName, CompressOptions, DecompressOptions } from './codec.js'
export { zstdEncoder, type ZstdEncoder } from './zstd.js'

/**
 * Default ceiling for one decompressed batch or message set: far above anything a producer
 * builds under Kafka's default limits (1 MiB requests), far below what would endanger the process.
 */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 256 * 1024 * 1024

const noneCodec: CompressionCodec = {
  type: CompressionType.NONE,
  name: 'none',
  async compress(data) {
    return data
  },
  async decompress(data, { maxSize }) {
    checkMaxSize(maxSize)
    if (data.length > maxSize) throw decompressedTooLarge('none', data.length, maxSize)
    return data
  },
}

const codecs: readonly CompressionCodec[] = [noneCodec, gzipCodec, snappyCodec, lz4Codec, zstdCodec]
const byName: ReadonlyMap<string, CompressionCodec> = new Map(codecs.map((c) => [c.name, c]))

/**
 * The codec for a Kafka codec id. Ids 5-7 are unused by Kafka: a batch that carries one cannot be
 * read, which is reported as UNSUPPORTED_COMPRESSION_TYPE (76).
 */
export function compressionCodec(type: number): CompressionCodec {
  const codec = codecs[type]
  if (codec === undefined || !Number.isInteger(type)) {
    throw new KafkaCompressionError(`unknown compression codec id ${type}`, { code: 76 })
  }
  return codec
}

/** The codec for a `compression.type` name (`none`, `gzip`, `snappy`, `lz4`, `zstd`). */
export function compressionCodecByName(name: CompressionName): CompressionCodec {
  const codec = byName.get(name)
  if (codec === undefined) throw new KafkaCompressionError(`unknown compression type '${String(name)}'`, { code: 76 })
  return codec
}
