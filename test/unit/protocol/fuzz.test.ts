import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { KafkaProtocolError } from '../../../src/errors.js'
import { loadModel } from '../../../scripts/codegen/generator.js'
import { kafkaClientsJar } from '../../../scripts/codegen/schema-source.js'
import { firstFlexibleVersion } from '../../../scripts/codegen/model.js'
import type { ApiDescriptor } from '../../../src/protocol/api.js'
import { decodeRequestFrame, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame } from '../../../src/protocol/header.js'
import { apiByKey, metadataApi, saslAuthenticateApi, saslHandshakeApi } from '../../../src/protocol/messages/index.js'
import { sampleMessage } from './message-samples.js'

// The schemas of the pinned Kafka release, read from its kafka-clients jar (fetched if not cached).
const model = loadModel(kafkaClientsJar())

/** Small seeded PRNG (mulberry32) so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Frame {
  readonly label: string
  readonly bytes: Buffer
  decode(frame: Buffer): unknown
}

function validFrames(): Frame[] {
  const frames: Frame[] = []
  for (const api of model.apis) {
    const d = apiByKey.get(api.key) as ApiDescriptor<unknown, unknown>
    const { lo, hi } = api.request.validVersions
    const flex = firstFlexibleVersion(api.request)
    const versions = new Set([lo, hi, ...(flex === null ? [] : [flex, flex - 1])].filter((v) => v >= lo && v <= hi))
    for (const v of versions) {
      const nulls = v % 2 === 1
      const request = sampleMessage(api.request, v, { nulls, unknownTags: true })
      const response = sampleMessage(api.response, v, { nulls, unknownTags: true })
      frames.push({
        label: `${api.name} v${v} request`,
        bytes: encodeRequestFrame(d, v, 7, 'fuzz', request).subarray(4),
        decode: (f) => decodeRequestFrame(f),
      })
      frames.push({
        label: `${api.name} v${v} response`,
        bytes: encodeResponseFrame(d, v, 7, response).subarray(4),
        decode: (f) => decodeResponseFrame(d, v, f),
      })
    }
  }
  return frames
}

const HUGE_LENGTHS = [
  [0x7f, 0xff, 0xff, 0xff], // int32 max
  [0x80, 0x00, 0x00, 0x00], // int32 min
  [0xff, 0xff, 0xff, 0xfe], // -2
  [0x7f, 0xff], // int16 max
  [0xff, 0xff, 0xff, 0xff, 0x0f], // uvarint 2^32 - 1
  [0xff, 0xff, 0xff, 0xff, 0x07], // uvarint 2^31 - 1
  [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // overlong varint
]

function mutate(src: Buffer, rand: () => number): Buffer {
  const at = (n: number): number => Math.floor(rand() * n)
  const b = Buffer.from(src)
  switch (at(5)) {
    case 0: {
      for (let i = 1 + at(3); i > 0 && b.length > 0; i--) {
        const pos = at(b.length)
        b[pos] = (b[pos] as number) ^ (1 << at(8))
      }
      return b
    }
    case 1:
      return b.subarray(0, at(b.length))
    case 2: {
      const pos = at(b.length + 1)
      const extra = Buffer.from(Array.from({ length: 1 + at(8) }, () => at(256)))
      return Buffer.concat([b.subarray(0, pos), extra, b.subarray(pos)])
    }
    case 3: {
      const huge = Buffer.from(HUGE_LENGTHS[at(HUGE_LENGTHS.length)] as number[])
      const pos = at(Math.max(1, b.length - 1))
      return Buffer.concat([b.subarray(0, pos), huge, b.subarray(Math.min(b.length, pos + huge.length))])
    }
    default: {
      const pos = at(b.length)
      return Buffer.concat([b.subarray(0, pos), b.subarray(pos + 1 + at(6))])
    }
  }
}

describe('decoding mutated frames', () => {
  it('only ever throws KafkaProtocolError, quickly, for thousands of seeded mutations', () => {
    const frames = validFrames()
    expect(frames.length).toBeGreaterThan(300)
    for (const f of frames) expect(() => f.decode(f.bytes), f.label).not.toThrow()

    const rand = prng(0x5eed)
    const iterations = 40_000
    let rejected = 0
    let slowest = 0
    for (let i = 0; i < iterations; i++) {
      const frame = frames[Math.floor(rand() * frames.length)] as Frame
      const mutated = mutate(frame.bytes, rand)
      const started = performance.now()
      try {
        frame.decode(mutated)
      } catch (err) {
        if (!(err instanceof KafkaProtocolError)) {
          throw new Error(`${frame.label}, mutation ${i} (${mutated.toString('hex')}): ${String(err)}`, { cause: err })
        }
        rejected++
      }
      slowest = Math.max(slowest, performance.now() - started)
    }
    // Most mutations must be caught; a decode is microseconds, so anything slow means a runaway loop.
    expect(rejected).toBeGreaterThan(iterations / 2)
    expect(slowest).toBeLessThan(250)
  })
})

describe('hostile lengths are rejected before anything is allocated', () => {
  const cases: [string, ApiDescriptor<unknown, unknown>, number, string][] = [
    ['classic array count 2^31-1', metadataApi as never, 0, '00000001' + '7fffffff'],
    ['classic array count -2', metadataApi as never, 0, '00000001' + 'fffffffe'],
    ['compact array count 2^32-2', metadataApi as never, 12, '00000001' + '00' + '00000000' + 'ffffffff0f'],
    ['header tagged-field count 2^31-1', metadataApi as never, 12, '00000001' + 'ffffffff07'],
    ['tagged field size 2^31-1', metadataApi as never, 12, '00000001' + '01' + '05' + 'ffffffff07' + '00'],
    ['bytes length 2^31-1', saslAuthenticateApi as never, 0, '00000001' + '0000' + 'ffff' + '7fffffff' + '00'],
    ['string length 32767', saslHandshakeApi as never, 1, '00000001' + '0000' + '00000001' + '7fff' + '61'],
    ['overlong varint', metadataApi as never, 12, '00000001' + '00' + '00000000' + 'ffffffffff01'],
  ]
  for (const [label, api, version, hex] of cases) {
    it(label, () => {
      const before = process.memoryUsage().arrayBuffers
      expect(() => decodeResponseFrame(api, version, Buffer.from(hex, 'hex'))).toThrow(KafkaProtocolError)
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024)
    })
  }
})
