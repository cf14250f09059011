/**
 * Topic administration: create, delete, list, describe, add partitions.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, KafkaConfigError, KafkaTimeoutError, type KafkaError } from '../errors.js'
import { createPartitionsApi } from '../protocol/messages/create-partitions.js'
import { createTopicsApi } from '../protocol/messages/create-topics.js'
import { deleteTopicsApi } from '../protocol/messages/delete-topics.js'
import type { MetadataResponse } from '../protocol/messages/metadata.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { describeValue } from '../util/options.js'
import { checkCount, checkEntries, checkNames } from './argument-checks.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

/** A topic to create. */
export interface NewTopic {
  topic: string
  /** Default: the broker's `num.partitions` (when `replicaAssignment` is absent). */
  numPartitions?: number
  /** Default: the broker's `default.replication.factor` (when `replicaAssignment` is absent). */
  replicationFactor?: number
  /** Explicit placement: partition → broker ids, leader first. Excludes the two counts. */
  replicaAssignment?: ReadonlyArray<{ partition: number; replicas: readonly number[] }>
  /** Topic configs such as `retention.ms`, `cleanup.policy` or `min.insync.replicas`. */
  configs?: Readonly<Record<string, string>>
}

export interface CreateTopicsOptions extends AdminCallOptions {
  /** Only check that the topics could be created. Default false. */
  validateOnly?: boolean
  /** Wait until every partition of each new topic has a leader. Default true. */
  waitForLeaders?: boolean
}

/** The outcome for one topic of {@link Admin.createTopics}. */
export interface CreateTopicResult extends ResourceError {
  readonly topic: string
  /** Topic id (null on error, or when the broker is too old to say). */
  readonly topicId: string | null
  readonly numPartitions: number
  readonly replicationFactor: number
}

/** What {@link Admin.describeTopics} reports of a partition. */
export interface PartitionDescription {
  readonly partition: number
  /** Leader node id, -1 if none. */
  readonly leader: number
  readonly leaderEpoch: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  readonly offlineReplicas: readonly number[]
  readonly error: KafkaError | null
}

/** The outcome for one topic of {@link Admin.describeTopics}. */
export interface TopicDescription extends ResourceError {
  readonly topic: string
  readonly topicId: string | null
  readonly isInternal: boolean
  readonly partitions: readonly PartitionDescription[]
}

/** The outcome for one topic of {@link Admin.deleteTopics} and {@link Admin.createPartitions}. */
export interface TopicResult extends ResourceError {
  readonly topic: string
}

/** A request to grow a topic to `count` partitions. */
export interface NewPartitions {
  topic: string
  /** The new total number of partitions. */
  count: number
  /** Placement of the added partitions: one broker list per new partition. */
  assignments?: ReadonlyArray<readonly number[]>
}

export async function createTopics(
  ctx: AdminContext,
  topics: readonly NewTopic[],
  options: CreateTopicsOptions = {},
): Promise<CreateTopicResult[]> {
  const deadline = ctx.deadline(options)
  checkNewTopics(topics)
  const byName = new Map(topics.map((t) => [t.topic, t]))
  const results = await ctx.perResource<string, CreateTopicResult>(
    [...byName.keys()],
    async (pending) => {
      const response = await ctx.send('controller', createTopicsApi, () =>
        createTopicsApi.createRequest({
          topics: pending.map((name) => {
            const t = byName.get(name) as NewTopic
            return {
              name,
              numPartitions: t.replicaAssignment === undefined ? (t.numPartitions ?? -1) : -1,
              replicationFactor: t.replicaAssignment === undefined ? (t.replicationFactor ?? -1) : -1,
              assignments: (t.replicaAssignment ?? []).map((a) => ({ partitionIndex: a.partition, brokerIds: a.replicas })),
              configs: Object.entries(t.configs ?? {}).map(([configName, value]) => ({ name: configName, value })),
            }
          }),
          timeoutMs: ctx.remaining(deadline),
          validateOnly: options.validateOnly ?? false,
        }), deadline)
      return new Map(
        response.topics.map((r) => [
          r.name,
          {
            code: r.errorCode,
            message: r.errorMessage,
            result: {
              topic: r.name,
              topicId: r.errorCode === ErrorCode.NONE && r.topicId !== ZERO_UUID ? r.topicId : null,
              numPartitions: r.numPartitions,
              replicationFactor: r.replicationFactor,
              error: resourceError(r.errorCode, r.errorMessage),
            },
          },
        ]),
      )
    },
    (topic, error) => ({ topic, topicId: null, numPartitions: -1, replicationFactor: -1, error }),
    deadline,
    'CreateTopics',
  )
  const ordered = topics.map((t) => results.get(t.topic) ?? missing(t.topic))
  if (options.validateOnly === true || options.waitForLeaders === false) return ordered
  const created = ordered.filter((r) => r.error === null).map((r) => r.topic)
  return withLeaderWait(ctx, ordered, created, deadline)
}

function checkNewTopics(topics: unknown): void {
  checkEntries('createTopics', topics, 'topic')
  for (const t of topics) {
    const name = t.topic as string
    checkCount('createTopics', `numPartitions of ${name}`, t.numPartitions, 1, 0x7fffffff, -1)
    checkCount('createTopics', `replicationFactor of ${name}`, t.replicationFactor, 1, 0x7fff, -1)
    if (t.replicaAssignment !== undefined) {
      if (!Array.isArray(t.replicaAssignment)) {
        throw new KafkaConfigError(`createTopics: replicaAssignment of ${name} must be an array, got ${describeValue(t.replicaAssignment)}`)
      }
      for (const a of t.replicaAssignment as ReadonlyArray<{ partition?: unknown; replicas?: unknown } | null>) {
        if (typeof a !== 'object' || a === null) {
          throw new KafkaConfigError(`createTopics: replicaAssignment of ${name} must hold { partition, replicas }, got ${describeValue(a)}`)
        }
        checkCount('createTopics', `replicaAssignment partition of ${name}`, a.partition, 0, 0x7fffffff)
        if (!Array.isArray(a.replicas) || a.replicas.some((r) => typeof r !== 'number' || !Number.isInteger(r) || r < 0)) {
          throw new KafkaConfigError(`createTopics: replicas of ${name} must be an array of broker ids, got ${describeValue(a.replicas)}`)
        }
      }
    }
    if (t.configs !== undefined) {
      if (typeof t.configs !== 'object' || t.configs === null || Array.isArray(t.configs)) {
        throw new KafkaConfigError(`createTopics: configs of ${name} must be an object of name → string, got ${describeValue(t.configs)}`)
      }
      for (const [key, value] of Object.entries(t.configs)) {
        if (typeof value !== 'string') {
          throw new KafkaConfigError(`createTopics: config ${key} of ${name} must be a string, got ${describeValue(value)}`)
        }
      }
    }
  }
}

function missing(topic: string): CreateTopicResult {
  return {
    topic,
    topicId: null,
    numPartitions: -1,
    replicationFactor: -1,
    error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not answer for topic ${topic}`),
  }
}

// CreateTopics returns once the controller has recorded the topic; the brokers learn of it a moment
// later. Users expect to produce right after creating, so wait until every partition has a leader.
async function withLeaderWait(
  ctx: AdminContext,
  results: CreateTopicResult[],
  created: readonly string[],
  deadline: number,
): Promise<CreateTopicResult[]> {
  let waiting = new Set(created)
  for (let attempt = 0; waiting.size > 0; attempt++) {
    ctx.throwIfAborted()
    const response = await ctx.cluster.fetchMetadata([...waiting])
    ctx.cluster.applyMetadata(response, [...waiting])
    for (const t of response.topics) {
      if (t.name !== null && t.errorCode === ErrorCode.NONE && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0)) {
        waiting.delete(t.name)
      }
    }
    if (waiting.size === 0) break
    if (Date.now() + 100 >= deadline) {
      return results.map((r) =>
        waiting.has(r.topic)
          ? { ...r, error: new KafkaTimeoutError(`topic ${r.topic} was created but has no leader for every partition yet`) }
          : r,
      )
    }
    waiting = new Set(waiting)
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 500)))
  }
  return results
}

export async function deleteTopics(
  ctx: AdminContext,
  topics: readonly string[],
  options: AdminCallOptions = {},
): Promise<TopicResult[]> {
  const deadline = ctx.deadline(options)
  checkNames('deleteTopics', topics, 'topic name')
  const results = await ctx.perResource<string, TopicResult>(
    topics,
    async (pending) => {
      const response = await ctx.send('controller', deleteTopicsApi, (version) =>
        deleteTopicsApi.createRequest(
          version >= 6
            ? { topics: pending.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: ctx.remaining(deadline) }
            : { topicNames: pending, timeoutMs: ctx.remaining(deadline) },
        ), deadline)
      return new Map(
        response.responses.map((r) => [
          r.name ?? '',
          { code: r.errorCode, message: r.errorMessage, result: { topic: r.name ?? '', error: resourceError(r.errorCode, r.errorMessage) } },
        ]),
      )
    },
    (topic, error) => ({ topic, error }),
    deadline,
    'DeleteTopics',
  )
  for (const topic of topics) if (results.get(topic)?.error === null) ctx.cluster.metadata.removeTopic(topic)
  return topics.map((topic) => results.get(topic) ?? { topic, error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${topic}`) })
}

/** Names of the topics in the cluster; internal topics only when asked. */
export async function listTopics(
  ctx: AdminContext,
  options: AdminCallOptions & { includeInternal?: boolean } = {},
): Promise<string[]> {
  const response = await ctx.cluster.fetchMetadata(null)
  ctx.cluster.applyMetadata(response, null)
  return response.topics
    .filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null && (options.includeInternal === true || !t.isInternal))
    .map((t) => t.name as string)
    .sort()
}

export async function describeTopics(
  ctx: AdminContext,
  topics: readonly string[],
  options: AdminCallOptions = {},
): Promise<TopicDescription[]> {
  ctx.deadline(options)
  checkNames('describeTopics', topics, 'topic name')
  const response: MetadataResponse = await ctx.cluster.fetchMetadata(topics)
  ctx.cluster.applyMetadata(response, topics)
  const byName = new Map(response.topics.map((t) => [t.name, t]))
  return topics.map((topic) => {
    const t = byName.get(topic)
    if (t === undefined) {
      return { topic, topicId: null, isInternal: false, partitions: [], error: new KafkaBrokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) }
    }
    return {
      topic,
      topicId: t.topicId === ZERO_UUID ? null : t.topicId,
      isInternal: t.isInternal,
      error: resourceError(t.errorCode, null),
      partitions: [...t.partitions]
        .sort((a, b) => a.partitionIndex - b.partitionIndex)
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          error: resourceError(p.errorCode, null),
        })),
    }
  })
}

export async function createPartitions(
  ctx: AdminContext,
  requests: readonly NewPartitions[],
  options: AdminCallOptions & { validateOnly?: boolean } = {},
): Promise<TopicResult[]> {
  const deadline = ctx.deadline(options)
  checkEntries('createPartitions', requests, 'topic')
  for (const r of requests) checkCount('createPartitions', `count of ${String(r.topic)}`, r.count ?? NaN, 1, 0x7fffffff)
  const byName = new Map(requests.map((r) => [r.topic, r]))
  const results = await ctx.perResource<string, TopicResult>(
    [...byName.keys()],
    async (pending) => {
      const response = await ctx.send('controller', createPartitionsApi, () =>
        createPartitionsApi.createRequest({
          topics: pending.map((name) => {
            const r = byName.get(name) as NewPartitions
            return {
              name,
              count: r.count,
              assignments: r.assignments === undefined ? null : r.assignments.map((brokerIds) => ({ brokerIds })),
            }
          }),
          timeoutMs: ctx.remaining(deadline),
          validateOnly: options.validateOnly ?? false,
        }), deadline)
      return new Map(
        response.results.map((r) => [
          r.name,
          { code: r.errorCode, message: r.errorMessage, result: { topic: r.name, error: resourceError(r.errorCode, r.errorMessage) } },
        ]),
      )
    },
    (topic, error) => ({ topic, error }),
    deadline,
    'CreatePartitions',
  )
  return requests.map((r) => results.get(r.topic) ?? { topic: r.topic, error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${r.topic}`) })
}
