import { describe, expect, it } from 'vitest'
import { KafkaCompressionError, KafkaProtocolError } from '../../../src/errors.js'
import { CompressionType } from '../../../src/protocol/compression/index.js'
import { crc32c } from '../../../src/protocol/crc32c.js'
import {
  ControlRecordType,
  decodeRecordBatches,
  encodeControlBatch,
  encodeRecordBatch,
  type ControlRecordBatch,
  type DataRecordBatch,
  type RecordBatch,
  type RecordInput,
} from '../../../src/protocol/record-batch.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const text = (s: string): Buffer => Buffer.from(s, 'utf8')
const str = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('utf8'))

// protocol.md §3.7 V1: real broker output (kafkajs fixture), gzip, LogAppendTime.
const V1 = hex(`
  0000000000000000 00000071 00000000 02 e4c324a5 0009 00000000
  00000173edf5ffa7 00000173edf5ffc9 ffffffffffffffff 0000 00000000 00000001
  1f8b08000000000000130b636060e0ca4eadd43570284bcc294dd535d035323032d035b0d03534093134b73234b632b0d033b3308a620000b5e3f1a72c000000`)

// §3.7 V2 and V3: kafka-protocol-rs fixtures, uncompressed, synthetic field values.
const V2 = hex(`
  0000000000000000 00000043 00000000 02 736d297b 0000 00000003 0000000000000000 0000010000000000
  0000000000000000 0000 00000000 00000001 22 01 d00f 02 0a 68656c6c6f 0a 776f726c64 00`)
const V3 = hex(`
  0000000000000000 00000043 00000000 02 04b94d7b 0000 00000003 0000000000000000 0000010000000000
  0000000000000000 0000 00000000 00000001 22 01 d00f 02 0a 6869696969 0a 6279656565 00`)

// §3.7 V4: canonical two-record producer batch, byte exact.
const V4 = hex(
  '000000000000000000000049ffffffff0297f4442a0000000000010000018bcfe568000000018bcfe56805ffffffffffffffffffffffffffff' +
    '000000021c000000046b31047631020268027810000a020104763200',
)

// §3.7 V5: COMMIT control batch.
const V5 = hex(`
  0000000000000064 00000042 00000005 02 61495393 0030 00000000 0000018bcfe56800 0000018bcfe56800
  0000000000001092 0003 ffffffff 00000001
  20 00 00 00 08 00000001 0c 0000 0000000a 00`)

function dataBatch(batch: RecordBatch | undefined): DataRecordBatch {
  expect(batch).toBeDefined()
  expect(batch!.isControl).toBe(false)
  return batch as DataRecordBatch
}

async function decodeOne(bytes: Uint8Array): Promise<RecordBatch> {
  const { batches, truncated, bytesRead } = await decodeRecordBatches(bytes)
  expect(truncated).toBe(false)
  expect(bytesRead).toBe(bytes.length)
  expect(batches).toHaveLength(1)
  return batches[0]!
}

async function decodeError(bytes: Uint8Array, options = {}): Promise<Error> {
  const err = await decodeRecordBatches(bytes, options).then(
    () => new Error('decoded without error'),
    (e: unknown) => e as Error,
  )
  expect(err instanceof KafkaProtocolError || err instanceof KafkaCompressionError).toBe(true)
  return err
}

describe('known-answer vectors (protocol.md §3.7)', () => {
  it('V1: decodes a real broker’s gzip LogAppendTime batch', async () => {
    expect(V1.length).toBe(125)
    const batch = dataBatch(await decodeOne(V1))
    expect(batch).toMatchObject({
      baseOffset: 0n,
      lastOffset: 0n,
      batchLength: 113,
      partitionLeaderEpoch: 0,
      magic: 2,
      crc: 0xe4c324a5,
      attributes: 9,
      compression: CompressionType.GZIP,
      timestampType: 'LogAppendTime',
      isTransactional: false,
      hasDeleteHorizon: false,
      lastOffsetDelta: 0,
      baseTimestamp: 1597425188775n,
      maxTimestamp: 1597425188809n,
      producerId: -1n,
      producerEpoch: 0,
      baseSequence: 0,
    })
    expect(batch.records).toHaveLength(1)
    const [record] = batch.records
    expect(str(record!.key)).toBe('key-0')
    expect(str(record!.value)).toBe('value-0-2020-08-14T17:13:08.682Z')
    expect(record!.offset).toBe(0n)
    // LogAppendTime: every record carries the broker's append time.
    expect(record!.timestamp).toBe(1597425188809)
    expect(record!.headers).toEqual([])
  })

  it('V2/V3: decodes uncompressed synthetic batches', async () => {
    for (const [bytes, key, value, crc] of [
      [V2, 'hello', 'world', 0x736d297b],
      [V3, 'hiiii', 'byeee', 0x04b94d7b],
    ] as const) {
      expect(bytes.length).toBe(79)
      const batch = dataBatch(await decodeOne(bytes))
      expect(batch.crc).toBe(crc)
      expect(batch.lastOffsetDelta).toBe(3)
      expect(batch.lastOffset).toBe(3n)
      expect(batch.maxTimestamp).toBe(0x10000000000n)
      const record = batch.records[0]!
      expect([str(record.key), str(record.value)]).toEqual([key, value])
      expect(record.offset).toBe(1n)
      expect(record.timestamp).toBe(1000)
    }
  })

  it('V4: encodes the canonical producer batch byte for byte', async () => {
    const records: RecordInput[] = [
      { timestamp: 1700000000000n, key: text('k1'), value: text('v1'), headers: [{ key: 'h', value: text('x') }] },
      { timestamp: 1700000000005n, key: null, value: text('v2') },
    ]
    const encoded = await encodeRecordBatch({ records })
    expect(encoded.toString('hex')).toBe(V4.toString('hex'))
    const batch = dataBatch(await decodeOne(V4))
    expect(batch.records.map((r) => [r.offset, BigInt(r.timestamp), str(r.key), str(r.value)])).toEqual([
      [0n, 1700000000000n, 'k1', 'v1'],
      [1n, 1700000000005n, null, 'v2'],
    ])
    expect(batch.records[0]!.headers.map((h) => [h.key, str(h.value)])).toEqual([['h', 'x']])
  })

  it('V5: encodes and decodes a COMMIT marker', async () => {
    const encoded = encodeControlBatch({
      type: ControlRecordType.COMMIT,
      coordinatorEpoch: 10,
      producerId: 4242n,
      producerEpoch: 3,
      timestamp: 1700000000000n,
      baseOffset: 100n,
      partitionLeaderEpoch: 5,
    })
    expect(encoded.toString('hex')).toBe(V5.toString('hex'))
    const batch = (await decodeOne(V5)) as ControlRecordBatch
    expect(batch.isControl).toBe(true)
    expect(batch.isTransactional).toBe(true)
    expect(batch.producerId).toBe(4242n)
    expect(batch.producerEpoch).toBe(3)
    expect(batch.lastOffset).toBe(100n)
    expect(batch.records).toHaveLength(1)
    expect(batch.records[0]).toMatchObject({
      offset: 100n,
      timestamp: 1700000000000,
      version: 0,
      type: ControlRecordType.COMMIT,
      coordinatorEpoch: 10,
    })
  })

  it('decodes an ABORT marker and keeps unknown control types as raw bytes', async () => {
    const abort = encodeControlBatch({
      type: ControlRecordType.ABORT,
      coordinatorEpoch: 7,
      producerId: 1n,
      producerEpoch: 0,
      timestamp: 5n,
    })
    const batch = (await decodeOne(abort)) as ControlRecordBatch
    expect(batch.records[0]).toMatchObject({ type: ControlRecordType.ABORT, coordinatorEpoch: 7 })

    const key = Buffer.from([0, 0, 0, 2]) // LEADER_CHANGE, a KRaft-internal type
    const leaderChange = await encodeRecordBatch({
      records: [{ timestamp: 1n, key, value: Buffer.from([1, 2, 3]) }],
      isControl: true,
    })
    const other = (await decodeOne(leaderChange)) as ControlRecordBatch
    expect(other.records[0]).toMatchObject({ type: 2, coordinatorEpoch: null })
    expect([...other.records[0]!.value!]).toEqual([1, 2, 3])
  })

  it('rejects malformed control records', async () => {
    const shortKey = await encodeRecordBatch({ records: [{ timestamp: 1n, key: Buffer.from([0, 0, 0]), value: null }], isControl: true })
    expect((await decodeError(shortKey)).message).toMatch(/fewer than 4 bytes/)
    const shortValue = await encodeRecordBatch({
      records: [{ timestamp: 1n, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0]) }],
      isControl: true,
    })
    expect((await decodeError(shortValue)).message).toMatch(/fewer than 6 bytes/)
  })
})

/** Deterministic PRNG (xorshift32). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

/** Records exercising every field shape: null keys and values, headers (null values, non-ASCII keys), sizes. */
function sampleRecords(count: number, seed: number, valueSize = 100): RecordInput[] {
  const rnd = prng(seed)
  const base = 1_700_000_000_000n
  return Array.from({ length: count }, (_, i) => {
    const json = JSON.stringify({ i, user: `user-${Math.floor(rnd() * 50)}`, amount: Math.floor(rnd() * 1e6) / 100 })
    const value = i % 13 === 5 ? null : Buffer.from(json.padEnd(valueSize, ' ').slice(0, Math.max(valueSize, json.length)))
    const headers =
      i % 3 === 0
        ? [
            { key: 'trace-id', value: Buffer.from(`t-${i}`) },
            { key: 'ключ-é', value: null },
          ]
        : undefined
    return {
      timestamp: base + BigInt(Math.floor(rnd() * 1000) - 200),
      key: i % 4 === 1 ? null : Buffer.from(`key-${i}`),
      value,
      ...(headers === undefined ? {} : { headers }),
    }
  })
}

function expectSameRecords(batch: DataRecordBatch, input: readonly RecordInput[], baseOffset: bigint): void {
  expect(batch.records).toHaveLength(input.length)
  batch.records.forEach((r, i) => {
    const want = input[i]!
    expect(r.offset).toBe(baseOffset + BigInt(want.offsetDelta ?? i))
    expect(r.timestamp).toBe(Number(want.timestamp))
    expect(r.key === null ? null : Buffer.from(r.key).toString('hex')).toBe(want.key === null ? null : Buffer.from(want.key).toString('hex'))
    expect(r.value === null ? null : Buffer.from(r.value).equals(want.value!)).toBe(want.value === null ? null : true)
    expect(r.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString()])).toEqual(
      (want.headers ?? []).map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString()]),
    )
  })
}

const CODECS = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]

describe.each(CODECS)('round trip with codec %i', (compression) => {
  it('keeps every field of every record and of the header', async () => {
    const records = sampleRecords(200, compression + 1)
    const bytes = await encodeRecordBatch({
      records,
      compression,
      baseOffset: 1000n,
      partitionLeaderEpoch: 9,
      producerId: 123456789012n,
      producerEpoch: 7,
      baseSequence: 2_147_483_600,
      isTransactional: true,
    })
    expect(bytes.readUInt32BE(17)).toBe(crc32c(bytes, 21))
    const batch = dataBatch(await decodeOne(bytes))
    let max = records[0]!.timestamp
    for (const r of records) if (r.timestamp > max) max = r.timestamp
    expect(batch).toMatchObject({
      baseOffset: 1000n,
      lastOffset: 1199n,
      lastOffsetDelta: 199,
      batchLength: bytes.length - 12,
      partitionLeaderEpoch: 9,
      magic: 2,
      compression,
      attributes: compression | 0x10,
      timestampType: 'CreateTime',
      isTransactional: true,
      baseTimestamp: records[0]!.timestamp,
      maxTimestamp: max,
      producerId: 123456789012n,
      producerEpoch: 7,
      baseSequence: 2_147_483_600,
    })
    expectSameRecords(batch, records, 1000n)
  })

  it('handles a batch larger than one 64 KiB LZ4 block, and incompressible values', async () => {
    const rnd = prng(99)
    const records: RecordInput[] = Array.from({ length: 300 }, (_, i) => ({
      timestamp: BigInt(i),
      key: null,
      value: Buffer.from(Array.from({ length: 1024 }, () => Math.floor(rnd() * 256))),
    }))
    const bytes = await encodeRecordBatch({ records, compression })
    expect(bytes.length).toBeGreaterThan(300 * 1024)
    expectSameRecords(dataBatch(await decodeOne(bytes)), records, 0n)
  })

  it('refuses a batch whose records decompress past maxDecompressedSize', async () => {
    const records = sampleRecords(500, 5, 1000)
    const bytes = await encodeRecordBatch({ records, compression })
    if (compression === CompressionType.NONE) return
    const err = await decodeError(bytes, { maxDecompressedSize: 100_000 })
    expect(err).toBeInstanceOf(KafkaCompressionError)
  })
})

describe('encodeRecordBatch', () => {
  it('writes LogAppendTime with the given maxTimestamp, which decoding gives every record', async () => {
    const records = sampleRecords(3, 1)
    const bytes = await encodeRecordBatch({ records, timestampType: 'LogAppendTime', maxTimestamp: 42n })
    const batch = dataBatch(await decodeOne(bytes))
    expect(batch.timestampType).toBe('LogAppendTime')
    expect(batch.attributes & 0x08).toBe(0x08)
    expect(batch.records.map((r) => r.timestamp)).toEqual([42, 42, 42])
  })

  it('encodes timestamp deltas beyond 32 bits and negative deltas (varlong)', async () => {
    const records: RecordInput[] = [
      { timestamp: 0n, key: null, value: null },
      { timestamp: 1n << 40n, key: null, value: null },
      { timestamp: -(1n << 45n), key: null, value: null },
      { timestamp: -1n, key: null, value: null },
    ]
    const batch = dataBatch(await decodeOne(await encodeRecordBatch({ records })))
    expect(batch.records.map((r) => r.timestamp)).toEqual(records.map((r) => Number(r.timestamp)))
    expect(batch.maxTimestamp).toBe(1n << 40n)
  })

  it('uses explicit offset deltas for the records and the last offset delta', async () => {
    const records: RecordInput[] = [
      { timestamp: 1n, key: null, value: text('a'), offsetDelta: 0 },
      { timestamp: 1n, key: null, value: text('b'), offsetDelta: 5 },
    ]
    const batch = dataBatch(await decodeOne(await encodeRecordBatch({ records, baseOffset: 10n, lastOffsetDelta: 9 })))
    expect(batch.records.map((r) => r.offset)).toEqual([10n, 15n])
    expect(batch.lastOffset).toBe(19n)
  })

  it('encodes an empty batch (as the log cleaner leaves them) that decodes with no records', async () => {
    const bytes = await encodeRecordBatch({ records: [], baseOffset: 50n, lastOffsetDelta: 4 })
    expect(bytes.length).toBe(61)
    const batch = dataBatch(await decodeOne(bytes))
    expect(batch.records).toEqual([])
    expect(batch.baseTimestamp).toBe(-1n)
    expect(batch.lastOffset).toBe(54n)
  })

  it('handles large keys and values and many headers', async () => {
    const big = Buffer.alloc(300_000, 7)
    const headers = Array.from({ length: 100 }, (_, i) => ({ key: `h${i}`, value: i % 2 === 0 ? null : Buffer.from([i]) }))
    const records: RecordInput[] = [{ timestamp: 3n, key: big.subarray(0, 70_000), value: big, headers }]
    expectSameRecords(dataBatch(await decodeOne(await encodeRecordBatch({ records }))), records, 0n)
  })
})

describe('decodeRecordBatches', () => {
  async function threeBatches(): Promise<Buffer> {
    const parts = await Promise.all(
      [0, 1, 2].map((i) =>
        encodeRecordBatch({ records: sampleRecords(5, i), baseOffset: BigInt(i * 5), compression: i === 1 ? CompressionType.LZ4 : CompressionType.NONE }),
      ),
    )
    return Buffer.concat(parts)
  }

  it('decodes consecutive batches of different codecs', async () => {
    const bytes = await threeBatches()
    const { batches, truncated } = await decodeRecordBatches(bytes)
    expect(truncated).toBe(false)
    expect(batches.map((b) => b.baseOffset)).toEqual([0n, 5n, 10n])
    expect(batches.flatMap((b) => (b.records as DataRecordBatch['records']).map((r) => r.offset))).toEqual(
      Array.from({ length: 15 }, (_, i) => BigInt(i)),
    )
  })

  it('stops at a partial last batch, reporting it, for every cut point', async () => {
    const bytes = await threeBatches()
    const firstTwo = bytes.readInt32BE(8) + 12
    const secondEnd = firstTwo + bytes.readInt32BE(firstTwo + 8) + 12
    for (let cut = secondEnd + 1; cut < bytes.length; cut++) {
      const { batches, truncated, bytesRead } = await decodeRecordBatches(bytes.subarray(0, cut))
      expect(truncated).toBe(true)
      expect(batches).toHaveLength(2)
      expect(bytesRead).toBe(secondEnd)
    }
    const onlyPartial = await decodeRecordBatches(bytes.subarray(0, 30))
    expect(onlyPartial).toEqual({ batches: [], truncated: true, bytesRead: 0 })
    expect(await decodeRecordBatches(new Uint8Array(0))).toEqual({ batches: [], truncated: false, bytesRead: 0 })
  })

  it('rejects a CRC mismatch unless checkCrcs is off', async () => {
    const bytes = Buffer.from(V4)
    bytes[bytes.length - 2] = 0x33 // value "v2" -> "v3"
    expect((await decodeError(bytes)).message).toMatch(/CRC/)
    const { batches } = await decodeRecordBatches(bytes, { checkCrcs: false })
    expect(str(dataBatch(batches[0]).records[1]!.value)).toBe('v3')
  })

  it('does not cover the partition leader epoch with the CRC', async () => {
    const bytes = Buffer.from(V4)
    bytes.writeInt32BE(77, 12)
    expect((await decodeOne(bytes)).partitionLeaderEpoch).toBe(77)
  })

  it('accepts a Uint8Array that is not a Buffer, at an offset in a larger buffer', async () => {
    const backing = new Uint8Array(V4.length + 10)
    backing.set(V4, 7)
    const view = new Uint8Array(backing.buffer, 7, V4.length)
    expect(dataBatch(await decodeOne(view)).records).toHaveLength(2)
  })

  /** V4 with its records region replaced and length and CRC recomputed. */
  function withRecords(count: number, region: Buffer): Buffer {
    const bytes = Buffer.concat([V4.subarray(0, 61), region])
    bytes.writeInt32BE(bytes.length - 12, 8)
    bytes.writeInt32BE(count, 57)
    bytes.writeUInt32BE(crc32c(bytes, 21), 17)
    return bytes
  }

  it('rejects records that do not fit their batch, or leave bytes over', async () => {
    const region = V4.subarray(61)
    expect((await decodeError(withRecords(3, region))).message).toMatch(/truncated|invalid length|count/)
    expect((await decodeError(withRecords(1, region))).message).toMatch(/left after/)
    expect((await decodeError(withRecords(-1, region))).message).toMatch(/negative record count/)
    expect((await decodeError(withRecords(1_000_000, region))).message).toMatch(/does not fit/)
    // A record whose length says 20 but whose fields take 14.
    const lying = Buffer.from(region)
    lying[0] = 40
    expect((await decodeError(withRecords(2, lying))).message).toMatch(/record 0/)
    // Negative header key length, null header key.
    const badHeader = Buffer.from(region)
    badHeader[11] = 0x03 // header key length -2
    expect((await decodeError(withRecords(2, badHeader))).message).toMatch(/header key/)
    badHeader[11] = 0x01 // null header key
    expect((await decodeError(withRecords(2, badHeader))).message).toMatch(/null header key/)
    // Varint longer than 5 bytes.
    expect((await decodeError(withRecords(1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0])))).message).toMatch(
      /varint/,
    )
  })

  it('rejects impossible sizes and unknown magic bytes', async () => {
    const small = Buffer.from(V4)
    small.writeInt32BE(13, 8)
    expect((await decodeError(small)).message).toMatch(/minimum/)
    const shortV2 = Buffer.from(V4.subarray(0, 40))
    shortV2.writeInt32BE(28, 8)
    expect((await decodeError(shortV2)).message).toMatch(/61-byte header/)
    const magic3 = Buffer.from(V4)
    magic3[16] = 3
    expect((await decodeError(magic3)).message).toMatch(/unknown magic 3/)
  })

  it('reports an unknown codec id as UNSUPPORTED_COMPRESSION_TYPE', async () => {
    const bytes = Buffer.from(V4)
    bytes.writeInt16BE(6, 21)
    bytes.writeUInt32BE(crc32c(bytes, 21), 17)
    const err = await decodeError(bytes)
    expect(err).toBeInstanceOf(KafkaCompressionError)
    expect((err as KafkaCompressionError).code).toBe(76)
  })

  it('reports the delete-horizon attribute', async () => {
    const bytes = Buffer.from(V4)
    bytes.writeInt16BE(0x40, 21)
    bytes.writeUInt32BE(crc32c(bytes, 21), 17)
    expect((await decodeOne(bytes)).hasDeleteHorizon).toBe(true)
  })
})
