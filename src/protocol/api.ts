/**
 * The shape every generated API module exports: one descriptor per Kafka API, tying its key and
 * version range to its request/response codecs, so the network layer can frame any request without
 * knowing which API it is.
 */

import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

export { KafkaUnsupportedVersionError } from './codec-helpers.js'

/** A request header version: 1 (classic) or 2 (flexible, with a tagged-field section). */
export type RequestHeaderVersion = 1 | 2

/** A response header version: 0 (classic) or 1 (flexible, with a tagged-field section). */
export type ResponseHeaderVersion = 0 | 1

/**
 * One Kafka API (request and response) across all the versions the schemas define.
 *
 * Methods are declared as methods, not function properties, so a descriptor of a specific API
 * can be stored as `ApiDescriptor<unknown, unknown>` in a table keyed by API key.
 */
export interface ApiDescriptor<Req, Res> {
  /** The API key (`0` for Produce). */
  readonly key: number
  /** The API name without suffix (`Produce`). */
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  /** The first flexible version (compact encodings, tagged fields, newer headers), or null if none. */
  readonly flexibleFrom: number | null
  /** True when the highest version is still unstable: brokers neither advertise nor accept it by default. */
  readonly latestVersionUnstable: boolean
  requestHeaderVersion(version: number): RequestHeaderVersion
  responseHeaderVersion(version: number): ResponseHeaderVersion
  encodeRequest(w: Writer, request: Req, version: number): void
  decodeRequest(r: Reader, version: number): Req
  encodeResponse(w: Writer, response: Res, version: number): void
  decodeResponse(r: Reader, version: number): Res
  /** A request with every field at its schema default, overridden by `fields`. */
  createRequest(fields?: Partial<Req>): Req
  /** A response with every field at its schema default, overridden by `fields`. */
  createResponse(fields?: Partial<Res>): Res
}

/**
 * A versioned payload that is not a request or response, such as the consumer-protocol
 * subscription and assignment carried inside JoinGroup and SyncGroup. Its version travels
 * separately (the consumer protocol prefixes it as an int16), so `encode` does not write it.
 */
export interface DataSchemaDescriptor<T> {
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  encode(w: Writer, value: T, version: number): void
  decode(r: Reader, version: number): T
  create(fields?: Partial<T>): T
}
