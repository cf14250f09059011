/**
 * The valid frames the fuzzer starts from: a response (and optionally a request) of every version
 * of every API, in three shapes (arrays of two with tagged fields, nulls wherever allowed, empty
 * arrays), built from the generated codecs; and `records` payloads of real record batches in every
 * codec, control batches, snappy-java framing and legacy message sets.
 *
 * The pool is deterministic, so a frame index and a seed name the same bytes in every process.
 */

import zlib from 'node:zlib'
import { compress as snappyCompress } from 'snappyjs'
import type { ApiDescriptor } from '../../src/protocol/api.js'
import { CompressionType, compressionCodec, zstdEncoder } from '../../src/protocol/compression/index.js'
import { crc32c } from '../../src/protocol/crc32c.js'
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../src/protocol/header.js'
import { apiByKey } from '../../src/protocol/messages/index.js'
import {
  ControlRecordType,
  decodeRecordBatches,
  encodeControlBatch,
  encodeRecordBatch,
  type RecordInput,
} from '../../src/protocol/record-batch.js'
import { Writer } from '../../src/protocol/writer.js'
import { synthesize, type SampleShape } from './synthetic-reader.js'

export type FrameKind = 'response' | 'request' | 'records'

/** A valid frame and how to decode it. */
export interface BaseFrame {
  readonly kind: FrameKind
  /** `Metadata v12 response (full)`, `records gzip: two batches`… */
  readonly label: string
  readonly bytes: Buffer
  /** Offsets of length-like fields worth overwriting with hostile values (record batches). */
  readonly lengthOffsets?: readonly number[]
  /** Decodes the frame as the client would; throws what the client would see. */
  decode(frame: Buffer, checkCrcs: boolean): unknown
}

const SHAPES: ReadonlyArray<[string, SampleShape]> = [
  ['full', { arrayLength: 2, nulls: false, tags: true }],
  ['nulls', { arrayLength: 1, nulls: true, tags: true }],
  ['empty', { arrayLength: 0, nulls: false, tags: false }],
]

/** Response (and request) frames of every version of every API, without the size prefix. */
export function messageFrames(options: { requests: boolean }): BaseFrame[] {
  const frames: BaseFrame[] = []
  const seen = new Set<string>()
  // Shapes that give the same bytes at one version are kept once; each version keeps its own frames,
  // since the decoder branches on the version even where the bytes agree.
  const add = (frame: BaseFrame, version: number): void => {
    const key = `${frame.kind} ${frame.label.split(' ')[0]} ${version} ${frame.bytes.toString('latin1')}`
    if (seen.has(key)) return
    seen.add(key)
    frames.push(frame)
  }
  const apis = [...apiByKey.values()].sort((a, b) => a.key - b.key)
  for (const api of apis) {
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      for (const [shapeName, shape] of SHAPES) {
        const body = synthesize((r) => api.decodeResponse(r, version), shape)
        const bytes = encodeResponseFrame(api, version, 0x1234, body).subarray(4)
        add({
          kind: 'response',
          label: `${api.name} v${version} response (${shapeName})`,
          bytes,
          decode: (f) => decodeResponseFrame(api, version, f),
        }, version)
        if (options.requests) {
          const request = synthesize((r) => api.decodeRequest(r, version), shape)
          add({
            kind: 'request',
            label: `${api.name} v${version} request (${shapeName})`,
            bytes: encodeRequestFrame(api as ApiDescriptor<unknown, unknown>, version, 7, 'fuzz', request).subarray(4),
            decode: (f) => decodeRequestFrame(f),
          }, version)
        }
      }
    }
  }
  return frames
}

// ---------------------------------------------------------------------------------------------
// Record batches

/** A deterministic PRNG for building sample records. */
function lcg(seed: number): () => number {
  let x = seed >>> 0
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return x / 0x100000000
  }
}

function sampleRecords(seed: number, count: number): RecordInput[] {
  const rnd = lcg(seed)
  return Array.from({ length: count }, (_, i) => ({
    timestamp: 1_700_000_000_000n + BigInt(Math.floor(rnd() * 5000)),
    key: i % 5 === 2 ? null : Buffer.from(`key-${i}-${Math.floor(rnd() * 1000)}`),
    value:
      i % 7 === 3
        ? null
        : Buffer.from(JSON.stringify({ i, user: `u${Math.floor(rnd() * 40)}`, note: 'x'.repeat(Math.floor(rnd() * 200)) })),
    ...(i % 3 === 0
      ? { headers: [{ key: `h${i}`, value: i % 2 === 0 ? null : Buffer.from('hv') }, { key: 'trace', value: Buffer.from([i, 0, 1]) }] }
      : {}),
  }))
}

const RECORDS_OFFSET = 61
const ATTRIBUTES_OFFSET = 21

/** Re-stamps a batch's length and CRC-32C after its records region was replaced. */
function withRecordsRegion(batch: Buffer, attributes: number, region: Uint8Array): Buffer {
  const out = Buffer.alloc(RECORDS_OFFSET + region.length)
  batch.copy(out, 0, 0, RECORDS_OFFSET)
  out.set(region, RECORDS_OFFSET)
  out.writeInt32BE(out.length - 12, 8)
  out.writeInt16BE(attributes, ATTRIBUTES_OFFSET)
  out.writeUInt32BE(crc32c(out, ATTRIBUTES_OFFSET, out.length), 17)
  return out
}

/** snappy-java's stream framing around one raw block, as the Java producer writes it. */
function xerialFrame(data: Uint8Array): Buffer {
  const block = Buffer.from(snappyCompress(data))
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const length = Buffer.alloc(4)
  length.writeInt32BE(block.length)
  return Buffer.concat([header, length, block])
}

/** One legacy (magic 0 or 1) entry: offset, size, CRC-32, magic, attributes, [timestamp], key, value. */
function legacyEntry(offset: bigint, magic: 0 | 1, attributes: number, key: Buffer | null, value: Buffer | null): Buffer {
  const w = new Writer(64)
  w.int8(magic).int8(attributes)
  if (magic === 1) w.int64(1_700_000_000_000n + offset)
  w.nullableBytes(key).nullableBytes(value)
  const body = w.finish()
  const entry = Buffer.alloc(12 + 4 + body.length)
  entry.writeBigInt64BE(offset, 0)
  entry.writeInt32BE(4 + body.length, 8)
  entry.writeUInt32BE(zlib.crc32(body), 12)
  body.copy(entry, 16)
  return entry
}

function legacySet(magic: 0 | 1, offsets: readonly bigint[]): Buffer {
  return Buffer.concat(offsets.map((o) => legacyEntry(o, magic, 0, Buffer.from(`k${o}`), Buffer.from(`legacy value ${o}`))))
}

/** Offsets of the length-like fields of every batch in `bytes` (batch length, record count, records). */
function batchLengthOffsets(bytes: Buffer): number[] {
  const out: number[] = []
  let pos = 0
  while (bytes.length - pos >= 12) {
    const size = bytes.readInt32BE(pos + 8)
    out.push(pos + 8)
    if (bytes[pos + 16] === 2) out.push(pos + 23, pos + 57, pos + 61, pos + 62, pos + 64)
    else out.push(pos + 22, pos + 26)
    pos += 12 + size
  }
  return out
}

/** Record-batch payloads (the `records` of a Fetch partition) in every codec. */
export async function recordFrames(): Promise<BaseFrame[]> {
  const codecs: CompressionType[] = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4]
  if ((await zstdEncoder()) !== 'none') codecs.push(CompressionType.ZSTD)
  const payloads: Array<[string, Buffer]> = []
  for (const compression of codecs) {
    const name = compressionCodec(compression).name
    const two = Buffer.concat([
      await encodeRecordBatch({ records: sampleRecords(compression, 12), compression, baseOffset: 40n, producerId: 9n, producerEpoch: 1, baseSequence: 0 }),
      await encodeRecordBatch({ records: sampleRecords(100 + compression, 3), compression, baseOffset: 52n }),
    ])
    payloads.push([`${name}: two batches`, two])
    payloads.push([`${name}: one record`, await encodeRecordBatch({ records: sampleRecords(200 + compression, 1), compression, baseOffset: 7n })])
    payloads.push([
      `${name}: transactional, LogAppendTime, then a commit marker`,
      Buffer.concat([
        await encodeRecordBatch({
          records: sampleRecords(300 + compression, 6),
          compression,
          baseOffset: 100n,
          producerId: 77n,
          producerEpoch: 3,
          baseSequence: 12,
          isTransactional: true,
          timestampType: 'LogAppendTime',
        }),
        encodeControlBatch({ type: ControlRecordType.COMMIT, coordinatorEpoch: 5, producerId: 77n, producerEpoch: 3, timestamp: 9n, baseOffset: 106n }),
      ]),
    ])
    payloads.push([
      `${name}: ends in a truncated batch`,
      (await encodeRecordBatch({ records: sampleRecords(400 + compression, 20), compression, baseOffset: 0n })).subarray(0, 90),
    ])
  }
  // The Java producer's snappy framing.
  const plain = await encodeRecordBatch({ records: sampleRecords(500, 10), baseOffset: 60n })
  payloads.push(['snappy: snappy-java stream framing', withRecordsRegion(plain, CompressionType.SNAPPY, xerialFrame(plain.subarray(RECORDS_OFFSET)))])
  // Legacy message sets, plain and as compressed wrappers.
  const lz4 = await compressionCodec(CompressionType.LZ4).compress(legacySet(1, [0n, 1n, 2n]))
  payloads.push([
    'legacy: magic 0 and 1, plain and compressed wrappers',
    Buffer.concat([
      legacyEntry(10n, 0, 0, Buffer.from('a'), Buffer.from('plain v0')),
      legacyEntry(11n, 1, 0, null, Buffer.from('plain v1')),
      legacyEntry(14n, 1, CompressionType.GZIP, null, zlib.gzipSync(legacySet(1, [0n, 1n, 2n]))),
      legacyEntry(17n, 1, CompressionType.LZ4, null, Buffer.from(lz4)),
      legacyEntry(19n, 1, CompressionType.SNAPPY, null, Buffer.from(snappyCompress(legacySet(1, [0n, 1n])))),
      legacyEntry(22n, 0, CompressionType.GZIP, null, zlib.gzipSync(legacySet(0, [20n, 21n, 22n]))),
    ]),
  ])
  return payloads.map(([label, bytes]) => ({
    kind: 'records' as const,
    label: `records ${label}`,
    bytes,
    lengthOffsets: batchLengthOffsets(bytes),
    decode: (f: Buffer, checkCrcs: boolean) => decodeRecordBatches(f, { checkCrcs }),
  }))
}

/** Every base frame, messages first; each must decode as it is. */
export async function allFrames(options: { requests: boolean }): Promise<BaseFrame[]> {
  return [...messageFrames(options), ...(await recordFrames())]
}
