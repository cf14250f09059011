/**
 * The consumer's side of a rebalance, as its group membership calls it ({@link AssignmentListener}):
 * newly assigned partitions join the subscription state; revoked ones first let the handlers in
 * flight finish and commit what was processed, then go; lost ones go at once, since committing
 * is no longer possible. Each step awaits the application's {@link RebalanceListener} callback and
 * emits a `rebalance` event.
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaError } from '../errors.js'
import type { RebalanceEvent, RebalanceListener } from './consumer-types.js'
import type { FetchBuffer } from './fetch-buffer.js'
import type { AssignmentListener, TopicPartition } from './membership.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

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
    await this.#call('onPartitionsRevoked', list)
    subscriptions.remove(states)
    this.#deps.emit({ type: 'revoked', partitions: list })
    this.#deps.kick()
  }

  async lost(partitions: readonly TopicPartition[]): Promise<void> {
    const removed = this.#deps.subscriptions.remove(partitions)
    const list = removed.map(toTopicPartition)
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

export function toTopicPartition(state: PartitionState): TopicPartition {
  return { topic: state.topic, partition: state.partition }
}
