/**
 * gzip (RFC 1952) through node:zlib, as Java's GZIPOutputStream/GZIPInputStream produce and read it.
 *
 * Small inputs run synchronously: node:zlib's async path costs a thread-pool round trip of roughly
 * 50-100 µs per call here (Node 20, 2 cores), more than compressing a 16 KiB batch takes. Large
 * inputs go to the thread pool so a big batch does not stall the event loop (compressing 1 MiB of
 * JSON-like text takes ~10 ms, inflating 64 KiB of gzip into ~500 KiB about 1 ms).
 * bench/README.md has the measurements.
 */

import zlib from 'node:zlib'
import { promisify } from 'node:util'
import { constants as bufferConstants } from 'node:buffer'
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

/** Inputs up to this size are compressed synchronously. */
const COMPRESS_SYNC_LIMIT = 128 * 1024
/** Compressed inputs up to this size are decompressed synchronously. */
const DECOMPRESS_SYNC_LIMIT = 64 * 1024
// The async path hands output back in chunks of this size; 16 KiB (the default) costs several
// thread-pool round trips per batch.
const ASYNC_CHUNK_SIZE = 256 * 1024

const MAX_LENGTH = bufferConstants.MAX_LENGTH
const gzipAsync = promisify(zlib.gzip)
const gunzipAsync = promisify(zlib.gunzip)

function zlibLimit(maxSize: number): number {
  // maxOutputLength must lie in [1, buffer.constants.MAX_LENGTH]; a zero limit is enforced by the
  // length check after decompression.
  return Math.min(Math.max(maxSize, 1), MAX_LENGTH)
}

function decompressError(err: unknown, maxSize: number): KafkaCompressionError {
  if (err instanceof RangeError && (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    return decompressedTooLarge('gzip', `more than ${maxSize}`, maxSize)
  }
  return corruptCompressedData('gzip', (err as Error).message, err)
}

export const gzipCodec: CompressionCodec = {
  type: CompressionType.GZIP,
  name: 'gzip',

  async compress(data: Uint8Array, options?: CompressOptions): Promise<Uint8Array> {
    const level = options?.level ?? zlib.constants.Z_DEFAULT_COMPRESSION
    try {
      if (data.length <= COMPRESS_SYNC_LIMIT) return zlib.gzipSync(data, { level })
      return await gzipAsync(data, { level, chunkSize: ASYNC_CHUNK_SIZE })
    } catch (err) {
      throw new KafkaCompressionError(`gzip: cannot compress: ${(err as Error).message}`, { cause: err })
    }
  },

  async decompress(data: Uint8Array, options: DecompressOptions): Promise<Uint8Array> {
    const { maxSize } = options
    checkMaxSize(maxSize)
    let out: Buffer
    try {
      const maxOutputLength = zlibLimit(maxSize)
      out =
        data.length <= DECOMPRESS_SYNC_LIMIT
          ? zlib.gunzipSync(data, { maxOutputLength })
          : await gunzipAsync(data, { maxOutputLength, chunkSize: ASYNC_CHUNK_SIZE })
    } catch (err) {
      throw decompressError(err, maxSize)
    }
    if (out.length > maxSize) throw decompressedTooLarge('gzip', out.length, maxSize)
    return out
  },
}
