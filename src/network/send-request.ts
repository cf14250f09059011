/**
 * Sends one typed request on a connection: frames it with the header its version calls for,
 * and decodes the response with the same API descriptor.
 */

import { KafkaConfigError, KafkaError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { decodeResponseFrame, encodeRequestFrame, encodeRequestFrameChunks } from '../protocol/header.js'
import type { Connection, RequestFrame } from './connection.js'

export interface SendOptions {
  clientId: string | null
  /** Overrides the connection's request timeout. */
  timeoutMs?: number
  /**
   * Byte fields of at least this many bytes (record batches) are written from their own buffers
   * instead of being copied into the frame; they must not change until the request is written.
   */
  referenceFrom?: number
}

/** Sends `body` as `api` at `version` and returns the decoded response. */
export async function sendRequest<Req, Res>(
  connection: Connection,
  api: ApiDescriptor<Req, Res>,
  version: number,
  body: Req,
  options: SendOptions,
): Promise<Res> {
  const frame = await connection.request(
    (correlationId) => encode(api, version, correlationId, body, options),
    { timeoutMs: options.timeoutMs },
  )
  // Only requests sent with expectResponse=false resolve to null.
  return decodeResponseFrame(api, version, frame as Buffer).body
}

/** Sends a request the broker never answers (Produce with acks=0). */
export async function sendOneWay<Req, Res>(
  connection: Connection,
  api: ApiDescriptor<Req, Res>,
  version: number,
  body: Req,
  options: SendOptions,
): Promise<void> {
  await connection.request(
    (correlationId) => encode(api, version, correlationId, body, options),
    { expectResponse: false },
  )
}

// A request field of the wrong type (a number where a name goes, NaN where a count goes) fails
// in the encoder with a TypeError or RangeError; say which request, as a typed error that is not
// retried, since sending it again cannot help.
function encode<Req, Res>(
  api: ApiDescriptor<Req, Res>,
  version: number,
  correlationId: number,
  body: Req,
  options: SendOptions,
): RequestFrame {
  try {
    if (options.referenceFrom !== undefined) {
      return encodeRequestFrameChunks(api, version, correlationId, options.clientId, body, options.referenceFrom)
    }
    return encodeRequestFrame(api, version, correlationId, options.clientId, body)
  } catch (error) {
    if (error instanceof KafkaError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new KafkaConfigError(`${api.name} request: a field has a value that cannot be sent (${reason})`)
  }
}
