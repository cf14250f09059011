/**
 * The consumer: subscription state, fetcher, position resolver and commits behind one class,
 * fed partitions by a group membership (`subscribe`) or by the application (`assign`).
 *
 * Records reach the application through `run({ eachMessage | eachBatch })` or
 * `for await (const message of consumer.messages())`. Either way a record counts as processed
 * only once the application is done with it (the handler resolved, or the iterator was asked for
 * the next one), and auto-commit stores processed offsets only: at-least-once delivery.
 *
 * The rooms behind the facade: `consumer-types` (the public types), `group-link` (the link to
 * the group membership and its rebalance callbacks), `consumer-commits` (explicit and automatic
 * commits, committed offsets), `message-source` (records to messages, in chunks),
 * `argument-checks` (call arguments), `run-loop` and `message-iterator` (the two ways of
 * consuming).
 *
 * Long calls take an `AbortSignal` and reject with its reason, as Node's APIs do; each call's
 * documentation says what an abort leaves behind.
 */

import type { Metric } from '../observability/metrics.js'
import { FetchMetrics } from './consumer-metrics.js'
import { silentLogger } from '../observability/logger.js'
import { EventEmitter } from 'node:events'
import type { Cluster } from '../cluster/cluster.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { KafkaConfigError, KafkaError, KafkaStateError } from '../errors.js'
import { bufferSerde, type Deserializer } from '../serde/serde.js'
import { abortable, callSignal, onAbort, throwIfAborted } from '../util/abort.js'
import { checkCommitArgument, checkCommitOffsets, checkSeekTarget, checkSubscribeArgument } from './argument-checks.js'
import { checkTopicPartition, checkTopicPartitions, runHandler, toSubscription } from './argument-checks.js'
import { ConsumerCommits } from './consumer-commits.js'
import type { AssignedPartition, CommitOffset, CommittedPartitionOffset, ConsumerCallOptions, ConsumerEvents } from './consumer-types.js'
import type { ConsumerMessage, MessagesOptions, RunOptions, SeekTarget, SubscribeOptions } from './consumer-types.js'
import { FetchBuffer } from './fetch-buffer.js'
import { Fetcher } from './fetcher.js'
import { createMembership, type MembershipFactory } from './group-factory.js'
import { GroupLink, RebalanceHandler } from './group-link.js'
import type { GroupMetadata, TopicPartition } from './membership.js'
import { MessageIterator } from './message-iterator.js'
import { ConsumerMessageBuilder } from './message-builder.js'
import { Consumption, MessageSource } from './message-source.js'
import { resolveConsumerOptions, type ConsumerOptions, type ResolvedConsumerOptions } from './options.js'
import { PositionResolver } from './position-resolver.js'
import { runLoop } from './run-loop.js'
import { SubscriptionState, type PartitionState } from './subscription-state.js'

export type { AssignedPartition, AutoCommitEvent, CommitOffset, CommittedPartitionOffset, ConsumerCallOptions } from './consumer-types.js'
export type { ConsumerEvents, ConsumerMessage, MessagesOptions, RebalanceEvent, RebalanceListener } from './consumer-types.js'
export type { RunOptions, SeekTarget, SubscribeOptions } from './consumer-types.js'

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
  readonly #subscriptions: SubscriptionState
  readonly #metrics: FetchMetrics
  readonly #buffer: FetchBuffer
  readonly #resolver: PositionResolver
  readonly #fetcher: Fetcher
  readonly #commits: ConsumerCommits
  readonly #source: MessageSource<ConsumerMessage<K, V>>
  readonly #rebalance: RebalanceHandler
  readonly #group: GroupLink
  #mode: Mode = 'none'
  #consumption: Consumption | null = null
  #consumptionDone: Promise<void> = Promise.resolve()
  // Handlers running now: disconnect() does not wait for them (one may be the caller).
  readonly #activity = { handlers: 0 }
  #disconnecting: Promise<void> | undefined
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
    // Kafka.consumer lets a deserializer be left out only when K (or V) takes `Buffer | null`.
    this.#keyDeserializer = options.keyDeserializer ?? (bufferSerde as unknown as Deserializer<K>)
    this.#valueDeserializer = options.valueDeserializer ?? (bufferSerde as unknown as Deserializer<V>)
    this.#onClose = onClose
    const lane = String(++consumersMade)
    // Commits and offset lookups of this consumer: never queued behind another consumer's
    // JoinGroup, which the coordinator may hold for a whole rebalance.
    this.#coordinatorPurpose = `group#${lane}`
    this.#buffer = new FetchBuffer(this.#options.fetchBufferMaxBytes, () => this.#fetcher.wake())
    this.#subscriptions = new SubscriptionState((state, fetch) => this.#buffer.dropped(state, fetch))
    this.#metrics = new FetchMetrics(cluster.options.clientId, this.#subscriptions, this.#buffer, this.#options.isolationLevel === 'read_committed')
    this.#resolver = new PositionResolver({
      cluster,
      subscriptions: this.#subscriptions,
      options: this.#options,
      member: () => this.#group.memberIdentity(),
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
      metrics: this.#metrics,
    })
    this.#commits = new ConsumerCommits({
      cluster,
      groupId: this.#options.groupId,
      autoCommit: this.#options.autoCommit,
      autoCommitIntervalMs: this.#options.autoCommitIntervalMs,
      subscriptions: this.#subscriptions,
      membership: () => this.#group.joined,
      member: () => this.#group.memberIdentity(),
      purpose: this.#coordinatorPurpose,
      onConnection: this.#ownConnection,
      connected: () => this.#state === 'connected',
      emitCommit: (event) => this.#events.emit('commit', event),
      emitError: (error) => this.#emitError(error),
    })
    this.#source = new MessageSource<ConsumerMessage<K, V>>({
      subscriptions: this.#subscriptions,
      buffer: this.#buffer,
      maxRecords: this.#options.maxPollRecords,
      builder: (state) => new ConsumerMessageBuilder(state, this.#keyDeserializer, this.#valueDeserializer),
      onPoll: () => this.#group.polled(),
      pollIntervalMs: Math.min(1_000, Math.max(1, Math.floor(this.#options.maxPollIntervalMs / 3))),
      onPartitionError: (_state, error) => this.#reportError(error),
      metrics: this.#metrics,
    })
    this.#rebalance = new RebalanceHandler({
      cluster,
      subscriptions: this.#subscriptions,
      buffer: this.#buffer,
      commitProcessed: (states) => this.#commits.commitProcessed(states),
      emit: (event) => this.#events.emit('rebalance', event),
      reportError: (error) => this.#reportError(error),
      kick: () => this.#kick(),
      logger: (cluster.options.logger ?? silentLogger).child({ role: 'consumer', groupId: this.#options.groupId ?? null }),
    })
    this.#group = new GroupLink({
      cluster,
      options: this.#options,
      factory: membershipFactory,
      listener: this.#rebalance,
      purpose: this.#coordinatorPurpose,
      reportError: (error) => this.#reportError(error),
      emitError: (error) => this.#emitError(error),
    })
  }

  /**
   * A snapshot of this consumer's metrics, named as Java's `consumer-fetch-manager-metrics`:
   * `fetch-rate`, `fetch-latency-avg`/`-max`, `fetch-size-avg`, `records-consumed-rate`/`-total`,
   * `bytes-consumed-rate`/`-total`, `records-lag-max`, and `records-lag` per partition (tags
   * `topic`, `partition`), and kafkats' own `fetch-buffer-bytes`, `fetch-buffer-reserved-bytes`,
   * `fetch-buffer-max-bytes`. Rates and averages cover the last 30 to 60 s; lag is read off the
   * fetch responses (high watermark, or last stable offset under read_committed, minus the
   * position). Read one with {@link metricValue}.
   */
  metrics(): Metric[] {
    return this.#metrics.registry.snapshot()
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

  /**
   * Checks that the cluster is reachable. Consuming without connecting first connects too.
   *
   * An abort rejects with `signal.reason` and leaves the consumer unconnected (a later call
   * connects again); the metadata request already sent may still fill the shared cache.
   */
  async connect(options?: ConsumerCallOptions): Promise<void> {
    this.#assertOpen()
    const signal = callSignal('connect()', options)
    throwIfAborted(signal)
    if (this.#state === 'connected') return
    await abortable(this.#cluster.fetchMetadata([]), signal)
    if (this.#state !== 'idle') return
    this.#state = 'connected'
    this.#unwatchMetadata = this.#cluster.onMetadataChange(() => this.#fetcher.wake())
    this.#commits.start()
    this.#group.join()
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
    this.#rebalance.listener = options.listener ?? {}
    this.#mode = 'subscribe'
    const told = this.#group.subscribe(groupId, subscription)
    if ('topics' in subscription) this.#cluster.addTopicsOfInterest(subscription.topics)
    if (told) return
    await this.connect()
    this.#group.join()
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
    this.#commits.commitRemoved(removed)
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
    await this.#commits.commitProcessed(this.#subscriptions.all())
    await this.#group.unsubscribe()
    this.#subscriptions.set([])
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
   * authorization, a {@link KafkaDeserializationError}: its records before the failed one are
   * handed out first), or a fatal group error. Messages are handed out only once their
   * deserializers have answered, promise or not.
   *
   * `signal` stops the run as `stop()` does, and `run()` then rejects with `signal.reason` once
   * the handlers in flight have finished. The reason itself, as `fetch()` and
   * `signal.throwIfAborted()` give it (Node's older APIs such as `events.on` or `timers/promises`
   * wrap it in an `AbortError` as its `cause`), so `controller.abort(reason)` comes back as is.
   * Messages the handlers finish count as processed, nothing is handed out after the abort, the
   * consumer stays connected and its partitions stay assigned, and a new `run()` or iterator
   * resumes after the last processed message. An already aborted signal rejects at once,
   * without connecting. A failure that stopped the run before the abort is what it rejects with.
   */
  async run(options: RunOptions<K, V>): Promise<void> {
    const { handler, workers } = runHandler(options)
    const signal = options.signal
    throwIfAborted(signal)
    const consumption = await this.#startConsumption(signal)
    let aborted = false
    const release = onAbort(signal, () => {
      aborted = !consumption.stopped
      consumption.stop()
    })
    let finish!: () => void
    this.#consumptionDone = new Promise((resolve) => (finish = resolve))
    try {
      await runLoop(
        {
          source: this.#source,
          subscriptions: this.#subscriptions,
          onHandlerError: (error) => this.#emitError(error),
          activity: this.#activity,
          clientId: this.#cluster.options.clientId,
          groupId: this.#options.groupId,
        },
        consumption,
        handler,
        workers,
      )
    } finally {
      release()
      this.#endConsumption(consumption)
      finish()
    }
    if (consumption.error !== null) throw consumption.error
    if (aborted) throw (signal as AbortSignal).reason
  }

  /**
   * Messages one at a time: `for await (const message of consumer.messages({ signal }))`. A
   * message counts as processed when the loop asks for the next one; leaving the loop (break,
   * throw) hands the last one out again later. Ends when the consumer stops; throws what would
   * make `run` reject.
   *
   * An abort rejects the `next()` that is waiting (or the next one called) with `signal.reason`
   * and ends the iteration (later calls are done, as with Node's `events.on`): the message in the
   * loop's body, not yet processed, is handed out again later, and the consumer, still connected
   * and assigned, is free for another `run()` or iterator.
   */
  messages(options?: MessagesOptions): AsyncIterableIterator<ConsumerMessage<K, V>> {
    const signal = callSignal('messages()', options)
    return new MessageIterator<ConsumerMessage<K, V>>({
      source: this.#source,
      start: () => this.#startConsumption(signal),
      end: (consumption) => this.#endConsumption(consumption),
      signal,
    })
  }

  /** `for await (const message of consumer)`: {@link messages} without a signal. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage<K, V>> {
    return this.messages()
  }

  /**
   * Stops `run()` or the iterator: no message is handed out after this call, and the consumer stays
   * connected. Messages being handled finish; `run()` resolves once they have. It never waits for
   * them itself, so it is safe to await inside a handler.
   */
  async stop(): Promise<void> {
    this.#consumption?.stop()
  }

  async #startConsumption(signal: AbortSignal | undefined): Promise<Consumption> {
    this.#assertOpen()
    if (this.#consumption !== null) throw new KafkaStateError('this consumer is already consuming (run() or an iterator)')
    const consumption = new Consumption()
    consumption.onStop(() => this.#buffer.notify())
    this.#consumption = consumption
    try {
      await this.connect({ signal })
    } catch (error) {
      this.#consumption = null
      throw error
    }
    this.#group.polled()
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
   *
   * An abort rejects with `signal.reason`; the lookup goes on, and a later call finds its result.
   */
  async position(tp: TopicPartition, options?: ConsumerCallOptions): Promise<bigint> {
    const state = this.#owned(tp, 'position')
    const signal = callSignal('position()', options)
    const deadline = Date.now() + this.#cluster.options.defaultApiTimeoutMs
    while (!state.hasPosition) {
      throwIfAborted(signal)
      if (state.error !== null) throw state.error
      if (this.#subscriptions.get(tp.topic, tp.partition) !== state) throw new KafkaStateError(`position: ${tp.topic}-${tp.partition} was revoked`)
      if (Date.now() >= deadline) throw new KafkaStateError(`position: no position for ${tp.topic}-${tp.partition} within the deadline`)
      await this.connect({ signal })
      this.#resolver.run()
      await abortable(new Promise((resolve) => setTimeout(resolve, 10)), signal)
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
    return this.#group.metadata(this.#requireGroup('groupMetadata'))
  }

  /**
   * The group's committed offsets for partitions (OffsetFetch). Needs a `groupId`.
   *
   * An abort rejects with `signal.reason` and stops the lookup's retries; nothing changes.
   */
  async committed(partitions: readonly TopicPartition[] = this.assignment(), options?: ConsumerCallOptions): Promise<CommittedPartitionOffset[]> {
    this.#assertOpen()
    const groupId = this.#requireGroup('committed')
    return this.#commits.committed(groupId, partitions, callSignal('committed()', options))
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
   *
   * An abort rejects with `signal.reason`. An already aborted signal changes nothing. A commit
   * still queued behind earlier ones is dropped unsent; one already sent may still be stored by
   * the coordinator, and its retries stop. Explicit offsets of owned partitions count as
   * processed from the call on, abort or not, so a later commit includes them.
   */
  async commit(offsets?: ConsumerMessage<K, V> | readonly CommitOffset[], options?: ConsumerCallOptions): Promise<void> {
    this.#assertOpen()
    this.#requireGroup('commit')
    checkCommitArgument(offsets)
    checkCommitOffsets(offsets)
    await this.#commits.commit(offsets, callSignal('commit()', options))
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
    this.#commits.stop()
    const handlersRunning = this.#activity.handlers > 0
    const closed = this.#consumptionDone.then(() => this.#finishClose(wasConnected))
    if (handlersRunning) closed.catch(() => {})
    else await closed
  }

  async #finishClose(wasConnected: boolean): Promise<void> {
    try {
      if (!wasConnected) return
      await this.#commits.commitProcessed(this.#subscriptions.all())
      await this.#group.leave()
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

  // ------------------------------------------------------------------------------------------
  // Internals

  #seekState(state: PartitionState, target: SeekTarget): void {
    checkSeekTarget('seek', target)
    if (target === 'earliest' || target === 'latest') this.#subscriptions.requestReset(state, target)
    else if (typeof target === 'object') this.#subscriptions.requestReset(state, { timestamp: target.timestamp })
    else this.#subscriptions.seek(state, BigInt(target))
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
