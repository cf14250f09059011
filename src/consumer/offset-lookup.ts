/**
 * The three questions a consumer asks about offsets, as protocol calls:
 *
 * - what the group committed (OffsetFetch to the group coordinator, `requireStable` as Java does,
 *   KIP-447, so a partition with a pending transactional commit waits until it settles);
 * - where a reset lands (ListOffsets to each leader: earliest, latest, or a timestamp);
 * - where a leader epoch ends on the current leader (OffsetForLeaderEpoch, KIP-320), to detect a
 *   log truncated below the consumer's position.
 *
 * ListOffsets and OffsetForLeaderEpoch answer per partition with the broker's error code; the
 * caller decides what to retry. OffsetFetch retries coordinator errors itself until its deadline.
 */

import { isolationLevelCode } from '../common/isolation-level.js'
import type { Cluster } from '../cluster/cluster.js'
import { retry } from '../cluster/retry.js'
import { KafkaBrokerError, KafkaNetworkError } from '../errors.js'
import type { ConnectionPurpose } from '../network/connection-pool.js'
import type { Connection } from '../network/connection.js'
import { listOffsetsApi } from '../protocol/messages/list-offsets.js'
import { offsetFetchApi, type OffsetFetchResponse } from '../protocol/messages/offset-fetch.js'
import { offsetForLeaderEpochApi } from '../protocol/messages/offset-for-leader-epoch.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { consumerErrorAction } from './error-policy.js'
import { throwIfAborted } from '../util/abort.js'

/** Java's CONSUMER_REPLICA_ID: the request comes from a consumer, not a follower. */
const CONSUMER_REPLICA_ID = -1

/** The ListOffsets timestamps that mean "first offset" and "end offset". */
export const EARLIEST_TIMESTAMP = -2n
export const LATEST_TIMESTAMP = -1n

function groupByTopic<T extends { readonly topic: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const list = out.get(item.topic)
    if (list === undefined) out.set(item.topic, [item])
    else list.push(item)
  }
  return out
}

function topicIdOf(cluster: Cluster, topic: string): string {
  return cluster.metadata.topic(topic)?.topicId ?? ZERO_UUID
}

// ---------------------------------------------------------------------------------------------
// Committed offsets

/** A committed offset as the group stores it. */
export interface CommittedOffset {
  /** Next offset the group will read. */
  readonly offset: bigint
  /** Leader epoch of the record before `offset`; -1 when the committer did not say. */
  readonly leaderEpoch: number
  readonly metadata: string | null
}

export interface FetchCommittedOptions {
  /** Absolute deadline (ms since the epoch) for retries of coordinator errors and unstable offsets. */
  readonly deadline: number
  /** KIP-848 members identify themselves (OffsetFetch v9+); classic and standalone consumers do not. */
  readonly member?: { readonly memberId: string; readonly memberEpoch: number } | null
  /** The connection purpose to the coordinator; default `group`. */
  readonly purpose?: ConnectionPurpose
  /** Sees the connection used, so its owner can close it. */
  readonly onConnection?: (connection: Connection) => void
  /** Stops the retries once it aborts (the caller stops waiting itself). */
  readonly signal?: AbortSignal
}

/**
 * The group's committed offsets of `partitions`, keyed by `partitionKey`; null for a partition
 * with none.
 */
export async function fetchCommittedOffsets(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[],
  options: FetchCommittedOptions,
): Promise<Map<string, CommittedOffset | null>> {
  const result = new Map<string, CommittedOffset | null>()
  if (partitions.length === 0) return result
  await cluster.ensureMetadata([...new Set(partitions.map((p) => p.topic))])
  const byTopic = groupByTopic(partitions)
  const idsKnown = [...byTopic.keys()].every((t) => topicIdOf(cluster, t) !== ZERO_UUID)
  const response = await retry(
    async () => {
      throwIfAborted(options.signal)
      const coordinator = await cluster.coordinator('group', groupId)
      const r = await cluster.sendTo(
        { nodeId: coordinator },
        offsetFetchApi,
        (version) => {
          const topics = [...byTopic].map(([name, list]) => ({
            name,
            topicId: topicIdOf(cluster, name),
            partitionIndexes: list.map((p) => p.partition),
          }))
          if (version < 8) return offsetFetchApi.createRequest({ groupId, topics, requireStable: true })
          const member = options.member ?? null
          return offsetFetchApi.createRequest({
            groups: [{ groupId, memberId: member?.memberId ?? null, memberEpoch: member?.memberEpoch ?? -1, topics }],
            requireStable: true,
          })
        },
        { purpose: options.purpose ?? 'group', maxVersion: idsKnown ? undefined : 9, onConnection: options.onConnection },
      )
      checkOffsetFetch(r)
      return r
    },
    {
      deadline: options.deadline,
      backoff: cluster.options.retryBackoff,
      what: `OffsetFetch for group ${JSON.stringify(groupId)}`,
      onRetriableError: (error) => {
        if (consumerErrorAction('OffsetFetch', error.code) === 'find-coordinator' || error instanceof KafkaNetworkError) {
          cluster.forgetCoordinator('group', groupId)
        }
      },
    },
  )
  const group = response.groups[0]
  const topics: ReadonlyArray<{ name: string; topicId?: string; partitions: OffsetFetchResponse['topics'][number]['partitions'] }> =
    group?.topics ?? response.topics
  for (const t of topics) {
    const name = t.name !== '' ? t.name : t.topicId === undefined ? undefined : cluster.metadata.topicName(t.topicId)
    if (name === undefined) continue
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(p.errorCode)
      result.set(
        partitionKey(name, p.partitionIndex),
        p.committedOffset >= 0n ? { offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata } : null,
      )
    }
  }
  for (const tp of partitions) {
    const key = partitionKey(tp.topic, tp.partition)
    if (!result.has(key)) result.set(key, null)
  }
  return result
}

function checkOffsetFetch(response: OffsetFetchResponse): void {
  const group = response.groups[0]
  const code = group?.errorCode ?? response.errorCode
  if (code !== ErrorCode.NONE) throw new KafkaBrokerError(code)
  for (const t of group?.topics ?? response.topics) {
    for (const p of t.partitions) {
      // Retried as a whole: a transaction's offsets are pending (KIP-447, UNSTABLE_OFFSET_COMMIT),
      // or the coordinator is loading or moved.
      const action = consumerErrorAction('OffsetFetch', p.errorCode)
      if (action === 'retry' || action === 'find-coordinator') throw new KafkaBrokerError(p.errorCode)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Per-leader lookups

/** One partition's answer from its leader. A request that failed as a whole answers ErrorCode.NETWORK_EXCEPTION (or the broker's top-level code). */
export interface LeaderAnswer {
  readonly errorCode: number
  readonly offset: bigint
  readonly leaderEpoch: number
  /** The record's timestamp for timestamp lookups, else -1. */
  readonly timestamp: bigint
}

export interface ListOffsetsQuery extends TopicPartition {
  /** -2 earliest, -1 latest, else a timestamp in ms. */
  readonly timestamp: bigint
}

export interface EpochQuery extends TopicPartition {
  /** The epoch whose end offset is asked for: that of the last consumed record. */
  readonly leaderEpoch: number
}

function failed(errorCode: number): LeaderAnswer {
  return { errorCode, offset: -1n, leaderEpoch: -1, timestamp: -1n }
}

/** Sends one request per leader; partitions without a known leader answer ErrorCode.LEADER_NOT_AVAILABLE. */
async function perLeader<Q extends TopicPartition>(
  cluster: Cluster,
  queries: readonly Q[],
  ask: (leader: number, queries: Q[], currentEpoch: (q: Q) => number) => Promise<Map<string, LeaderAnswer>>,
): Promise<Map<string, LeaderAnswer>> {
  const byLeader = new Map<number, Q[]>()
  const out = new Map<string, LeaderAnswer>()
  for (const q of queries) {
    const info = cluster.metadata.partition(q.topic, q.partition)
    if (info === undefined || info.leader < 0) {
      out.set(partitionKey(q.topic, q.partition), failed(ErrorCode.LEADER_NOT_AVAILABLE))
      continue
    }
    const list = byLeader.get(info.leader)
    if (list === undefined) byLeader.set(info.leader, [q])
    else list.push(q)
  }
  const epochOf = (q: Q): number => cluster.metadata.partition(q.topic, q.partition)?.leaderEpoch ?? -1
  await Promise.all(
    [...byLeader].map(async ([leader, list]) => {
      let answers: Map<string, LeaderAnswer>
      try {
        answers = await ask(leader, list, epochOf)
      } catch (error) {
        const code = error instanceof KafkaBrokerError ? error.code : ErrorCode.NETWORK_EXCEPTION
        answers = new Map(list.map((q) => [partitionKey(q.topic, q.partition), failed(code)]))
      }
      for (const q of list) {
        const key = partitionKey(q.topic, q.partition)
        out.set(key, answers.get(key) ?? failed(ErrorCode.LEADER_NOT_AVAILABLE))
      }
    }),
  )
  return out
}

/** ListOffsets for each partition at its leader. */
export function listOffsets(
  cluster: Cluster,
  queries: readonly ListOffsetsQuery[],
  readCommitted: boolean,
): Promise<Map<string, LeaderAnswer>> {
  return perLeader(cluster, queries, async (leader, list, currentEpoch) => {
    const response = await cluster.sendTo({ nodeId: leader }, listOffsetsApi, () =>
      listOffsetsApi.createRequest({
        replicaId: CONSUMER_REPLICA_ID,
        isolationLevel: isolationLevelCode(readCommitted ? 'read_committed' : 'read_uncommitted'),
        timeoutMs: cluster.options.requestTimeoutMs,
        topics: [...groupByTopic(list)].map(([name, qs]) => ({
          name,
          partitions: qs.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: currentEpoch(q), timestamp: q.timestamp })),
        })),
      }),
    )
    const answers = new Map<string, LeaderAnswer>()
    for (const t of response.topics) {
      for (const p of t.partitions) {
        answers.set(partitionKey(t.name, p.partitionIndex), {
          errorCode: p.errorCode,
          offset: p.offset,
          leaderEpoch: p.leaderEpoch,
          timestamp: p.timestamp,
        })
      }
    }
    return answers
  })
}

/** OffsetForLeaderEpoch for each partition at its leader: where `leaderEpoch` ends there. */
export function endOffsetsForEpochs(cluster: Cluster, queries: readonly EpochQuery[]): Promise<Map<string, LeaderAnswer>> {
  return perLeader(cluster, queries, async (leader, list, currentEpoch) => {
    const response = await cluster.sendTo({ nodeId: leader }, offsetForLeaderEpochApi, () =>
      offsetForLeaderEpochApi.createRequest({
        replicaId: CONSUMER_REPLICA_ID,
        topics: [...groupByTopic(list)].map(([topic, qs]) => ({
          topic,
          partitions: qs.map((q) => ({ partition: q.partition, currentLeaderEpoch: currentEpoch(q), leaderEpoch: q.leaderEpoch })),
        })),
      }),
    )
    const answers = new Map<string, LeaderAnswer>()
    for (const t of response.topics) {
      for (const p of t.partitions) {
        answers.set(partitionKey(t.topic, p.partition), {
          errorCode: p.errorCode,
          offset: p.endOffset,
          leaderEpoch: p.leaderEpoch,
          timestamp: -1n,
        })
      }
    }
    return answers
  })
}
