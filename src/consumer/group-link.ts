/**
 * The consumer's side of its group, both ways across the membership seam:
 *
 * - {@link GroupLink}, the consumer's link to its membership: made at the first `subscribe()`,
 *   joined once the consumer is connected, told of subscription changes, left at `unsubscribe()`
 *   and `disconnect()`. It answers who the member is for commits, offset lookups and
 *   `groupMetadata()`. A membership serves one join: after `unsubscribe()` the next `subscribe()`
 *   makes a new one.
 * - {@link RebalanceHandler}, what the membership calls back ({@link AssignmentListener}): newly
 *   assigned partitions join the subscription state; revoked ones first let the handlers in
 *   flight finish and commit what was processed, then go; lost ones go at once, since committing
 *   is no longer possible. Each step awaits the application's {@link RebalanceListener} callback
 *   and emits a `rebalance` event.
 */

import type { Logger } from '../observability/logger.js'
import type { Cluster } from '../cluster/cluster.js'
import { KafkaError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { RebalanceEvent, RebalanceListener } from './consumer-types.js'
import type { FetchBuffer } from './fetch-buffer.js'
import type { MembershipFactory } from './group-factory.js'
import type { AssignmentListener, GroupMembership, GroupMetadata, Subscription, TopicPartition } from './membership.js'
import type { ResolvedConsumerOptions } from './options.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

// ---------------------------------------------------------------------------------------------
// The consumer's link to its membership

export interface GroupLinkDeps {
  readonly cluster: Cluster
  readonly options: ResolvedConsumerOptions
  readonly factory: MembershipFactory
  /** Where the membership's rebalance callbacks go. */
  readonly listener: AssignmentListener
  readonly purpose: ConnectionPurpose
  /** A failure that stops consuming (a fatal group error, a join that failed). */
  readonly reportError: (error: KafkaError) => void
  /** A failure the application should hear of, while consuming goes on. */
  readonly emitError: (error: KafkaError) => void
}

export class GroupLink {
  readonly #deps: GroupLinkDeps
  #membership: GroupMembership | null = null
  #joined = false
  #subscription: Subscription | null = null

  constructor(deps: GroupLinkDeps) {
    this.#deps = deps
  }

  /** The joined membership, or null (not subscribed, not yet connected, or left). */
  get joined(): GroupMembership | null {
    return this.#joined ? this.#membership : null
  }

  /**
   * Takes a new subscription. Returns true when a joined member was told of it; false when the
   * caller must connect and then {@link join}.
   */
  subscribe(groupId: string, subscription: Subscription): boolean {
    const deps = this.#deps
    this.#membership ??= deps.factory({
      cluster: deps.cluster,
      options: deps.options,
      groupId,
      listener: deps.listener,
      purpose: deps.purpose,
      onFatalError: (error) => deps.reportError(error),
      onError: (error) => deps.emitError(error),
    })
    const first = this.#subscription === null
    this.#subscription = subscription
    if (!first && this.#joined) {
      this.#membership.resubscribe(subscription)
      return true
    }
    return false
  }

  /** Joins the group with the subscription, unless already joined or not subscribed. */
  join(): void {
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
    // Resolves at the first assignment; partitions arrive through the listener either way.
    joining.catch((error: unknown) => {
      this.#joined = false
      this.#deps.reportError(toKafkaError(error))
    })
  }

  /** `unsubscribe()`: leaves the group; a failure to leave rejects. */
  async unsubscribe(): Promise<void> {
    const membership = this.#membership
    this.#membership = null
    this.#subscription = null
    if (membership !== null && this.#joined) {
      this.#joined = false
      await membership.leave()
    }
  }

  /** `disconnect()`: leaves the group; a failure to leave goes to the error event. */
  async leave(): Promise<void> {
    if (this.#membership === null || !this.#joined) return
    this.#joined = false
    await this.#membership.leave().catch((error: unknown) => this.#deps.emitError(toKafkaError(error)))
  }

  /** The application took records or waits for them (the membership's poll timer). */
  polled(): void {
    this.#membership?.polled()
  }

  /** The member's identity for transactions (generation -1 and no member id outside a joined group). */
  metadata(groupId: string): GroupMetadata {
    const membership = this.joined
    if (membership === null) return { groupId, generationId: -1, memberId: '', groupInstanceId: this.#deps.options.groupInstanceId }
    return membership.metadata()
  }

  /** A KIP-848 member names itself in OffsetFetch and ListOffsets lookups; null otherwise. */
  memberIdentity(): { memberId: string; memberEpoch: number } | null {
    const membership = this.joined
    if (membership === null || this.#deps.options.groupProtocol !== 'consumer') return null
    const m = membership.metadata()
    return { memberId: m.memberId, memberEpoch: m.generationId }
  }
}

// ---------------------------------------------------------------------------------------------
// What the membership calls back

export interface RebalanceHandlerDeps {
  readonly cluster: Cluster
  readonly subscriptions: SubscriptionState
  readonly buffer: FetchBuffer
  /** Commits the processed offsets of partitions about to be revoked (when auto-commit is on). */
  readonly commitProcessed: (states: readonly PartitionState[]) => Promise<void>
  readonly emit: (event: RebalanceEvent) => void
  /** A listener callback threw: the application hears of it; the rebalance goes on. */
  readonly reportError: (error: KafkaError) => void
  /** The owned partitions changed: fetching and handing out may go on. */
  readonly kick: () => void
  /** Rebalances are logged at info, as Java's ConsumerCoordinator logs them. */
  readonly logger: Logger
}

export class RebalanceHandler implements AssignmentListener {
  readonly #deps: RebalanceHandlerDeps
  /** The application's callbacks, from the latest `subscribe()`. */
  listener: RebalanceListener = {}

  constructor(deps: RebalanceHandlerDeps) {
    this.#deps = deps
  }

  async assigned(partitions: readonly TopicPartition[]): Promise<void> {
    const { subscriptions, cluster } = this.#deps
    const added = subscriptions.add(partitions)
    cluster.addTopicsOfInterest(new Set(partitions.map((p) => p.topic)))
    const list = added.map(toTopicPartition)
    this.#deps.logger.info({ partitions: describePartitions(list) }, 'partitions assigned')
    await this.#call('onPartitionsAssigned', list)
    this.#deps.emit({ type: 'assigned', partitions: list })
    this.#deps.kick()
  }

  async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    const { subscriptions, buffer } = this.#deps
    const states = partitions
      .map((tp) => subscriptions.get(tp.topic, tp.partition))
      .filter((s): s is PartitionState => s !== undefined)
    for (const s of states) s.revoking = true
    buffer.notify()
    // Let handlers finish the message they are on, so its progress is committed.
    while (states.some((s) => s.busy)) await buffer.waitForChange()
    await this.#deps.commitProcessed(states)
    const list = states.map(toTopicPartition)
    this.#deps.logger.info({ partitions: describePartitions(list) }, 'partitions revoked')
    await this.#call('onPartitionsRevoked', list)
    subscriptions.remove(states)
    this.#deps.emit({ type: 'revoked', partitions: list })
    this.#deps.kick()
  }

  async lost(partitions: readonly TopicPartition[]): Promise<void> {
    const removed = this.#deps.subscriptions.remove(partitions)
    const list = removed.map(toTopicPartition)
    this.#deps.logger.info({ partitions: describePartitions(list) }, 'partitions lost')
    await this.#call('onPartitionsLost', list)
    this.#deps.emit({ type: 'lost', partitions: list })
    this.#deps.kick()
  }

  async #call(name: keyof RebalanceListener, partitions: TopicPartition[]): Promise<void> {
    const listener = this.listener
    const callback = listener[name]
    if (callback === undefined) return
    try {
      await callback.call(listener, partitions)
    } catch (cause) {
      this.#deps.reportError(
        new KafkaError(`${name} threw: ${cause instanceof Error ? cause.message : String(cause)}`, { cause, errorName: 'REBALANCE_LISTENER_ERROR' }),
      )
    }
  }
}

/** `orders-0, orders-1`, as Java's log lines name partitions. */
function describePartitions(list: readonly TopicPartition[]): string {
  return list.map((p) => `${p.topic}-${p.partition}`).join(', ')
}

export function toTopicPartition(state: PartitionState): TopicPartition {
  return { topic: state.topic, partition: state.partition }
}

function toKafkaError(error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
}
