/**
 * Replica placement and leadership: leader elections and partition reassignments. All of these go
 * to the controller (KRaft brokers forward them).
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, type KafkaError } from '../errors.js'
import { alterPartitionReassignmentsApi } from '../protocol/messages/alter-partition-reassignments.js'
import { electLeadersApi } from '../protocol/messages/elect-leaders.js'
import { listPartitionReassignmentsApi } from '../protocol/messages/list-partition-reassignments.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'
import { uniquePartitions } from './partition-routing.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'

/** The kinds of leader election (Java `ElectionType`); the values are the wire values. */
export const ElectionType = {
  /** Move leadership to the first replica of the assignment, if it is in the ISR. */
  PREFERRED: 0,
  /** Elect a replica outside the ISR when no ISR member is alive; may lose committed records. */
  UNCLEAN: 1,
} as const
export type ElectionType = (typeof ElectionType)[keyof typeof ElectionType]

/**
 * The outcome of an election for one partition. A partition already led by its preferred replica
 * reports ELECTION_NOT_NEEDED (`error.code === ErrorCode.ELECTION_NOT_NEEDED`), as Java's admin does;
 * callers that only want the preferred leader in place can treat it as success.
 */
export interface ElectLeadersResult extends ResourceError {
  readonly topic: string
  readonly partition: number
}

/** A reassignment to make: the partition's new replica list, or null to cancel the one in progress. */
export interface PartitionReassignmentRequest {
  topic: string
  partition: number
  /** Target replicas, preferred leader first; null cancels an ongoing reassignment. */
  replicas: readonly number[] | null
}

export interface AlterPartitionReassignmentsOptions extends AdminCallOptions {
  /**
   * Allow a reassignment to change the replication factor (KIP-860). Default true; false needs
   * Kafka 3.9+ (AlterPartitionReassignments v1).
   */
  allowReplicationFactorChange?: boolean
}

/** The outcome for one partition of {@link Admin.alterPartitionReassignments}. */
export interface AlterPartitionReassignmentResult extends ResourceError {
  readonly topic: string
  readonly partition: number
}

/** A reassignment in progress. */
export interface PartitionReassignment {
  readonly topic: string
  readonly partition: number
  /** The current replica set, including those being added and removed. */
  readonly replicas: readonly number[]
  readonly addingReplicas: readonly number[]
  readonly removingReplicas: readonly number[]
}

/**
 * Runs a leader election. With `partitions` undefined (or null) the controller elects for every
 * partition that needs it and reports only those; otherwise every asked partition gets a result,
 * in the order asked.
 */
export async function electLeaders(
  ctx: AdminContext,
  electionType: ElectionType,
  partitions: readonly TopicPartition[] | null | undefined,
  options: AdminCallOptions = {},
): Promise<ElectLeadersResult[]> {
  const deadline = ctx.deadline(options)
  const send = (pending: readonly TopicPartition[] | null) =>
    ctx.send(
      'controller',
      electLeadersApi,
      () =>
        electLeadersApi.createRequest({
          // v0 knows only preferred elections: the encoder rejects UNCLEAN there.
          electionType,
          topicPartitions: pending === null ? null : groupByTopic(pending),
          timeoutMs: ctx.remaining(deadline),
        }),
      deadline,
      throwIfRetriable,
    )

  if (partitions === null || partitions === undefined) {
    const response = await send(null)
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(response.errorCode)
    return response.replicaElectionResults.flatMap((t) =>
      t.partitionResult.map((p) => ({
        topic: t.topic,
        partition: p.partitionId,
        error: resourceError(p.errorCode, p.errorMessage),
      })),
    )
  }

  const unique = uniquePartitions(partitions)
  const results = await ctx.perResource<string, ElectLeadersResult>(
    [...unique.keys()],
    async (pending) => {
      const response = await send(pending.map((key) => unique.get(key) as TopicPartition))
      if (response.errorCode !== ErrorCode.NONE) return everyPending(pending, unique, response.errorCode, null)
      const outcomes = new Map<string, { code: number; message: string | null; result: ElectLeadersResult }>()
      for (const t of response.replicaElectionResults) {
        for (const p of t.partitionResult) {
          outcomes.set(partitionKey(t.topic, p.partitionId), {
            code: p.errorCode,
            message: p.errorMessage,
            result: { topic: t.topic, partition: p.partitionId, error: resourceError(p.errorCode, p.errorMessage) },
          })
        }
      }
      return outcomes
    },
    (key, error) => failedPartition(unique, key, error),
    deadline,
    'ElectLeaders',
  )
  return [...unique.keys()].map((key) => results.get(key) ?? noAnswer(unique, key))
}

/**
 * Starts (or, with `replicas: null`, cancels) partition reassignments. Resolves once the controller
 * has accepted them; the data moves afterwards — watch {@link listPartitionReassignments} until the
 * partition no longer appears. Results are in the order asked.
 */
export async function alterPartitionReassignments(
  ctx: AdminContext,
  reassignments: readonly PartitionReassignmentRequest[],
  options: AlterPartitionReassignmentsOptions = {},
): Promise<AlterPartitionReassignmentResult[]> {
  const deadline = ctx.deadline(options)
  const targets = new Map<string, readonly number[] | null>()
  for (const r of reassignments) targets.set(partitionKey(r.topic, r.partition), r.replicas)
  const unique = uniquePartitions(reassignments)
  const results = await ctx.perResource<string, AlterPartitionReassignmentResult>(
    [...unique.keys()],
    async (pending) => {
      const byTopic = new Map<string, Array<{ partitionIndex: number; replicas: readonly number[] | null }>>()
      for (const key of pending) {
        const p = unique.get(key) as TopicPartition
        let list = byTopic.get(p.topic)
        if (list === undefined) byTopic.set(p.topic, (list = []))
        list.push({ partitionIndex: p.partition, replicas: targets.get(key) ?? null })
      }
      const response = await ctx.send(
        'controller',
        alterPartitionReassignmentsApi,
        () =>
          alterPartitionReassignmentsApi.createRequest({
            timeoutMs: ctx.remaining(deadline),
            allowReplicationFactorChange: options.allowReplicationFactorChange ?? true,
            topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          }),
        deadline,
        throwIfRetriable,
      )
      if (response.errorCode !== ErrorCode.NONE) return everyPending(pending, unique, response.errorCode, response.errorMessage)
      const outcomes = new Map<string, { code: number; message: string | null; result: AlterPartitionReassignmentResult }>()
      for (const t of response.responses) {
        for (const p of t.partitions) {
          outcomes.set(partitionKey(t.name, p.partitionIndex), {
            code: p.errorCode,
            message: p.errorMessage,
            result: { topic: t.name, partition: p.partitionIndex, error: resourceError(p.errorCode, p.errorMessage) },
          })
        }
      }
      return outcomes
    },
    (key, error) => failedPartition(unique, key, error),
    deadline,
    'AlterPartitionReassignments',
  )
  return [...unique.keys()].map((key) => results.get(key) ?? noAnswer(unique, key))
}

/**
 * The reassignments in progress, sorted by topic and partition: of the given partitions, or of the
 * whole cluster when `partitions` is omitted. Rejects when the controller answers with an error.
 */
export async function listPartitionReassignments(
  ctx: AdminContext,
  partitions?: readonly TopicPartition[],
  options: AdminCallOptions = {},
): Promise<PartitionReassignment[]> {
  const deadline = ctx.deadline(options)
  const response = await ctx.send(
    'controller',
    listPartitionReassignmentsApi,
    () =>
      listPartitionReassignmentsApi.createRequest({
        timeoutMs: ctx.remaining(deadline),
        topics:
          partitions === undefined
            ? null
            : groupByTopic([...uniquePartitions(partitions).values()]).map((t) => ({
                name: t.topic,
                partitionIndexes: t.partitions,
              })),
      }),
    deadline,
    (r) => {
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode, r.errorMessage ?? undefined)
    },
  )
  return response.topics
    .flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.name,
        partition: p.partitionIndex,
        replicas: p.replicas,
        addingReplicas: p.addingReplicas,
        removingReplicas: p.removingReplicas,
      })),
    )
    .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
}

function groupByTopic(partitions: readonly TopicPartition[]): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>()
  for (const p of partitions) {
    const list = byTopic.get(p.topic)
    if (list === undefined) byTopic.set(p.topic, [p.partition])
    else list.push(p.partition)
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }))
}

// A top-level error that means "wrong broker, or not ready" is retried as a whole request; any
// other top-level error is the answer for every partition of the request.
function throwIfRetriable(response: { errorCode: number }): void {
  if (response.errorCode === ErrorCode.NONE) return
  const error = new KafkaBrokerError(response.errorCode)
  if (error.retriable) throw error
}

type PartitionResult = ResourceError & TopicPartition

function everyPending(
  pending: readonly string[],
  unique: ReadonlyMap<string, TopicPartition>,
  code: number,
  message: string | null,
): Map<string, { code: number; message: string | null; result: PartitionResult }> {
  return new Map(
    pending.map((key) => [key, { code, message, result: failedPartition(unique, key, resourceError(code, message)) }]),
  )
}

function failedPartition(
  unique: ReadonlyMap<string, TopicPartition>,
  key: string,
  error: KafkaError | null,
): PartitionResult {
  const p = unique.get(key) as TopicPartition
  return { topic: p.topic, partition: p.partition, error }
}

function noAnswer(unique: ReadonlyMap<string, TopicPartition>, key: string): PartitionResult {
  return failedPartition(unique, key, new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the controller did not answer for ${key}`))
}
