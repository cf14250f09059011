/**
 * A compressed payload that announces a large output must not get that memory reserved before the
 * data proves it: snappy blocks and LZ4 frames carry their decoded size up front, and both codecs
 * have a fixed densest encoding (64 bytes from 3 for snappy, 255 per byte for LZ4). Found by
 * `npm run fuzz` (a 129-byte Fetch payload reserved 256 MiB through a snappy preamble).
 */
import { describe, expect, it } from 'vitest'
import { compress as snappyCompress } from 'snappyjs'
import { KafkaCompressionError } from '../../../src/errors.js'
import { CompressionType, compressionCodec } from '../../../src/protocol/compression/index.js'
import { xxhash32 } from '../../../src/protocol/compression/xxhash32.js'

const LIMIT = 256 * 1024 * 1024

/** Decompresses and reports how much ArrayBuffer memory the call left reserved. */
async function reserved(type: CompressionType, data: Uint8Array): Promise<{ error: unknown; bytes: number; out?: Uint8Array }> {
  const before = process.memoryUsage().arrayBuffers
  let error: unknown = null
  let out: Uint8Array | undefined
  try {
    out = await compressionCodec(type).decompress(data, { maxSize: LIMIT, magic: 2 })
  } catch (err) {
    error = err
  }
  // Measured while the output is still referenced, so a buffer reserved for it counts.
  const bytes = process.memoryUsage().arrayBuffers - before
  return { error, bytes, out }
}

/** uvarint bytes of n. */
function uvarint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

/** An LZ4 frame with independent 4 MiB blocks, a content size, a correct header checksum and `blocks`. */
function lz4Frame(contentSize: number | null, blocks: Buffer): Buffer {
  const descriptor = [0x60 | (contentSize === null ? 0 : 0x08), 0x70]
  if (contentSize !== null) {
    const size = Buffer.alloc(8)
    size.writeUInt32LE(contentSize % 2 ** 32, 0)
    size.writeUInt32LE(Math.floor(contentSize / 2 ** 32), 4)
    descriptor.push(...size)
  }
  const d = Buffer.from(descriptor)
  const hc = (xxhash32(d) >>> 8) & 0xff
  return Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), d, Buffer.from([hc]), blocks, Buffer.alloc(4)])
}

describe('decompression reserves memory only for what the data can hold', () => {
  it('snappy: a block announcing 200 MiB in a few bytes is corrupt, not a 200 MiB buffer', async () => {
    const block = Buffer.from([...uvarint(200 * 1024 * 1024), 0x00, 0x61])
    const { error, bytes } = await reserved(CompressionType.SNAPPY, block)
    expect(error).toBeInstanceOf(KafkaCompressionError)
    expect((error as Error).message).toMatch(/more than \d+ compressed bytes can hold/)
    expect(bytes).toBeLessThan(1024 * 1024)
  })

  it('snappy (snappy-java framing): a chunk announcing 100 MiB is refused before allocation', async () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
    const chunk = Buffer.from([...uvarint(100 * 1024 * 1024), 0x00, 0x61])
    const length = Buffer.alloc(4)
    length.writeInt32BE(chunk.length)
    const { error, bytes } = await reserved(CompressionType.SNAPPY, Buffer.concat([header, length, chunk]))
    expect(error).toBeInstanceOf(KafkaCompressionError)
    expect(bytes).toBeLessThan(1024 * 1024)
  })

  it('snappy: the densest real output (zeros, ~21:1) still decodes', async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024)
    const out = await compressionCodec(CompressionType.SNAPPY).decompress(snappyCompress(zeros), { maxSize: LIMIT, magic: 2 })
    expect(Buffer.from(out).equals(zeros)).toBe(true)
  })

  it('lz4: a frame whose header announces 200 MiB over one stored byte is corrupt', async () => {
    const stored = Buffer.from([0x01, 0x00, 0x00, 0x80, 0x61]) // one uncompressed block of 1 byte
    const { error, bytes } = await reserved(CompressionType.LZ4, lz4Frame(200 * 1024 * 1024, stored))
    expect(error).toBeInstanceOf(KafkaCompressionError)
    expect((error as Error).message).toMatch(/announces \d+ bytes/)
    expect(bytes).toBeLessThan(1024 * 1024)
  })

  it('lz4: a 2-byte compressed block does not reserve the 4 MiB block maximum', async () => {
    const block = Buffer.from([0x02, 0x00, 0x00, 0x00, 0x10, 0x61]) // token: one literal 'a', no match
    const { error, out } = await reserved(CompressionType.LZ4, lz4Frame(null, block))
    expect(error).toBeNull()
    expect(Buffer.from(out!).toString()).toBe('a')
    // The output's backing buffer is what was reserved for it.
    expect(out!.buffer.byteLength).toBeLessThan(64 * 1024)
  })

  it('lz4: highly compressible data (zeros) still decodes', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024)
    const codec = compressionCodec(CompressionType.LZ4)
    const out = await codec.decompress(await codec.compress(zeros), { maxSize: LIMIT, magic: 2 })
    expect(Buffer.from(out).equals(zeros)).toBe(true)
  })
})
