/**
 * SASL on a connection, after ApiVersions (and after TLS when there is TLS): SaslHandshake v1 names
 * the mechanism, then SaslAuthenticate requests carry the mechanism's messages until it is done.
 * When the broker announces a session lifetime (KIP-368), the same exchange runs again on the same
 * connection before the session expires, with no other request interleaved.
 */

import { KafkaAuthenticationError, KafkaUnsupportedVersionError } from '../../errors.js'
import type { ApiDescriptor } from '../../protocol/api.js'
import { errorCodeInfo } from '../../protocol/error-codes.js'
import { decodeResponseFrame, encodeRequestFrame } from '../../protocol/header.js'
import { saslAuthenticateApi } from '../../protocol/messages/sasl-authenticate.js'
import { saslHandshakeApi } from '../../protocol/messages/sasl-handshake.js'
import type { BrokerVersions } from '../api-versions.js'
import type { Connection } from '../connection.js'
import type { SaslMechanism } from './mechanism.js'

const UNSUPPORTED_SASL_MECHANISM = 33
// A mechanism that never says done would otherwise loop for as long as the broker plays along.
const MAX_ROUNDS = 16
// Re-authenticate this long before expiry at the least, and never sooner than this after login.
const MIN_REAUTH_DELAY_MS = 1000

export interface SaslExchangeOptions {
  clientId: string | null
  timeoutMs?: number
  /** True when re-authenticating under Connection.runExclusive. */
  exclusive?: boolean
}

/** What a successful exchange reports. */
export interface SaslOutcome {
  /** Milliseconds the broker keeps the session; 0 when it never expires (or the broker predates KIP-368). */
  sessionLifetimeMs: number
}

/** Runs one SASL exchange on an open connection. Failures are {@link KafkaAuthenticationError}s. */
export async function saslAuthenticate(
  connection: Connection,
  versions: BrokerVersions,
  mechanism: SaslMechanism,
  options: SaslExchangeOptions,
): Promise<SaslOutcome> {
  const broker = connection.address
  const authError = (code: number, message: string): KafkaAuthenticationError =>
    new KafkaAuthenticationError(message, {
      broker,
      mechanism: mechanism.name,
      code,
      errorName: errorCodeInfo(code).name,
    })

  const handshakeVersion = versions.pick(saslHandshakeApi, broker)
  if (handshakeVersion < 1) {
    throw new KafkaUnsupportedVersionError(`broker ${broker} does not support SaslAuthenticate (SaslHandshake v1)`)
  }
  const handshake = await send(connection, saslHandshakeApi, handshakeVersion, { mechanism: mechanism.name }, options)
  if (handshake.errorCode === UNSUPPORTED_SASL_MECHANISM) {
    throw authError(
      handshake.errorCode,
      `broker ${broker} does not enable SASL mechanism ${mechanism.name}; it enables: ${handshake.mechanisms.join(', ') || 'none'}`,
    )
  }
  if (handshake.errorCode !== 0) {
    throw authError(handshake.errorCode, `SaslHandshake with ${broker} failed: ${errorCodeInfo(handshake.errorCode).name}`)
  }

  const authenticateVersion = versions.pick(saslAuthenticateApi, broker)
  const session = await mechanism.authenticate({ host: connection.host, port: connection.port })
  let message = session.initialResponse
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const response = await send(connection, saslAuthenticateApi, authenticateVersion, { authBytes: message }, options)
    if (response.errorCode !== 0) {
      const detail = response.errorMessage ?? errorCodeInfo(response.errorCode).message
      throw authError(response.errorCode, `SASL ${mechanism.name} authentication with ${broker} failed: ${detail}`)
    }
    const step = await session.challenge(response.authBytes)
    if (step.done) return { sessionLifetimeMs: Number(response.sessionLifetimeMs) }
    if (step.response === undefined) {
      throw authError(34, `SASL ${mechanism.name} with ${broker}: the mechanism neither finished nor answered`)
    }
    message = step.response
  }
  throw authError(34, `SASL ${mechanism.name} with ${broker} did not finish within ${MAX_ROUNDS} rounds`)
}

async function send<Req, Res>(
  connection: Connection,
  api: ApiDescriptor<Req, Res>,
  version: number,
  fields: Partial<Req>,
  options: SaslExchangeOptions,
): Promise<Res> {
  const body = api.createRequest(fields)
  const frame = await connection.request(
    (correlationId) => encodeRequestFrame(api, version, correlationId, options.clientId, body),
    { timeoutMs: options.timeoutMs, exclusive: options.exclusive },
  )
  return decodeResponseFrame(api, version, frame as Buffer).body
}

/**
 * When to re-authenticate a session of `lifetimeMs` that took `latencyMs` to set up: at a random
 * point between 85 % and 95 % of the lifetime (so connections opened together do not re-authenticate
 * together), less the latency, but not sooner than a second (or half the lifetime, if shorter).
 */
export function reauthenticationDelayMs(lifetimeMs: number, latencyMs: number, random: () => number = Math.random): number {
  const lifetime = Math.min(lifetimeMs, 2 ** 31 - 1)
  const target = lifetime * (0.85 + 0.1 * random()) - latencyMs
  return Math.round(Math.max(target, Math.min(MIN_REAUTH_DELAY_MS, lifetime / 2)))
}

export interface SaslAuthenticatorOptions {
  clientId: string | null
  requestTimeoutMs: number
  /** Called after every successful re-authentication; for diagnostics and tests. */
  onReauthenticated?: (connection: Connection) => void
}

/**
 * The `authenticate` hook of the cluster: authenticates a new connection and keeps it authenticated
 * for as long as it is open. A failed re-authentication closes the connection with its error.
 */
export function createSaslAuthenticator(
  mechanism: SaslMechanism,
  options: SaslAuthenticatorOptions,
): (connection: Connection, versions: BrokerVersions) => Promise<void> {
  const exchange = async (connection: Connection, versions: BrokerVersions, exclusive: boolean): Promise<void> => {
    const started = Date.now()
    const { sessionLifetimeMs } = await saslAuthenticate(connection, versions, mechanism, {
      clientId: options.clientId,
      timeoutMs: options.requestTimeoutMs,
      exclusive,
    })
    if (sessionLifetimeMs <= 0 || connection.isClosed) return
    const timer = setTimeout(() => {
      connection
        .runExclusive(() => exchange(connection, versions, true))
        .then(
          () => options.onReauthenticated?.(connection),
          (error: unknown) => connection.closeWithError(error instanceof Error ? error : new Error(String(error))),
        )
    }, reauthenticationDelayMs(sessionLifetimeMs, Date.now() - started))
    timer.unref()
    connection.onClose(() => clearTimeout(timer))
  }
  return (connection, versions) => exchange(connection, versions, false)
}
