/**
 * Routing of per-partition admin requests to partition leaders: one request per leader per round,
 * with partitions whose leader moved (or was unreachable) tried again after a metadata refresh.
 */

import { KafkaBrokerError, KafkaError } from '../errors.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import type { AdminContext, ResourceError } from './context.js'
import { ErrorCode } from '../protocol/error-codes.js'

/** What a round learnt of one partition: its code decides whether it settles or goes again. */
export interface PartitionOutcome<R> {
  code: number
  message: string | null
  result: R
}

/** Partitions without duplicates, keyed by {@link partitionKey}, in first-seen order. */
export function uniquePartitions(partitions: readonly TopicPartition[]): Map<string, TopicPartition> {
  const unique = new Map<string, TopicPartition>()
  for (const p of partitions) {
    unique.set(partitionKey(p.topic, p.partition), { topic: p.topic, partition: p.partition })
  }
  return unique
}

export interface LeaderRoundOptions<R extends ResourceError> {
  /** Sends the request for `partitions` to broker `nodeId` and reads the per-partition outcomes. */
  send: (nodeId: number, partitions: readonly TopicPartition[]) => Promise<Map<string, PartitionOutcome<R>>>
  /** The result of a partition that failed with `error`. */
  failed: (partition: TopicPartition, error: KafkaError) => R
  /**
   * Send every partition to this broker instead of its leader (Java's `brokerId` option). Its
   * answers, and a failure to reach it, are then final rather than retried.
   */
  brokerId?: number
}

/**
 * Sends a per-partition request to each partition's leader, one request per broker, in rounds of
 * {@link AdminContext.perResource}. A partition whose topic does not exist settles with
 * ErrorCode.UNKNOWN_TOPIC_OR_PARTITION; one without a leader, or whose leader answered ErrorCode.NOT_LEADER_OR_FOLLOWER
 * or could not be reached, goes into the next round after a metadata refresh.
 */
export async function sendToLeaders<R extends ResourceError>(
  ctx: AdminContext,
  partitions: ReadonlyMap<string, TopicPartition>,
  options: LeaderRoundOptions<R>,
  deadline: number,
  what: string,
): Promise<Map<string, R>> {
  await ctx.cluster.ensureMetadata([...new Set([...partitions.values()].map((p) => p.topic))])
  return ctx.perResource<string, R>(
    [...partitions.keys()],
    async (pending) => {
      const outcomes = new Map<string, PartitionOutcome<R>>()
      const byBroker = new Map<number, TopicPartition[]>()
      for (const key of pending) {
        const p = partitions.get(key) as TopicPartition
        const nodeId = options.brokerId ?? leaderOf(ctx, p, outcomes, key, options.failed)
        if (nodeId === undefined) continue
        let group = byBroker.get(nodeId)
        if (group === undefined) byBroker.set(nodeId, (group = []))
        group.push(p)
      }
      await Promise.all(
        [...byBroker].map(async ([nodeId, group]) => {
          let answered: Map<string, PartitionOutcome<R>>
          try {
            answered = await options.send(nodeId, group)
          } catch (error) {
            const e = error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
            // An unreachable leader has probably lost its partitions: look again after a refresh,
            // unless the caller pinned the broker. Anything else is final: code 0 settles it, the
            // result carries the error.
            const retry = e.retriable && options.brokerId === undefined
            for (const p of group) {
              outcomes.set(partitionKey(p.topic, p.partition), {
                code: retry ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0,
                message: e.message,
                result: options.failed(p, e),
              })
            }
            return
          }
          for (const p of group) {
            const key = partitionKey(p.topic, p.partition)
            const outcome = answered.get(key)
            if (outcome === undefined) {
              const e = new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `broker ${nodeId} did not answer for ${key}`)
              outcomes.set(key, { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: e.message, result: options.failed(p, e) })
            } else if (options.brokerId !== undefined) {
              // A pinned broker's answer is final, ErrorCode.NOT_LEADER_OR_FOLLOWER included: asking it again
              // would get the same. ErrorCode.NONE settles it; the result carries the error.
              outcomes.set(key, { ...outcome, code: ErrorCode.NONE })
            } else if (outcome.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
              // The leader has not heard of a partition our metadata knows: it is brand new or
              // just moved. The next round decides with fresh metadata.
              outcomes.set(key, { ...outcome, code: ErrorCode.NOT_LEADER_OR_FOLLOWER })
            } else {
              outcomes.set(key, outcome)
            }
          }
        }),
      )
      return outcomes
    },
    (key, error) => options.failed(partitions.get(key) as TopicPartition, error),
    deadline,
    what,
  )
}

function leaderOf<R extends ResourceError>(
  ctx: AdminContext,
  p: TopicPartition,
  outcomes: Map<string, PartitionOutcome<R>>,
  key: string,
  failed: (partition: TopicPartition, error: KafkaError) => R,
): number | undefined {
  const topic = ctx.cluster.metadata.topic(p.topic)
  const info = topic?.partitions[p.partition]
  if (topic === undefined || info === undefined) {
    const e = new KafkaBrokerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${p.topic} has no partition ${p.partition}`)
    outcomes.set(key, { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: e.message, result: failed(p, e) })
    return undefined
  }
  if (info.leader < 0) {
    const e = new KafkaBrokerError(ErrorCode.LEADER_NOT_AVAILABLE, `${key} has no leader right now`)
    outcomes.set(key, { code: ErrorCode.LEADER_NOT_AVAILABLE, message: e.message, result: failed(p, e) })
    return undefined
  }
  return info.leader
}
