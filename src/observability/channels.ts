/**
 * diagnostics_channel instruments (Node's `node:diagnostics_channel`): tools subscribe by name and
 * kafkats publishes only while someone listens, so an unobserved client pays one boolean check
 * per operation.
 *
 * | channel | kind | context |
 * | --- | --- | --- |
 * | `kafkats:network:request` | TracingChannel (start, end, asyncStart, asyncEnd, error) | {@link RequestTrace} |
 * | `kafkats:network:connection` | Channel | {@link ConnectionEvent} |
 *
 * Subscribe with `diagnostics_channel.tracingChannel('kafkats:network:request').subscribe({ … })`
 * or `diagnostics_channel.subscribe('kafkats:network:connection', listener)`.
 */

import { channel, tracingChannel, type TracingChannel } from 'node:diagnostics_channel'

/** One request on the wire, from the moment it is handed to a connection to its answer. */
export interface RequestTrace {
  /** The API's name, as Kafka's schemas spell it (`Produce`, `Fetch`, `JoinGroup` …). */
  readonly api: string
  readonly apiKey: number
  readonly version: number
  /** `host:port` of the broker. */
  readonly broker: string
  /** False for requests the broker does not answer (Produce with acks=0). */
  readonly expectResponse: boolean
  /** Set once the request is framed (-1 before). */
  correlationId: number
  /** Size of the request frame (its 4-byte size prefix included), set once framed. */
  requestBytes: number
  /** Size of the response frame (size prefix included), set when it arrives (0 for one-way requests). */
  responseBytes: number
  /** Set by the TracingChannel: the decoded response, or the error the request failed with. */
  result?: unknown
  error?: unknown
}

/** A connection opened, closed on purpose, lost, or refused. */
export interface ConnectionEvent {
  readonly type: 'opened' | 'closed' | 'lost' | 'refused'
  readonly broker: string
  /** Which of the client's sockets to the broker (`default`, `produce`, `fetch`, `group` …). */
  readonly purpose: string
  readonly error?: unknown
}

export const requestChannel: TracingChannel<unknown, RequestTrace> = tracingChannel('kafkats:network:request')
export const connectionChannel = channel('kafkats:network:connection')

/** Does anyone listen to a tracing channel? (`TracingChannel#hasSubscribers` is Node ≥ 20.13.) */
export function isTraced(trace: TracingChannel<unknown, object>): boolean {
  return trace.start.hasSubscribers || trace.end.hasSubscribers || trace.asyncStart.hasSubscribers || trace.asyncEnd.hasSubscribers || trace.error.hasSubscribers
}

/** Publishes a connection event when someone listens. */
export function publishConnection(event: ConnectionEvent): void {
  if (connectionChannel.hasSubscribers) connectionChannel.publish(event)
}
