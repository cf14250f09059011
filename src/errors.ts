/**
 * The error hierarchy of kafkats.
 *
 * Every error the client raises is a {@link KafkaError}: it carries the Kafka error code (or -1 when
 * the failure did not come from a broker), the Kafka error name, whether retrying the same operation
 * may succeed, and the underlying cause. Subclasses name the category so callers can branch with
 * `instanceof` without parsing messages.
 *
 * @packageDocumentation
 */

import { errorCodeInfo, type ErrorAction } from './protocol/error-codes.js'

export type { ErrorAction }

// A brand that survives two copies of the package in one process (undici's trick): `instanceof`
// across duplicated installs would otherwise fail silently.
const kKafkaError = Symbol.for('kafkats.error')

/** Options shared by every error constructor. */
export interface KafkaErrorOptions {
  /** The Kafka error code; -1 (UNKNOWN_SERVER_ERROR) when the error did not come from a broker. */
  code?: number
  /** The Kafka error name, such as `NOT_LEADER_OR_FOLLOWER`. */
  errorName?: string
  /** Whether the same operation may succeed if tried again. */
  retriable?: boolean
  /** The error that led to this one. */
  cause?: unknown
}

/**
 * The base of every error raised by kafkats.
 * @category Error
 */
export class KafkaError extends Error {
  /** The Kafka error code; -1 when the failure did not come from a broker's error code. */
  readonly code: number
  /** The Kafka error name (`NOT_LEADER_OR_FOLLOWER`), or a kafkats category name for client-side errors. */
  readonly errorName: string
  /** True when trying the same operation again may succeed. */
  readonly retriable: boolean

  constructor(message: string, options: KafkaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = options.code ?? -1
    this.errorName = options.errorName ?? 'UNKNOWN_SERVER_ERROR'
    this.retriable = options.retriable ?? false
  }

  get [kKafkaError](): true {
    return true
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== KafkaError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kKafkaError] === true
  }
}

/**
 * A broker answered with a non-zero error code. The code, name and retriable flag come from Kafka's
 * error table.
 * @category Error
 */
export class KafkaBrokerError extends KafkaError {
  /** What Kafka's clients do on this error by default (refresh metadata, retry, fail …). */
  readonly action: ErrorAction

  constructor(code: number, message?: string, options: { cause?: unknown } = {}) {
    const info = errorCodeInfo(code)
    super(message ?? `${info.name}: ${info.message}`, {
      code,
      errorName: info.name,
      retriable: info.retriable,
      cause: options.cause,
    })
    this.action = info.action
  }
}

/**
 * A frame could not be decoded: it was truncated, malformed, or claimed an impossible size.
 * The connection that carried it can no longer be trusted.
 * @category Error
 */
export class KafkaProtocolError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { errorName: 'CORRUPT_MESSAGE', code: 2, retriable: false, cause: options.cause })
  }
}

/**
 * A value cannot be compressed or decompressed with the requested codec on this runtime.
 * @category Error
 */
export class KafkaCompressionError extends KafkaError {
  constructor(message: string, options: { cause?: unknown; code?: number } = {}) {
    super(message, {
      errorName: options.code === 76 ? 'UNSUPPORTED_COMPRESSION_TYPE' : 'CORRUPT_MESSAGE',
      code: options.code ?? 2,
      retriable: false,
      cause: options.cause,
    })
  }
}

/**
 * A connection failed: refused, reset, closed by the broker, or closed by kafkats after a timeout.
 * Requests that were in flight on it have an unknown outcome.
 * @category Error
 */
export class KafkaNetworkError extends KafkaError {
  /** The broker address the connection was to, as `host:port`. */
  readonly broker: string

  constructor(message: string, options: { broker: string; cause?: unknown }) {
    super(message, { errorName: 'NETWORK_EXCEPTION', code: 13, retriable: true, cause: options.cause })
    this.broker = options.broker
  }
}

/**
 * An operation did not finish within its deadline. For a request already written to a broker the
 * outcome is unknown: the broker may still have acted on it.
 * @category Error
 */
export class KafkaTimeoutError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { errorName: 'REQUEST_TIMED_OUT', code: 7, retriable: true, cause: options.cause })
  }
}

/**
 * True for a request that failed on the wire (connection lost or refused, no answer in time): the
 * broker may have died or moved, so callers forget what they knew of it (a coordinator, a leader)
 * and look again. Broker error codes are not this: the broker answered.
 */
export function isWireFailure(error: unknown): error is KafkaNetworkError | KafkaTimeoutError {
  return error instanceof KafkaNetworkError || error instanceof KafkaTimeoutError
}

/**
 * An operation was attempted on an object in the wrong state, such as a closed connection or client.
 * @category Error
 */
export class KafkaStateError extends KafkaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { errorName: 'ILLEGAL_STATE', code: -1, retriable: false, cause: options.cause })
  }
}

/**
 * A request cannot be sent at any version both sides support, or a message carries a value the
 * chosen version cannot express (a non-default value in a field that version lacks, a null where it
 * forbids one). The Java client raises UnsupportedVersionException.
 * @category Error
 */
export class KafkaUnsupportedVersionError extends KafkaError {
  constructor(message: string) {
    super(message, { errorName: 'UNSUPPORTED_VERSION', code: 35, retriable: false })
  }
}

/**
 * A record cannot be sent as it is: too large for `maxRequestSize` or `bufferMemory`, a partition the
 * topic does not have, a key, value or header of a type that cannot be sent, or a key or value its
 * serializer rejected. Nothing was sent, and other records are not held up by it.
 * @category Error
 */
export class KafkaRecordError extends KafkaError {
  /**
   * The part of the record that is wrong when one is (`key`, `value`, `headers.traceId`,
   * `headers[2].key`, `partition`, `timestamp`, `topic`), else undefined.
   */
  readonly field: string | undefined
  /** The record's position in a `sendBatch` call; undefined for `send`. */
  readonly recordIndex: number | undefined

  constructor(
    message: string,
    options: { code: number; errorName: string; cause?: unknown; field?: string; recordIndex?: number },
  ) {
    super(message, { code: options.code, errorName: options.errorName, retriable: false, cause: options.cause })
    this.field = options.field
    this.recordIndex = options.recordIndex
  }
}

/**
 * The broker did not accept who we are: SASL failed (wrong credentials, a mechanism the broker does
 * not enable, a token it rejects) or TLS failed (a certificate that does not verify or does not
 * name the broker, a client certificate the broker requires and did not get). Retrying with the
 * same settings cannot help, so it is not retriable. Messages name the broker and mechanism,
 * never a secret.
 * @category Error
 */
export class KafkaAuthenticationError extends KafkaError {
  /** The broker address, as `host:port`. */
  readonly broker: string
  /** The SASL mechanism (`SCRAM-SHA-512`), or `TLS` for a failed TLS handshake. */
  readonly mechanism: string

  constructor(
    message: string,
    options: { broker: string; mechanism: string; code?: number; errorName?: string; cause?: unknown },
  ) {
    super(message, {
      code: options.code ?? 58,
      errorName: options.errorName ?? 'SASL_AUTHENTICATION_FAILED',
      retriable: false,
      cause: options.cause,
    })
    this.broker = options.broker
    this.mechanism = options.mechanism
  }
}

/**
 * An option given to kafkats is invalid. The message names the option.
 * @category Error
 */
export class KafkaConfigError extends KafkaError {
  constructor(message: string) {
    super(message, { errorName: 'INVALID_CONFIG', code: 40, retriable: false })
  }
}

/**
 * A transactional operation failed, or the producer's transaction is in an error state. `abortable`
 * says what to do next: true — abort the transaction and go on with the next one; false — the
 * producer cannot continue and must be closed. The code and name are Kafka's when a broker's error
 * caused it (TRANSACTION_ABORTABLE, UNKNOWN_MEMBER_ID …), or `TRANSACTION_ABORTED` for records
 * dropped by `abortTransaction`.
 * @category Error
 */
export class KafkaTransactionError extends KafkaError {
  /** True when `abortTransaction` recovers the producer; false when only closing it is left. */
  readonly abortable: boolean

  constructor(message: string, options: { code: number; errorName: string; abortable: boolean; cause?: unknown }) {
    super(message, { code: options.code, errorName: options.errorName, retriable: false, cause: options.cause })
    this.abortable = options.abortable
  }
}

/**
 * Another producer with the same `transactionalId` took over (it called `initTransactions`, or the
 * coordinator fenced this one after a transaction timeout). This producer can only be closed. The
 * Java client raises ProducerFencedException.
 * @category Error
 */
export class KafkaFencedError extends KafkaTransactionError {
  constructor(message: string, options: { code?: number; cause?: unknown } = {}) {
    const code = options.code ?? 90
    super(message, {
      code,
      errorName: code === 47 ? 'INVALID_PRODUCER_EPOCH' : 'PRODUCER_FENCED',
      abortable: false,
      cause: options.cause,
    })
  }
}

/** Builds the typed error for a broker error code, or returns null for code 0 (no error). */
export function errorFromCode(code: number, message?: string | null): KafkaBrokerError | null {
  if (code === 0) return null
  return new KafkaBrokerError(code, message ?? undefined)
}

/**
 * True when `error` is a kafkats error that may succeed if the same operation is tried again, by
 * Kafka's classification of its error code (see {@link KafkaError.retriable}). Anything that is not a
 * {@link KafkaError} is not retriable.
 */
export function isRetriable(error: unknown): error is KafkaError {
  return error instanceof KafkaError && error.retriable
}
