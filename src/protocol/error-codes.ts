/**
 * Kafka's error codes: name, whether a retry may succeed, and the default client action.
 * STUB: to be replaced by the full table.
 */

/** What a client does by default on an error code. */
export type ErrorAction =
  | 'none'
  | 'retry'
  | 'refresh-metadata'
  | 'find-coordinator'
  | 'rejoin-group'
  | 'reset-producer'
  | 'fatal'
  | 'abort-transaction'
  | 'fail'

/** One row of Kafka's error table. */
export interface ErrorCodeInfo {
  readonly code: number
  readonly name: string
  readonly retriable: boolean
  readonly action: ErrorAction
  readonly message: string
}

const UNKNOWN: ErrorCodeInfo = {
  code: -1,
  name: 'UNKNOWN_SERVER_ERROR',
  retriable: false,
  action: 'fail',
  message: 'The server experienced an unexpected error when processing the request.',
}

/** The row for `code`; an unlisted code maps to an UNKNOWN_SERVER_ERROR-like row keeping its number. */
export function errorCodeInfo(code: number): ErrorCodeInfo {
  return { ...UNKNOWN, code }
}
