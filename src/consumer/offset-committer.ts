/**
 * Offset commits to the group coordinator (Java `ConsumerCoordinator.sendOffsetCommitRequest` and
 * its response handler).
 *
 * Commits are serialized: one OffsetCommit in flight at a time, in call order, so an older commit
 * can never land after a newer one and rewind the group (franz-go does the same). Each commit
 * carries the membership's identity of the moment it is sent (generation or KIP-848 member
 * epoch, member id, instance id); a consumer outside a group membership commits as a standalone
 * consumer: generation -1 and no member id, which the coordinator accepts while the group has no
 * members.
 *
 * Retriable errors (coordinator moved or loading, timeouts, unknown partition) are retried until
 * the deadline, resending only the partitions that failed. Rejections because the group moved on
 * go to `membership.commitRejected` and fail the commit with {@link KafkaCommitFailedError}.
 */

import type { Cluster } from '../cluster/cluster.js'
import { retry } from '../cluster/retry.js'
import { KafkaBrokerError, KafkaError, KafkaNetworkError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { commitChannel, isTraced, type CommitTrace } from '../observability/channels.js'
import { errorCodeInfo } from '../protocol/error-codes.js'
import { offsetCommitApi } from '../protocol/messages/offset-commit.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { consumerErrorAction } from './error-policy.js'
import { KafkaCommitFailedError } from './errors.js'
import type { GroupMembership } from './membership.js'
import { partitionKey } from '../common/topic-partition.js'
import { throwIfAborted } from '../util/abort.js'

/** One partition's offset to commit. */
export interface CommitEntry {
  readonly topic: string
  readonly partition: number
  /** The next offset to read (last processed + 1). */
  readonly offset: bigint
  /** Leader epoch of the last processed record; -1 when unknown. */
  readonly leaderEpoch: number
  readonly metadata: string | null
}

export interface OffsetCommitterDeps {
  readonly cluster: Cluster
  readonly groupId: string
  /** The membership of the moment, or null outside a group membership (`assign()` with a groupId). */
  readonly membership: () => GroupMembership | null
  /** Called for every partition the coordinator stored. */
  readonly onCommitted: (entry: CommitEntry) => void
  /** The connection purpose to the coordinator; default `group`. */
  readonly purpose?: ConnectionPurpose
  /** Sees the connection used, so its owner can close it. */
  readonly onConnection?: (connection: Connection) => void
}

const noop = (): void => {}

export class OffsetCommitter {
  readonly #deps: OffsetCommitterDeps
  #tail: Promise<void> = Promise.resolve()
  #inFlight = 0

  constructor(deps: OffsetCommitterDeps) {
    this.#deps = deps
  }

  /** Commits queued or in flight. */
  get pending(): number {
    return this.#inFlight
  }

  /**
   * Commits `entries` after every commit queued before. Resolves when the coordinator stored all
   * of them; rejects with the first non-retriable error, a {@link KafkaCommitFailedError}, or a
   * timeout at `deadline`. A `signal` that aborts before the commit's turn drops it unsent, and
   * one that aborts later stops its retries (a request already sent may still be stored).
   */
  commit(entries: readonly CommitEntry[], deadline: number, signal?: AbortSignal, trigger: CommitTrace['trigger'] = 'sync'): Promise<void> {
    if (entries.length === 0) return this.#tail.catch(noop)
    this.#inFlight++
    const queued = (): Promise<void> => this.#tail.catch(noop).then(() => this.#commitNow(entries, deadline, signal))
    // Traced from the call, so the time waiting for the commits before it counts.
    const run = isTraced(commitChannel)
      ? commitChannel.tracePromise(queued, { clientId: this.#deps.cluster.options.clientId, groupId: this.#deps.groupId, trigger, offsets: entries })
      : queued()
    // The tail only orders commits; each caller sees its own outcome through `run`.
    this.#tail = run
      .finally(() => {
        this.#inFlight--
      })
      .catch(noop)
    return run
  }

  async #commitNow(entries: readonly CommitEntry[], deadline: number, signal: AbortSignal | undefined): Promise<void> {
    throwIfAborted(signal)
    const { cluster, groupId } = this.#deps
    let pending = new Map(entries.map((e) => [partitionKey(e.topic, e.partition), e]))
    await cluster.ensureMetadata([...new Set(entries.map((e) => e.topic))]).catch(noop)
    await retry(
      async () => {
        throwIfAborted(signal)
        pending = await this.#send([...pending.values()], pending)
        if (pending.size > 0) {
          const first = [...pending.values()][0] as CommitEntry
          throw new KafkaError(`OffsetCommit of ${pending.size} partition(s) must be retried (first: ${first.topic}-${first.partition})`, {
            retriable: true,
            errorName: 'RETRIABLE_COMMIT',
          })
        }
      },
      {
        deadline,
        backoff: cluster.options.retryBackoff,
        what: `OffsetCommit for group ${JSON.stringify(groupId)}`,
        onRetriableError: (error) => {
          if (consumerErrorAction('OffsetCommit', error.code) === 'find-coordinator' || error instanceof KafkaNetworkError) cluster.forgetCoordinator('group', groupId)
        },
      },
    )
  }

  /** Sends one OffsetCommit; returns the entries to retry. Throws on non-retriable errors. */
  async #send(entries: readonly CommitEntry[], all: ReadonlyMap<string, CommitEntry>): Promise<Map<string, CommitEntry>> {
    const { cluster, groupId } = this.#deps
    const membership = this.#deps.membership()
    const identity = membership?.metadata() ?? null
    const coordinator = await cluster.coordinator('group', groupId)
    const topics = new Map<string, CommitEntry[]>()
    for (const e of entries) {
      const list = topics.get(e.topic)
      if (list === undefined) topics.set(e.topic, [e])
      else list.push(e)
    }
    const idOf = (topic: string): string => cluster.metadata.topic(topic)?.topicId ?? ZERO_UUID
    const idsKnown = [...topics.keys()].every((t) => idOf(t) !== ZERO_UUID)
    const nameById = new Map([...topics.keys()].map((t) => [idOf(t), t]))
    const response = await cluster.sendTo(
      { nodeId: coordinator },
      offsetCommitApi,
      () =>
        offsetCommitApi.createRequest({
          groupId,
          generationIdOrMemberEpoch: identity?.generationId ?? -1,
          memberId: identity?.memberId ?? '',
          groupInstanceId: identity?.groupInstanceId ?? null,
          retentionTimeMs: -1n,
          topics: [...topics].map(([name, list]) => ({
            name,
            topicId: idOf(name),
            partitions: list.map((e) => ({
              partitionIndex: e.partition,
              committedOffset: e.offset,
              committedLeaderEpoch: e.leaderEpoch,
              committedMetadata: e.metadata ?? '',
            })),
          })),
        }),
      { purpose: this.#deps.purpose ?? 'group', maxVersion: idsKnown ? undefined : 9, onConnection: this.#deps.onConnection },
    )
    const retryLater = new Map<string, CommitEntry>()
    let coordinatorMoved = false
    for (const t of response.topics) {
      const topic = t.name !== '' ? t.name : nameById.get(t.topicId)
      if (topic === undefined) continue
      for (const p of t.partitions) {
        const key = partitionKey(topic, p.partitionIndex)
        const entry = all.get(key)
        if (entry === undefined) continue
        const code = p.errorCode
        const action = consumerErrorAction('OffsetCommit', code)
        if (action === 'none') {
          this.#deps.onCommitted(entry)
          continue
        }
        if (action === 'commit-rejected') {
          membership?.commitRejected(code, identity?.generationId)
          const name = errorCodeInfo(code).name
          throw new KafkaCommitFailedError(
            code,
            name,
            membership === null
              ? `offset commit for group ${groupId} rejected with ${name}: the group has active members, so a consumer outside it cannot commit`
              : `offset commit for group ${groupId} rejected with ${name}: the group rebalanced and these partitions may belong to another member now`,
          )
        }
        if (action === 'fail') throw new KafkaBrokerError(code)
        if (action === 'find-coordinator') coordinatorMoved = true
        retryLater.set(key, entry)
      }
    }
    // The coordinator moved: the cluster must look it up again before the retry.
    if (coordinatorMoved) cluster.forgetCoordinator('group', groupId)
    return retryLater
  }
}
