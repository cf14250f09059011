/**
 * Options of the `Kafka` root, their Java-client defaults, and their validation. A bad option is a
 * {@link KafkaConfigError} at construction that names the option, not a failure later on a socket.
 */

import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls'
import { KafkaConfigError } from './errors.js'
import { isLogger, silentLogger, type Logger } from './observability/logger.js'
import type { SaslMechanism } from './network/sasl/mechanism.js'
import { resolveSaslOption, type SaslOptions } from './network/sasl/options.js'
import { checkOptionNames, describeValue, durationOption, type OptionNames } from './util/options.js'

/** Options of {@link Kafka}. Times are milliseconds. */
export interface KafkaOptions {
  /** Bootstrap servers, `host:port`. Any subset of the cluster will do; the rest is discovered. */
  brokers: readonly string[]
  /** Sent with every request; brokers use it in logs and quotas. Default `kafkats`. */
  clientId?: string
  /**
   * TLS for every connection: `true` for the system's trusted CAs with hostname checking, or
   * node:tls options (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized` …) passed through.
   */
  ssl?: boolean | TlsConnectionOptions
  /**
   * SASL authentication on every connection, after TLS if any: `{ mechanism: 'plain' | 'scram-sha-256'
   * | 'scram-sha-512', username, password }`, `{ mechanism: 'oauthbearer', oauthBearerProvider }`, or
   * a custom {@link SaslMechanism}. Sessions the broker limits are re-authenticated in time (KIP-368).
   */
  sasl?: SaslOptions
  /** Time to open a connection (Java `socket.connection.setup.timeout.ms`). Default 10000. */
  connectionTimeoutMs?: number
  /** Time to wait for a response before the connection is closed (Java `request.timeout.ms`). Default 30000. */
  requestTimeoutMs?: number
  /** Refresh metadata at least this often (Java `metadata.max.age.ms`). Default 300000. */
  metadataMaxAgeMs?: number
  /** First delay before retrying a failed request (Java `retry.backoff.ms`). Default 100. */
  retryBackoffMs?: number
  /** Upper bound of that delay as retries repeat (Java `retry.backoff.max.ms`). Default 1000. */
  retryBackoffMaxMs?: number
  /** First delay before reconnecting to a broker (Java `reconnect.backoff.ms`). Default 50. */
  reconnectBackoffMs?: number
  /** Upper bound of that delay (Java `reconnect.backoff.max.ms`). Default 1000. */
  reconnectBackoffMaxMs?: number
  /** Close connections idle this long (Java `connections.max.idle.ms`). Default 540000. */
  connectionsMaxIdleMs?: number
  /** Deadline of admin calls and internal lookups (Java `default.api.timeout.ms`). Default 60000. */
  defaultApiTimeoutMs?: number
  /**
   * Where kafkats logs what Java's client logs (connections, rebalances, fencing, notable retries):
   * a pino-compatible {@link Logger}, or {@link consoleLogger}. Default: nothing is logged. Every line
   * carries `clientId`; credentials are never logged.
   */
  logger?: Logger
}

/** {@link KafkaOptions} with every default filled in. */
export interface ResolvedKafkaOptions {
  brokers: readonly string[]
  clientId: string
  ssl: TlsConnectionOptions | undefined
  sasl: SaslMechanism | undefined
  connectionTimeoutMs: number
  requestTimeoutMs: number
  metadataMaxAgeMs: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  reconnectBackoffMs: number
  reconnectBackoffMaxMs: number
  connectionsMaxIdleMs: number
  defaultApiTimeoutMs: number
  /** The application's logger bound to `clientId`, or the silent one. */
  logger: Logger
}

// Every option of the root, so a misspelt one is an error rather than a silently unused default.
const KAFKA_OPTION_NAMES: OptionNames<KafkaOptions> = {
  brokers: true,
  clientId: true,
  ssl: true,
  sasl: true,
  connectionTimeoutMs: true,
  requestTimeoutMs: true,
  metadataMaxAgeMs: true,
  retryBackoffMs: true,
  retryBackoffMaxMs: true,
  reconnectBackoffMs: true,
  reconnectBackoffMaxMs: true,
  connectionsMaxIdleMs: true,
  defaultApiTimeoutMs: true,
  logger: true,
}

const BROKER_ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/

export function resolveKafkaOptions(options: KafkaOptions): ResolvedKafkaOptions {
  if (typeof options !== 'object' || options === null) {
    throw new KafkaConfigError(`options: expected an object with at least \`brokers\`, got ${describeValue(options)}`)
  }
  checkOptionNames('Kafka', options, KAFKA_OPTION_NAMES)
  const brokers: unknown = options.brokers
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new KafkaConfigError(`brokers: expected a non-empty array of "host:port" strings, got ${describeValue(brokers)}`)
  }
  for (const broker of brokers) {
    const match = typeof broker === 'string' ? BROKER_ADDRESS.exec(broker) : null
    const port = match === null ? NaN : Number(match[2])
    if (match === null || port < 1 || port > 65535) {
      const shown = typeof broker === 'string' ? JSON.stringify(broker) : describeValue(broker)
      throw new KafkaConfigError(`brokers: ${shown} is not a "host:port" address`)
    }
  }
  const clientId = options.clientId ?? 'kafkats'
  if (typeof clientId !== 'string') throw new KafkaConfigError(`clientId: expected a string, got ${describeValue(clientId)}`)
  const ssl = options.ssl
  if (ssl !== undefined && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || ssl === null)) {
    throw new KafkaConfigError(`ssl: expected true, false or node:tls connection options, got ${describeValue(ssl)}`)
  }
  const logger: unknown = options.logger
  if (logger !== undefined && !isLogger(logger)) {
    throw new KafkaConfigError(
      `logger: expected an object with trace, debug, info, warn, error and child methods (a pino logger, or consoleLogger()), got ${describeValue(logger)}`,
    )
  }
  const retryBackoffMs = durationOption('retryBackoffMs', options.retryBackoffMs, 100)
  const reconnectBackoffMs = durationOption('reconnectBackoffMs', options.reconnectBackoffMs, 50)
  return {
    brokers: [...(brokers as string[])],
    clientId,
    ssl: ssl === true ? {} : ssl === false || ssl === undefined ? undefined : ssl,
    sasl: resolveSaslOption(options.sasl),
    connectionTimeoutMs: durationOption('connectionTimeoutMs', options.connectionTimeoutMs, 10_000, 1),
    requestTimeoutMs: durationOption('requestTimeoutMs', options.requestTimeoutMs, 30_000, 1),
    metadataMaxAgeMs: durationOption('metadataMaxAgeMs', options.metadataMaxAgeMs, 300_000, 1),
    retryBackoffMs,
    retryBackoffMaxMs: durationOption('retryBackoffMaxMs', options.retryBackoffMaxMs, Math.max(1000, retryBackoffMs)),
    reconnectBackoffMs,
    reconnectBackoffMaxMs: durationOption(
      'reconnectBackoffMaxMs',
      options.reconnectBackoffMaxMs,
      Math.max(1000, reconnectBackoffMs),
    ),
    connectionsMaxIdleMs: durationOption('connectionsMaxIdleMs', options.connectionsMaxIdleMs, 540_000),
    defaultApiTimeoutMs: durationOption('defaultApiTimeoutMs', options.defaultApiTimeoutMs, 60_000, 1),
    logger: logger === undefined ? silentLogger : logger.child({ clientId }),
  }
}
