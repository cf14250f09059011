/**
 * The core every role shares: one connection pool, one metadata cache, the negotiated API versions
 * of each broker, and the coordinators of groups and transactional ids. A `Kafka` root owns one.
 *
 * It routes a typed request to the broker it must reach (a node id, the controller, a coordinator,
 * or any broker) and leaves the decision of what an error code means to the role that sent it.
 */

import type { Logger } from '../observability/logger.js'
import { isWireFailure, KafkaBrokerError, KafkaConfigError, KafkaStateError } from '../errors.js'
import { negotiateApiVersions, type BrokerVersions } from '../network/api-versions.js'
import type { Connection, SocketFactory } from '../network/connection.js'
import { ConnectionPool, type BrokerEndpoint, type ConnectionPurpose } from '../network/connection-pool.js'
import { sendOneWay, sendRequest } from '../network/send-request.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { findCoordinatorApi } from '../protocol/messages/find-coordinator.js'
import { metadataApi, type MetadataResponse } from '../protocol/messages/metadata.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import type { BackoffOptions } from '../util/backoff.js'
import { BootstrapCheck, type HostLookup } from './bootstrap-check.js'
import { type BrokerInfo, MetadataCache, type MetadataChanges } from './metadata-cache.js'
import { retry } from './retry.js'

/** Where a request must go. */
export type BrokerTarget =
  | { readonly nodeId: number }
  | { readonly endpoint: BrokerEndpoint }
  /** The active controller as brokers report it (KRaft brokers forward controller requests). */
  | 'controller'
  /** Any broker: a connected one if there is one, else a known or bootstrap broker. */
  | 'any'

export type CoordinatorType = 'group' | 'transaction'

export interface ClusterOptions {
  clientId: string
  /** Bootstrap servers as `host:port`. */
  brokers: readonly string[]
  connectionTimeoutMs: number
  requestTimeoutMs: number
  /** Refresh the metadata of topics of interest at least this often (Java `metadata.max.age.ms`). */
  metadataMaxAgeMs: number
  retryBackoff: BackoffOptions
  reconnectBackoffMs: number
  reconnectBackoffMaxMs: number
  connectionsMaxIdleMs: number
  /** Deadline of internal retries such as coordinator lookups (Java `default.api.timeout.ms`). */
  defaultApiTimeoutMs: number
  softwareName: string
  softwareVersion: string
  socketFactory?: SocketFactory
  /** Runs after ApiVersions on every new connection: SASL authentication plugs in here. */
  authenticate?: (connection: Connection, versions: BrokerVersions) => Promise<void>
  /** Resolves bootstrap host names (default: the system resolver); tests replace it. */
  lookup?: HostLookup
  /** The root's logger (connections are logged by the pool). Default: silent. */
  logger?: Logger
}

/** How {@link Cluster.sendTo} sends: every role's requests go through it, with these choices. */
export interface SendToOptions {
  /**
   * Which of the broker's connections carries the request. Roles keep their own ('produce',
   * 'fetch', 'group' …) so a long-polling Fetch never delays a heartbeat or a Produce.
   */
  purpose?: ConnectionPurpose
  /** Client-side timeout of this request; the connection's requestTimeoutMs when omitted. */
  timeoutMs?: number
  /**
   * Never send a version above this one, even when both sides support it: a newer version needs
   * something the caller lacks (topic ids it has not learnt, say) or changes a semantic it relies on.
   */
  maxVersion?: number
  /**
   * Called with the connection once it is open and negotiated, before `build` and before the request
   * is written; for callers that watch the connection (close it to cancel a long poll, count what is
   * in flight on it).
   */
  onConnection?: (connection: Connection) => void
  /**
   * Byte fields of at least this many bytes (record batches) go to the socket from their own
   * buffers, not copied into the request frame; the caller leaves them unchanged until written.
   */
  referenceFrom?: number
}

/**
 * Builds a request for the version negotiated with the broker: async when it must be (record
 * batches are compressed), null when there turned out to be nothing to send.
 */
export type RequestBuild<Req> = (version: number) => Req | null | PromiseLike<Req | null>

/** A request {@link Cluster.pipelineTo} queued on its connection. */
export interface PipelinedRequest<Res> {
  /** The broker's answer, or the failure of the connection or of its decoding. */
  readonly response: Promise<Res>
}

function pickAtRandom<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)] as T
}

/** Parses `host:port`, accepting bracketed IPv6 hosts. */
export function parseBrokerAddress(address: string): BrokerEndpoint {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim())
  const port = match === null ? NaN : Number(match[2])
  if (match === null || port < 1 || port > 65535) {
    throw new KafkaConfigError(`brokers: ${JSON.stringify(address)} is not a host:port address`)
  }
  return { host: match[1] as string, port }
}

export class Cluster {
  readonly metadata = new MetadataCache()
  readonly pool: ConnectionPool
  readonly options: ClusterOptions
  readonly #bootstrap: readonly BrokerEndpoint[]
  readonly #bootstrapCheck: BootstrapCheck
  // Versions are negotiated per connection; the last ones seen per address serve diagnostics.
  readonly #versions = new WeakMap<Connection, BrokerVersions>()
  readonly #lastVersions = new Map<string, BrokerVersions>()
  // FindCoordinator answers by `type:key`. Their endpoints stay here, not in the metadata cache: the
  // cache's broker list is what 'any' requests choose from, and a coordinator added to an empty
  // cache would make it the only choice, so its death would leave nothing to ask.
  readonly #coordinators = new Map<string, BrokerInfo>()
  // Topics some role needs metadata for; each refresh asks for all of them.
  readonly #interest = new Set<string>()
  readonly #changeListeners = new Set<(changes: MetadataChanges) => void>()
  #refreshing: Promise<void> | undefined
  #queuedRefresh: Promise<void> | undefined
  readonly #refreshTimer: NodeJS.Timeout
  #closed = false

  constructor(options: ClusterOptions) {
    this.options = options
    if (options.brokers.length === 0) throw new KafkaConfigError('brokers: at least one bootstrap server is required')
    this.#bootstrap = options.brokers.map(parseBrokerAddress)
    this.#bootstrapCheck = new BootstrapCheck(this.#bootstrap, options.connectionTimeoutMs, options.lookup)
    this.pool = new ConnectionPool({
      connection: {
        connectionTimeoutMs: options.connectionTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
        socketFactory: options.socketFactory,
      },
      connectionsMaxIdleMs: options.connectionsMaxIdleMs,
      reconnectBackoffMs: options.reconnectBackoffMs,
      reconnectBackoffMaxMs: options.reconnectBackoffMaxMs,
      onConnect: (connection) => this.#handshake(connection),
      logger: options.logger,
    })
    this.#refreshTimer = setInterval(() => {
      if (this.#interest.size > 0) this.refreshMetadata().catch(() => {})
    }, options.metadataMaxAgeMs)
    this.#refreshTimer.unref()
  }

  async #handshake(connection: Connection): Promise<void> {
    const versions = await negotiateApiVersions(connection, {
      clientId: this.options.clientId,
      softwareName: this.options.softwareName,
      softwareVersion: this.options.softwareVersion,
      timeoutMs: this.options.requestTimeoutMs,
    })
    this.#versions.set(connection, versions)
    this.#lastVersions.set(connection.address, versions)
    await this.options.authenticate?.(connection, versions)
  }

  get isClosed(): boolean {
    return this.#closed
  }

  /** Negotiated versions of a broker we have connected to. */
  versionsOf(endpoint: BrokerEndpoint): BrokerVersions | undefined {
    return this.#lastVersions.get(`${endpoint.host}:${endpoint.port}`)
  }

  /** Calls `listener` with what each metadata merge changed. Returns a function that unsubscribes. */
  onMetadataChange(listener: (changes: MetadataChanges) => void): () => void {
    this.#changeListeners.add(listener)
    return () => this.#changeListeners.delete(listener)
  }

  /** The endpoint of a target, without connecting. */
  endpointOf(target: BrokerTarget): BrokerEndpoint {
    if (target === 'any') return this.#anyEndpoint()
    if (target === 'controller') {
      const controller = this.metadata.broker(this.metadata.controllerId)
      // A controller we just failed to reach has probably died, and our metadata still names it
      // until the cluster fences it. Any other broker will do meanwhile: KRaft brokers forward
      // controller requests, and a ZooKeeper-mode broker answers NOT_CONTROLLER, which refreshes.
      return controller !== undefined && this.pool.isHealthy(controller) ? controller : this.#anyEndpoint()
    }
    if ('endpoint' in target) return target.endpoint
    const broker = this.metadata.broker(target.nodeId) ?? this.#coordinatorEndpoint(target.nodeId)
    if (broker === undefined) {
      // The node left the cluster, or our metadata predates it: a refresh may find it.
      throw new KafkaBrokerError(6, `broker ${target.nodeId} is not in the cluster metadata`)
    }
    return broker
  }

  #anyEndpoint(): BrokerEndpoint {
    const known = [...this.metadata.brokers.values()]
    // Prefer a broker we already talk to, then one whose last connection attempt did not fail;
    // spread first contacts at random so clients do not all pick the first bootstrap server.
    const connected = known.find((b) => this.pool.isConnected(b))
    if (connected !== undefined) return connected
    const healthy = known.filter((b) => this.pool.isHealthy(b))
    if (healthy.length > 0) return pickAtRandom(healthy)
    // Nothing known, or every broker we know of refused us: go back to the bootstrap servers, as
    // Java's default metadata.recovery.strategy (rebootstrap) does. Without this a client whose
    // only known broker died would ask that dead broker until its deadline.
    const bootstrap = this.#bootstrapCheck.usable ?? this.#bootstrap
    const connectedBootstrap = bootstrap.find((b) => this.pool.isConnected(b))
    if (connectedBootstrap !== undefined) return connectedBootstrap
    const healthyBootstrap = bootstrap.filter((b) => this.pool.isHealthy(b))
    return pickAtRandom(healthyBootstrap.length > 0 ? healthyBootstrap : [...known, ...bootstrap])
  }

  /** An open, negotiated connection to a target. */
  async connectionTo(target: BrokerTarget, purpose: ConnectionPurpose = 'default'): Promise<Connection> {
    if (this.#closed) throw new KafkaStateError('the Kafka client is closed')
    // Before the first metadata only the bootstrap list is known: it must name a real address,
    // or the call fails now instead of retrying a name that does not exist until its deadline.
    if (this.#bootstrapCheck.usable === undefined && this.metadata.brokers.size === 0 && typeof target === 'string') {
      await this.#bootstrapCheck.check()
    }
    const endpoint = this.endpointOf(target)
    return this.pool.get(endpoint, purpose)
  }

  /**
   * Sends a request built for the version negotiated with the target broker (capped at
   * `options.maxVersion`). `build` receives that version, because some requests carry different
   * fields per version (topic names or ids); it runs only once the connection is ready, so a caller
   * may take work off its queues inside it. Requests are pipelined: concurrent calls to one broker
   * share its connection and are answered in order.
   *
   * Fails with the connection's KafkaNetworkError or KafkaTimeoutError (and starts a metadata
   * refresh, since the broker may have died), or the decoding error of a malformed response. Error
   * codes inside the response are the caller's to read.
   */
  async sendTo<Req, Res>(
    target: BrokerTarget,
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    options: SendToOptions = {},
  ): Promise<Res> {
    try {
      const { connection, version } = await this.#ready(target, api, options)
      return await sendRequest(connection, api, version, build(version), {
        clientId: this.options.clientId,
        timeoutMs: options.timeoutMs,
      })
    } catch (error) {
      this.#afterSendFailure(target, error)
      throw error
    }
  }

  /**
   * {@link sendTo} for a caller that keeps several requests to one broker in flight in an order of
   * its own (the producer's Produce requests): resolves as soon as the request is queued on the
   * connection, before its answer, so the caller can build the next one behind it. `build` may be
   * async (record batches are compressed) and may return null when it found nothing to send after
   * all; the call then resolves null. The answer fails, and refreshes the metadata, as sendTo does.
   */
  async pipelineTo<Req, Res>(
    target: BrokerTarget,
    api: ApiDescriptor<Req, Res>,
    build: RequestBuild<Req>,
    options: SendToOptions = {},
  ): Promise<PipelinedRequest<Res> | null> {
    let response: Promise<Res>
    try {
      const { connection, version } = await this.#ready(target, api, options)
      const body = await build(version)
      if (body === null) return null
      // Queued on the connection before this returns: the connection is open, so nothing between
      // here and the write yields to a request built after this one.
      response = sendRequest(connection, api, version, body, {
        clientId: this.options.clientId,
        timeoutMs: options.timeoutMs,
        referenceFrom: options.referenceFrom,
      })
    } catch (error) {
      this.#afterSendFailure(target, error)
      throw error
    }
    return {
      response: response.catch((error: unknown) => {
        this.#afterSendFailure(target, error)
        throw error
      }),
    }
  }

  /**
   * Like {@link pipelineTo} for a request the broker does not answer (Produce with acks=0): resolves
   * true once the request is written, false when `build` found nothing to send.
   */
  async sendOneWayTo<Req, Res>(
    target: BrokerTarget,
    api: ApiDescriptor<Req, Res>,
    build: RequestBuild<Req>,
    options: Omit<SendToOptions, 'timeoutMs'> = {},
  ): Promise<boolean> {
    try {
      const { connection, version } = await this.#ready(target, api, options)
      const body = await build(version)
      if (body === null) return false
      await sendOneWay(connection, api, version, body, { clientId: this.options.clientId, referenceFrom: options.referenceFrom })
      return true
    } catch (error) {
      this.#afterSendFailure(target, error)
      throw error
    }
  }

  async #ready<Req, Res>(
    target: BrokerTarget,
    api: ApiDescriptor<Req, Res>,
    options: SendToOptions,
  ): Promise<{ connection: Connection; version: number }> {
    const connection = await this.connectionTo(target, options.purpose)
    options.onConnection?.(connection)
    return { connection, version: this.#cappedVersion(connection, api, options.maxVersion) }
  }

  #cappedVersion<Req, Res>(connection: Connection, api: ApiDescriptor<Req, Res>, maxVersion: number | undefined): number {
    const version = this.#versionFor(connection, api)
    return maxVersion !== undefined && version > maxVersion ? maxVersion : version
  }

  /**
   * A broker we meant to reach (a leader, a coordinator, the controller) dropped or refused the
   * connection, or did not answer in time: it may have died, and then leaders, coordinators and the
   * controller move. Refresh the metadata in the background, as Java's NetworkClient does on a
   * disconnect or a request timeout, so the caller's retry is routed by a fresh view rather than
   * the one that sent it to a dead broker. 'any' is left out: Metadata requests themselves go
   * there, and one failing must not start another.
   */
  #afterSendFailure(target: BrokerTarget, error: unknown): void {
    if (target === 'any' || this.#closed) return
    if (!isWireFailure(error)) return
    if (this.#refreshing === undefined) this.refreshMetadata().catch(() => {})
  }

  #versionFor<Req, Res>(connection: Connection, api: ApiDescriptor<Req, Res>): number {
    const versions = this.#versions.get(connection)
    if (versions === undefined) throw new KafkaStateError(`no ApiVersions from ${connection.address}`)
    return versions.pick(api, connection.address)
  }

  /** Adds topics whose metadata roles need; they are included in every refresh from now on. */
  addTopicsOfInterest(topics: Iterable<string>): void {
    for (const t of topics) this.#interest.add(t)
  }

  removeTopicsOfInterest(topics: Iterable<string>): void {
    for (const t of topics) this.#interest.delete(t)
  }

  /**
   * Refreshes metadata for the topics of interest (plus `topics`, which join them). Calls made
   * while a refresh is in flight share one follow-up refresh, so a burst of triggers costs at most
   * two requests, and every caller sees a response produced after its call.
   */
  refreshMetadata(topics: Iterable<string> = []): Promise<void> {
    this.addTopicsOfInterest(topics)
    if (this.#refreshing === undefined) {
      this.#refreshing = this.#refreshOnce().finally(() => {
        this.#refreshing = undefined
      })
      return this.#refreshing
    }
    this.#queuedRefresh ??= this.#refreshing
      .catch(() => {})
      .then(() => {
        this.#queuedRefresh = undefined
        return this.refreshMetadata()
      })
    return this.#queuedRefresh
  }

  async #refreshOnce(): Promise<void> {
    const topics = [...this.#interest]
    const response = await this.fetchMetadata(topics, { allowAutoTopicCreation: false })
    this.applyMetadata(response, topics)
  }

  /**
   * Sends a Metadata request to any broker, retrying retriable failures on other brokers until
   * `defaultApiTimeoutMs`. `topics` null asks for every topic.
   */
  async fetchMetadata(
    topics: readonly string[] | null,
    options: { allowAutoTopicCreation?: boolean } = {},
  ): Promise<MetadataResponse> {
    return retry(
      () =>
        this.sendTo('any', metadataApi, () =>
          metadataApi.createRequest({
            topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
            allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
          }),
        ),
      {
        deadline: Date.now() + this.options.defaultApiTimeoutMs,
        backoff: this.options.retryBackoff,
        what: 'Metadata request',
      },
    )
  }

  /** Merges a Metadata response into the cache and tells the listeners what changed. */
  applyMetadata(response: MetadataResponse, requested: readonly string[] | null): MetadataChanges {
    const changes = this.metadata.apply(response, requested)
    if (changes.partitionCountChanged.length + changes.leaderChanged.length + changes.removed.length > 0) {
      for (const listener of this.#changeListeners) listener(changes)
    }
    return changes
  }

  /**
   * Metadata for `topics`, refreshing when any of them is unknown. Topics still unknown after the
   * refresh are absent from the result; the caller decides whether that is an error.
   */
  async ensureMetadata(topics: readonly string[]): Promise<void> {
    if (topics.every((t) => this.metadata.topic(t) !== undefined)) {
      this.addTopicsOfInterest(topics)
      return
    }
    await this.refreshMetadata(topics)
  }

  /**
   * The node id of the coordinator of a group or transactional id, looked up with FindCoordinator
   * and cached until {@link forgetCoordinator}.
   */
  async coordinator(type: CoordinatorType, key: string): Promise<number> {
    const cacheKey = `${type}:${key}`
    const cached = this.#coordinators.get(cacheKey)
    // A Metadata response lists every live broker: a coordinator missing from one has died or been
    // fenced, so look again. Before the first response there is nothing to check against.
    if (cached !== undefined && (this.metadata.updatedAt === 0 || this.metadata.broker(cached.nodeId) !== undefined)) {
      return cached.nodeId
    }
    return retry(
      async () => {
        const keyType = type === 'group' ? 0 : 1
        const response = await this.sendTo('any', findCoordinatorApi, (version) =>
          findCoordinatorApi.createRequest(
            version >= 4 ? { keyType, coordinatorKeys: [key] } : { keyType, key },
          ),
        )
        const found =
          response.coordinators.length > 0
            ? (response.coordinators[0] as (typeof response.coordinators)[number])
            : response
        if (found.errorCode !== 0) throw new KafkaBrokerError(found.errorCode, found.errorMessage ?? undefined)
        this.#coordinators.set(cacheKey, { nodeId: found.nodeId, host: found.host, port: found.port, rack: null })
        return found.nodeId
      },
      {
        deadline: Date.now() + this.options.defaultApiTimeoutMs,
        backoff: this.options.retryBackoff,
        what: `FindCoordinator for ${type} ${JSON.stringify(key)}`,
      },
    )
  }

  /** Where a coordinator the metadata does not list (yet) listens, from its FindCoordinator answer. */
  #coordinatorEndpoint(nodeId: number): BrokerInfo | undefined {
    for (const c of this.#coordinators.values()) if (c.nodeId === nodeId) return c
    return undefined
  }

  /** Drops a cached coordinator after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE. */
  forgetCoordinator(type: CoordinatorType, key: string): void {
    this.#coordinators.delete(`${type}:${key}`)
  }

  /** Closes every connection and stops background refreshes. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#refreshTimer)
    this.pool.close()
  }
}
