import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { KafkaCompressionError } from '../../../src/errors.js'
import {
  CompressionType,
  compressionCodec,
  compressionCodecByName,
  zstdEncoder,
} from '../../../src/protocol/compression/index.js'
import { xxhash32 } from '../../../src/protocol/compression/xxhash32.js'
import { walkZstdFrames } from '../../../src/protocol/compression/zstd-frames.js'
import { decompressWithFzstd, decompressWithNapi, loadZstdNapi } from '../../../src/protocol/compression/zstd.js'
import {
  LZ4_CLI_BLOCK_CHECKSUMS,
  LZ4_CLI_CONTENT_SIZE_AND_CHECKSUM,
  LZ4_CLI_DEPENDENT_BLOCKS,
  LZ4_CLI_INPUT,
  LZ4_CLI_LIBRDKAFKA_STYLE,
  ZSTD_CLI_INPUT,
  ZSTD_CLI_STREAMED,
  ZSTD_CLI_WITH_CONTENT_SIZE,
} from './fixtures/cli-frames.js'

const require = createRequire(import.meta.url)

/** The lz4 package's own API and its native xxhash, used as independent references. */
interface Lz4Package {
  encode(input: Buffer): Buffer
  decode(input: Buffer): Buffer
  encodeBlock(input: Buffer, output: Buffer): number
  utils: { descriptorChecksum(d: Buffer): number; blockChecksum(d: Buffer): number }
}
const lz4pkg = require('lz4') as Lz4Package
const snappyjs = require('snappyjs') as { compress(b: Uint8Array): Buffer }

const MiB = 1024 * 1024
const hex = (s: string): Buffer => Buffer.from(s, 'hex')

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n)
  let x = seed >>> 0
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** JSON-ish text with varying fields: compressible, not trivially. */
function jsonText(n: number, seed: number): Buffer {
  const rnd = randomBytes(n, seed)
  let s = ''
  let i = 0
  while (s.length < n) {
    s += `{"id":${rnd[i % n]! * 977 + i},"user":"user-${rnd[(i + 1) % n]! % 50}","amount":${rnd[(i + 2) % n]! / 7},"currency":"EUR"}\n`
    i += 3
  }
  return Buffer.from(s.slice(0, n))
}

async function expectCompressionError(p: Promise<unknown>, pattern?: RegExp): Promise<KafkaCompressionError> {
  const err = await p.then(
    () => {
      throw new Error('expected a KafkaCompressionError')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(KafkaCompressionError)
  if (pattern !== undefined) expect((err as Error).message).toMatch(pattern)
  return err as KafkaCompressionError
}

const ALL = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]

describe('codec registry', () => {
  it('maps Kafka codec ids and names to codecs', () => {
    expect(ALL.map((t) => compressionCodec(t).name)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
    expect(compressionCodecByName('lz4').type).toBe(3)
  })

  it('reports unknown ids as UNSUPPORTED_COMPRESSION_TYPE', () => {
    for (const id of [5, 6, 7, -1, 1.5]) {
      let err: unknown
      try {
        compressionCodec(id)
      } catch (e) {
        err = e
      }
      expect(err).toBeInstanceOf(KafkaCompressionError)
      expect((err as KafkaCompressionError).code).toBe(76)
    }
  })
})

describe.each(ALL)('codec %i round trip', (type) => {
  const codec = compressionCodec(type)
  const inputs: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([42])],
    ['short text', Buffer.from('hello kafka')],
    ['300 KiB of JSON-ish text (several LZ4 blocks, async zlib path)', jsonText(300 * 1024, 1)],
    ['200 KiB of random bytes (incompressible)', randomBytes(200 * 1024, 2)],
  ]
  it.each(inputs)('%s', async (_name, input) => {
    const compressed = await codec.compress(input)
    const output = await codec.decompress(compressed, { maxSize: input.length })
    expect(Buffer.from(output).equals(input)).toBe(true)
  })

  it('refuses output above maxSize with a typed error', async () => {
    const input = jsonText(100_000, 3)
    const compressed = await codec.compress(input)
    await expectCompressionError(codec.decompress(compressed, { maxSize: 99_999 }), /exceeds the limit of 99999 bytes/)
  })
})

describe('gzip', () => {
  it('interoperates with plain zlib gzip streams (as java.util.zip writes them)', async () => {
    const input = jsonText(5000, 4)
    const out = await compressionCodec(CompressionType.GZIP).decompress(zlib.gzipSync(input, { level: 9 }), { maxSize: MiB })
    expect(Buffer.from(out).equals(input)).toBe(true)
    const ours = await compressionCodec(CompressionType.GZIP).compress(input, { level: 1 })
    expect(zlib.gunzipSync(ours).equals(input)).toBe(true)
    expect(ours[0]).toBe(0x1f)
    expect(ours[1]).toBe(0x8b)
  })

  it('rejects corrupt streams with a typed error, on both the sync and async paths', async () => {
    const codec = compressionCodec(CompressionType.GZIP)
    const small = Buffer.from(zlib.gzipSync(jsonText(1000, 5)))
    small[20]! ^= 0xff
    await expectCompressionError(codec.decompress(small, { maxSize: MiB }), /^gzip:/)
    const big = Buffer.from(zlib.gzipSync(randomBytes(100_000, 6)))
    big[5000]! ^= 0xff
    await expectCompressionError(codec.decompress(big, { maxSize: MiB }), /^gzip:/)
  })

  it('stops a gzip bomb at the limit', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 * MiB))
    expect(bomb.length).toBeLessThan(100 * 1024)
    await expectCompressionError(compressionCodec(CompressionType.GZIP).decompress(bomb, { maxSize: MiB }), /exceeds/)
  })
})

/** snappy-java's stream framing around raw blocks, built here from the spec. */
function xerialFrame(blocks: Buffer[], trailer = Buffer.alloc(0)): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const parts: Buffer[] = [header]
  for (const block of blocks) {
    const length = Buffer.alloc(4)
    length.writeInt32BE(block.length)
    parts.push(length, block)
  }
  parts.push(trailer)
  return Buffer.concat(parts)
}

describe('snappy', () => {
  const codec = compressionCodec(CompressionType.SNAPPY)

  it('decodes raw blocks written by snappyjs', async () => {
    const input = Buffer.from('hello kafka '.repeat(2000))
    const raw = snappyjs.compress(input)
    expect(raw.subarray(0, 3).toString('hex')).toBe('c0bb01') // uvarint 24000
    expect(Buffer.from(await codec.decompress(raw, { maxSize: MiB })).equals(input)).toBe(true)
  })

  it('decodes xerial (snappy-java) framing over several 32 KiB chunks', async () => {
    const input = jsonText(100_000, 7)
    const chunks = [0, 32768, 65536, 98304].map((s) => input.subarray(s, Math.min(s + 32768, input.length)))
    const framed = xerialFrame(chunks.map((c) => snappyjs.compress(c)))
    expect(Buffer.from(await codec.decompress(framed, { maxSize: MiB })).equals(input)).toBe(true)
  })

  it('decodes an xerial header with no chunks as empty', async () => {
    expect((await codec.decompress(xerialFrame([]), { maxSize: 10 })).length).toBe(0)
  })

  it('rejects trailing garbage and chunk lengths beyond the data in xerial framing', async () => {
    const block = snappyjs.compress(Buffer.from('abc'.repeat(100)))
    for (const trailer of [Buffer.from([0]), Buffer.from([0, 0, 0]), Buffer.from([0, 0, 0, 9, 1])]) {
      await expectCompressionError(codec.decompress(xerialFrame([block], trailer), { maxSize: MiB }), /^snappy:/)
    }
  })

  it('applies maxSize across xerial chunks before allocating', async () => {
    const chunk = snappyjs.compress(Buffer.alloc(30_000))
    await expectCompressionError(codec.decompress(xerialFrame([chunk, chunk, chunk]), { maxSize: 80_000 }), /exceeds/)
  })

  it('rejects hostile raw blocks quickly instead of looping or silently truncating', async () => {
    const hostile = [
      // Literal with a 4-byte length of -5: a trusting decoder steps backwards forever.
      Buffer.from([0x0a, 0xfc, 0xfa, 0xff, 0xff, 0xff, 0xfc, 0xfa, 0xff, 0xff, 0xff]),
      // Announces 3 bytes, decodes to 5.
      Buffer.from([0x03, 0x10, 0x61, 0x62, 0x63, 0x64, 0x65]),
      // Announces 10 bytes, decodes to 5.
      Buffer.from([0x0a, 0x10, 0x61, 0x62, 0x63, 0x64, 0x65]),
      // Copy before the start of the output.
      Buffer.from([0x08, 0x00, 0x61, 0x01, 0x05]),
      // Length varint longer than 32 bits.
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
      // Announces 4 GiB - 1.
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]),
      Buffer.alloc(0),
    ]
    for (const h of hostile) await expectCompressionError(codec.decompress(h, { maxSize: 100 }), /^snappy:/)
  })

  it('decodes long overlapping copies (run-length style)', async () => {
    // "ab" then copy offset 2, length 64 (2-byte-offset copy): "abab…".
    const block = Buffer.from([66, 0x04, 0x61, 0x62, ((64 - 1) << 2) | 2, 0x02, 0x00])
    const out = Buffer.from(await codec.decompress(block, { maxSize: 100 }))
    expect(out.toString()).toBe('ab'.repeat(33))
  })
})

/** LZ4 frame with arbitrary descriptor, built with the lz4 package's native block coder and xxhash. */
function lz4Frame(
  data: Buffer,
  opts: { flg?: number; bd?: number; blockSize?: number; contentSize?: boolean; headerChecksum?: 'good' | 'legacy' | 'bad' } = {},
): Buffer {
  const blockChecksum = ((opts.flg ?? 0x60) & 0x10) !== 0
  const contentChecksum = ((opts.flg ?? 0x60) & 0x04) !== 0
  const flg = (opts.flg ?? 0x60) | (opts.contentSize === true ? 0x08 : 0)
  const descriptor = [flg, opts.bd ?? 0x40]
  if (opts.contentSize === true) {
    const size = Buffer.alloc(8)
    size.writeBigUInt64LE(BigInt(data.length))
    descriptor.push(...size)
  }
  const magic = [0x04, 0x22, 0x4d, 0x18]
  const hcInput = opts.headerChecksum === 'legacy' ? Buffer.from([...magic, ...descriptor]) : Buffer.from(descriptor)
  let hc = lz4pkg.utils.descriptorChecksum(hcInput)
  if (opts.headerChecksum === 'bad') hc ^= 1
  const parts: Buffer[] = [Buffer.from([...magic, ...descriptor, hc])]
  const blockSize = opts.blockSize ?? 65536
  for (let s = 0; s < data.length; s += blockSize) {
    const chunk = data.subarray(s, s + blockSize)
    const out = Buffer.alloc(chunk.length + 1024)
    const n = lz4pkg.encodeBlock(chunk, out)
    const stored = n === 0 || n >= chunk.length
    const body = stored ? chunk : out.subarray(0, n)
    const size = Buffer.alloc(4)
    size.writeUInt32LE((body.length | (stored ? 0x80000000 : 0)) >>> 0)
    parts.push(size, body)
    if (blockChecksum) {
      const c = Buffer.alloc(4)
      c.writeUInt32LE(lz4pkg.utils.blockChecksum(body) >>> 0)
      parts.push(c)
    }
  }
  parts.push(Buffer.alloc(4))
  if (contentChecksum) {
    const c = Buffer.alloc(4)
    c.writeUInt32LE(lz4pkg.utils.blockChecksum(data) >>> 0)
    parts.push(c)
  }
  return Buffer.concat(parts)
}

describe('lz4', () => {
  const codec = compressionCodec(CompressionType.LZ4)
  const input = jsonText(200_000, 8)

  it('writes the Java producer’s frame header and 64 KiB independent blocks', async () => {
    const frame = Buffer.from(await codec.compress(input))
    expect(frame.subarray(0, 7).toString('hex')).toBe('04224d18604082')
    expect(frame.subarray(frame.length - 4).toString('hex')).toBe('00000000')
    // First block is compressed (high bit clear) and decodes to 64 KiB.
    expect(frame.readUInt32LE(7) & 0x80000000).toBe(0)
  })

  it('stores incompressible blocks raw with the high bit set', async () => {
    const random = randomBytes(150_000, 9)
    const frame = Buffer.from(await codec.compress(random))
    expect(frame.readUInt32LE(7)).toBe((0x80000000 | 65536) >>> 0)
    expect(frame.length).toBe(7 + 3 * 4 + random.length + 4)
    expect(Buffer.from(await codec.decompress(frame, { maxSize: MiB })).equals(random)).toBe(true)
  })

  it('writes frames the lz4 package decodes, and decodes frames the lz4 package writes', async () => {
    expect(lz4pkg.decode(Buffer.from(await codec.compress(input))).equals(input)).toBe(true)
    const theirs = lz4pkg.encode(input)
    expect(theirs.subarray(4, 6).toString('hex')).toBe('6470') // content checksum, 4 MiB blocks
    expect(Buffer.from(await codec.decompress(theirs, { maxSize: MiB })).equals(input)).toBe(true)
  })

  it('decodes frames written by liblz4 with librdkafka’s settings, content size, and block checksums', async () => {
    const expected = Buffer.from(LZ4_CLI_INPUT)
    expect(LZ4_CLI_LIBRDKAFKA_STYLE.slice(0, 14)).toBe('04224d18604082')
    for (const frame of [LZ4_CLI_LIBRDKAFKA_STYLE, LZ4_CLI_CONTENT_SIZE_AND_CHECKSUM, LZ4_CLI_BLOCK_CHECKSUMS]) {
      expect(Buffer.from(await codec.decompress(hex(frame), { maxSize: MiB })).equals(expected)).toBe(true)
    }
  })

  it('compresses with the HC compressor when a level above 1 is asked for', async () => {
    const fast = await codec.compress(input)
    const hc = await codec.compress(input, { level: 9 })
    expect(hc.length).toBeLessThan(fast.length)
    expect(Buffer.from(await codec.decompress(hc, { maxSize: MiB })).equals(input)).toBe(true)
  })

  it.each([
    [4, 0x40],
    [5, 0x50],
    [6, 0x60],
    [7, 0x70],
  ])('accepts block-size code %i', async (_code, bd) => {
    const frame = lz4Frame(input, { bd, blockSize: 1 << (2 * (bd >> 4) + 8) })
    expect(Buffer.from(await codec.decompress(frame, { maxSize: MiB })).equals(input)).toBe(true)
  })

  it('accepts block checksums, content size and content checksum, and checks them', async () => {
    const frame = lz4Frame(input, { flg: 0x74, contentSize: true })
    expect(Buffer.from(await codec.decompress(frame, { maxSize: MiB })).equals(input)).toBe(true)
    const badBlock = Buffer.from(frame)
    badBlock[15 + 4 + 10]! ^= 1 // inside the first block's data
    await expectCompressionError(codec.decompress(badBlock, { maxSize: MiB }), /checksum|corrupt/)
    const badContent = Buffer.from(frame)
    badContent[badContent.length - 1]! ^= 1
    await expectCompressionError(codec.decompress(badContent, { maxSize: MiB }), /content checksum/)
  })

  it('rejects dependent blocks, bad block-size codes, reserved bits, dictionaries and a bad header checksum', async () => {
    await expectCompressionError(codec.decompress(hex(LZ4_CLI_DEPENDENT_BLOCKS), { maxSize: MiB }), /dependent/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { flg: 0x40 }), { maxSize: MiB }), /dependent/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { bd: 0x30 }), { maxSize: MiB }), /block-maximum-size/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { bd: 0x41 }), { maxSize: MiB }), /reserved/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { flg: 0x62 }), { maxSize: MiB }), /reserved/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { flg: 0x61 }), { maxSize: MiB }), /dictionary/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { headerChecksum: 'bad' }), { maxSize: MiB }), /header checksum/)
    await expectCompressionError(codec.decompress(lz4Frame(input, { flg: 0xa0 }), { maxSize: MiB }), /version/)
  })

  it('accepts the broken pre-KAFKA-3160 header checksum for magic 0 only', async () => {
    const legacy = lz4Frame(input, { headerChecksum: 'legacy' })
    expect(Buffer.from(await codec.decompress(legacy, { maxSize: MiB, magic: 0 })).equals(input)).toBe(true)
    await expectCompressionError(codec.decompress(legacy, { maxSize: MiB, magic: 1 }), /header checksum/)
  })

  it('rejects truncation, oversized blocks and trailing garbage', async () => {
    const frame = lz4Frame(input)
    for (const cut of [3, 6, 7, 12, frame.length - 1]) {
      await expectCompressionError(codec.decompress(frame.subarray(0, cut), { maxSize: MiB }), /^lz4:/)
    }
    const oversized = Buffer.from(frame)
    oversized.writeUInt32LE(65537, 7)
    await expectCompressionError(codec.decompress(oversized, { maxSize: MiB }), /exceeds/)
    await expectCompressionError(codec.decompress(Buffer.concat([frame, Buffer.from([1, 2])]), { maxSize: MiB }), /^lz4:/)
  })

  it('decodes concatenated frames', async () => {
    const two = Buffer.concat([lz4Frame(input.subarray(0, 1000)), lz4Frame(input.subarray(1000, 5000))])
    expect(Buffer.from(await codec.decompress(two, { maxSize: MiB })).equals(input.subarray(0, 5000))).toBe(true)
  })

  it('refuses a content size above the limit before decoding', async () => {
    const frame = lz4Frame(input, { contentSize: true })
    await expectCompressionError(codec.decompress(frame, { maxSize: 1000 }), /exceeds the limit/)
  })
})

describe('xxhash32', () => {
  it('agrees with the lz4 package’s native XXH32 and gives Kafka’s header checksum byte', () => {
    const data = randomBytes(300, 10)
    for (let n = 0; n <= 300; n += 7) {
      expect(xxhash32(data, 0, n)).toBe(lz4pkg.utils.blockChecksum(data.subarray(0, n)) >>> 0)
    }
    expect((xxhash32(Buffer.from([0x60, 0x40])) >>> 8) & 0xff).toBe(0x82)
  })
})

/** A zstd frame of `blocks` RLE blocks of 128 KiB each and no content size: a decompression bomb. */
function zstdRleBomb(blocks: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])] // no FCS, window 128 KiB
  for (let i = 0; i < blocks; i++) {
    const header = ((131072 << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0)) >>> 0
    parts.push(Buffer.from([header & 0xff, (header >>> 8) & 0xff, (header >>> 16) & 0xff, 0x41]))
  }
  return Buffer.concat(parts)
}

type ZstdDecoder = (data: Uint8Array, maxSize: number) => Uint8Array
const napiEngine = await loadZstdNapi()
// Both decoders the codec may pick on Node < 22.15, each held to the same contract.
const ZSTD_DECODERS: Array<[string, ZstdDecoder | null]> = [
  ['fzstd', decompressWithFzstd],
  ['zstd-napi', napiEngine === null ? null : (d, m) => decompressWithNapi(napiEngine, d, m)],
]

describe.each(ZSTD_DECODERS)('zstd decoding with %s', (_name, decoder) => {
  const expected = Buffer.from(ZSTD_CLI_INPUT)
  // The native package is optional; without it only fzstd is tested.
  const run = async (data: Uint8Array, maxSize: number): Promise<Uint8Array> => decoder!(data, maxSize)
  const maybe = decoder === null ? it.skip : it

  maybe('decodes frames written by the zstd tool, with and without a content size', async () => {
    expect(walkZstdFrames(hex(ZSTD_CLI_WITH_CONTENT_SIZE), MiB).exactSize).toBe(8000)
    expect(walkZstdFrames(hex(ZSTD_CLI_STREAMED), MiB).exactSize).toBeNull()
    for (const frame of [ZSTD_CLI_WITH_CONTENT_SIZE, ZSTD_CLI_STREAMED]) {
      expect(Buffer.from(await run(hex(frame), MiB)).equals(expected)).toBe(true)
    }
  })

  maybe('decodes concatenated frames and skips skippable frames', async () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9])
    const data = Buffer.concat([hex(ZSTD_CLI_STREAMED), skippable, hex(ZSTD_CLI_WITH_CONTENT_SIZE)])
    expect(Buffer.from(await run(data, MiB)).equals(Buffer.concat([expected, expected]))).toBe(true)
  })

  maybe('stops a bomb without a content size at the limit', async () => {
    const bomb = zstdRleBomb(512) // 64 MiB from 2 KiB
    expect(walkZstdFrames(bomb, MiB).upperBound).toBe(64 * MiB)
    await expectCompressionError(run(bomb, MiB), /exceeds/)
    // Within the limit the same construction decodes.
    const small = Buffer.from(await run(zstdRleBomb(4), MiB))
    expect(small.length).toBe(4 * 131072)
    expect(small.every((b) => b === 0x41)).toBe(true)
  })

  maybe('rejects corrupt compressed blocks with a typed error', async () => {
    let errors = 0
    for (const fixture of [ZSTD_CLI_STREAMED, ZSTD_CLI_WITH_CONTENT_SIZE]) {
      const frame = hex(fixture)
      for (let i = 6; i < frame.length; i += 5) {
        const bad = Buffer.from(frame)
        bad[i]! ^= 0x5a
        const result = await run(bad, MiB).then(
          (out) => out,
          (e: unknown) => e,
        )
        // A typed error, or (for a flip the format cannot detect) some output.
        if (!(result instanceof Uint8Array)) {
          expect(result).toBeInstanceOf(KafkaCompressionError)
          errors++
        }
      }
    }
    expect(errors).toBeGreaterThan(50)
  })

  maybe('refuses announced sizes above the limit, huge windows, dictionaries and truncation', async () => {
    await expectCompressionError(run(hex(ZSTD_CLI_WITH_CONTENT_SIZE), 7999), /exceeds the limit/)
    const hugeWindow = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x90, 0x01, 0x00, 0x00])
    await expectCompressionError(run(hugeWindow, MiB), /window/)
    const withDict = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x07, 0x00, 0x01, 0x00, 0x00])
    await expectCompressionError(run(withDict, MiB), /dictionary/)
    const frame = hex(ZSTD_CLI_WITH_CONTENT_SIZE)
    for (const cut of [2, 5, 9, frame.length - 1]) {
      await expectCompressionError(run(frame.subarray(0, cut), MiB), /^zstd:/)
    }
    await expectCompressionError(run(Buffer.alloc(0), MiB), /^zstd:/)
  })
})

describe('zstd codec', () => {
  const codec = compressionCodec(CompressionType.ZSTD)

  it('encodes when an encoder is available, and says how to get one otherwise', async () => {
    const encoder = await zstdEncoder()
    const input = jsonText(50_000, 11)
    if (encoder === 'none') {
      const err = await expectCompressionError(codec.compress(input), /Node\.js >= 22\.15|zstd-napi/)
      expect(err.code).toBe(76)
      expect(err.errorName).toBe('UNSUPPORTED_COMPRESSION_TYPE')
      return
    }
    const frame = Buffer.from(await codec.compress(input, { level: 1 }))
    expect(frame.readUInt32LE(0)).toBe(0xfd2fb528)
    expect(Buffer.from(await codec.decompress(frame, { maxSize: MiB })).equals(input)).toBe(true)
  })
})
