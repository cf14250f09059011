/**
 * Zstandard (standard zstd frames, as zstd-jni writes them for the Java producer).
 *
 * Engines, best first:
 * - node:zlib's zstd (Node >= 22.15 / 23.8) for both directions;
 * - otherwise decoding with `fzstd` (pure JS, a dependency, so every consumer can read zstd) and
 *   encoding with the optional native package `zstd-napi`. When neither node:zlib zstd nor
 *   zstd-napi is available, compressing throws UNSUPPORTED_COMPRESSION_TYPE (76).
 */

import zlib from 'node:zlib'
import { constants as bufferConstants } from 'node:buffer'
import { decompress as fzstdDecompress, Decompress as FzstdStream } from 'fzstd'
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
import { walkZstdFrames } from './zstd-frames.js'

/** Java's and zstd's default level. */
const DEFAULT_LEVEL = 3
/** As for gzip: below these sizes the thread-pool round trip costs more than it saves. */
const COMPRESS_SYNC_LIMIT = 256 * 1024
const DECOMPRESS_SYNC_LIMIT = 64 * 1024

type ZlibCallback = (err: Error | null, result: Buffer) => void
interface NodeZstdOptions {
  params?: Record<number, number>
  maxOutputLength?: number
}
/** node:zlib's zstd functions, which @types/node 20 does not declare. */
interface NodeZstd {
  zstdCompressSync(data: Uint8Array, options?: NodeZstdOptions): Buffer
  zstdDecompressSync(data: Uint8Array, options?: NodeZstdOptions): Buffer
  zstdCompress(data: Uint8Array, options: NodeZstdOptions, callback: ZlibCallback): void
  zstdDecompress(data: Uint8Array, options: NodeZstdOptions, callback: ZlibCallback): void
  constants: { ZSTD_c_compressionLevel: number }
}

const nodeZstd: NodeZstd | undefined =
  typeof (zlib as unknown as Partial<NodeZstd>).zstdCompressSync === 'function' ? (zlib as unknown as NodeZstd) : undefined

/** The part of `zstd-napi` used here. */
interface ZstdNapiCompressor {
  compress(data: Uint8Array): Buffer
  setParameters(parameters: { compressionLevel?: number }): void
}
interface ZstdNapi {
  Compressor: new () => ZstdNapiCompressor
}

/** Where zstd encoding comes from on this runtime. */
export type ZstdEncoder = 'node:zlib' | 'zstd-napi' | 'none'

// A variable specifier keeps bundlers and the type checker from requiring the optional package.
const ZSTD_NAPI = 'zstd-napi'
let napiCompressor: Promise<ZstdNapiCompressor | null> | undefined
let napiLevel = Number.NaN

function loadNapiCompressor(): Promise<ZstdNapiCompressor | null> {
  napiCompressor ??= (import(ZSTD_NAPI) as Promise<ZstdNapi & { default?: ZstdNapi }>).then(
    (m) => new (m.Compressor ?? m.default!.Compressor)(),
    () => null,
  )
  return napiCompressor
}

/** Which engine compresses zstd here (loads the optional package to find out). */
export async function zstdEncoder(): Promise<ZstdEncoder> {
  if (nodeZstd !== undefined) return 'node:zlib'
  return (await loadNapiCompressor()) === null ? 'none' : 'zstd-napi'
}

function run(fn: (data: Uint8Array, options: NodeZstdOptions, cb: ZlibCallback) => void, data: Uint8Array, options: NodeZstdOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => fn(data, options, (err, out) => (err === null ? resolve(out) : reject(err))))
}

async function compressZstd(data: Uint8Array, level: number): Promise<Uint8Array> {
  if (nodeZstd !== undefined) {
    const options = { params: { [nodeZstd.constants.ZSTD_c_compressionLevel]: level } }
    if (data.length <= COMPRESS_SYNC_LIMIT) return nodeZstd.zstdCompressSync(data, options)
    return run(nodeZstd.zstdCompress.bind(nodeZstd), data, options)
  }
  const compressor = await loadNapiCompressor()
  if (compressor === null) {
    throw new KafkaCompressionError(
      'zstd: compression needs Node.js >= 22.15 (node:zlib zstd) or the optional package zstd-napi ' +
        '(npm install zstd-napi); decompression works without either',
      { code: 76 },
    )
  }
  if (level !== napiLevel) {
    compressor.setParameters({ compressionLevel: level })
    napiLevel = level
  }
  return compressor.compress(data)
}

function decompressWithFzstd(data: Uint8Array, maxSize: number): Uint8Array {
  const { exactSize, upperBound } = walkZstdFrames(data, maxSize)
  let out: Uint8Array
  if (upperBound <= maxSize) {
    out = fzstdDecompress(data)
  } else {
    // Frames without a content size could decode past the limit: stream them and stop as soon as
    // the output crosses it.
    const chunks: Uint8Array[] = []
    let total = 0
    const stream = new FzstdStream((chunk) => {
      total += chunk.length
      if (total > maxSize) throw decompressedTooLarge('zstd', `more than ${maxSize}`, maxSize)
      chunks.push(chunk)
    })
    stream.push(data, true)
    out = Buffer.concat(chunks, total)
  }
  if (exactSize !== null && out.length !== exactSize) {
    throw corruptCompressedData('zstd', `frames decode to ${out.length} bytes, ${exactSize} announced`)
  }
  return out
}

async function decompressZstd(data: Uint8Array, maxSize: number): Promise<Uint8Array> {
  if (nodeZstd === undefined) return decompressWithFzstd(data, maxSize)
  const options = { maxOutputLength: Math.min(Math.max(maxSize, 1), bufferConstants.MAX_LENGTH) }
  const out =
    data.length <= DECOMPRESS_SYNC_LIMIT
      ? nodeZstd.zstdDecompressSync(data, options)
      : await run(nodeZstd.zstdDecompress.bind(nodeZstd), data, options)
  if (out.length > maxSize) throw decompressedTooLarge('zstd', out.length, maxSize)
  return out
}

export const zstdCodec: CompressionCodec = {
  type: CompressionType.ZSTD,
  name: 'zstd',

  async compress(data: Uint8Array, options?: CompressOptions): Promise<Uint8Array> {
    try {
      return await compressZstd(data, options?.level ?? DEFAULT_LEVEL)
    } catch (err) {
      if (err instanceof KafkaCompressionError) throw err
      throw new KafkaCompressionError(`zstd: cannot compress: ${(err as Error).message}`, { cause: err })
    }
  },

  async decompress(data: Uint8Array, options: DecompressOptions): Promise<Uint8Array> {
    checkMaxSize(options.maxSize)
    try {
      return await decompressZstd(data, options.maxSize)
    } catch (err) {
      if (err instanceof KafkaCompressionError) throw err
      if (err instanceof RangeError && (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw decompressedTooLarge('zstd', `more than ${options.maxSize}`, options.maxSize)
      }
      throw corruptCompressedData('zstd', (err as Error).message, err)
    }
  },
}
