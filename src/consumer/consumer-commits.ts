/**
 * The consumer's commits: explicit ones (`commit()`), automatic ones (the auto-commit timer, on
 * revoke, on unsubscribe and disconnect, for partitions `assign()` drops), and the group's
 * committed offsets (`committed()`). All go through one {@link OffsetCommitter}, so they reach the
 * coordinator in call order; automatic ones store processed offsets only (at-least-once) and
 * report their outcome through the `commit` and `error` events instead of rejecting.
 */

import type { Cluster } from '../cluster/cluster.js'
import { partitionKey } from '../common/topic-partition.js'
import { KafkaConfigError, KafkaError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { abortable, throwIfAborted } from '../util/abort.js'
import type { AutoCommitEvent, CommitOffset, CommittedPartitionOffset, ConsumerMessage } from './consumer-types.js'
import type { GroupMembership, TopicPartition } from './membership.js'
import { OffsetCommitter, type CommitEntry } from './offset-committer.js'
import { fetchCommittedOffsets } from './offset-lookup.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

export interface ConsumerCommitsDeps {
  readonly cluster: Cluster
  /** Null: the consumer has no group, and nothing is committed. */
  readonly groupId: string | null
  readonly autoCommit: boolean
  readonly autoCommitIntervalMs: number
  readonly subscriptions: SubscriptionState
  /** The joined membership of the moment, or null (standalone commits). */
  readonly membership: () => GroupMembership | null
  /** KIP-848 members name themselves in OffsetFetch; null otherwise. */
  readonly member: () => { memberId: string; memberEpoch: number } | null
  /** The consumer's own coordinator lane, and who closes its connections. */
  readonly purpose: ConnectionPurpose
  readonly onConnection: (connection: Connection) => void
  /** Automatic commits run only while the consumer is connected. */
  readonly connected: () => boolean
  readonly emitCommit: (event: AutoCommitEvent) => void
  readonly emitError: (error: KafkaError) => void
}

export class ConsumerCommits {
  readonly #deps: ConsumerCommitsDeps
  readonly #committer: OffsetCommitter | null
  #timer: NodeJS.Timeout | undefined

  constructor(deps: ConsumerCommitsDeps) {
    this.#deps = deps
    const { cluster, groupId, subscriptions } = deps
    this.#committer =
      groupId === null
        ? null
        : new OffsetCommitter({
            cluster,
            groupId,
            membership: deps.membership,
            purpose: deps.purpose,
            onConnection: deps.onConnection,
            onCommitted: (entry) => {
              const state = subscriptions.get(entry.topic, entry.partition)
              if (state !== undefined) state.committedOffset = entry.offset
            },
          })
  }

  /** Starts the auto-commit timer (when there is a group and auto-commit is on). */
  start(): void {
    if (this.#committer === null || !this.#deps.autoCommit || this.#timer !== undefined) return
    this.#timer = setInterval(() => this.#tick(), this.#deps.autoCommitIntervalMs)
    this.#timer.unref()
  }

  stop(): void {
    clearInterval(this.#timer)
  }

  /**
   * An explicit commit: without `offsets`, every owned partition's processed offset; with a
   * message, the offset after it; with a list, those offsets (owned ones also count as processed).
   */
  async commit<K, V>(offsets: ConsumerMessage<K, V> | readonly CommitOffset[] | undefined, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal)
    const { subscriptions } = this.#deps
    let entries: CommitEntry[]
    if (offsets === undefined) {
      entries = this.#processedEntries(subscriptions.all())
    } else {
      const list: readonly CommitOffset[] = isMessage(offsets)
        ? [{ topic: offsets.topic, partition: offsets.partition, offset: offsets.offset + 1n, leaderEpoch: offsets.leaderEpoch ?? -1 }]
        : offsets
      entries = list.map((o) => {
        if (typeof o.offset !== 'bigint' || o.offset < 0n) throw new KafkaConfigError(`commit: offset of ${o.topic}-${o.partition} must be a bigint >= 0`)
        const state = subscriptions.get(o.topic, o.partition)
        if (state !== undefined) subscriptions.markProcessed(state, state.generation, o.offset, o.leaderEpoch ?? -1)
        return { topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch ?? -1, metadata: o.metadata ?? null }
      })
    }
    const committer = this.#committer as OffsetCommitter
    await abortable(committer.commit(entries, Date.now() + this.#deps.cluster.options.defaultApiTimeoutMs, signal), signal)
  }

  /** Commits processed offsets when auto-commit is on; failures go to the `commit` and `error` events. */
  async commitProcessed(states: Iterable<PartitionState>, budgetMs = this.#deps.cluster.options.defaultApiTimeoutMs): Promise<void> {
    if (this.#committer === null || !this.#deps.autoCommit) return
    const entries = this.#processedEntries(states)
    if (entries.length === 0) return
    const offsets = entries.map((e) => ({ topic: e.topic, partition: e.partition, offset: e.offset }))
    try {
      await this.#committer.commit(entries, Date.now() + budgetMs, undefined, 'auto')
      this.#deps.emitCommit({ offsets, error: null })
    } catch (cause) {
      const error = cause instanceof KafkaError ? cause : new KafkaError(String(cause), { cause })
      this.#deps.emitCommit({ offsets, error })
      this.#deps.emitError(error)
    }
  }

  /** Partitions `assign()` dropped: their processed offsets are committed in the background. */
  commitRemoved(removed: PartitionState[]): void {
    if (removed.length > 0) void this.commitProcessed(removed)
  }

  /** The group's committed offsets of `partitions` (OffsetFetch), in the order asked. */
  async committed(groupId: string, partitions: readonly TopicPartition[], signal?: AbortSignal): Promise<CommittedPartitionOffset[]> {
    throwIfAborted(signal)
    const { cluster } = this.#deps
    const lookup = fetchCommittedOffsets(cluster, groupId, partitions, {
      deadline: Date.now() + cluster.options.defaultApiTimeoutMs,
      member: this.#deps.member(),
      purpose: this.#deps.purpose,
      onConnection: this.#deps.onConnection,
      signal,
    })
    const found = await abortable(lookup, signal)
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

  #tick(): void {
    if (this.#committer === null || this.#committer.pending > 0 || !this.#deps.connected()) return
    void this.commitProcessed(this.#deps.subscriptions.all(), this.#deps.autoCommitIntervalMs)
  }

  #processedEntries(states: Iterable<PartitionState>): CommitEntry[] {
    const out: CommitEntry[] = []
    for (const [state, o] of this.#deps.subscriptions.offsetsToCommit(states)) {
      out.push({ topic: state.topic, partition: state.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: null })
    }
    return out
  }
}

function isMessage<K, V>(value: ConsumerMessage<K, V> | readonly CommitOffset[]): value is ConsumerMessage<K, V> {
  return !Array.isArray(value)
}
