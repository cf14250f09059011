/**
 * Fetches records: one Fetch in flight per broker, over the broker's `fetch` connection, for the
 * fetchable partitions it leads (Java `AbstractFetch`, franz-go's per-broker source).
 *
 * A partition is fetchable when it has a valid position, is not paused and is not in another
 * fetch, and holds at most one response: the next fetch starts where its buffered response ends
 * (read off the batch headers), so the broker reads and sends the next records while the
 * application decodes and handles these. Responses become {@link CompletedFetch}es in the
 * {@link FetchBuffer}; the bytes stay encoded until the application takes them. A pass runs whenever something may have
 * made a partition fetchable (assignment, seek, resume, the buffer draining, a fetch completing, a
 * metadata change) and sends to every broker that is idle and whose last answer has been handed
 * out, within the buffer's memory budget.
 *
 * Latency rests on the fetch session (KIP-227): the broker answers a long poll as soon as data
 * arrives for any partition in the session, and a partition left out of a request is forgotten.
 * So every fetch to a broker carries all its fetchable partitions (the session sends only what
 * changed), which is why a broker with buffered data waits for the drain instead of being sent a
 * fetch without those partitions; and a fetch sent while a partition is about to become fetchable
 * (position lookup, error backoff) waits only until then, not for fetchMaxWaitMs.
 *
 * Per-partition errors follow Java's `FetchCollector.handleInitializeErrors`: leader and topic
 * errors refresh metadata and retry (the table in error-policy.ts); OFFSET_OUT_OF_RANGE resets the position by `autoOffsetReset`
 * or fails the partition for `'none'`; anything else non-retriable fails the partition.
 */

import { isolationLevelCode } from '../common/isolation-level.js'
import { partitionKey } from '../common/topic-partition.js'
import type { Cluster } from '../cluster/cluster.js'
import { KafkaBrokerError, type KafkaError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import {
  fetchApi,
  type FetchRequestForgottenTopic,
  type FetchRequestPartition,
  type FetchRequestTopic,
  type FetchResponse,
  type FetchResponsePartitionData,
} from '../protocol/messages/fetch.js'
import { fetchChannel, isTraced, type FetchTrace } from '../observability/channels.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { backoffMs } from '../util/backoff.js'
import { CompletedFetch } from './completed-fetch.js'
import type { FetchMetrics } from './consumer-metrics.js'
import { consumerErrorAction } from './error-policy.js'
import { KafkaOffsetOutOfRangeError } from './errors.js'
import type { FetchBuffer } from './fetch-buffer.js'
import { FetchSession, type SessionPartition } from './fetch-session.js'
import { fetchedPartitions } from './fetch-trace.js'
import type { ResolvedConsumerOptions } from './options.js'
import type { PositionResolver } from './position-resolver.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

export interface FetcherDeps {
  readonly cluster: Cluster
  /**
   * Names this consumer's own fetch connections. A broker answers one request per connection at
   * a time, so consumers sharing a socket would wait behind each other's long polls (measured:
   * 40x slower next to an idle consumer); each consumer gets its own, as each Java consumer has
   * its own network client.
   */
  readonly lane: string
  readonly subscriptions: SubscriptionState
  readonly buffer: FetchBuffer
  readonly options: ResolvedConsumerOptions
  readonly resolver: PositionResolver
  /** A partition failed for good; the application must hear of it. */
  readonly onPartitionError: (state: PartitionState, error: KafkaError) => void
  readonly metrics?: FetchMetrics
}

/** Request-level codes the fetch session handles itself (it starts a new session). */
const SESSION_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
  ErrorCode.INVALID_FETCH_SESSION_EPOCH,
  ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
])
/** The first Fetch version that names topics by id. */
const TOPIC_ID_VERSION = 13
/** The default of the v18 follower field: consumers leave it unset. */
const NO_HIGH_WATERMARK = 2n ** 63n - 1n

/**
 * How soon a partition whose position is being looked up (committed offset, reset, validation)
 * is expected to be fetchable: about one round trip. A fetch sent meanwhile waits no longer, so
 * a fresh assignment is fully fetched within this of its lookups finishing.
 */
const LOOKUP_JOIN_MS = 25

/**
 * Does a partition's buffered data hold back fetches from its broker? Only while the application
 * can take it: paused, revoked or failed partitions must not stall the others.
 */
function holdsBroker(p: PartitionState): boolean {
  return !p.paused && !p.revoking && p.error === null
}

/** What one request asked of one partition, to match the response against. */
interface Asked {
  readonly state: PartitionState
  readonly generation: number
  readonly fetchOffset: bigint
}

export class Fetcher {
  readonly #deps: FetcherDeps
  readonly #sessions = new Map<number, FetchSession>()
  readonly #busyNodes = new Set<number>()
  readonly #nodeRetryAt = new Map<number, number>()
  readonly #nodeFailures = new Map<number, number>()
  /** Brokers held back while their buffered records are handed out: since when (ms). */
  readonly #drainingSince = new Map<number, number>()
  #metadataRetryAt = 0
  #metadataRefreshes = 0
  #scheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAt = Infinity
  #closed = false
  /** Fetch requests sent, for diagnostics and tests. */
  requestsSent = 0
  readonly #purpose: ConnectionPurpose
  readonly #connections = new Set<Connection>()

  constructor(deps: FetcherDeps) {
    this.#deps = deps
    // The pool keys connections by broker and purpose; a purpose of this consumer's own keeps its
    // long polls off every other consumer's socket.
    this.#purpose = `fetch#${deps.lane}`
  }

  /** Brokers with a Fetch in flight now. */
  get inFlight(): number {
    return this.#busyNodes.size
  }

  /** Runs a pass soon (coalesced: many wakes in one tick cost one pass). */
  wake(): void {
    if (this.#scheduled || this.#closed) return
    this.#scheduled = true
    queueMicrotask(() => {
      this.#scheduled = false
      this.#pass()
    })
  }

  /** Stops fetching and closes this consumer's fetch connections (a long poll in flight ends with them). */
  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
    this.#deps.resolver.close()
    for (const connection of this.#connections) connection.close()
    this.#connections.clear()
  }

  #pass(): void {
    if (this.#closed) return
    const { subscriptions, cluster, buffer, resolver } = this.#deps
    const now = Date.now()
    const byNode = new Map<number, PartitionState[]>()
    // Brokers whose last answer is still being handed out: no fetch goes there until it is (below).
    const draining = new Set<number>()
    // Per broker: when a partition left out of its next fetch should become fetchable.
    const joinAt = new Map<number, number>()
    let needMetadata = false
    let nextRetry = Infinity
    let needLookup = false
    for (const p of subscriptions.all()) {
      if (p.state !== 'FETCHING') {
        if (p.error === null) {
          needLookup = true
          // A lookup in flight ends within a round trip; one backing off, at its retry time.
          if (!p.paused && !p.revoking) this.#expectJoin(joinAt, p, p.retryAt > now ? p.retryAt : now + LOOKUP_JOIN_MS)
        }
        continue
      }
      if (!p.isFetchable(now)) {
        if (p.buffered !== null) {
          if (holdsBroker(p)) {
            const leader = this.#leaderOf(p)
            if (leader !== undefined) draining.add(leader)
          }
        } else if (p.retryAt > now) {
          nextRetry = Math.min(nextRetry, p.retryAt)
          if (!p.paused && !p.revoking && p.error === null && !p.inFlight) this.#expectJoin(joinAt, p, p.retryAt)
        }
        continue
      }
      const info = cluster.metadata.partition(p.topic, p.partition)
      if (info === undefined || info.leader < 0 || cluster.metadata.broker(info.leader) === undefined) {
        needMetadata = true
        continue
      }
      // KIP-320: a new leader epoch means the log may have been truncated under our position.
      if (info.leaderEpoch >= 0 && info.leaderEpoch > p.validatedLeaderEpoch) {
        // The position is validated once what was fetched under the old epoch is handed out.
        if (p.buffered !== null) {
          draining.add(info.leader)
          continue
        }
        if (p.validatedLeaderEpoch >= 0 && p.positionEpoch >= 0) {
          p.state = 'AWAIT_VALIDATION'
          needLookup = true
          this.#expectJoin(joinAt, p, now + LOOKUP_JOIN_MS)
          continue
        }
        p.validatedLeaderEpoch = info.leaderEpoch
      }
      const retryAt = this.#nodeRetryAt.get(info.leader) ?? 0
      if (retryAt > now) {
        nextRetry = Math.min(nextRetry, retryAt)
        continue
      }
      if (this.#busyNodes.has(info.leader)) continue
      const list = byNode.get(info.leader)
      if (list === undefined) byNode.set(info.leader, [p])
      else list.push(p)
    }
    if (needLookup) resolver.run()
    if (needMetadata) this.#refreshMetadata()
    else this.#metadataRefreshes = 0
    // A broker answers a long poll when data arrives for any partition of the fetch session, and
    // only for those. A fetch sent while some of the broker's partitions hold two responses (or a
    // response whose end is not known) would have to leave them out, so the session would forget
    // them and the broker would sit on their new records for the whole fetchMaxWaitMs. Waiting for
    // the buffer to drain (the application takes a response's records in microseconds to
    // milliseconds) keeps every partition in every fetch (Java KAFKA-17182); the drain wakes this
    // pass.
    //
    // The hold is bounded: records that sit in the buffer longer than a long poll are not being
    // taken promptly (a slow handler on a large backlog, with other workers idle), and holding the
    // broker's other partitions behind them would cost more than the long poll those records'
    // partition may wait for once drained. Past that, the fetch goes out without them.
    for (const node of draining) {
      const since = this.#drainingSince.get(node)
      if (since === undefined) this.#drainingSince.set(node, now)
      const releaseAt = (since ?? now) + this.#deps.options.fetchMaxWaitMs
      if (now < releaseAt) {
        byNode.delete(node)
        nextRetry = Math.min(nextRetry, releaseAt)
      }
    }
    for (const node of this.#drainingSince.keys()) if (!draining.has(node)) this.#drainingSince.delete(node)
    const { fetchMaxBytes, fetchMaxWaitMs } = this.#deps.options
    for (const [node, states] of byNode) {
      const free = buffer.freeBytes
      if (free <= 0) break
      const maxBytes = Math.min(fetchMaxBytes, free)
      // Partitions about to become fetchable cannot join a long poll already sent: shorten it so
      // they join the next one instead of waiting out fetchMaxWaitMs.
      const at = joinAt.get(node)
      const maxWaitMs = at === undefined ? fetchMaxWaitMs : Math.max(0, Math.min(fetchMaxWaitMs, at - now))
      buffer.reserve(maxBytes)
      void this.#fetch(node, states, maxBytes, maxWaitMs)
    }
    if (nextRetry < Infinity) this.#wakeAt(nextRetry)
  }

  #leaderOf(p: PartitionState): number | undefined {
    const leader = this.#deps.cluster.metadata.partition(p.topic, p.partition)?.leader
    return leader === undefined || leader < 0 ? undefined : leader
  }

  #expectJoin(joinAt: Map<number, number>, p: PartitionState, at: number): void {
    const leader = this.#leaderOf(p)
    if (leader === undefined) return
    const known = joinAt.get(leader)
    if (known === undefined || at < known) joinAt.set(leader, at)
  }

  #wakeAt(at: number): void {
    if (this.#closed || at >= this.#timerAt) return
    clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity
      this.wake()
    }, Math.max(0, at - Date.now()))
    this.#timer.unref()
  }

  // Refreshes back off exponentially while partitions stay without a leader (a topic being
  // created or deleted), and start over from the shortest delay once every leader is known.
  #refreshMetadata(): void {
    const now = Date.now()
    if (now < this.#metadataRetryAt) {
      this.#wakeAt(this.#metadataRetryAt)
      return
    }
    this.#metadataRetryAt = now + backoffMs(this.#metadataRefreshes++, this.#deps.cluster.options.retryBackoff)
    this.#deps.cluster.refreshMetadata().then(
      () => this.wake(),
      () => this.#wakeAt(this.#metadataRetryAt),
    )
  }

  #session(node: number): FetchSession {
    let session = this.#sessions.get(node)
    if (session === undefined) {
      session = new FetchSession()
      this.#sessions.set(node, session)
    }
    return session
  }

  async #fetch(node: number, states: PartitionState[], maxBytes: number, maxWaitMs: number): Promise<void> {
    const { cluster, options } = this.#deps
    this.#busyNodes.add(node)
    const asked = new Map<string, Asked>()
    for (const state of states) {
      state.inFlight = true
      asked.set(state.key, { state, generation: state.generation, fetchOffset: state.fetchPosition })
    }
    const session = this.#session(node)
    try {
      const next: SessionPartition[] = states.map((s) => ({
        topic: s.topic,
        topicId: cluster.metadata.topic(s.topic)?.topicId ?? ZERO_UUID,
        partition: s.partition,
        fetchOffset: s.fetchPosition,
        currentLeaderEpoch: cluster.metadata.partition(s.topic, s.partition)?.leaderEpoch ?? -1,
        maxBytes: options.maxPartitionFetchBytes,
      }))
      // Topic ids are required from v13; fall back to names while one is unknown.
      const idsKnown = next.every((p) => p.topicId !== ZERO_UUID)
      this.requestsSent++
      const sentAt = performance.now()
      const send = (): Promise<FetchResponse> =>
        cluster.sendTo(
          { nodeId: node },
          fetchApi,
          (version) => {
            // Built once the connection is ready: the session advances only for a request that goes out.
            const sessionRequest = session.build(next, version >= TOPIC_ID_VERSION)
            return fetchApi.createRequest({
              replicaId: -1,
              maxWaitMs,
              minBytes: options.fetchMinBytes,
              maxBytes,
              isolationLevel: isolationLevelCode(options.isolationLevel),
              sessionId: sessionRequest.sessionId,
              sessionEpoch: sessionRequest.sessionEpoch,
              topics: requestTopics(sessionRequest.toSend),
              forgottenTopicsData: forgottenTopics(sessionRequest.toForget),
              rackId: '',
            })
          },
          {
            purpose: this.#purpose,
            timeoutMs: cluster.options.requestTimeoutMs + maxWaitMs,
            maxVersion: idsKnown ? undefined : TOPIC_ID_VERSION - 1,
            onConnection: (connection) => this.#connections.add(connection),
          },
        )
      const response = isTraced(fetchChannel) ? await this.#traced(node, next, send) : await send()
      if (this.#closed) return
      this.#nodeFailures.delete(node)
      const bytes = this.#handleResponse(node, session, response, asked, next)
      this.#deps.metrics?.fetched(performance.now() - sentAt, bytes)
    } catch {
      // Connection lost or timed out: the broker may have dropped our session; back off this broker.
      session.handleError()
      if (this.#closed) return
      const failures = this.#nodeFailures.get(node) ?? 0
      this.#nodeFailures.set(node, failures + 1)
      this.#nodeRetryAt.set(node, Date.now() + backoffMs(failures, cluster.options.retryBackoff))
      this.#refreshMetadata()
    } finally {
      this.#busyNodes.delete(node)
      for (const state of states) state.inFlight = false
      this.#deps.buffer.unreserve(maxBytes)
      this.wake()
    }
  }

  // The request under kafkats:consumer:fetch; its partitions are summed up before the trace ends.
  #traced(node: number, next: readonly SessionPartition[], send: () => Promise<FetchResponse>): Promise<FetchResponse> {
    const { cluster, options } = this.#deps
    const broker = cluster.metadata.broker(node)
    const context: FetchTrace = {
      clientId: cluster.options.clientId,
      groupId: options.groupId,
      broker: broker === undefined ? `node ${node}` : `${broker.host}:${broker.port}`,
      partitionCount: next.length,
    }
    return fetchChannel.tracePromise(async () => {
      const response = await send()
      const nameById = new Map<string, string>()
      for (const p of next) nameById.set(p.topicId, p.topic)
      context.partitions = fetchedPartitions(response, nameById)
      return response
    }, context)
  }

  #handleResponse(
    node: number,
    session: FetchSession,
    response: FetchResponse,
    asked: ReadonlyMap<string, Asked>,
    next: readonly SessionPartition[],
  ): number {
    const { cluster } = this.#deps
    let bytes = 0
    for (const e of response.nodeEndpoints) cluster.metadata.addBroker({ nodeId: e.nodeId, host: e.host, port: e.port, rack: e.rack })
    const nameById = new Map<string, string>()
    for (const p of next) nameById.set(p.topicId, p.topic)
    const answered: Array<{ topic: string; partition: number }> = []
    for (const t of response.responses) {
      const topic = t.topic !== '' ? t.topic : nameById.get(t.topicId)
      if (topic === undefined) continue
      for (const data of t.partitions) {
        answered.push({ topic, partition: data.partitionIndex })
        bytes += data.records?.length ?? 0
        const a = asked.get(partitionKey(topic, data.partitionIndex))
        if (a !== undefined) this.#handlePartition(a, data)
      }
    }
    session.handleResponse(response.errorCode, response.sessionId, answered)
    if (response.errorCode !== ErrorCode.NONE && !SESSION_ERRORS.has(response.errorCode)) {
      // A request-level error (throttling, version trouble): back off this broker and look again.
      this.#nodeRetryAt.set(node, Date.now() + this.#deps.cluster.options.retryBackoff.initialMs)
      this.#refreshMetadata()
    }
    return bytes
  }

  #handlePartition(a: Asked, data: FetchResponsePartitionData): void {
    const { subscriptions, buffer, options, cluster } = this.#deps
    const state = a.state
    // Stale: the partition was revoked, seeked or reset while the fetch was in flight.
    if (subscriptions.get(state.topic, state.partition) !== state || state.generation !== a.generation) return
    const code = data.errorCode
    const action = consumerErrorAction('Fetch', code)
    if (action === 'none') {
      state.highWatermark = data.highWatermark
      state.lastStableOffset = data.lastStableOffset
      state.logStartOffset = data.logStartOffset
      const records = data.records
      if (records === null || records.length === 0 || state.state !== 'FETCHING' || state.prefetched !== null) return
      // Still where the fetch was sent from (a response continuing the buffered one, or the position).
      if (state.fetchPosition !== a.fetchOffset) return
      const fetch = new CompletedFetch({
        generation: a.generation,
        fetchOffset: a.fetchOffset,
        records,
        abortedTransactions: options.isolationLevel === 'read_committed' ? (data.abortedTransactions ?? []) : null,
        checkCrcs: options.checkCrcs,
      })
      buffer.add(state, fetch)
      return
    }
    switch (action) {
      case 'refresh-metadata': {
        // KIP-951: the broker may name the new leader; otherwise ask the cluster.
        const hint = data.currentLeader
        const hinted = hint.leaderId >= 0 && hint.leaderEpoch >= 0 && cluster.metadata.updateLeader(state.topic, state.partition, hint.leaderId, hint.leaderEpoch)
        if (!hinted) {
          state.retryAt = Date.now() + cluster.options.retryBackoff.initialMs
          this.#refreshMetadata()
        }
        return
      }
      case 'retry':
        state.retryAt = Date.now() + cluster.options.retryBackoff.initialMs
        return
      case 'reset-position': {
        if (a.fetchOffset !== state.position) return
        const strategy = this.#deps.resolver.defaultStrategy()
        if (strategy === null) {
          this.#fail(state, new KafkaOffsetOutOfRangeError(state, a.fetchOffset))
        } else {
          subscriptions.requestReset(state, strategy)
          this.#deps.resolver.run()
        }
        return
      }
      case 'fail':
        this.#fail(state, new KafkaBrokerError(code))
    }
  }

  #fail(state: PartitionState, error: KafkaError): void {
    this.#deps.subscriptions.fail(state, error)
    this.#deps.onPartitionError(state, error)
  }
}

function requestTopics(partitions: readonly SessionPartition[]): FetchRequestTopic[] {
  const topics = new Map<string, { topic: string; topicId: string; partitions: FetchRequestPartition[] }>()
  for (const p of partitions) {
    let t = topics.get(p.topic)
    if (t === undefined) {
      t = { topic: p.topic, topicId: p.topicId, partitions: [] }
      topics.set(p.topic, t)
    }
    t.partitions.push({
      partition: p.partition,
      currentLeaderEpoch: p.currentLeaderEpoch,
      fetchOffset: p.fetchOffset,
      lastFetchedEpoch: -1,
      logStartOffset: -1n,
      partitionMaxBytes: p.maxBytes,
      replicaDirectoryId: ZERO_UUID,
      highWatermark: NO_HIGH_WATERMARK,
    })
  }
  return [...topics.values()]
}

function forgottenTopics(partitions: readonly SessionPartition[]): FetchRequestForgottenTopic[] {
  const topics = new Map<string, { topic: string; topicId: string; partitions: number[] }>()
  for (const p of partitions) {
    const k = `${p.topic}\u0000${p.topicId}`
    let t = topics.get(k)
    if (t === undefined) {
      t = { topic: p.topic, topicId: p.topicId, partitions: [] }
      topics.set(k, t)
    }
    t.partitions.push(p.partition)
  }
  return [...topics.values()]
}

/** The request topics of a session request, for tests and diagnostics. */
export const buildFetchTopics = requestTopics
export const buildForgottenTopics = forgottenTopics
