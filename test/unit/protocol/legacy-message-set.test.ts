import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { KafkaCompressionError, KafkaProtocolError } from '../../../src/errors.js'
import { CompressionType, compressionCodec } from '../../../src/protocol/compression/index.js'
import { decodeRecordBatches, encodeRecordBatch, type DataRecordBatch } from '../../../src/protocol/record-batch.js'
import { crc32Reference, entry, innerSet, message } from './fixtures/legacy-builder.js'

// Test vectors come from an independent byte-by-byte builder of the format (fixtures/legacy-builder.ts).

const require = createRequire(import.meta.url)
const snappyjs = require('snappyjs') as { compress(b: Uint8Array): Buffer }
const lz4pkg = require('lz4') as { utils: { descriptorChecksum(d: Buffer): number } }

const str = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString())

async function decodeAll(bytes: Buffer, checkCrcs = true): Promise<DataRecordBatch[]> {
  const { batches, truncated } = await decodeRecordBatches(bytes, { checkCrcs })
  expect(truncated).toBe(false)
  return batches as DataRecordBatch[]
}

async function decodeError(bytes: Buffer): Promise<Error> {
  const err = await decodeRecordBatches(bytes).then(
    () => new Error('decoded without error'),
    (e: unknown) => e as Error,
  )
  expect(err instanceof KafkaProtocolError || err instanceof KafkaCompressionError).toBe(true)
  return err
}

describe('legacy message sets, uncompressed', () => {
  it('decodes magic 0 messages: one batch each, no timestamps', async () => {
    const bytes = Buffer.concat([
      entry(10n, message({ magic: 0, key: 'a', value: 'one' })),
      entry(11n, message({ magic: 0, key: null, value: null })),
    ])
    const batches = await decodeAll(bytes)
    expect(batches).toHaveLength(2)
    expect(batches[0]).toMatchObject({
      magic: 0,
      baseOffset: 10n,
      lastOffset: 10n,
      lastOffsetDelta: 0,
      compression: CompressionType.NONE,
      timestampType: 'CreateTime',
      baseTimestamp: -1n,
      maxTimestamp: -1n,
      producerId: -1n,
      partitionLeaderEpoch: -1,
      isControl: false,
      isTransactional: false,
    })
    expect(batches[0]!.crc).toBe(bytes.readUInt32BE(12))
    expect(batches.map((b) => b.records.map((r) => [r.offset, BigInt(r.timestamp), str(r.key), str(r.value)]))).toEqual([
      [[10n, -1n, 'a', 'one']],
      [[11n, -1n, null, null]],
    ])
  })

  it('decodes magic 1 messages with CreateTime and LogAppendTime', async () => {
    const bytes = Buffer.concat([
      entry(3n, message({ magic: 1, timestamp: 1234n, key: 'k', value: 'v' })),
      entry(4n, message({ magic: 1, attributes: 0x08, timestamp: 5678n, value: 'w' })),
    ])
    const [create, append] = await decodeAll(bytes)
    expect(create).toMatchObject({ magic: 1, timestampType: 'CreateTime', maxTimestamp: 1234n })
    expect(create!.records[0]).toMatchObject({ offset: 3n, timestamp: 1234 })
    expect(append).toMatchObject({ timestampType: 'LogAppendTime' })
    expect(append!.records[0]).toMatchObject({ offset: 4n, timestamp: 5678, key: null })
  })

  it('checks the CRC-32 of each message unless checkCrcs is off', async () => {
    const bytes = entry(0n, message({ magic: 1, timestamp: 1n, value: 'payload' }))
    bytes[bytes.length - 1]! ^= 1
    expect((await decodeError(bytes)).message).toMatch(/CRC/)
    const [batch] = await decodeAll(bytes, false)
    expect(str(batch!.records[0]!.value)).toBe('payloae')
  })

  it('rejects messages below the minimum size or with key/value lengths beyond the message', async () => {
    const tiny = entry(0n, message({ magic: 1, timestamp: 1n, value: null })).subarray(0, 12 + 20)
    tiny.writeInt32BE(20, 8)
    expect((await decodeError(tiny)).message).toMatch(/minimum/)
    const lying = entry(0n, message({ magic: 0, value: 'abc' }))
    lying.writeInt32BE(99, lying.length - 7) // value length 99 with 3 bytes left
    lying.writeUInt32BE(crc32Reference(lying.subarray(16)), 12)
    expect((await decodeError(lying)).message).toMatch(/value length 99/)
  })

  it('stops at a truncated last message', async () => {
    const bytes = Buffer.concat([entry(0n, message({ magic: 0, value: 'x' })), entry(1n, message({ magic: 0, value: 'y' }))])
    const { batches, truncated, bytesRead } = await decodeRecordBatches(bytes.subarray(0, bytes.length - 3))
    expect(truncated).toBe(true)
    expect(batches).toHaveLength(1)
    expect(bytesRead).toBe(bytes.length / 2)
  })
})

describe('legacy message sets, compressed wrappers', () => {
  it('v0 gzip wrapper: inner offsets are absolute', async () => {
    const inner = innerSet(0, [100n, 101n, 102n])
    const wrapper = entry(102n, message({ magic: 0, attributes: CompressionType.GZIP, value: zlib.gzipSync(inner) }))
    const [batch] = await decodeAll(wrapper)
    expect(batch).toMatchObject({ magic: 0, compression: CompressionType.GZIP, baseOffset: 100n, lastOffset: 102n, lastOffsetDelta: 2 })
    expect(batch!.records.map((r) => [r.offset, BigInt(r.timestamp), str(r.key), str(r.value)])).toEqual([
      [100n, -1n, 'k0', 'v0'],
      [101n, -1n, 'k1', 'v1'],
      [102n, -1n, 'k2', 'v2'],
    ])
  })

  it('v1 gzip wrapper: relative inner offsets become absolute from the wrapper offset', async () => {
    const inner = innerSet(1, [0n, 1n, 2n])
    const wrapper = entry(
      502n,
      message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1002n, value: zlib.gzipSync(inner) }),
    )
    const [batch] = await decodeAll(wrapper)
    expect(batch!.records.map((r) => [r.offset, BigInt(r.timestamp)])).toEqual([
      [500n, 1000n],
      [501n, 1001n],
      [502n, 1002n],
    ])
    expect(batch).toMatchObject({ baseOffset: 500n, lastOffset: 502n, baseTimestamp: 1000n, maxTimestamp: 1002n })
  })

  it('v1 LogAppendTime wrapper: inner messages take the wrapper’s timestamp', async () => {
    const inner = innerSet(1, [0n, 1n])
    const wrapper = entry(
      9n,
      message({ magic: 1, attributes: CompressionType.GZIP | 0x08, timestamp: 777n, value: zlib.gzipSync(inner) }),
    )
    const [batch] = await decodeAll(wrapper)
    expect(batch!.timestampType).toBe('LogAppendTime')
    expect(batch!.records.map((r) => [r.offset, BigInt(r.timestamp)])).toEqual([
      [8n, 777n],
      [9n, 777n],
    ])
  })

  it('v1 wrapper offset 0 (old librdkafka produce data): relative offsets are used as they are', async () => {
    const inner = innerSet(1, [0n, 1n, 2n])
    const wrapper = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(inner) }))
    const [batch] = await decodeAll(wrapper)
    expect(batch!.records.map((r) => r.offset)).toEqual([0n, 1n, 2n])
  })

  it('rejects a v1 wrapper offset below its last inner relative offset', async () => {
    const inner = innerSet(1, [0n, 1n, 5n])
    const wrapper = entry(3n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(inner) }))
    expect((await decodeError(wrapper)).message).toMatch(/beyond/)
  })

  it('decodes snappy (raw and xerial), and lz4 with the correct (v1) and broken (v0) header checksum', async () => {
    const inner1 = innerSet(1, [0n, 1n, 2n])
    const raw = snappyjs.compress(inner1)
    const xerial = Buffer.concat([
      Buffer.from('82534e41505059000000000100000001', 'hex'),
      Buffer.from([0, 0, 0, raw.length]),
      raw,
    ])
    expect(raw.length).toBeLessThan(256)
    const lz4v1 = Buffer.from(await compressionCodec(CompressionType.LZ4).compress(inner1))
    const inner0 = innerSet(0, [20n, 21n, 22n])
    const lz4v0 = Buffer.from(await compressionCodec(CompressionType.LZ4).compress(inner0))
    // KAFKA-3160: magic 0 writers hashed magic + FLG + BD.
    lz4v0[6] = lz4pkg.utils.descriptorChecksum(lz4v0.subarray(0, 6))
    expect(lz4v0[6]).not.toBe(0x82)
    const bytes = Buffer.concat([
      entry(12n, message({ magic: 1, attributes: CompressionType.SNAPPY, timestamp: 1n, value: raw })),
      entry(15n, message({ magic: 1, attributes: CompressionType.SNAPPY, timestamp: 1n, value: xerial })),
      entry(18n, message({ magic: 1, attributes: CompressionType.LZ4, timestamp: 1n, value: lz4v1 })),
      entry(22n, message({ magic: 0, attributes: CompressionType.LZ4, value: lz4v0 })),
    ])
    const batches = await decodeAll(bytes)
    expect(batches.map((b) => b.records.map((r) => Number(r.offset)))).toEqual([
      [10, 11, 12],
      [13, 14, 15],
      [16, 17, 18],
      [20, 21, 22],
    ])
    expect(batches.map((b) => b.compression)).toEqual([2, 2, 3, 3])
    // A magic 1 wrapper must carry the correct header checksum.
    const wrongV1 = entry(18n, message({ magic: 1, attributes: CompressionType.LZ4, timestamp: 1n, value: lz4v0 }))
    expect((await decodeError(wrongV1)).message).toMatch(/header checksum/)
  })

  it('rejects zstd wrappers, null wrapper values, empty or nested inner sets, and bad inner CRCs', async () => {
    const inner = innerSet(1, [0n])
    const zstd = entry(0n, message({ magic: 1, attributes: CompressionType.ZSTD, timestamp: 1n, value: inner }))
    expect((await decodeError(zstd)).message).toMatch(/zstd/)
    const nullValue = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: null }))
    expect((await decodeError(nullValue)).message).toMatch(/null value/)
    const empty = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(Buffer.alloc(0)) }))
    expect((await decodeError(empty)).message).toMatch(/no messages/)
    const nestedInner = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(inner) }))
    const nested = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(nestedInner) }))
    expect((await decodeError(nested)).message).toMatch(/nests a compressed message/)
    const badInner = Buffer.from(inner)
    badInner[badInner.length - 1]! ^= 1
    const badCrc = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(badInner) }))
    expect((await decodeError(badCrc)).message).toMatch(/CRC/)
    const cut = entry(0n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 1n, value: zlib.gzipSync(inner.subarray(0, inner.length - 2)) }))
    expect((await decodeError(cut)).message).toMatch(/invalid size|inner message/)
  })

  it('decodes a fetch holding legacy messages followed by a v2 batch', async () => {
    const legacy = entry(0n, message({ magic: 1, timestamp: 5n, key: 'old', value: 'format' }))
    const v2 = await encodeRecordBatch({ records: [{ timestamp: 6n, key: null, value: Buffer.from('new') }], baseOffset: 1n })
    const batches = await decodeAll(Buffer.concat([legacy, v2]))
    expect(batches.map((b) => [b.magic, b.baseOffset, str(b.records[0]!.value)])).toEqual([
      [1, 0n, 'format'],
      [2, 1n, 'new'],
    ])
  })
})
