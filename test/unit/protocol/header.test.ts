import { describe, expect, it } from 'vitest'
import { KafkaProtocolError } from '../../../src/errors.js'
import {
  decodeRequestFrame,
  decodeRequestHeader,
  decodeResponseFrame,
  decodeResponseHeader,
  encodeRequestFrame,
  encodeRequestHeader,
  encodeResponseFrame,
  encodeResponseHeader,
  readCorrelationId,
} from '../../../src/protocol/header.js'
import {
  apiByKey,
  apis,
  apiVersionsApi,
  createApiVersionsRequest,
  createApiVersionsResponse,
  createApiVersionsResponseApiVersion,
  createMetadataRequest,
  createMetadataRequestTopic,
  createMetadataResponse,
  createSaslHandshakeResponse,
  metadataApi,
  saslHandshakeApi,
} from '../../../src/protocol/messages/index.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'

describe('request frames', () => {
  it('ApiVersions v3 matches the Java client byte for byte (protocol.md §2.7)', () => {
    const frame = encodeRequestFrame(
      apiVersionsApi,
      3,
      0,
      'adminclient-1',
      createApiVersionsRequest({ clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '2.8.0' }),
    )
    const expected =
      '00000031' + // size 49
      '0012' + '0003' + '00000000' + // key 18, version 3, correlation id 0
      '000d' + Buffer.from('adminclient-1').toString('hex') + // client id, int16 length even in header v2
      '00' + // header tagged fields
      '12' + Buffer.from('apache-kafka-java').toString('hex') + // compact string, length + 1 = 18
      '06' + Buffer.from('2.8.0').toString('hex') +
      '00' // body tagged fields
    expect(frame.toString('hex')).toBe(expected)
  })

  it('decodes back on the server side, header included', () => {
    const body = createMetadataRequest({ topics: [createMetadataRequestTopic({ name: 'orders' })] })
    const frame = encodeRequestFrame(metadataApi, 12, 77, null, body)
    expect(frame.readInt32BE(0)).toBe(frame.length - 4)
    const decoded = decodeRequestFrame(frame.subarray(4))
    expect(decoded.api).toBe(metadataApi)
    expect(decoded.header).toMatchObject({ apiKey: 3, apiVersion: 12, correlationId: 77, clientId: null })
    expect(decoded.body).toEqual(body)
  })

  it('uses header v1 below the first flexible version and a classic client id', () => {
    const frame = encodeRequestFrame(metadataApi, 8, 5, 'c', createMetadataRequest({ topics: null }))
    // size, key 3, version 8, correlation 5, client id "c", then the v8 body (null topics = -1).
    expect(frame.subarray(4, 4 + 2 + 2 + 4 + 3 + 4).toString('hex')).toBe('0003' + '0008' + '00000005' + '000163' + 'ffffffff')
    const header = decodeRequestHeader(new Reader(frame, 4), 1)
    expect(header).toEqual({ apiKey: 3, apiVersion: 8, correlationId: 5, clientId: 'c', unknownTaggedFields: undefined })
  })

  it('rejects unknown API keys, unsupported versions and trailing bytes', () => {
    const frame = Buffer.from(encodeRequestFrame(metadataApi, 12, 1, 'x', createMetadataRequest()).subarray(4))
    const unknownKey = Buffer.from(frame)
    unknownKey.writeInt16BE(999, 0)
    expect(() => decodeRequestFrame(unknownKey)).toThrow(KafkaProtocolError)
    const badVersion = Buffer.from(frame)
    badVersion.writeInt16BE(99, 2)
    expect(() => decodeRequestFrame(badVersion)).toThrow(KafkaProtocolError)
    expect(() => decodeRequestFrame(Buffer.concat([frame, Buffer.from([0])]))).toThrow(KafkaProtocolError)
  })
})

describe('response frames', () => {
  it('ApiVersions responses always use header v0, even at flexible versions (KIP-511)', () => {
    const body = createApiVersionsResponse({
      apiKeys: [createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 4 })],
    })
    const frame = encodeResponseFrame(apiVersionsApi, 3, 9, body)
    // size, correlation id, then straight into the body: error code 0, compact array of one.
    expect(frame.subarray(4, 11).toString('hex')).toBe('00000009' + '0000' + '02')
    const decoded = decodeResponseFrame(apiVersionsApi, 3, frame.subarray(4))
    expect(decoded).toEqual({ correlationId: 9, version: 3, body })
  })

  it('other flexible responses carry a header tagged-field section', () => {
    const frame = encodeResponseFrame(metadataApi, 12, 3, createMetadataResponse())
    expect(frame.subarray(4, 9).toString('hex')).toBe('00000003' + '00')
    expect(readCorrelationId(frame.subarray(4))).toBe(3)
    expect(decodeResponseFrame(metadataApi, 12, frame.subarray(4)).body).toEqual(createMetadataResponse())
  })

  it('reads an ApiVersions v0 fallback body when the broker does not know the version', () => {
    // What a broker sends for an unknown ApiVersions version: a v0 body with UNSUPPORTED_VERSION.
    const fallback = createApiVersionsResponse({
      errorCode: 35,
      apiKeys: [createApiVersionsResponseApiVersion({ apiKey: 18, minVersion: 0, maxVersion: 3 })],
    })
    const frame = encodeResponseFrame(apiVersionsApi, 0, 1, fallback)
    const decoded = decodeResponseFrame(apiVersionsApi, 4, frame.subarray(4))
    expect(decoded.version).toBe(0)
    expect(decoded.body.errorCode).toBe(35)
    expect(decoded.body.apiKeys).toEqual(fallback.apiKeys.map((k) => ({ ...k, unknownTaggedFields: undefined })))
  })

  it('rejects frames with unread bytes or no correlation id', () => {
    const frame = encodeResponseFrame(saslHandshakeApi, 1, 1, createSaslHandshakeResponse())
    expect(() => decodeResponseFrame(saslHandshakeApi, 1, Buffer.concat([frame.subarray(4), Buffer.from([1])]))).toThrow(
      KafkaProtocolError,
    )
    expect(() => readCorrelationId(Buffer.from([0, 0, 1]))).toThrow(KafkaProtocolError)
    expect(readCorrelationId(Buffer.from([0xff, 0xff, 0xff, 0xfe]))).toBe(-2)
  })
})

describe('header versions', () => {
  it('request v2 when flexible else v1; response v1 when flexible else v0; ApiVersions response v0', () => {
    for (const api of apiByKey.values()) {
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const flexible = api.flexibleFrom !== null && v >= api.flexibleFrom
        expect(api.requestHeaderVersion(v), `${api.name} v${v}`).toBe(flexible ? 2 : 1)
        expect(api.responseHeaderVersion(v), `${api.name} v${v}`).toBe(api.key === 18 ? 0 : flexible ? 1 : 0)
      }
    }
    expect(apis.ApiVersions.responseHeaderVersion(4)).toBe(0)
    expect(apis.ApiVersions.requestHeaderVersion(3)).toBe(2)
    expect(apis.SaslHandshake.flexibleFrom).toBeNull()
    expect(apis.SaslHandshake.requestHeaderVersion(1)).toBe(1)
    expect(apis.Produce.requestHeaderVersion(8)).toBe(1)
    expect(apis.Produce.requestHeaderVersion(9)).toBe(2)
    expect(apis.Fetch.responseHeaderVersion(11)).toBe(0)
    expect(apis.Fetch.responseHeaderVersion(12)).toBe(1)
  })

  it('header codecs round-trip with tagged fields in the flexible versions', () => {
    const w = new Writer()
    const request = { apiKey: 1, apiVersion: 17, correlationId: -5, clientId: 'é', unknownTaggedFields: [{ tag: 3, data: Buffer.from([9]) }] }
    encodeRequestHeader(w, request, 2)
    encodeResponseHeader(w, { correlationId: 6, unknownTaggedFields: [{ tag: 0, data: Buffer.from([1, 2]) }] }, 1)
    encodeResponseHeader(w, { correlationId: 7 }, 0)
    const r = new Reader(Buffer.from(w.finish()))
    expect(decodeRequestHeader(r, 2)).toEqual(request)
    expect(decodeResponseHeader(r, 1)).toEqual({ correlationId: 6, unknownTaggedFields: [{ tag: 0, data: Buffer.from([1, 2]) }] })
    expect(decodeResponseHeader(r, 0)).toEqual({ correlationId: 7, unknownTaggedFields: undefined })
    expect(r.remaining).toBe(0)
  })
})
