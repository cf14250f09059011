/**
 * Request and response headers, and whole frames: the 4-byte size prefix, the header whose version
 * the API descriptor picks, and the body. Client side: {@link encodeRequestFrame} and
 * {@link decodeResponseFrame}. Server side (fake brokers in tests): {@link decodeRequestFrame} and
 * {@link encodeResponseFrame}.
 */

import { KafkaProtocolError } from '../errors.js'
import type { ApiDescriptor, RequestHeaderVersion, ResponseHeaderVersion } from './api.js'
import { writeTaggedFields } from './codec-helpers.js'
import { apiByKey } from './messages/index.js'
import { Reader, type UnknownTaggedField } from './reader.js'
import { Writer } from './writer.js'

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** Null is sent as a null string; brokers treat it as empty. */
  clientId: string | null
  /** Header tagged fields (header v2 only). */
  unknownTaggedFields?: UnknownTaggedField[]
}

export interface ResponseHeader {
  correlationId: number
  /** Header tagged fields (header v1 only). */
  unknownTaggedFields?: UnknownTaggedField[]
}

/**
 * Writes a request header. The client id stays a classic int16-length string even in header v2,
 * because a broker must be able to read the header of any ApiVersions request, whatever its version.
 */
export function encodeRequestHeader(w: Writer, header: RequestHeader, headerVersion: RequestHeaderVersion): void {
  w.int16(header.apiKey).int16(header.apiVersion).int32(header.correlationId).nullableString(header.clientId)
  if (headerVersion >= 2) writeTaggedFields(w, header.unknownTaggedFields)
}

export function decodeRequestHeader(r: Reader, headerVersion: RequestHeaderVersion): RequestHeader {
  const apiKey = r.int16()
  const apiVersion = r.int16()
  const correlationId = r.int32()
  const clientId = r.nullableString()
  const unknownTaggedFields = headerVersion >= 2 ? r.taggedFields() : undefined
  return { apiKey, apiVersion, correlationId, clientId, unknownTaggedFields }
}

export function encodeResponseHeader(w: Writer, header: ResponseHeader, headerVersion: ResponseHeaderVersion): void {
  w.int32(header.correlationId)
  if (headerVersion >= 1) writeTaggedFields(w, header.unknownTaggedFields)
}

export function decodeResponseHeader(r: Reader, headerVersion: ResponseHeaderVersion): ResponseHeader {
  const correlationId = r.int32()
  const unknownTaggedFields = headerVersion >= 1 ? r.taggedFields() : undefined
  return { correlationId, unknownTaggedFields }
}

const API_VERSIONS_KEY = 18
const UNSUPPORTED_VERSION = 35

/** Room for a typical small request before the writer has to grow. */
const INITIAL_FRAME_CAPACITY = 512

/**
 * A complete request frame: size prefix, header and body. The request header version follows the
 * API version (v2 when flexible, else v1). Throws KafkaUnsupportedVersionError when the body
 * cannot be expressed at `version`.
 */
export function encodeRequestFrame<Req, Res>(
  api: ApiDescriptor<Req, Res>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Req,
): Buffer {
  return writeRequestFrame(new Writer(INITIAL_FRAME_CAPACITY), api, version, correlationId, clientId, body).finish()
}

/**
 * {@link encodeRequestFrame} as chunks to write in order, with byte fields of at least
 * `referenceFrom` bytes (record batches) left in their own buffers rather than copied: the caller
 * keeps those unchanged until the chunks are written.
 */
export function encodeRequestFrameChunks<Req, Res>(
  api: ApiDescriptor<Req, Res>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Req,
  referenceFrom: number,
): Uint8Array[] {
  const w = new Writer(INITIAL_FRAME_CAPACITY, { referenceFrom })
  return writeRequestFrame(w, api, version, correlationId, clientId, body).finishChunks()
}

function writeRequestFrame<Req, Res>(
  w: Writer,
  api: ApiDescriptor<Req, Res>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Req,
): Writer {
  const sizeAt = w.reserveInt32()
  w.int16(api.key).int16(version).int32(correlationId).nullableString(clientId)
  if (api.requestHeaderVersion(version) >= 2) w.uint8(0)
  api.encodeRequest(w, body, version)
  return w.setInt32(sizeAt, w.length - 4)
}

/** A decoded response frame. */
export interface DecodedResponse<Res> {
  readonly correlationId: number
  /**
   * The version the body was read at. It differs from the requested one only for ApiVersions, when
   * a broker that does not know the requested version answered with a v0 body (KIP-511).
   */
  readonly version: number
  readonly body: Res
}

/**
 * Decodes a response frame (without its size prefix) to a request sent at `version`. The whole
 * frame must be consumed; leftover bytes mean the frame and the version disagree.
 */
export function decodeResponseFrame<Req, Res>(
  api: ApiDescriptor<Req, Res>,
  version: number,
  frame: Uint8Array,
): DecodedResponse<Res> {
  const r = new Reader(frame)
  const { correlationId } = decodeResponseHeader(r, api.responseHeaderVersion(version))
  // A broker answers an ApiVersions version it does not know with a v0 body carrying
  // UNSUPPORTED_VERSION and its own supported range. Every ApiVersions body starts with the error
  // code, so peek at it and read such an answer as v0, as Kafka's clients do.
  if (api.key === API_VERSIONS_KEY && version !== 0 && r.remaining >= 2) {
    const errorCode = (((frame[r.offset] as number) << 8) | (frame[r.offset + 1] as number)) << 16 >> 16
    if (errorCode === UNSUPPORTED_VERSION) return { correlationId, version: 0, body: decodeWhole(r, api, 0) }
  }
  return { correlationId, version, body: decodeWhole(r, api, version) }
}

function decodeWhole<Req, Res>(r: Reader, api: ApiDescriptor<Req, Res>, version: number): Res {
  const body = api.decodeResponse(r, version)
  if (r.remaining !== 0) {
    throw new KafkaProtocolError(`${api.name} v${version} response has ${r.remaining} unread byte(s)`)
  }
  return body
}

/** The correlation id of a response frame (without its size prefix), read before anything else. */
export function readCorrelationId(frame: Uint8Array): number {
  if (frame.length < 4) throw new KafkaProtocolError(`response frame of ${frame.length} byte(s) has no correlation id`)
  return ((frame[0] as number) << 24) | ((frame[1] as number) << 16) | ((frame[2] as number) << 8) | (frame[3] as number)
}

/** A decoded request frame, as a broker sees it. */
export interface DecodedRequest {
  readonly header: RequestHeader
  readonly api: ApiDescriptor<unknown, unknown>
  readonly body: unknown
}

/**
 * Decodes a request frame (without its size prefix), finding the API by key in `apis`. Unknown
 * keys, versions outside the API's range and leftover bytes are {@link KafkaProtocolError}s.
 */
export function decodeRequestFrame(
  frame: Uint8Array,
  apis: ReadonlyMap<number, ApiDescriptor<unknown, unknown>> = apiByKey,
): DecodedRequest {
  const r = new Reader(frame)
  const apiKey = r.int16()
  const apiVersion = r.int16()
  const api = apis.get(apiKey)
  if (api === undefined) throw new KafkaProtocolError(`request for unknown API key ${apiKey}`)
  if (apiVersion < api.minVersion || apiVersion > api.maxVersion) {
    throw new KafkaProtocolError(`request for ${api.name} at unsupported version ${apiVersion}`)
  }
  const correlationId = r.int32()
  const clientId = r.nullableString()
  const unknownTaggedFields = api.requestHeaderVersion(apiVersion) >= 2 ? r.taggedFields() : undefined
  const body = api.decodeRequest(r, apiVersion)
  if (r.remaining !== 0) {
    throw new KafkaProtocolError(`${api.name} v${apiVersion} request has ${r.remaining} unread byte(s)`)
  }
  const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId, unknownTaggedFields }
  return { header, api, body }
}

/** A complete response frame: size prefix, header (its version picked by the API) and body. */
export function encodeResponseFrame<Req, Res>(
  api: ApiDescriptor<Req, Res>,
  version: number,
  correlationId: number,
  body: Res,
): Buffer {
  const w = new Writer(INITIAL_FRAME_CAPACITY)
  const sizeAt = w.reserveInt32()
  w.int32(correlationId)
  if (api.responseHeaderVersion(version) >= 1) w.uint8(0)
  api.encodeResponse(w, body, version)
  w.setInt32(sizeAt, w.length - 4)
  return w.finish()
}
