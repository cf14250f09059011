import zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { KafkaCompressionError, KafkaProtocolError } from '../../../src/errors.js'
import { CompressionType, compressionCodec, zstdEncoder } from '../../../src/protocol/compression/index.js'
import {
  ControlRecordType,
  decodeRecordBatches,
  encodeControlBatch,
  encodeRecordBatch,
  type RecordInput,
} from '../../../src/protocol/record-batch.js'
import { entry, innerSet, message } from './fixtures/legacy-builder.js'

// Seeded mutation fuzzing of the Fetch `records` decoder. Every mutated input must either decode
// or fail with one of the two typed errors, and quickly: no other exception, no hang, no huge
// allocation (the decompression limit is set to 4 MiB so an escaped bomb would show as an error
// from the allocator or a slow case).

const MAX_DECODE_MS = 2000
// KAFKATS_FUZZ_ITERATIONS raises the count for a longer local run.
const ITERATIONS_PER_SEED = Number(process.env.KAFKATS_FUZZ_ITERATIONS ?? 600)

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

function sampleRecords(rnd: () => number, count: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000n + BigInt(Math.floor(rnd() * 5000)),
    key: i % 5 === 2 ? null : Buffer.from(`key-${i}-${Math.floor(rnd() * 1000)}`),
    value:
      i % 7 === 3
        ? null
        : Buffer.from(JSON.stringify({ i, user: `u${Math.floor(rnd() * 40)}`, note: 'x'.repeat(Math.floor(rnd() * 300)) })),
    ...(i % 3 === 0 ? { headers: [{ key: `h${i}`, value: i % 2 === 0 ? null : Buffer.from('hv') }] } : {}),
  }))
}

type Mutation = (b: Buffer, rnd: () => number) => Buffer

const int = (rnd: () => number, n: number): number => Math.floor(rnd() * n)

const MUTATIONS: Array<[string, Mutation]> = [
  [
    'flip bits',
    (b, rnd) => {
      const out = Buffer.from(b)
      const flips = 1 + int(rnd, 4)
      for (let i = 0; i < flips; i++) out[int(rnd, out.length)]! ^= 1 << int(rnd, 8)
      return out
    },
  ],
  [
    'set byte',
    (b, rnd) => {
      const out = Buffer.from(b)
      const values = [0x00, 0xff, 0x7f, 0x80, int(rnd, 256)]
      out[int(rnd, out.length)] = values[int(rnd, values.length)]!
      return out
    },
  ],
  [
    'overwrite int32',
    (b, rnd) => {
      const out = Buffer.from(b)
      // Favour the length fields (batch length, record count, and the records region).
      const at = [8, 57, 61, 65][int(rnd, 4)]! + (rnd() < 0.5 ? 0 : int(rnd, Math.max(1, out.length - 70)))
      if (at + 4 > out.length) return out
      const values = [-1, -2, 0, 1, 0x7fffffff, -0x80000000, int(rnd, 1 << 20), int(rnd, 300)]
      out.writeInt32BE(values[int(rnd, values.length)]!, at)
      return out
    },
  ],
  ['truncate', (b, rnd) => b.subarray(0, int(rnd, b.length))],
  [
    'insert bytes',
    (b, rnd) => {
      const at = int(rnd, b.length)
      const junk = Buffer.from(Array.from({ length: 1 + int(rnd, 8) }, () => int(rnd, 256)))
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
    },
  ],
  [
    'delete bytes',
    (b, rnd) => {
      const at = int(rnd, b.length)
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 8))])
    },
  ],
]

interface Outcome {
  ok: number
  protocolErrors: number
  compressionErrors: number
}

async function fuzz(name: string, base: Buffer, seed: number, outcome: Outcome): Promise<void> {
  const rnd = prng(seed)
  for (let i = 0; i < ITERATIONS_PER_SEED; i++) {
    const [mutationName, mutate] = MUTATIONS[int(rnd, MUTATIONS.length)]!
    const input = mutate(base, rnd)
    // Mostly without CRC checks, so the mutations reach the record and codec parsers.
    const checkCrcs = rnd() < 0.2
    const started = performance.now()
    try {
      await decodeRecordBatches(input, { checkCrcs, maxDecompressedSize: 4 * 1024 * 1024 })
      outcome.ok++
    } catch (err) {
      if (err instanceof KafkaProtocolError) outcome.protocolErrors++
      else if (err instanceof KafkaCompressionError) outcome.compressionErrors++
      else {
        throw new Error(
          `${name}, seed ${seed}, iteration ${i} (${mutationName}, checkCrcs ${checkCrcs}): ` +
            `unexpected ${(err as Error).name}: ${(err as Error).message}\ninput ${input.toString('hex')}`,
          { cause: err },
        )
      }
    }
    const elapsed = performance.now() - started
    if (elapsed > MAX_DECODE_MS) {
      throw new Error(`${name}, seed ${seed}, iteration ${i} (${mutationName}) took ${elapsed.toFixed(0)} ms`)
    }
  }
}

const zstdWritable = (await zstdEncoder()) !== 'none'
const CODECS = [
  CompressionType.NONE,
  CompressionType.GZIP,
  CompressionType.SNAPPY,
  CompressionType.LZ4,
  ...(zstdWritable ? [CompressionType.ZSTD] : []),
]

describe('decodeRecordBatches under seeded mutation', () => {
  it.each(CODECS)('codec %i: only typed errors or success, never a hang', async (compression) => {
    const rnd = prng(1000 + compression)
    const base = Buffer.concat([
      await encodeRecordBatch({ records: sampleRecords(rnd, 12), compression, baseOffset: 40n, producerId: 9n, producerEpoch: 1, baseSequence: 0 }),
      await encodeRecordBatch({ records: sampleRecords(rnd, 3), compression, baseOffset: 52n }),
    ])
    const outcome: Outcome = { ok: 0, protocolErrors: 0, compressionErrors: 0 }
    for (const seed of [1, 2, 3]) await fuzz(`codec ${compression}`, base, seed * 7919 + compression, outcome)
    // The fuzzer must actually reach the error paths, not only produce decodable input.
    expect(outcome.protocolErrors + outcome.compressionErrors).toBeGreaterThan(ITERATIONS_PER_SEED)
    if (compression !== CompressionType.NONE) expect(outcome.compressionErrors).toBeGreaterThan(0)
  })

  it('control batches and legacy message sets (plain and compressed wrappers)', async () => {
    const lz4 = await compressionCodec(CompressionType.LZ4).compress(innerSet(1, [0n, 1n, 2n]))
    const snappy = await compressionCodec(CompressionType.SNAPPY).compress(innerSet(1, [0n, 1n]))
    const base = Buffer.concat([
      encodeControlBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 3, producerId: 9n, producerEpoch: 1, timestamp: 5n }),
      entry(10n, message({ magic: 0, key: 'a', value: 'plain v0' })),
      entry(11n, message({ magic: 1, timestamp: 7n, value: 'plain v1' })),
      entry(14n, message({ magic: 1, attributes: CompressionType.GZIP, timestamp: 8n, value: zlib.gzipSync(innerSet(1, [0n, 1n, 2n])) })),
      entry(17n, message({ magic: 1, attributes: CompressionType.LZ4, timestamp: 9n, value: Buffer.from(lz4) })),
      entry(19n, message({ magic: 1, attributes: CompressionType.SNAPPY, timestamp: 9n, value: Buffer.from(snappy) })),
      entry(22n, message({ magic: 0, attributes: CompressionType.GZIP, value: zlib.gzipSync(innerSet(0, [20n, 21n, 22n])) })),
    ])
    const decoded = await decodeRecordBatches(base)
    expect(decoded.batches).toHaveLength(7)
    const outcome: Outcome = { ok: 0, protocolErrors: 0, compressionErrors: 0 }
    for (const seed of [11, 12, 13, 14]) await fuzz('control + legacy', base, seed, outcome)
    expect(outcome.protocolErrors).toBeGreaterThan(0)
    expect(outcome.ok).toBeGreaterThan(0)
  })
})
