/**
 * Zstandard (standard zstd frames, as zstd-jni writes them for the Java producer).
 *
 * Engines, best first:
 * - node:zlib's zstd (Node >= 22.15 / 23.8) for both directions;
 * - otherwise the optional native package `zstd-napi` (an optionalDependency, built from its bundled
 *   sources when no prebuilt binary can be fetched) for both directions;
 * - otherwise decoding with `fzstd` (pure JS, a regular dependency, so every consumer can read
 *   zstd, at roughly a quarter of the native speed); compressing then throws
 *   UNSUPPORTED_COMPRESSION_TYPE (76).
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

/** The part of `zstd-napi`'s low-level binding used here (one native context per direction). */
interface ZstdNapiBinding {
  CCtx: new () => { compress(dst: Uint8Array, src: Uint8Array, level: number): number }
  DCtx: new () => {
    decompressStream(dst: Uint8Array, src: Uint8Array): [remaining: number, produced: number, consumed: number]
    reset(directive: number): void
  }
  compressBound(size: number): number
  ResetDirective: { sessionOnly: number }
}

interface NapiEngine {
  readonly binding: ZstdNapiBinding
  readonly cctx: InstanceType<ZstdNapiBinding['CCtx']>
  readonly dctx: InstanceType<ZstdNapiBinding['DCtx']>
}

/** Where zstd encoding comes from on this runtime. */
export type ZstdEncoder = 'node:zlib' | 'zstd-napi' | 'none'

// A variable specifier keeps bundlers and the type checker from requiring the optional package.
// The full file name: Node's ESM resolver adds no extension to a package subpath.
const ZSTD_NAPI_BINDING = 'zstd-napi/binding.js'
let napi: Promise<NapiEngine | null> | undefined
/** Why the optional package could not be loaded, kept as the cause of the unsupported error. */
let napiLoadError: unknown

/** The optional native package, loaded once; null when it is not installed or did not build. */
export function loadZstdNapi(): Promise<NapiEngine | null> {
  napi ??= (import(ZSTD_NAPI_BINDING) as Promise<ZstdNapiBinding & { default?: ZstdNapiBinding }>).then(
    (m) => {
      const binding = m.default ?? m
      return { binding, cctx: new binding.CCtx(), dctx: new binding.DCtx() }
    },
    (err: unknown) => {
      napiLoadError = err
      return null
    },
  )
  return napi
}

/** Which engine compresses zstd here (loads the optional package to find out). */
export async function zstdEncoder(): Promise<ZstdEncoder> {
  if (nodeZstd !== undefined) return 'node:zlib'
  return (await loadZstdNapi()) === null ? 'none' : 'zstd-napi'
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
  const engine = await loadZstdNapi()
  if (engine === null) {
    throw new KafkaCompressionError(
      'zstd: compression needs Node.js >= 22.15 (node:zlib zstd) or the optional package zstd-napi ' +
        '(npm install zstd-napi); decompression works without either',
      { code: 76, cause: napiLoadError },
    )
  }
  // Sized for the worst case so one call always fits; the slack is dropped when the batch copies
  // the result behind its header.
  const out = Buffer.allocUnsafe(engine.binding.compressBound(data.length))
  return out.subarray(0, engine.cctx.compress(out, data, level))
}

/** Runs a decoder, turning whatever its engine throws into a {@link KafkaCompressionError}. */
function typedErrors<T>(maxSize: number, decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    throw asZstdError(err, maxSize)
  }
}

function asZstdError(err: unknown, maxSize: number): KafkaCompressionError {
  if (err instanceof KafkaCompressionError) return err
  if (err instanceof RangeError && (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
    return decompressedTooLarge('zstd', `more than ${maxSize}`, maxSize)
  }
  return corruptCompressedData('zstd', (err as Error).message, err)
}

/**
 * Native decoding through zstd-napi's streaming context, into an output that grows only up to
 * `maxSize` (the package's one-shot decoder allocates whatever a frame announces).
 */
export function decompressWithNapi(engine: NapiEngine, data: Uint8Array, maxSize: number): Uint8Array {
  return typedErrors(maxSize, () => napiDecode(engine, data, maxSize))
}

function napiDecode(engine: NapiEngine, data: Uint8Array, maxSize: number): Uint8Array {
  const { exactSize, upperBound } = walkZstdFrames(data, maxSize)
  const { dctx } = engine
  dctx.reset(engine.binding.ResetDirective.sessionOnly)
  let out = Buffer.allocUnsafe(Math.min(exactSize ?? upperBound, maxSize, Math.max(exactSize ?? data.length * 8, 64 * 1024)))
  let op = 0
  let ip = 0
  for (;;) {
    const [remaining, produced, consumed] = dctx.decompressStream(out.subarray(op), data.subarray(ip))
    op += produced
    ip += consumed
    if (ip === data.length && remaining === 0) break
    if (op === out.length) {
      if (out.length >= maxSize) throw decompressedTooLarge('zstd', `more than ${maxSize}`, maxSize)
      const next = Buffer.allocUnsafe(Math.min(maxSize, Math.max(out.length * 2, 64 * 1024)))
      out.copy(next, 0, 0, op)
      out = next
    } else if (produced === 0 && consumed === 0) {
      throw corruptCompressedData('zstd', 'decoder made no progress (truncated frame)')
    }
  }
  if (exactSize !== null && op !== exactSize) {
    throw corruptCompressedData('zstd', `frames decode to ${op} bytes, ${exactSize} announced`)
  }
  return out.subarray(0, op)
}

/** Pure-JS decoding with fzstd, after the frame walk has bounded what it may allocate. */
export function decompressWithFzstd(data: Uint8Array, maxSize: number): Uint8Array {
  return typedErrors(maxSize, () => fzstdDecode(data, maxSize))
}

function fzstdDecode(data: Uint8Array, maxSize: number): Uint8Array {
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
  if (nodeZstd === undefined) {
    const engine = await loadZstdNapi()
    return engine === null ? decompressWithFzstd(data, maxSize) : decompressWithNapi(engine, data, maxSize)
  }
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
      throw asZstdError(err, options.maxSize)
    }
  },
}
