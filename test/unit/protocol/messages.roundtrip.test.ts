import { describe, expect, it } from 'vitest'
import { loadModel } from '../../../scripts/codegen/generator.js'
import { kafkaClientsJar } from '../../../scripts/codegen/schema-source.js'
import type { MessageModel } from '../../../scripts/codegen/model.js'
import { contains, versionsOf } from '../../../scripts/codegen/versions.js'
import type { ApiDescriptor } from '../../../src/protocol/api.js'
import { KafkaUnsupportedVersionError } from '../../../src/protocol/codec-helpers.js'
import * as messages from '../../../src/protocol/messages/index.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { defaultStruct, sampleMessage, type Sample } from './message-samples.js'

// The schemas of the pinned Kafka release, read from its kafka-clients jar (fetched if not cached).
const model = loadModel(kafkaClientsJar())

interface Codec {
  encode(w: Writer, value: unknown, version: number): void
  decode(r: Reader, version: number): unknown
}

function requestCodec(api: ApiDescriptor<unknown, unknown>): Codec {
  return { encode: (w, v, ver) => api.encodeRequest(w, v, ver), decode: (r, ver) => api.decodeRequest(r, ver) }
}

function responseCodec(api: ApiDescriptor<unknown, unknown>): Codec {
  return { encode: (w, v, ver) => api.encodeResponse(w, v, ver), decode: (r, ver) => api.decodeResponse(r, ver) }
}

function encode(codec: Codec, value: unknown, version: number): Buffer {
  const w = new Writer(16)
  codec.encode(w, value, version)
  return Buffer.from(w.finish())
}

/** Encode, decode, compare; then re-encode the decoded value and compare bytes. */
function roundTrip(codec: Codec, m: MessageModel, version: number): void {
  for (const nulls of [false, true]) {
    const sample = sampleMessage(m, version, { nulls, unknownTags: true })
    const bytes = encode(codec, sample, version)
    const r = new Reader(bytes)
    const decoded = codec.decode(r, version)
    expect(r.remaining, `${m.name} v${version}: unread bytes`).toBe(0)
    expect(decoded, `${m.name} v${version} nulls=${nulls}`).toEqual(sample)
    expect(encode(codec, decoded, version).equals(bytes), `${m.name} v${version}: re-encoding differs`).toBe(true)
  }
}

function apiDescriptor(key: number): ApiDescriptor<unknown, unknown> {
  const api = messages.apiByKey.get(key)
  if (api === undefined) throw new Error(`no descriptor for API key ${key}`)
  return api
}

type Factory = (fields?: Partial<Sample>) => Sample
function factory(structName: string): Factory {
  const f = (messages as unknown as Record<string, unknown>)[`create${structName}`]
  if (typeof f !== 'function') throw new Error(`create${structName} is not exported`)
  return f as Factory
}

describe('generated API codecs', () => {
  it('cover every client-facing API in the schemas', () => {
    expect(messages.apiByKey.size).toBe(model.apis.length)
    for (const api of model.apis) {
      const d = apiDescriptor(api.key)
      expect(d.name).toBe(api.name)
      expect([d.minVersion, d.maxVersion]).toEqual([api.request.validVersions.lo, api.request.validVersions.hi])
      expect((messages.ApiKey as Record<string, number>)[api.name]).toBe(api.key)
    }
  })

  for (const api of model.apis) {
    describe(`${api.name} (key ${api.key})`, () => {
      const d = apiDescriptor(api.key)
      const versions = versionsOf(api.request.validVersions)
      it('round-trips requests at every version', () => {
        for (const v of versions) roundTrip(requestCodec(d), api.request, v)
      })
      it('round-trips responses at every version', () => {
        for (const v of versions) roundTrip(responseCodec(d), api.response, v)
      })
      it('factories fill schema defaults, nested structs included', () => {
        for (const m of [api.request, api.response]) {
          for (const s of m.structs) expect(factory(s.name)(), s.name).toEqual(defaultStruct(s, m, 0))
        }
        expect(d.createRequest()).toEqual(defaultStruct(api.request.root, api.request, 0))
        const first = api.request.root.fields[0]
        if (first !== undefined) {
          const value = sampleMessage(api.request, first.versions.hi, { nulls: false, unknownTags: false })[first.prop]
          expect((d.createRequest({ [first.prop]: value }) as Sample)[first.prop]).toEqual(value)
        }
      })
      it('refuses versions outside its range', () => {
        for (const v of [d.minVersion - 1, d.maxVersion + 1]) {
          expect(() => encode(requestCodec(d), d.createRequest(), v)).toThrow(KafkaUnsupportedVersionError)
          expect(() => d.decodeResponse(new Reader(Buffer.alloc(64)), v)).toThrow(KafkaUnsupportedVersionError)
        }
      })
    })
  }
})

describe('generated data-schema codecs', () => {
  for (const m of model.dataSchemas) {
    it(`${m.name} round-trips at every version`, () => {
      const schema = (messages.dataSchemas as Record<string, (typeof messages.dataSchemas)[keyof typeof messages.dataSchemas]>)[m.name]
      if (schema === undefined) throw new Error(`no descriptor for ${m.name}`)
      const codec: Codec = {
        encode: (w, v, ver) => schema.encode(w, v as never, ver),
        decode: (r, ver) => schema.decode(r, ver),
      }
      for (const v of versionsOf(m.validVersions)) roundTrip(codec, m, v)
      expect(schema.create()).toEqual(defaultStruct(m.root, m, 0))
    })
  }
})

describe('writing fields a version cannot carry', () => {
  // For every top-level field missing from some version: a non-default value must be refused
  // unless the schema marks the field ignorable, in which case it is silently left out.
  for (const api of model.apis) {
    for (const m of [api.request, api.response]) {
      const missing = m.root.fields.flatMap((f) =>
        versionsOf(m.validVersions)
          .filter((v) => !contains(f.versions, v))
          .map((v) => ({ f, v })),
      )
      if (missing.length === 0) continue
      it(`${m.name}: ignorable fields are dropped, others refused`, () => {
        const d = apiDescriptor(api.key)
        const codec = m.kind === 'request' ? requestCodec(d) : responseCodec(d)
        for (const { f, v } of missing) {
          const value = sampleMessage(m, f.versions.lo, { nulls: false, unknownTags: false })[f.prop]
          const base = sampleMessage(m, v, { nulls: false, unknownTags: false })
          const msg = { ...base, [f.prop]: value }
          if (f.ignorable) {
            expect(encode(codec, msg, v).equals(encode(codec, base, v)), `${m.name}.${f.prop} v${v}`).toBe(true)
          } else {
            expect(() => encode(codec, msg, v), `${m.name}.${f.prop} v${v}`).toThrow(KafkaUnsupportedVersionError)
          }
        }
      })
    }
  }

  it('refuses a null where the version has no null', () => {
    const req = messages.createMetadataRequest({ topics: null })
    expect(() => encode(requestCodec(messages.metadataApi as never), req, 0)).toThrow(KafkaUnsupportedVersionError)
    expect(encode(requestCodec(messages.metadataApi as never), req, 1).readInt32BE(0)).toBe(-1)
  })

  it('refuses tagged fields at a non-flexible version', () => {
    const req = messages.createHeartbeatRequest({ unknownTaggedFields: [{ tag: 5, data: Buffer.from([1]) }] })
    expect(() => encode(requestCodec(messages.heartbeatApi as never), req, 3)).toThrow(KafkaUnsupportedVersionError)
  })
})

describe('known answers', () => {
  it('ApiVersions v3 response with a tagged field, byte for byte', () => {
    const response = messages.createApiVersionsResponse({
      apiKeys: [messages.createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 4 })],
      finalizedFeaturesEpoch: 5n,
    })
    const bytes = encode(responseCodec(messages.apiVersionsApi as never), response, 3)
    // prettier-ignore
    const expected = Buffer.from([
      0x00, 0x00,                         // error code
      0x02,                               // compact array: 1 element
      0x00, 0x12, 0x00, 0x00, 0x00, 0x04, // key 18, versions 0-4
      0x00,                               // element tagged fields: none
      0x00, 0x00, 0x00, 0x00,             // throttle time
      0x01,                               // one tagged field
      0x01, 0x08,                         // tag 1 (FinalizedFeaturesEpoch), 8 bytes
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    ])
    expect(bytes.toString('hex')).toBe(expected.toString('hex'))
    const decoded = messages.decodeApiVersionsResponse(new Reader(expected), 3)
    expect(decoded.finalizedFeaturesEpoch).toBe(5n)
    expect(decoded.supportedFeatures).toEqual([])
  })

  it('keeps unknown tags in tag order around known ones', () => {
    const request = messages.createFetchRequest({
      clusterId: 'c',
      unknownTaggedFields: [
        { tag: 1, data: Buffer.from([0xee]) },
        { tag: 9, data: Buffer.from([0xff]) },
      ],
    })
    // At v12 tag 0 is ClusterId and tag 1 is not known yet (ReplicaState arrives in v15).
    const bytes = encode(requestCodec(messages.fetchApi as never), request, 12)
    // RackId '' (01), then 3 tagged fields: ClusterId 'c', unknown 1, unknown 9.
    expect(bytes.subarray(bytes.length - 12).toString('hex')).toBe('01' + '03' + '00020263' + '0101ee' + '0901ff')
  })
})
