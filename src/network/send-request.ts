/**
 * Sends one typed request on a connection: frames it with the header its version calls for,
 * and decodes the response with the same API descriptor.
 */

import { KafkaConfigError, KafkaError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { decodeResponseFrame, encodeRequestFrame, encodeRequestFrameChunks } from '../protocol/header.js'
import { isTraced, requestChannel, type RequestTrace } from '../observability/channels.js'
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
  if (isTraced(requestChannel)) return traced(connection, api, version, body, options, true) as Promise<Res>
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
  if (isTraced(requestChannel)) {
    await traced(connection, api, version, body, options, false)
    return
  }
  await connection.request(
    (correlationId) => encode(api, version, correlationId, body, options),
    { expectResponse: false },
  )
}

// The same request under the kafkats:network:request TracingChannel, for whoever listens.
function traced<Req, Res>(
  connection: Connection,
  api: ApiDescriptor<Req, Res>,
  version: number,
  body: Req,
  options: SendOptions,
  expectResponse: boolean,
): Promise<Res | null> {
  const context: RequestTrace = {
    api: api.name,
    apiKey: api.key,
    version,
    broker: connection.address,
    expectResponse,
    correlationId: -1,
    requestBytes: 0,
    responseBytes: 0,
  }
  return requestChannel.tracePromise(async () => {
    const frame = await connection.request(
      (correlationId) => {
        context.correlationId = correlationId
        const framed = encode(api, version, correlationId, body, options)
        context.requestBytes = frameBytes(framed)
        return framed
      },
      expectResponse ? { timeoutMs: options.timeoutMs } : { expectResponse: false },
    )
    if (frame === null) return null
    context.responseBytes = frame.length + 4
    return decodeResponseFrame(api, version, frame).body
  }, context)
}

function frameBytes(frame: RequestFrame): number {
  if (frame instanceof Uint8Array) return frame.length
  let n = 0
  for (const chunk of frame) n += chunk.length
  return n
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
