/**
 * The consumer: subscription state, fetcher, position resolver and committer behind one class,
 * fed partitions by a group membership (`subscribe`) or by the application (`assign`).
 *
 * Records reach the application through `run({ eachMessage | eachBatch })` or
 * `for await (const message of consumer)`. Either way a record counts as processed only once the
 * application is done with it (the handler resolved, or the iterator was asked for the next one),
 * and auto-commit stores processed offsets only: at-least-once delivery.
 */

import { EventEmitter } from 'node:events'
import { partitionKey } from '../common/topic-partition.js'
import type { Cluster } from '../cluster/cluster.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { KafkaConfigError, KafkaError, KafkaStateError } from '../errors.js'
import type { DataRecordBatch, TimestampType } from '../protocol/record-batch.js'
import type { KafkaRecord, RecordHeader } from '../protocol/record.js'
import { bufferSerde, type Deserializer } from '../serde/serde.js'
import type { MessageBuilder } from './completed-fetch.js'
import {
  checkCommitArgument,
  checkCommitOffsets,
  checkRunArgument,
  checkSeekTarget,
  checkSubscribeArgument,
  checkTopicPartition,
  checkTopicPartitions,
} from './argument-checks.js'
import { KafkaDeserializationError } from './errors.js'
import { FetchBuffer } from './fetch-buffer.js'
import { Fetcher } from './fetcher.js'
import { createMembership, type MembershipFactory } from './group-factory.js'
import type { AssignmentListener, GroupMembership, GroupMetadata, Subscription, TopicPartition } from './membership.js'
import { MessageIterator } from './message-iterator.js'
import { Consumption, MessageSource } from './message-source.js'
import { OffsetCommitter, type CommitEntry } from './offset-committer.js'
import { fetchCommittedOffsets } from './offset-lookup.js'
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js'
import { PositionResolver } from './position-resolver.js'
import { runLoop, type EachBatch, type EachMessage } from './run-loop.js'
import { SubscriptionState, type PartitionState } from './subscription-state.js'

/** A record as the application receives it. */
export interface ConsumerMessage<K = Buffer | null, V = Buffer | null> {
  readonly topic: string
  readonly partition: number
  readonly offset: bigint
  readonly key: K
  readonly value: V
  /** Header values are views of the fetched bytes (null for a null value). */
  readonly headers: readonly RecordHeader[]
  /** Milliseconds since the epoch. */
  readonly timestamp: number
  readonly timestampType: TimestampType
  /** Leader epoch of the batch the record came in; null for old message formats. */
  readonly leaderEpoch: number | null
}

/** Where to move a partition: an offset, its first or end offset, or the first record at or after a time (ms). */
export type SeekTarget = bigint | number | 'earliest' | 'latest' | { readonly timestamp: number }

/** A partition for {@link Consumer.assign}, optionally with where to start. */
export interface AssignedPartition extends TopicPartition {
  /** Default: the committed offset (with a `groupId`), else `autoOffsetReset`. */
  readonly offset?: SeekTarget
}

/** An offset to commit explicitly. */
export interface CommitOffset extends TopicPartition {
  /** The next offset to read: last processed + 1. */
  readonly offset: bigint
  readonly leaderEpoch?: number
  readonly metadata?: string
}

/** A partition's committed offset, from {@link Consumer.committed}. */
export interface CommittedPartitionOffset extends TopicPartition {
  /** Null when the group has none for the partition. */
  readonly offset: bigint | null
  readonly leaderEpoch: number | null
  readonly metadata: string | null
}

/** Callbacks the consumer awaits during a rebalance (Java's ConsumerRebalanceListener). */
export interface RebalanceListener {
  /** Newly owned partitions; seek here to override where they start. */
  onPartitionsAssigned?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions about to go; processed offsets are already committed when auto-commit is on. */
  onPartitionsRevoked?(partitions: TopicPartition[]): Promise<void> | void
  /** Partitions already taken away (session expired, fenced): committing is no longer possible. */
  onPartitionsLost?(partitions: TopicPartition[]): Promise<void> | void
}

/** What to subscribe to: topic names or a pattern, and optional rebalance callbacks. */
export type SubscribeOptions = Subscription & { readonly listener?: RebalanceListener }

/** `run()` with a handler per message or per batch. */
export type RunOptions<K, V> = (
  | { readonly eachMessage: EachMessage<ConsumerMessage<K, V>> }
  | { readonly eachBatch: EachBatch<ConsumerMessage<K, V>> }
) & {
  /** Partitions processed at the same time (order within a partition is always kept). Default 1. */
  readonly partitionsConsumedConcurrently?: number
}

/** A change of the partitions this consumer owns. */
export interface RebalanceEvent {
  readonly type: 'assigned' | 'revoked' | 'lost'
  readonly partitions: TopicPartition[]
}

/** The outcome of an automatic commit (auto-commit, commit on revoke, on disconnect). */
export interface AutoCommitEvent {
  readonly offsets: ReadonlyArray<TopicPartition & { readonly offset: bigint }>
  readonly error: KafkaError | null
}

/** Events of a {@link Consumer}. */
export interface ConsumerEvents {
  rebalance: [event: RebalanceEvent]
  /** A failure the application should know of: a handler threw, a partition stopped, an automatic commit failed. */
  error: [error: KafkaError]
  /** An automatic commit completed or failed. */
  commit: [event: AutoCommitEvent]
}

/** Counters for diagnostics and tests. */
export interface ConsumerMetrics {
  /** Wire bytes fetched and not yet handed to the application. */
  readonly bufferedBytes: number
  /** Bytes reserved by fetches in flight. */
  readonly reservedBytes: number
  readonly fetchBufferMaxBytes: number
  /** Fetch requests sent so far. */
  readonly fetchRequests: number
}

type Mode = 'none' | 'subscribe' | 'assign'

// Numbers each consumer's own fetch connections.
let consumersMade = 0

/**
 * Reads records from Kafka. Made by {@link Kafka.consumer}.
 *
 * ```ts
 * const consumer = kafka.consumer({ groupId: 'billing', valueDeserializer: stringSerde })
 * await consumer.subscribe({ topics: ['orders'] })
 * await consumer.run({ eachMessage: async (m) => bill(m.value) })
 * ```
 */
export class Consumer<K = Buffer | null, V = Buffer | null> {
  readonly #cluster: Cluster
  readonly #options: ResolvedConsumerOptions
  readonly #keyDeserializer: Deserializer<K>
  readonly #valueDeserializer: Deserializer<V>
  readonly #events = new EventEmitter<ConsumerEvents>()
  readonly #onClose: () => void
  readonly #membershipFactory: MembershipFactory
  readonly #subscriptions: SubscriptionState
  readonly #buffer: FetchBuffer
  readonly #resolver: PositionResolver
  readonly #fetcher: Fetcher
  readonly #committer: OffsetCommitter | null
  readonly #source: MessageSource<ConsumerMessage<K, V>>
  readonly #listener: AssignmentListener
  #membership: GroupMembership | null = null
  #joined = false
  #subscription: Subscription | null = null
  #rebalanceListener: RebalanceListener = {}
  #mode: Mode = 'none'
  #consumption: Consumption | null = null
  #consumptionDone: Promise<void> = Promise.resolve()
  // Handlers running now: disconnect() does not wait for them (one may be the caller).
  readonly #activity = { handlers: 0 }
  #disconnecting: Promise<void> | undefined
  #autoCommitTimer: NodeJS.Timeout | undefined
  #unwatchMetadata: (() => void) | undefined
  #state: 'idle' | 'connected' | 'closing' | 'closed' = 'idle'
  readonly #coordinatorPurpose: ConnectionPurpose
  // Connections on this consumer's own coordinator lane, closed with it.
  readonly #coordinatorConnections = new Set<Connection>()
  readonly #ownConnection = (connection: Connection): void => void this.#coordinatorConnections.add(connection)

  /** @internal Made by {@link Kafka.consumer}. */
  constructor(cluster: Cluster, options: ConsumerOptions<K, V>, onClose: () => void, membershipFactory: MembershipFactory = createMembership) {
    this.#cluster = cluster
    this.#options = resolveConsumerOptions(options as ConsumerOptions<never, never>)
    this.#keyDeserializer = options.keyDeserializer ?? (bufferSerde as unknown as Deserializer<K>)
    this.#valueDeserializer = options.valueDeserializer ?? (bufferSerde as unknown as Deserializer<V>)
    this.#onClose = onClose
    this.#membershipFactory = membershipFactory
    const lane = String(++consumersMade)
    // Commits and offset lookups of this consumer: never queued behind another consumer's
    // JoinGroup, which the coordinator may hold for a whole rebalance.
    this.#coordinatorPurpose = `group#${lane}`
    this.#buffer = new FetchBuffer(this.#options.fetchBufferMaxBytes, () => this.#fetcher.wake())
    this.#subscriptions = new SubscriptionState((state, fetch) => this.#buffer.dropped(state, fetch))
    this.#resolver = new PositionResolver({
      cluster,
      subscriptions: this.#subscriptions,
      options: this.#options,
      member: () => this.#memberIdentity(),
      purpose: this.#coordinatorPurpose,
      onConnection: this.#ownConnection,
      onFailed: (state, error) => this.#partitionFailed(state, error),
      onProgress: () => this.#fetcher.wake(),
    })
    this.#fetcher = new Fetcher({
      cluster,
      lane,
      subscriptions: this.#subscriptions,
      buffer: this.#buffer,
      options: this.#options,
      resolver: this.#resolver,
      onPartitionError: (_state, error) => this.#reportError(error),
    })
    const groupId = this.#options.groupId
    this.#committer =
      groupId === null
        ? null
        : new OffsetCommitter({
            cluster,
            groupId,
            membership: () => (this.#joined ? this.#membership : null),
            purpose: this.#coordinatorPurpose,
            onConnection: this.#ownConnection,
            onCommitted: (entry) => {
              const state = this.#subscriptions.get(entry.topic, entry.partition)
              if (state !== undefined) state.committedOffset = entry.offset
            },
          })
    this.#source = new MessageSource<ConsumerMessage<K, V>>({
      subscriptions: this.#subscriptions,
      buffer: this.#buffer,
      maxRecords: this.#options.maxPollRecords,
      builder: (state) => this.#builder(state),
      onPoll: () => this.#membership?.polled(),
      pollIntervalMs: Math.min(1_000, Math.max(1, Math.floor(this.#options.maxPollIntervalMs / 3))),
      onPartitionError: (_state, error) => this.#reportError(error),
    })
    this.#listener = {
      assigned: (partitions) => this.#assigned(partitions),
      revoked: (partitions) => this.#revoked(partitions),
      lost: (partitions) => this.#lost(partitions),
    }
  }

  /** The options in force, defaults included. */
  get options(): Readonly<ResolvedConsumerOptions> {
    return this.#options
  }

  /** Listens to consumer events. */
  on<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this {
    this.#events.on(event, listener as never)
    return this
  }

  off<E extends keyof ConsumerEvents>(event: E, listener: (...args: ConsumerEvents[E]) => void): this {
    this.#events.off(event, listener as never)
    return this
  }

  /** Checks that the cluster is reachable. Consuming without connecting first connects too. */
  async connect(): Promise<void> {
    this.#assertOpen()
    if (this.#state === 'connected') return
    await this.#cluster.fetchMetadata([])
    if (this.#state !== 'idle') return
    this.#state = 'connected'
    this.#unwatchMetadata = this.#cluster.onMetadataChange(() => this.#fetcher.wake())
    if (this.#committer !== null && this.#options.autoCommit) {
      this.#autoCommitTimer = setInterval(() => this.#autoCommit(), this.#options.autoCommitIntervalMs)
      this.#autoCommitTimer.unref()
    }
    if (this.#subscription !== null) this.#join()
    this.#fetcher.wake()
  }

  // ------------------------------------------------------------------------------------------
  // What to consume

  /**
   * Subscribes to topics (names or a pattern) through the consumer group `groupId`: the group
   * assigns this consumer its partitions and moves them when members come and go. Calling it
   * again changes the subscription.
   */
  async subscribe(options: SubscribeOptions): Promise<void> {
    this.#assertOpen()
    checkSubscribeArgument(options)
    const groupId = this.#options.groupId
    if (groupId === null) throw new KafkaConfigError('subscribe: a groupId is required; use assign() to consume without a group')
    if (this.#mode === 'assign') throw new KafkaStateError('subscribe: this consumer uses assign(); call assign([]) first')
    const subscription = toSubscription(options)
    this.#rebalanceListener = options.listener ?? {}
    this.#membership ??= this.#membershipFactory({
      cluster: this.#cluster,
      options: this.#options,
      groupId,
      listener: this.#listener,
      purpose: this.#coordinatorPurpose,
      onFatalError: (error) => this.#reportError(error),
      onError: (error) => this.#emitError(error),
    })
    this.#mode = 'subscribe'
    const first = this.#subscription === null
    this.#subscription = subscription
    if ('topics' in subscription) this.#cluster.addTopicsOfInterest(subscription.topics)
    if (!first && this.#joined) {
      this.#membership.resubscribe(subscription)
      return
    }
    await this.connect()
    this.#join()
  }

  /**
   * Consumes exactly these partitions, without group membership (Java `assign`): replaces the
   * current assignment. Each partition starts at its `offset`, else at the group's committed
   * offset (with a `groupId`), else per `autoOffsetReset`. `assign([])` clears the assignment.
   */
  assign(partitions: readonly AssignedPartition[]): void {
    this.#assertOpen()
    if (this.#mode === 'subscribe') throw new KafkaStateError('assign: this consumer is subscribed; unsubscribe() first')
    // Everything is checked before the assignment changes.
    checkTopicPartitions('assign', partitions)
    for (const p of partitions) if (p.offset !== undefined) checkSeekTarget('assign', p.offset)
    const { removed } = this.#subscriptions.set(partitions)
    this.#commitRemoved(removed)
    for (const p of partitions) {
      if (p.offset === undefined) continue
      this.#seekState(this.#subscriptions.get(p.topic, p.partition) as PartitionState, p.offset)
    }
    this.#mode = partitions.length === 0 ? 'none' : 'assign'
    this.#cluster.addTopicsOfInterest(new Set(partitions.map((p) => p.topic)))
    this.#kick()
  }

  /** Leaves the group (subscribe) or clears the assignment (assign), committing processed offsets first. */
  async unsubscribe(): Promise<void> {
    this.#assertOpen()
    await this.#commitAutomatically(this.#subscriptions.all())
    const membership = this.#membership
    // A membership serves one join: the next subscribe() makes a new one.
    this.#membership = null
    if (membership !== null && this.#joined) {
      this.#joined = false
      await membership.leave()
    }
    this.#subscriptions.set([])
    this.#subscription = null
    this.#mode = 'none'
  }

  /** The partitions this consumer owns now. */
  assignment(): TopicPartition[] {
    return this.#subscriptions.assignment()
  }

  // ------------------------------------------------------------------------------------------
  // Consuming

  /**
   * Consumes until {@link stop} or {@link disconnect} (then it resolves) or a failure (then it
   * rejects): a handler that throws (its partition is paused at the failed record), a partition
   * that cannot go on (out of range with `autoOffsetReset: 'none'`, truncation, corrupt data,
   * authorization), or a fatal group error.
   */
  async run(options: RunOptions<K, V>): Promise<void> {
    checkRunArgument(options)
    const workers = options.partitionsConsumedConcurrently ?? 1
    if (!Number.isInteger(workers) || workers < 1) {
      throw new KafkaConfigError('partitionsConsumedConcurrently: expected a whole number >= 1')
    }
    const handler = 'eachMessage' in options ? { eachMessage: options.eachMessage } : { eachBatch: options.eachBatch }
    if (typeof ('eachMessage' in handler ? handler.eachMessage : handler.eachBatch) !== 'function') {
      throw new KafkaConfigError('run: eachMessage or eachBatch must be a function')
    }
    const consumption = await this.#startConsumption()
    let finish!: () => void
    this.#consumptionDone = new Promise((resolve) => (finish = resolve))
    try {
      await runLoop(
        {
          source: this.#source,
          subscriptions: this.#subscriptions,
          onHandlerError: (error) => this.#emitError(error),
          activity: this.#activity,
        },
        consumption,
        handler,
        workers,
      )
    } finally {
      this.#endConsumption(consumption)
      finish()
    }
    if (consumption.error !== null) throw consumption.error
  }

  /**
   * Messages one at a time: `for await (const message of consumer)`. A message counts as
   * processed when the loop asks for the next one; leaving the loop (break, throw) hands the last
   * one out again later. Ends when the consumer stops; throws what would make `run` reject.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage<K, V>> {
    return new MessageIterator<ConsumerMessage<K, V>>({
      source: this.#source,
      start: () => this.#startConsumption(),
      end: (consumption) => this.#endConsumption(consumption),
    })
  }

  /**
   * Stops `run()` or the iterator: no message is handed out after this call, and the consumer stays
   * connected. Messages being handled finish; `run()` resolves once they have. It never waits for
   * them itself, so it is safe to await inside a handler.
   */
  async stop(): Promise<void> {
    this.#consumption?.stop()
  }

  async #startConsumption(): Promise<Consumption> {
    this.#assertOpen()
    if (this.#consumption !== null) throw new KafkaStateError('this consumer is already consuming (run() or an iterator)')
    const consumption = new Consumption()
    consumption.onStop(() => this.#buffer.notify())
    this.#consumption = consumption
    try {
      await this.connect()
    } catch (error) {
      this.#consumption = null
      throw error
    }
    this.#membership?.polled()
    this.#kick()
    return consumption
  }

  #endConsumption(consumption: Consumption): void {
    if (this.#consumption === consumption) this.#consumption = null
    // Handed out but not finished: hand those out again next time.
    for (const state of this.#subscriptions.all()) if (!state.busy) this.#subscriptions.rewindToProcessed(state)
    this.#kick()
  }

  // ------------------------------------------------------------------------------------------
  // Positions

  /**
   * Moves a partition's position. The next record handed out is at `offset` (or the first one at
   * or after `{ timestamp }`, or the partition's first / end offset); records buffered or being
   * handed out from the old position are dropped.
   */
  seek(tp: TopicPartition, offset: SeekTarget): void {
    this.#seekState(this.#owned(tp, 'seek'), offset)
    this.#kick()
  }

  /** Moves partitions to their first offset (resolved lazily, Java `seekToBeginning`). */
  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    checkTopicPartitions('seekToBeginning', partitions)
    for (const tp of partitions) this.#seekState(this.#owned(tp, 'seekToBeginning'), 'earliest')
    this.#kick()
  }

  /** Moves partitions to their end offset (resolved lazily, Java `seekToEnd`). */
  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    checkTopicPartitions('seekToEnd', partitions)
    for (const tp of partitions) this.#seekState(this.#owned(tp, 'seekToEnd'), 'latest')
    this.#kick()
  }

  /**
   * The offset of the next record this consumer will hand out for an owned partition. Waits
   * (up to `defaultApiTimeoutMs`) while the position is still being looked up.
   */
  async position(tp: TopicPartition): Promise<bigint> {
    const state = this.#owned(tp, 'position')
    const deadline = Date.now() + this.#cluster.options.defaultApiTimeoutMs
    while (!state.hasPosition) {
      if (state.error !== null) throw state.error
      if (this.#subscriptions.get(tp.topic, tp.partition) !== state) throw new KafkaStateError(`position: ${tp.topic}-${tp.partition} was revoked`)
      if (Date.now() >= deadline) throw new KafkaStateError(`position: no position for ${tp.topic}-${tp.partition} within the deadline`)
      await this.connect()
      this.#resolver.run()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    return state.position
  }

  /**
   * The consumer's group membership as it stands now (Java `Consumer.groupMetadata()`): group id,
   * generation (classic) or member epoch (KIP-848), member id and group instance id. Hand it to
   * {@link Producer.sendOffsetsToTransaction} in a consume-transform-produce loop: the coordinator
   * then refuses the offsets of a member that has lost its partitions to a newer generation
   * (KIP-447), so a zombie cannot commit work that another member now owns. Before the member has
   * joined (or after it left) the generation is -1 and the member id empty, which the coordinator
   * accepts without fencing. Needs a `groupId`.
   */
  groupMetadata(): GroupMetadata {
    const groupId = this.#requireGroup('groupMetadata')
    if (this.#membership === null || !this.#joined) return { groupId, generationId: -1, memberId: '', groupInstanceId: this.#options.groupInstanceId }
    return this.#membership.metadata()
  }

  /** The group's committed offsets for partitions (OffsetFetch). Needs a `groupId`. */
  async committed(partitions: readonly TopicPartition[] = this.assignment()): Promise<CommittedPartitionOffset[]> {
    this.#assertOpen()
    const groupId = this.#requireGroup('committed')
    const found = await fetchCommittedOffsets(this.#cluster, groupId, partitions, {
      deadline: Date.now() + this.#cluster.options.defaultApiTimeoutMs,
      member: this.#memberIdentity(),
      purpose: this.#coordinatorPurpose,
      onConnection: this.#ownConnection,
    })
    return partitions.map((tp) => {
      const c = found.get(partitionKey(tp.topic, tp.partition)) ?? null
      return {
        topic: tp.topic,
        partition: tp.partition,
        offset: c?.offset ?? null,
        leaderEpoch: c === null || c.leaderEpoch < 0 ? null : c.leaderEpoch,
        metadata: c?.metadata ?? null,
      }
    })
  }

  /** Stops fetching partitions; they stay assigned and keep their position and buffered records. */
  pause(partitions: readonly TopicPartition[]): void {
    checkTopicPartitions('pause', partitions)
    for (const tp of partitions) this.#owned(tp, 'pause').paused = true
    this.#kick()
  }

  /** Resumes paused partitions. */
  resume(partitions: readonly TopicPartition[]): void {
    checkTopicPartitions('resume', partitions)
    for (const tp of partitions) this.#owned(tp, 'resume').paused = false
    this.#kick()
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return [...this.#subscriptions.all()].filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }))
  }

  // ------------------------------------------------------------------------------------------
  // Commits

  /**
   * Commits offsets to the group: without arguments, every owned partition's processed offset
   * (what the application finished); with a message, the offset after it; with a list, those
   * offsets. Explicit offsets of owned partitions also count as processed. Retries retriable
   * errors until `defaultApiTimeoutMs`; a {@link KafkaCommitFailedError} means the group moved on.
   */
  async commit(offsets?: ConsumerMessage<K, V> | readonly CommitOffset[]): Promise<void> {
    this.#assertOpen()
    this.#requireGroup('commit')
    checkCommitArgument(offsets)
    checkCommitOffsets(offsets)
    let entries: CommitEntry[]
    if (offsets === undefined) {
      entries = this.#processedEntries(this.#subscriptions.all())
    } else {
      const list: readonly CommitOffset[] = isMessage(offsets)
        ? [{ topic: offsets.topic, partition: offsets.partition, offset: offsets.offset + 1n, leaderEpoch: offsets.leaderEpoch ?? -1 }]
        : offsets
      entries = list.map((o) => {
        if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new KafkaConfigError(`commit: offset of ${o.topic}-${o.partition} must be a bigint >= 0`)
        const state = this.#subscriptions.get(o.topic, o.partition)
        if (state !== undefined) this.#subscriptions.markProcessed(state, state.generation, o.offset, o.leaderEpoch ?? -1)
        return { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch ?? -1, metadata: o.metadata ?? null }
      })
    }
    await (this.#committer as OffsetCommitter).commit(entries, Date.now() + this.#cluster.options.defaultApiTimeoutMs)
  }

  #processedEntries(states: Iterable<PartitionState>): CommitEntry[] {
    const out: CommitEntry[] = []
    for (const [state, o] of this.#subscriptions.offsetsToCommit(states)) {
      out.push({ topic: state.topic, partition: state.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: null })
    }
    return out
  }

  #autoCommit(): void {
    if (this.#committer === null || this.#committer.pending > 0 || this.#state !== 'connected') return
    void this.#commitAutomatically(this.#subscriptions.all(), this.#options.autoCommitIntervalMs)
  }

  /** Commits processed offsets when auto-commit is on; failures go to the `commit` and `error` events. */
  async #commitAutomatically(states: Iterable<PartitionState>, budgetMs = this.#cluster.options.defaultApiTimeoutMs): Promise<void> {
    if (this.#committer === null || !this.#options.autoCommit) return
    const entries = this.#processedEntries(states)
    if (entries.length === 0) return
    const offsets = entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset }))
    try {
      await this.#committer.commit(entries, Date.now() + budgetMs)
      this.#events.emit('commit', { offsets, error: null })
    } catch (cause) {
      const error = cause instanceof KafkaError ? cause : new KafkaError(String(cause), { cause })
      this.#events.emit('commit', { offsets, error })
      this.#emitError(error)
    }
  }

  #commitRemoved(removed: PartitionState[]): void {
    if (removed.length > 0) void this.#commitAutomatically(removed)
  }

  // ------------------------------------------------------------------------------------------
  // Group membership (AssignmentListener)

  #join(): void {
    const membership = this.#membership
    const subscription = this.#subscription
    if (membership === null || subscription === null || this.#joined) return
    this.#joined = true
    let joining: Promise<void>
    try {
      joining = membership.join(subscription)
    } catch (error) {
      joining = Promise.reject(error)
    }
    // Resolves at the first assignment; partitions arrive through `assigned` either way.
    joining.catch((error: unknown) => {
      this.#joined = false
      this.#reportError(error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error }))
    })
  }

  async #assigned(partitions: readonly TopicPartition[]): Promise<void> {
    const added = this.#subscriptions.add(partitions)
    this.#cluster.addTopicsOfInterest(new Set(partitions.map((p) => p.topic)))
    const list = added.map(toTopicPartition)
    await this.#callListener('onPartitionsAssigned', list)
    this.#events.emit('rebalance', { type: 'assigned', partitions: list })
    this.#kick()
  }

  async #revoked(partitions: readonly TopicPartition[]): Promise<void> {
    const states = partitions
      .map((tp) => this.#subscriptions.get(tp.topic, tp.partition))
      .filter((s): s is PartitionState => s !== undefined)
    for (const s of states) s.revoking = true
    this.#buffer.notify()
    // Let handlers finish the message they are on, so its progress is committed.
    while (states.some((s) => s.busy)) await this.#buffer.waitForChange()
    await this.#commitAutomatically(states)
    const list = states.map(toTopicPartition)
    await this.#callListener('onPartitionsRevoked', list)
    this.#subscriptions.remove(states)
    this.#events.emit('rebalance', { type: 'revoked', partitions: list })
    this.#kick()
  }

  async #lost(partitions: readonly TopicPartition[]): Promise<void> {
    const removed = this.#subscriptions.remove(partitions)
    const list = removed.map(toTopicPartition)
    await this.#callListener('onPartitionsLost', list)
    this.#events.emit('rebalance', { type: 'lost', partitions: list })
    this.#kick()
  }

  async #callListener(name: keyof RebalanceListener, partitions: TopicPartition[]): Promise<void> {
    const callback = this.#rebalanceListener[name]
    if (callback === undefined) return
    try {
      await callback.call(this.#rebalanceListener, partitions)
    } catch (cause) {
      this.#reportError(new KafkaError(`${name} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, errorName: 'REBALANCE_LISTENER_ERROR' }))
    }
  }

  #memberIdentity(): { memberId: string; memberEpoch: number } | null {
    if (this.#membership === null || !this.#joined || this.#options.groupProtocol !== 'consumer') return null
    const m = this.#membership.metadata()
    return { memberId: m.memberId, memberEpoch: m.generationId }
  }

  // ------------------------------------------------------------------------------------------
  // Closing

  /**
   * Stops consuming, commits processed offsets when auto-commit is on, leaves the group, and
   * releases the consumer. Safe to call more than once, and from inside a handler.
   *
   * When handlers are running (`run()`), it resolves at once and finishes after them, so their
   * messages are committed too; it never waits for them, since one of them may be the caller. For
   * a shutdown that waits for the handlers, `stop()` and await `run()` first.
   */
  disconnect(): Promise<void> {
    this.#disconnecting ??= this.#disconnect()
    return this.#disconnecting
  }

  async #disconnect(): Promise<void> {
    if (this.#state === 'closed') return
    const wasConnected = this.#state === 'connected'
    this.#state = 'closing'
    this.#consumption?.stop()
    clearInterval(this.#autoCommitTimer)
    const handlersRunning = this.#activity.handlers > 0
    const closed = this.#consumptionDone.then(() => this.#finishClose(wasConnected))
    if (handlersRunning) closed.catch(() => {})
    else await closed
  }

  async #finishClose(wasConnected: boolean): Promise<void> {
    try {
      if (!wasConnected) return
      await this.#commitAutomatically(this.#subscriptions.all())
      if (this.#membership !== null && this.#joined) {
        this.#joined = false
        await this.#membership.leave().catch((error: unknown) => {
          this.#emitError(error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error }))
        })
      }
    } finally {
      this.#state = 'closed'
      this.#fetcher.close()
      for (const connection of this.#coordinatorConnections) connection.close()
      this.#coordinatorConnections.clear()
      this.#unwatchMetadata?.()
      this.#subscriptions.set([])
      this.#onClose()
    }
  }

  /** @internal Closing the root closes its consumers. */
  close(): Promise<void> {
    return this.disconnect()
  }

  /** Buffer and fetch counters. */
  metrics(): ConsumerMetrics {
    return {
      bufferedBytes: this.#buffer.bufferedBytes,
      reservedBytes: this.#buffer.reservedBytes,
      fetchBufferMaxBytes: this.#buffer.maxBytes,
      fetchRequests: this.#fetcher.requestsSent,
    }
  }

  // ------------------------------------------------------------------------------------------
  // Internals

  #builder(state: PartitionState): MessageBuilder<ConsumerMessage<K, V>> {
    const topic = state.topic
    const partition = state.partition
    const keys = this.#keyDeserializer
    const values = this.#valueDeserializer
    return (record: KafkaRecord, batch: DataRecordBatch): ConsumerMessage<K, V> => {
      let key: K
      let value: V
      try {
        key = keys.deserialize(record.key, topic)
        value = values.deserialize(record.value, topic)
      } catch (cause) {
        throw new KafkaDeserializationError(state, record.offset, cause)
      }
      return {
        topic,
        partition,
        offset: record.offset,
        key,
        value,
        headers: record.headers,
        timestamp: Number(record.timestamp),
        timestampType: batch.timestampType,
        leaderEpoch: batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null,
      }
    }
  }

  #seekState(state: PartitionState, target: SeekTarget): void {
    checkSeekTarget('seek', target)
    if (target === 'earliest' || target === 'latest') {
      this.#subscriptions.requestReset(state, target)
    } else if (typeof target === 'object' && target !== null) {
      if (!Number.isSafeInteger(target.timestamp) || target.timestamp < 0) {
        throw new KafkaConfigError(`seek: timestamp must be a whole number of ms >= 0, got ${String(target.timestamp)}`)
      }
      this.#subscriptions.requestReset(state, { timestamp: target.timestamp })
    } else {
      const offset = typeof target === 'number' && Number.isSafeInteger(target) ? BigInt(target) : target
      if (typeof offset !== 'bigint' || offset < 0n) throw new KafkaConfigError(`seek: offset must be >= 0, got ${String(target)}`)
      this.#subscriptions.seek(state, offset)
    }
  }

  #owned(tp: TopicPartition, what: string): PartitionState {
    checkTopicPartition(what, tp)
    const state = this.#subscriptions.get(tp.topic, tp.partition)
    if (state === undefined) throw new KafkaStateError(`${what}: ${tp.topic}-${tp.partition} is not assigned to this consumer`)
    return state
  }

  #requireGroup(what: string): string {
    const groupId = this.#options.groupId
    if (groupId === null) throw new KafkaConfigError(`${what}: this consumer has no groupId`)
    return groupId
  }

  #partitionFailed(state: PartitionState, error: KafkaError): void {
    this.#subscriptions.fail(state, error)
    this.#reportError(error)
  }

  #reportError(error: KafkaError): void {
    this.#source.reportError(error)
    this.#emitError(error)
  }

  #emitError(error: KafkaError): void {
    if (this.#events.listenerCount('error') > 0) this.#events.emit('error', error)
  }

  /** Something changed that may let fetching or handing out go on. */
  #kick(): void {
    this.#fetcher.wake()
    this.#buffer.notify()
  }

  #assertOpen(): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new KafkaStateError('the consumer is closed')
    if (this.#cluster.isClosed) throw new KafkaStateError('the Kafka client is closed')
  }
}

function toTopicPartition(state: PartitionState): TopicPartition {
  return { topic: state.topic, partition: state.partition }
}

function toSubscription(options: SubscribeOptions): Subscription {
  if ('pattern' in options && options.pattern !== undefined) {
    if (!(options.pattern instanceof RegExp)) throw new KafkaConfigError('subscribe: pattern must be a RegExp')
    return { pattern: options.pattern }
  }
  const topics = 'topics' in options ? options.topics : undefined
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) {
    throw new KafkaConfigError('subscribe: expected { topics: [non-empty names] } or { pattern: RegExp }')
  }
  return { topics: [...new Set(topics as string[])] }
}

function isMessage<K, V>(value: ConsumerMessage<K, V> | readonly CommitOffset[]): value is ConsumerMessage<K, V> {
  return !Array.isArray(value)
}
