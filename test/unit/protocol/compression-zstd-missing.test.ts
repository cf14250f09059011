import { describe, expect, it, vi } from 'vitest'

// On Node < 22.15 without the optional zstd-napi package, zstd can be read but not written.
const nodeHasZstd = 'zstdCompressSync' in (await import('node:zlib')).default

describe.skipIf(nodeHasZstd)('zstd without an encoder', () => {
  it('throws UNSUPPORTED_COMPRESSION_TYPE naming both remedies, and still decodes', async () => {
    vi.resetModules()
    vi.doMock('zstd-napi/binding.js', () => {
      throw new Error('Cannot find module zstd-napi/binding')
    })
    const { zstdCodec, zstdEncoder } = await import('../../../src/protocol/compression/zstd.js')
    // The fresh module graph has its own error classes.
    const { KafkaCompressionError } = await import('../../../src/errors.js')
    expect(await zstdEncoder()).toBe('none')
    const err = await zstdCodec.compress(Buffer.from('x')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KafkaCompressionError)
    expect((err as InstanceType<typeof KafkaCompressionError>).code).toBe(76)
    expect((err as Error).message).toMatch(/Node\.js >= 22\.15/)
    expect((err as Error).message).toMatch(/npm install zstd-napi/)
    // A frame holding one raw block "hi" (single segment, content size 2).
    const frame = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x02, 0x11, 0x00, 0x00, 0x68, 0x69])
    expect(Buffer.from(await zstdCodec.decompress(frame, { maxSize: 10 })).toString()).toBe('hi')
    vi.doUnmock('zstd-napi/binding.js')
  })
})
