/**
 * Calls to the consumer's {@link AssignmentListener}, one at a time in the order they were asked
 * for, as the seam promises. A listener that throws is treated as done: the membership cannot undo
 * a rebalance, and the consumer reports its own callback failures.
 */

import type { AssignmentListener, TopicPartition } from '../membership.js'

export class SerialListener {
  readonly #listener: AssignmentListener
  #tail: Promise<void> = Promise.resolve()

  constructor(listener: AssignmentListener) {
    this.#listener = listener
  }

  assigned(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#enqueue(() => this.#listener.assigned(partitions))
  }

  revoked(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#enqueue(() => this.#listener.revoked(partitions))
  }

  lost(partitions: readonly TopicPartition[]): Promise<void> {
    return this.#enqueue(() => this.#listener.lost(partitions))
  }

  /** Resolves once every call asked for so far has finished. */
  idle(): Promise<void> {
    return this.#tail
  }

  #enqueue(call: () => Promise<void>): Promise<void> {
    const next = this.#tail.then(call).catch(() => {})
    this.#tail = next
    return next
  }
}
