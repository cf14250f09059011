/**
 * The consumer's link to its group membership: made at the first `subscribe()`, joined once the
 * consumer is connected, told of subscription changes, left at `unsubscribe()` and `disconnect()`.
 * It answers who the member is for commits, offset lookups and `groupMetadata()`. A membership
 * serves one join: after `unsubscribe()` the next `subscribe()` makes a new one.
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { MembershipFactory } from './group-factory.js'
import type { AssignmentListener, GroupMembership, GroupMetadata, Subscription } from './membership.js'
import type { ResolvedConsumerOptions } from './options.js'

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

function toKafkaError(error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
}
