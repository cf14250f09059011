/**
 * Where the consumer gets its group protocol from. The consumer calls {@link createMembership} once,
 * on the first `subscribe()`, and talks to the result only through the {@link GroupMembership} seam;
 * the protocols themselves (classic JoinGroup/SyncGroup, KIP-848 ConsumerGroupHeartbeat) live in
 * `./group/` and are chosen here by `groupProtocol`.
 */

import type { Cluster } from '../cluster/cluster.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import { KafkaStateError, type KafkaError } from '../errors.js'
import { ClassicMembership } from './group/classic-membership.js'
import { ConsumerProtocolMembership } from './group/consumer-protocol-membership.js'
import type { AssignmentListener, GroupMembership } from './membership.js'
import type { ResolvedConsumerOptions } from './options.js'

/** What a group protocol is given to drive one consumer's membership. */
export interface MembershipContext {
  /** The shared cluster core: coordinator lookup, `sendTo(…, { purpose: 'group' })`, metadata. */
  readonly cluster: Cluster
  /** The consumer's options, defaults applied. */
  readonly options: ResolvedConsumerOptions
  /** The group (never null here: subscribing requires `groupId`). */
  readonly groupId: string
  /**
   * The connection purpose for coordinator requests: the consumer's own (`group#n`), so one
   * consumer's JoinGroup never holds up another's heartbeats on a shared root. Default `group`.
   */
  readonly purpose?: ConnectionPurpose
  /** The consumer's side of every rebalance. */
  readonly listener: AssignmentListener
  /**
   * Reports a failure the membership cannot recover from (fenced static member, authorization,
   * invalid session timeout …). The consumer stops consuming and hands the error to the application.
   */
  readonly onFatalError: (error: KafkaError) => void
  /**
   * Reports a problem the application should hear of while the membership keeps trying by itself:
   * the member has been without an assignment for longer than the session timeout.
   */
  readonly onError?: (error: KafkaError) => void
}

/** Makes the membership of one consumer. */
export type MembershipFactory = (context: MembershipContext) => GroupMembership

/** The default factory: the group protocol named by `options.groupProtocol`. */
export const createMembership: MembershipFactory = (context) => {
  switch (context.options.groupProtocol) {
    case 'classic':
      return new ClassicMembership(context)
    case 'consumer':
      return new ConsumerProtocolMembership(context)
    default:
      throw new KafkaStateError(
        `group protocol ${JSON.stringify(context.options.groupProtocol)} is not available in this build; use assign() for group ${JSON.stringify(context.groupId)}`,
      )
  }
}
