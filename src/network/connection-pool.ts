/**
 * Connections to brokers, one per (broker address, purpose).
 *
 * A broker reads the next request on a socket only after answering the previous one, so a Fetch
 * parked for `fetchMaxWaitMs` or a JoinGroup held for a rebalance would stall everything behind it.
 * Giving produce, fetch, group traffic and everything else their own sockets keeps heartbeats,
 * commits and metadata flowing whatever the long polls do.
 */

import { KafkaAuthenticationError, KafkaStateError } from '../errors.js'
import { publishConnection } from '../observability/channels.js'
import { silentLogger, type Logger } from '../observability/logger.js'
import { backoffMs, type BackoffOptions } from '../util/backoff.js'
import { Connection, type ConnectionOptions } from './connection.js'

/**
 * The traffic classes that get a socket of their own. A suffix (`fetch#3`) gives one client of a
 * shared root its own socket for that class: two consumers must not wait behind each other's long
 * polls or rebalances.
 */
export type ConnectionPurpose = 'produce' | 'fetch' | 'group' | 'default' | `${'produce' | 'fetch' | 'group'}#${string}`

/** Where a broker listens. Bootstrap servers have no node id yet. */
export interface BrokerEndpoint {
  readonly host: string
  readonly port: number
}

export interface ConnectionPoolOptions {
  /** Options for every new connection, except its address. */
  connection?: Omit<ConnectionOptions, 'host' | 'port'>
  /**
   * Runs on every new connection before it is handed out (ApiVersions, SASL). A failure closes the
   * connection and fails the caller.
   */
  onConnect?: (connection: Connection) => Promise<void>
  /** Connections unused for this long are closed (Java `connections.max.idle.ms`). */
  connectionsMaxIdleMs?: number
  /** Delay before reconnecting to an address whose last attempt failed (Java `reconnect.backoff.ms`). */
  reconnectBackoffMs?: number
  /** Upper bound of that delay as failures repeat (Java `reconnect.backoff.max.ms`). */
  reconnectBackoffMaxMs?: number
  /** Connections opened (debug), lost (info), refused or failing authentication (warn, error). */
  logger?: Logger
}

interface Slot {
  connection: Connection | undefined
  opening: Promise<Connection> | undefined
}

interface AddressHealth {
  failures: number
  retryAt: number
}

export class ConnectionPool {
  readonly #options: ConnectionPoolOptions
  readonly #slots = new Map<string, Slot>()
  readonly #health = new Map<string, AddressHealth>()
  readonly #backoff: BackoffOptions
  readonly #reaper: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: ConnectionPoolOptions = {}) {
    this.#options = options
    this.#backoff = {
      initialMs: options.reconnectBackoffMs ?? 50,
      maxMs: options.reconnectBackoffMaxMs ?? 1000,
    }
    const idleMs = options.connectionsMaxIdleMs ?? 540_000
    if (idleMs > 0) {
      this.#reaper = setInterval(() => this.#closeIdle(idleMs), Math.min(idleMs, 30_000))
      this.#reaper.unref()
    }
  }

  /** Open connections, for diagnostics and tests. */
  get size(): number {
    let n = 0
    for (const slot of this.#slots.values()) if (slot.connection?.isOpen === true) n++
    return n
  }

  /** True when some connection to the endpoint is open. */
  isConnected(endpoint: BrokerEndpoint): boolean {
    const prefix = `${endpoint.host}:${endpoint.port}/`
    for (const [key, slot] of this.#slots) {
      if (key.startsWith(prefix) && slot.connection?.isOpen === true) return true
    }
    return false
  }

  /** False while the last attempt to connect to the endpoint failed. */
  isHealthy(endpoint: BrokerEndpoint): boolean {
    return !this.#health.has(`${endpoint.host}:${endpoint.port}`)
  }

  /**
   * How long a connection attempt to the endpoint would wait out its reconnect backoff now (0 when
   * it would connect at once): the last attempt failed and the next is not due yet.
   */
  backoffRemainingMs(endpoint: BrokerEndpoint): number {
    const health = this.#health.get(`${endpoint.host}:${endpoint.port}`)
    return health === undefined ? 0 : Math.max(0, health.retryAt - Date.now())
  }

  /**
   * The open connection for `endpoint` and `purpose`, opening (and handshaking) one if needed.
   * Concurrent callers share one attempt. After a failed attempt to an address, the next one waits
   * out an exponential backoff with jitter first.
   */
  get(endpoint: BrokerEndpoint, purpose: ConnectionPurpose = 'default'): Promise<Connection> {
    if (this.#closed) return Promise.reject(new KafkaStateError('the connection pool is closed'))
    const key = `${endpoint.host}:${endpoint.port}/${purpose}`
    let slot = this.#slots.get(key)
    if (slot === undefined) {
      slot = { connection: undefined, opening: undefined }
      this.#slots.set(key, slot)
    }
    if (slot.connection !== undefined && !slot.connection.isClosed) return Promise.resolve(slot.connection)
    slot.opening ??= this.#open(endpoint, purpose, slot).finally(() => {
      ;(slot as Slot).opening = undefined
    })
    return slot.opening
  }

  async #open(endpoint: BrokerEndpoint, purpose: ConnectionPurpose, slot: Slot): Promise<Connection> {
    const address = `${endpoint.host}:${endpoint.port}`
    const health = this.#health.get(address)
    const wait = health === undefined ? 0 : health.retryAt - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    if (this.#closed) throw new KafkaStateError('the connection pool is closed')

    const connection = new Connection({ ...this.#options.connection, host: endpoint.host, port: endpoint.port })
    try {
      await connection.connect()
      await this.#options.onConnect?.(connection)
    } catch (error) {
      connection.close()
      const failures = (health?.failures ?? 0) + 1
      const retryInMs = backoffMs(failures - 1, this.#backoff)
      this.#health.set(address, { failures, retryAt: Date.now() + retryInMs })
      if (!this.#closed) this.#logFailure(address, purpose, error, failures, retryInMs)
      throw error
    }
    this.#health.delete(address)
    if (this.#closed) {
      connection.close()
      throw new KafkaStateError('the connection pool is closed')
    }
    slot.connection = connection
    const logger = this.#logger
    logger.debug({ broker: address, purpose }, 'connection opened')
    publishConnection({ type: 'opened', broker: address, purpose })
    connection.onClose((error) => {
      // Closed on purpose (idle, shut down, a role done with it) is routine; anything else is a loss.
      if (error === undefined || error instanceof KafkaStateError) {
        logger.debug({ broker: address, purpose }, 'connection closed')
        publishConnection({ type: 'closed', broker: address, purpose })
      } else {
        logger.info({ broker: address, purpose, error }, 'connection lost')
        publishConnection({ type: 'lost', broker: address, purpose, error })
      }
    })
    return connection
  }

  get #logger(): Logger {
    return this.#options.logger ?? silentLogger
  }

  // As Java's client: a refused connection is a warning (the broker may be down), a failed
  // authentication an error (it will not fix itself).
  #logFailure(address: string, purpose: ConnectionPurpose, error: unknown, failures: number, retryInMs: number): void {
    publishConnection({ type: 'refused', broker: address, purpose, error })
    const fields = { broker: address, purpose, error, failures, retryInMs }
    if (error instanceof KafkaAuthenticationError) this.#logger.error(fields, 'authentication failed')
    else this.#logger.warn(fields, 'connection could not be established; the broker may not be available')
  }

  #closeIdle(idleMs: number): void {
    for (const [key, slot] of this.#slots) {
      const connection = slot.connection
      if (connection === undefined) continue
      if (connection.isClosed || connection.idleMs >= idleMs) {
        connection.close()
        if (slot.opening === undefined) this.#slots.delete(key)
      }
    }
  }

  /** Closes every connection; later `get` calls fail. */
  close(): void {
    this.#closed = true
    if (this.#reaper !== undefined) clearInterval(this.#reaper)
    for (const slot of this.#slots.values()) slot.connection?.close()
    this.#slots.clear()
  }
}
