/**
 * Gives every assigned partition a valid position before it is fetched (Java
 * `updateFetchPositions`): committed offsets for INITIALIZING partitions, ListOffsets for
 * AWAIT_RESET ones, OffsetForLeaderEpoch for AWAIT_VALIDATION ones. One pass runs at a time; a
 * request made meanwhile runs another pass after it. Failed lookups back off per partition.
 */

import type { Cluster } from '../cluster/cluster.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { KafkaBrokerError, KafkaError } from '../errors.js'
import { backoffMs } from '../util/backoff.js'
import { consumerErrorAction, type ConsumerRequest } from './error-policy.js'
import { KafkaLogTruncationError, KafkaNoOffsetError } from './errors.js'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  endOffsetsForEpochs,
  fetchCommittedOffsets,
  listOffsets,
  type LeaderAnswer,
} from './offset-lookup.js'
import type { ResolvedConsumerOptions } from './options.js'
import type { PartitionState, ResetStrategy, SubscriptionState } from './subscription-state.js'
import { ErrorCode } from '../protocol/error-codes.js'

export interface PositionResolverDeps {
  readonly cluster: Cluster
  readonly subscriptions: SubscriptionState
  readonly options: ResolvedConsumerOptions
  /** KIP-848 members send their id and epoch with OffsetFetch; null otherwise. */
  readonly member: () => { memberId: string; memberEpoch: number } | null
  /** The connection purpose for OffsetFetch, and a hook that sees the connection used. */
  readonly purpose?: ConnectionPurpose
  readonly onConnection?: (connection: Connection) => void
  /** A partition failed for good (no offset and no reset policy, truncation, authorization). */
  readonly onFailed: (state: PartitionState, error: KafkaError) => void
  /** Some partitions got a position (or failed): the fetcher may have work. */
  readonly onProgress: () => void
}

export class PositionResolver {
  readonly #deps: PositionResolverDeps
  #running = false
  #again = false
  #timer: NodeJS.Timeout | undefined
  #closed = false
  // Consecutive failures per partition key, for the backoff.
  readonly #attempts = new Map<string, number>()
  // When partitions whose leader refused us may refresh metadata again.
  #leaderRefreshAt = 0

  constructor(deps: PositionResolverDeps) {
    this.#deps = deps
  }

  /** True when some partition waits for a lookup. */
  hasWork(): boolean {
    for (const p of this.#deps.subscriptions.all()) if (needsLookup(p)) return true
    return false
  }

  /** Starts a pass (or queues one after the pass running now). */
  run(): void {
    if (this.#closed) return
    if (this.#running) {
      this.#again = true
      return
    }
    this.#running = true
    // A pass that looked nothing up (every partition waits for its retry time or for metadata
    // naming a reachable leader) changed nothing, so it does not wake the fetcher: the fetcher
    // would run it again at once, and that ping-pong, all microtasks, would starve the event loop
    // (the metadata answer it waits for included) until the leader's reconnect backoff ran out.
    // Its own timer and refresh run the next pass.
    let lookedUp = true
    void this.#pass()
      .then((any) => {
        lookedUp = any
      })
      .finally(() => {
        this.#running = false
        if (lookedUp) this.#deps.onProgress()
        if (this.#again) {
          this.#again = false
          this.run()
        }
      })
  }

  close(): void {
    this.#closed = true
    clearTimeout(this.#timer)
  }

  /** The reset the options ask for, or null for `'none'`. */
  defaultStrategy(): ResetStrategy | null {
    const policy = this.#deps.options.autoOffsetReset
    return policy === 'none' ? null : policy
  }

  /** One round of lookups; false when there was none to make. */
  async #pass(): Promise<boolean> {
    const now = Date.now()
    const initializing: PartitionState[] = []
    const resetting: PartitionState[] = []
    const validating: PartitionState[] = []
    let nextRetry = Infinity
    let leaderUnavailable = false
    for (const p of this.#deps.subscriptions.all()) {
      if (!needsLookup(p)) continue
      if (p.retryAt > now) {
        nextRetry = Math.min(nextRetry, p.retryAt)
        continue
      }
      if (p.state === 'INITIALIZING') {
        initializing.push(p)
        continue
      }
      // Resets and validations ask the partition's leader. One that refused our last connection has
      // probably died: asking it would wait out its reconnect backoff and then fail. Ask again once
      // fresh metadata names the new leader instead (Java's consumer skips unavailable nodes too).
      if (this.#leaderUnavailable(p)) {
        leaderUnavailable = true
        continue
      }
      if (p.state === 'AWAIT_RESET') resetting.push(p)
      else validating.push(p)
    }
    if (leaderUnavailable) {
      // At most one refresh per base backoff: metadata may name the dead leader until it is fenced.
      if (now < this.#leaderRefreshAt) {
        nextRetry = Math.min(nextRetry, this.#leaderRefreshAt)
      } else {
        const gap = this.#deps.cluster.options.retryBackoff.initialMs
        this.#leaderRefreshAt = now + gap
        this.#deps.cluster.refreshMetadata().then(
          () => this.run(),
          () => this.#schedule(gap),
        )
      }
    }
    const topics = [...new Set([...initializing, ...resetting, ...validating].map((p) => p.topic))]
    if (topics.length > 0) {
      try {
        await this.#deps.cluster.ensureMetadata(topics)
      } catch {
        // Lookups below fail per partition and back off.
      }
    }
    await Promise.all([this.#initialize(initializing), this.#reset(resetting), this.#validate(validating)])
    if (nextRetry < Infinity) this.#schedule(nextRetry - Date.now())
    return initializing.length + resetting.length + validating.length > 0
  }

  #leaderUnavailable(p: PartitionState): boolean {
    const { cluster } = this.#deps
    const leader = cluster.metadata.partition(p.topic, p.partition)?.leader ?? -1
    const broker = leader < 0 ? undefined : cluster.metadata.broker(leader)
    return broker !== undefined && cluster.pool.backoffRemainingMs(broker) > 0
  }

  #schedule(delay: number): void {
    if (this.#closed) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.run(), Math.max(0, delay))
    this.#timer.unref()
  }

  #backOff(p: PartitionState): void {
    const n = this.#attempts.get(p.key) ?? 0
    this.#attempts.set(p.key, n + 1)
    const delay = backoffMs(n, this.#deps.cluster.options.retryBackoff)
    p.retryAt = Date.now() + delay
    this.#schedule(delay)
  }

  #succeeded(p: PartitionState): void {
    this.#attempts.delete(p.key)
  }

  // A lookup error: retriable ones back off (and refresh metadata), others fail the partition.
  #lookupFailed(p: PartitionState, error: unknown): void {
    if (error instanceof KafkaError && !error.retriable) {
      this.#deps.onFailed(p, error)
      return
    }
    this.#deps.cluster.refreshMetadata().catch(() => {})
    this.#backOff(p)
  }

  // A leader's error code for a partition, by the consumer's error table: UNKNOWN_LEADER_EPOCH
  // (our metadata is ahead of that broker) waits rather than refreshing.
  #answerFailed(p: PartitionState, request: ConsumerRequest, code: number): void {
    const action = consumerErrorAction(request, code)
    if (action === 'retry') this.#backOff(p)
    else if (action === 'refresh-metadata') this.#lookupFailed(p, new KafkaBrokerError(code))
    else this.#deps.onFailed(p, new KafkaBrokerError(code))
  }

  #applyDefaultReset(p: PartitionState): void {
    const strategy = this.defaultStrategy()
    if (strategy === null) this.#deps.onFailed(p, new KafkaNoOffsetError(p))
    else this.#deps.subscriptions.requestReset(p, strategy)
  }

  async #initialize(states: readonly PartitionState[]): Promise<void> {
    if (states.length === 0) return
    const { subscriptions, options, cluster } = this.#deps
    const generations = states.map((p) => p.generation)
    const current = (p: PartitionState, i: number): boolean =>
      p.generation === generations[i] && p.state === 'INITIALIZING' && subscriptions.get(p.topic, p.partition) === p
    if (options.groupId === null) {
      states.forEach((p) => this.#applyDefaultReset(p))
      return
    }
    let committed
    try {
      committed = await fetchCommittedOffsets(cluster, options.groupId, states, {
        deadline: Date.now() + cluster.options.defaultApiTimeoutMs,
        member: this.#deps.member(),
        purpose: this.#deps.purpose,
        onConnection: this.#deps.onConnection,
      })
    } catch (error) {
      states.forEach((p, i) => current(p, i) && this.#lookupFailed(p, error))
      return
    }
    states.forEach((p, i) => {
      if (!current(p, i)) return
      this.#succeeded(p)
      const found = committed.get(p.key) ?? null
      if (found === null) {
        this.#applyDefaultReset(p)
        return
      }
      subscriptions.seek(p, found.offset, found.leaderEpoch)
      p.committedOffset = found.offset
    })
  }

  async #reset(states: readonly PartitionState[]): Promise<void> {
    if (states.length === 0) return
    const { subscriptions, options, cluster } = this.#deps
    const readCommitted = options.isolationLevel === 'read_committed'
    const generations = new Map(states.map((p) => [p, p.generation]))
    const timestampOf = (s: ResetStrategy): bigint =>
      s === 'earliest' ? EARLIEST_TIMESTAMP : s === 'latest' ? LATEST_TIMESTAMP : BigInt(s.timestamp)
    const answers = await listOffsets(
      cluster,
      states.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: timestampOf(p.resetStrategy ?? 'latest') })),
      readCommitted,
    )
    // A timestamp later than every record finds nothing: start at the end, as Java's by-duration reset.
    const tooLate = states.filter((p) => {
      const a = answers.get(p.key)
      return a !== undefined && a.errorCode === ErrorCode.NONE && a.offset < 0n && typeof p.resetStrategy === 'object'
    })
    if (tooLate.length > 0) {
      const ends = await listOffsets(
        cluster,
        tooLate.map((p) => ({ topic: p.topic, partition: p.partition, timestamp: LATEST_TIMESTAMP })),
        readCommitted,
      )
      for (const [k, v] of ends) answers.set(k, v)
    }
    for (const p of states) {
      const a = answers.get(p.key) as LeaderAnswer
      if (a.errorCode !== ErrorCode.NONE) {
        if (p.generation === generations.get(p)) this.#answerFailed(p, 'ListOffsets', a.errorCode)
        continue
      }
      this.#succeeded(p)
      subscriptions.completeReset(p, generations.get(p) as number, a.offset, a.leaderEpoch)
    }
  }

  async #validate(states: readonly PartitionState[]): Promise<void> {
    const { subscriptions, cluster } = this.#deps
    const asking: PartitionState[] = []
    for (const p of states) {
      const leaderEpoch = cluster.metadata.partition(p.topic, p.partition)?.leaderEpoch ?? -1
      // Nothing to check against: no epoch for the position, or none for the leader.
      if (p.positionEpoch < 0 || leaderEpoch < 0) subscriptions.completeValidation(p, p.generation, leaderEpoch)
      else asking.push(p)
    }
    if (asking.length === 0) return
    const generations = new Map(asking.map((p) => [p, p.generation]))
    const leaderEpochs = new Map(asking.map((p) => [p, cluster.metadata.partition(p.topic, p.partition)?.leaderEpoch ?? -1]))
    const answers = await endOffsetsForEpochs(
      cluster,
      asking.map((p) => ({ topic: p.topic, partition: p.partition, leaderEpoch: p.positionEpoch })),
    )
    for (const p of asking) {
      const generation = generations.get(p) as number
      if (p.generation !== generation || p.state !== 'AWAIT_VALIDATION') continue
      const a = answers.get(p.key) as LeaderAnswer
      if (a.errorCode !== ErrorCode.NONE) {
        this.#answerFailed(p, 'OffsetForLeaderEpoch', a.errorCode)
        continue
      }
      this.#succeeded(p)
      this.#completeValidation(p, generation, a, leaderEpochs.get(p) as number)
    }
  }

  // Java SubscriptionState.maybeCompleteValidation.
  #completeValidation(p: PartitionState, generation: number, a: LeaderAnswer, leaderEpoch: number): void {
    const { subscriptions } = this.#deps
    const strategy = this.defaultStrategy()
    if (a.offset < 0n || a.leaderEpoch < 0) {
      // The leader knows nothing of our epoch: where the log diverged is unknown.
      if (strategy !== null) subscriptions.requestReset(p, strategy)
      else this.#deps.onFailed(p, new KafkaLogTruncationError(p, p.position, null))
      return
    }
    if (a.offset < p.position) {
      if (strategy !== null) {
        subscriptions.seek(p, a.offset, a.leaderEpoch, false)
        p.validatedLeaderEpoch = leaderEpoch
      } else {
        this.#deps.onFailed(p, new KafkaLogTruncationError(p, p.position, a.offset))
      }
      return
    }
    subscriptions.completeValidation(p, generation, leaderEpoch)
  }
}

function needsLookup(p: PartitionState): boolean {
  return p.error === null && p.state !== 'FETCHING'
}
