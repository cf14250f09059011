/**
 * A consumer group's committed offsets: read them (OffsetFetch), set them (OffsetCommit as an
 * admin, outside any generation), delete them (OffsetDelete), and reset them to the earliest,
 * latest or a timestamp's offsets as Kafka's `kafka-consumer-groups --reset-offsets` does.
 *
 * Each call acts on one group. A group-level error (GROUP_AUTHORIZATION_FAILED, GROUP_ID_NOT_FOUND
 * for OffsetDelete …) rejects the call with a KafkaBrokerError, since the group is the call's one
 * resource; partition-level errors are in each partition's result.
 */

import type { TopicInfo } from '../cluster/metadata-cache.js'
import { KafkaBrokerError, KafkaStateError, KafkaUnsupportedVersionError, type KafkaError } from '../errors.js'
import { offsetCommitApi } from '../protocol/messages/offset-commit.js'
import { offsetDeleteApi } from '../protocol/messages/offset-delete.js'
import { offsetFetchApi, type OffsetFetchResponse } from '../protocol/messages/offset-fetch.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'
import { coordinatorOf, isCoordinatorMoved, throwGroupError } from './group-coordinators.js'
import { describeGroups, GroupState } from './groups.js'
import { listOffsets } from './offsets.js'
import { uniquePartitions } from './partition-routing.js'
import { freshTopicMetadata, groupByTopic, type FreshTopics } from './topic-partitions.js'
import { compareTopicPartitions, partitionKey, type TopicPartition } from '../common/topic-partition.js'

export interface ListConsumerGroupOffsetsOptions extends AdminCallOptions {
  /** Only these partitions. Default: every partition the group has committed offsets for. */
  partitions?: readonly TopicPartition[]
  /**
   * Wait for pending transactional offset commits to complete or abort instead of reporting the
   * last stable ones (OffsetFetch v7+). Default false.
   */
  requireStable?: boolean
}

/** A partition's committed offset, as {@link Admin.listConsumerGroupOffsets} reports it. */
export interface CommittedOffset extends ResourceError {
  readonly topic: string
  readonly partition: number
  /** The committed offset: the next record the group will read. Null when none is committed. */
  readonly offset: bigint | null
  /** Leader epoch of the last record consumed, when the committer said. */
  readonly leaderEpoch: number | null
  /** The metadata string stored with the offset. */
  readonly metadata: string | null
}

/** An offset to store for a partition. */
export interface OffsetToCommit extends TopicPartition {
  readonly offset: bigint
  /** Leader epoch of the record before `offset`, if known; it lets consumers detect log truncation. */
  readonly leaderEpoch?: number
  /** A string stored with the offset. Default empty. */
  readonly metadata?: string
}

/** The outcome for one partition of {@link Admin.alterConsumerGroupOffsets} and {@link Admin.deleteConsumerGroupOffsets}. */
export interface PartitionResult extends ResourceError {
  readonly topic: string
  readonly partition: number
}

/** Where {@link Admin.resetConsumerGroupOffsets} moves a group: a partition's first or next offset, or a time. */
export type ResetTarget = 'earliest' | 'latest' | { readonly timestamp: number }

export interface ResetConsumerGroupOffsetsOptions extends AdminCallOptions {
  /** Only these partitions of the topic. Default: all. */
  partitions?: readonly number[]
}

/** The outcome for one partition of {@link Admin.resetConsumerGroupOffsets}. */
export interface ResetOffsetResult extends ResourceError {
  readonly topic: string
  readonly partition: number
  /** The offset the group was moved to; -1 when the partition failed. */
  readonly offset: bigint
}

/**
 * Reads a group's committed offsets, sorted by topic and partition. Asked for given partitions,
 * it answers for each of them (offset null when none is committed); a partition of a topic that
 * does not exist gets UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function listConsumerGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  options: ListConsumerGroupOffsetsOptions = {},
): Promise<CommittedOffset[]> {
  const deadline = ctx.deadline(options)
  const asked = options.partitions === undefined ? null : [...uniquePartitions(options.partitions).values()]
  const results: CommittedOffset[] = []
  let askable: TopicPartition[] | null = null
  let fresh: FreshTopics | null = null
  if (asked !== null) {
    fresh = await freshTopicMetadata(ctx, asked.map((p) => p.topic))
    askable = []
    for (const tp of asked) {
      const code = partitionProblem(fresh, tp)
      if (code === ErrorCode.NONE) askable.push(tp)
      else results.push(noOffset(tp, resourceError(code, null)))
    }
    if (askable.length === 0) return results.sort(compareTopicPartitions)
  }

  const response = await ctx.send(
    coordinatorOf(ctx, groupId),
    offsetFetchApi,
    (version) => offsetFetchRequest(version, groupId, askable, fresh, options.requireStable ?? false),
    deadline,
    (r) => checkOffsetFetch(r),
  )
  const partitions = await fetchedPartitions(ctx, response)
  const found = new Map(partitions.map((p) => [partitionKey(p.topic, p.partition), p]))
  if (askable === null) {
    results.push(...partitions)
  } else {
    for (const tp of askable) results.push(found.get(partitionKey(tp.topic, tp.partition)) ?? noOffset(tp, null))
  }
  return results.sort(compareTopicPartitions)
}

function offsetFetchRequest(
  version: number,
  groupId: string,
  partitions: readonly TopicPartition[] | null,
  fresh: FreshTopics | null,
  requireStable: boolean,
): ReturnType<typeof offsetFetchApi.createRequest> {
  if (partitions === null && version < 2) {
    throw new KafkaUnsupportedVersionError(`OffsetFetch v${version} cannot ask for every partition of a group`)
  }
  const topics =
    partitions === null
      ? null
      : [...groupByTopic(partitions)].map(([name, list]) => ({
          name,
          topicId: fresh?.known.get(name)?.topicId ?? ZERO_UUID,
          partitionIndexes: list.map((p) => p.partition),
        }))
  const stable = version >= 7 && requireStable
  if (version >= 8) {
    return offsetFetchApi.createRequest({
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics }],
      requireStable: stable,
    })
  }
  return offsetFetchApi.createRequest({ groupId, topics, requireStable: stable })
}

function checkOffsetFetch(response: OffsetFetchResponse): void {
  const group = response.groups[0]
  throwGroupError(group?.errorCode ?? response.errorCode, null)
  const topics = group?.topics ?? response.topics
  // Offsets of a transaction still in flight: Java's admin waits for it to end.
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) throwGroupError(p.errorCode, null)
    }
  }
}

/** A topic of an OffsetFetch response, whichever version answered. */
interface FetchedTopic {
  readonly name: string
  readonly topicId?: string
  readonly partitions: OffsetFetchResponse['topics'][number]['partitions']
}

async function fetchedPartitions(ctx: AdminContext, response: OffsetFetchResponse): Promise<CommittedOffset[]> {
  const group = response.groups[0]
  // v8+ answer per group; v10 names topics by id only.
  const topics: ReadonlyArray<FetchedTopic> = group?.topics ?? response.topics
  const nameOf = (t: FetchedTopic): string | undefined =>
    t.name !== '' ? t.name : t.topicId === undefined ? undefined : ctx.cluster.metadata.topicName(t.topicId)
  if (topics.some((t) => nameOf(t) === undefined)) {
    ctx.cluster.applyMetadata(await ctx.cluster.fetchMetadata(null), null)
  }
  const out: CommittedOffset[] = []
  for (const t of topics) {
    const topic = nameOf(t)
    // Offsets of a topic that has been deleted since: the broker has no name left for it either.
    if (topic === undefined) continue
    for (const p of t.partitions) {
      out.push({
        topic,
        partition: p.partitionIndex,
        offset: p.errorCode === ErrorCode.NONE && p.committedOffset >= 0n ? p.committedOffset : null,
        leaderEpoch: p.errorCode === ErrorCode.NONE && p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : null,
        metadata: p.errorCode === ErrorCode.NONE ? p.metadata : null,
        error: resourceError(p.errorCode, null),
      })
    }
  }
  return out
}

/**
 * Sets a group's committed offsets, as an admin rather than a member (generation -1, no member
 * id). The coordinator accepts this only while the group has no members: otherwise each partition
 * fails (UNKNOWN_MEMBER_ID for a classic group). Results are in the order given.
 */
export async function alterConsumerGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  options: AdminCallOptions = {},
): Promise<PartitionResult[]> {
  const deadline = ctx.deadline(options)
  const byKey = new Map<string, OffsetToCommit>()
  for (const o of offsets) byKey.set(partitionKey(o.topic, o.partition), o)
  const settled = new Map<string, PartitionResult>()
  const fresh = await freshTopicMetadata(ctx, offsets.map((o) => o.topic))
  const sendable: string[] = []
  for (const [key, o] of byKey) {
    const code = partitionProblem(fresh, o)
    if (code === ErrorCode.NONE) sendable.push(key)
    else settled.set(key, { topic: o.topic, partition: o.partition, error: resourceError(code, null) })
  }
  const failed = (key: string, error: KafkaError): PartitionResult => {
    const o = byKey.get(key) as OffsetToCommit
    return { topic: o.topic, partition: o.partition, error }
  }

  const committed = await ctx.perResource<string, PartitionResult>(
    sendable,
    async (pending) => {
      const toSend = pending.map((key) => byKey.get(key) as OffsetToCommit)
      const response = await ctx.send(
        coordinatorOf(ctx, groupId),
        offsetCommitApi,
        () =>
          offsetCommitApi.createRequest({
            groupId,
            generationIdOrMemberEpoch: -1,
            memberId: '',
            groupInstanceId: null,
            retentionTimeMs: -1n,
            topics: [...groupByTopic(toSend)].map(([name, list]) => ({
              name,
              topicId: (fresh.known.get(name) as TopicInfo).topicId,
              partitions: list.map((o) => ({
                partitionIndex: o.partition,
                committedOffset: o.offset,
                committedLeaderEpoch: o.leaderEpoch ?? -1,
                committedMetadata: o.metadata ?? '',
              })),
            })),
          }),
        deadline,
      )
      const outcomes = new Map<string, { code: number; message: string | null; result: PartitionResult }>()
      for (const t of response.topics) {
        const topic = t.name !== '' ? t.name : topicById(fresh, t.topicId)
        if (topic === undefined) continue
        for (const p of t.partitions) {
          if (isCoordinatorMoved(p.errorCode)) ctx.cluster.forgetCoordinator('group', groupId)
          const key = partitionKey(topic, p.partitionIndex)
          outcomes.set(key, {
            code: p.errorCode,
            message: null,
            result: { topic, partition: p.partitionIndex, error: resourceError(p.errorCode, null) },
          })
        }
      }
      return outcomes
    },
    failed,
    deadline,
    `OffsetCommit for group ${groupId}`,
  )
  for (const [key, result] of committed) settled.set(key, result)
  return offsets.map(
    (o) =>
      settled.get(partitionKey(o.topic, o.partition)) ?? { topic: o.topic, partition: o.partition, error: noAnswer(o) },
  )
}

/**
 * Deletes a group's committed offsets for partitions. The coordinator refuses
 * (GROUP_SUBSCRIBED_TO_TOPIC) for topics the group's members are subscribed to. Topics are sent by
 * name without checking they exist, so offsets left behind by a deleted topic can be removed.
 * Results are in the order given.
 */
export async function deleteConsumerGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  partitions: readonly TopicPartition[],
  options: AdminCallOptions = {},
): Promise<PartitionResult[]> {
  const deadline = ctx.deadline(options)
  const unique = [...uniquePartitions(partitions).values()]
  if (unique.length === 0) return []
  const response = await ctx.send(
    coordinatorOf(ctx, groupId),
    offsetDeleteApi,
    () =>
      offsetDeleteApi.createRequest({
        groupId,
        topics: [...groupByTopic(unique)].map(([name, list]) => ({
          name,
          partitions: list.map((p) => ({ partitionIndex: p.partition })),
        })),
      }),
    deadline,
    (r) => throwGroupError(r.errorCode, null),
  )
  const codes = new Map<string, number>()
  for (const t of response.topics) {
    for (const p of t.partitions) codes.set(partitionKey(t.name, p.partitionIndex), p.errorCode)
  }
  return partitions.map((p) => {
    const code = codes.get(partitionKey(p.topic, p.partition))
    return {
      topic: p.topic,
      partition: p.partition,
      error: code === undefined ? noAnswer(p) : resourceError(code, null),
    }
  })
}

/**
 * Moves a group's committed offsets for a topic (all its partitions, or `options.partitions`) to
 * the earliest or latest offsets, or to the first offsets at or after a timestamp (the latest
 * offset where no record is that recent), like `kafka-consumer-groups --reset-offsets`. The group
 * must have no members: otherwise the call rejects with a KafkaStateError and nothing changes. A
 * topic that does not exist rejects with UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function resetConsumerGroupOffsets(
  ctx: AdminContext,
  groupId: string,
  topic: string,
  to: ResetTarget,
  options: ResetConsumerGroupOffsetsOptions = {},
): Promise<ResetOffsetResult[]> {
  const deadline = ctx.deadline(options)
  const within = (): AdminCallOptions => ({ timeoutMs: Math.max(1, deadline - Date.now()) })
  const [group] = await describeGroups(ctx, [groupId], within())
  if (group?.error != null && group.error.code !== ErrorCode.GROUP_ID_NOT_FOUND) throw group.error
  if (group?.error === null && group.state !== GroupState.EMPTY && group.state !== GroupState.DEAD) {
    throw new KafkaStateError(
      `offsets of group ${groupId} can only be reset while it has no members; ` +
        `it is ${group.state} with ${group.members.length} member(s)`,
    )
  }

  const fresh = await freshTopicMetadata(ctx, [topic])
  const info = fresh.known.get(topic)
  if (info === undefined) {
    const code = fresh.errors.get(topic) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    throw new KafkaBrokerError(code, `topic ${topic} does not exist`)
  }
  const partitions = options.partitions ?? info.partitions.map((p) => p.partition)

  const targets = await listOffsets(ctx, partitions.map((partition) => ({ topic, partition, spec: to })), within())
  // No record at or after the timestamp: the group starts after the last record, as Kafka's tool does.
  let latest = new Map<number, bigint>()
  const beyondLastRecord = targets.filter((t) => t.error === null && t.offset < 0n)
  if (beyondLastRecord.length > 0) {
    const ends = await listOffsets(
      ctx,
      beyondLastRecord.map((t) => ({ topic, partition: t.partition, spec: 'latest' as const })),
      within(),
    )
    latest = new Map(ends.filter((e) => e.error === null).map((e) => [e.partition, e.offset]))
  }

  const results = new Map<number, ResetOffsetResult>()
  const toCommit: OffsetToCommit[] = []
  for (const t of targets) {
    const offset = t.error === null ? (t.offset >= 0n ? t.offset : latest.get(t.partition)) : undefined
    if (offset === undefined) {
      const error = t.error ?? new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `no end offset for ${partitionKey(topic, t.partition)}`)
      results.set(t.partition, { topic, partition: t.partition, offset: -1n, error })
    } else {
      toCommit.push({ topic, partition: t.partition, offset })
    }
  }
  const committed = await alterConsumerGroupOffsets(ctx, groupId, toCommit, within())
  committed.forEach((c, i) => {
    const offset = (toCommit[i] as OffsetToCommit).offset
    results.set(c.partition, { topic, partition: c.partition, offset: c.error === null ? offset : -1n, error: c.error })
  })
  return partitions.map((p) => results.get(p) as ResetOffsetResult)
}

/** 0 when the partition exists, else the error code to report for it. */
function partitionProblem(fresh: FreshTopics, tp: TopicPartition): number {
  const code = fresh.errors.get(tp.topic)
  if (code !== undefined) return code
  const partitions = fresh.known.get(tp.topic)?.partitions.length ?? 0
  return tp.partition >= 0 && tp.partition < partitions ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
}

function topicById(fresh: FreshTopics, topicId: string): string | undefined {
  for (const [name, info] of fresh.known) if (info.topicId === topicId) return name
  return undefined
}

function noOffset(tp: TopicPartition, error: KafkaError | null): CommittedOffset {
  return { topic: tp.topic, partition: tp.partition, offset: null, leaderEpoch: null, metadata: null, error }
}

function noAnswer(p: TopicPartition): KafkaError {
  return new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the coordinator did not answer for ${partitionKey(p.topic, p.partition)}`)
}
