/**
 * Running a per-partition admin request (ListOffsets, DeleteRecords) against each partition's
 * leader: one request per leader per round, partitions whose leader moved retried in the next
 * round after a metadata refresh, every other outcome settled on the spot.
 */

import { KafkaBrokerError, KafkaError, KafkaTimeoutError } from '../errors.js'
import { backoffMs } from '../util/backoff.js'
import type { AdminContext, ResourceError } from './context.js'
import { freshTopicMetadata, partitionKey, type TopicPartition } from './topic-partitions.js'

/** A leader's answer for one partition: its error code (0 if none) and the result it makes. */
export interface LeaderOutcome<R> {
  readonly code: number
  readonly message: string | null
  readonly result: R
}

/**
 * Sends `items` to their leaders. `send` gets a leader's node id and its partitions and returns
 * the outcome per {@link partitionKey}; it must send one request and not retry, since rounds do.
 * Results come back in the order of `items`.
 */
export async function perPartitionLeader<P extends TopicPartition, R extends ResourceError>(
  ctx: AdminContext,
  items: readonly P[],
  send: (leader: number, items: readonly P[]) => Promise<Map<string, LeaderOutcome<R>>>,
  failed: (item: P, error: KafkaError) => R,
  deadline: number,
  what: string,
): Promise<R[]> {
  const byKey = new Map<string, P>()
  for (const item of items) {
    const key = partitionKey(item.topic, item.partition)
    if (!byKey.has(key)) byKey.set(key, item)
  }
  const settled = new Map<string, R>()
  let pending = [...byKey.entries()]

  for (let attempt = 0; pending.length > 0; attempt++) {
    const outcomes = await leaderRound(ctx, pending, send, failed)
    const retryLater: Array<[string, P]> = []
    const delay = backoffMs(attempt, ctx.cluster.options.retryBackoff)
    for (const [key, item] of pending) {
      const outcome = outcomes.get(key) ?? {
        code: -1,
        message: null,
        result: failed(item, new KafkaBrokerError(-1, `the leader did not answer for ${key}`)),
      }
      if (!RETRY_PER_PARTITION.has(outcome.code)) {
        settled.set(key, outcome.result)
      } else if (Date.now() + delay < deadline) {
        retryLater.push([key, item])
      } else {
        const cause = new KafkaBrokerError(outcome.code, outcome.message ?? undefined)
        settled.set(key, failed(item, new KafkaTimeoutError(`${what} for ${key}: ${cause.message}`, { cause })))
      }
    }
    pending = retryLater
    if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, delay))
  }
  return items.map((item) => settled.get(partitionKey(item.topic, item.partition)) as R)
}

async function leaderRound<P extends TopicPartition, R extends ResourceError>(
  ctx: AdminContext,
  pending: ReadonlyArray<[string, P]>,
  send: (leader: number, items: readonly P[]) => Promise<Map<string, LeaderOutcome<R>>>,
  failed: (item: P, error: KafkaError) => R,
): Promise<Map<string, LeaderOutcome<R>>> {
  const outcomes = new Map<string, LeaderOutcome<R>>()
  const settle = (key: string, item: P, code: number, message: string | null, error?: KafkaError): void => {
    outcomes.set(key, { code, message, result: failed(item, error ?? new KafkaBrokerError(code, message ?? undefined)) })
  }

  let fresh
  try {
    fresh = await freshTopicMetadata(ctx, pending.map(([, item]) => item.topic))
  } catch (error) {
    const e = asKafkaError(error)
    for (const [key, item] of pending) settle(key, item, -1, e.message, e)
    return outcomes
  }

  const byLeader = new Map<number, Array<[string, P]>>()
  for (const entry of pending) {
    const [key, item] = entry
    const topicError = fresh.errors.get(item.topic)
    if (topicError !== undefined) {
      settle(key, item, topicError, null)
      continue
    }
    const partition = fresh.known.get(item.topic)?.partitions[item.partition]
    if (partition === undefined || item.partition < 0) {
      settle(key, item, UNKNOWN_TOPIC_OR_PARTITION, `topic ${item.topic} has no partition ${item.partition}`)
      continue
    }
    if (partition.leader < 0) {
      settle(key, item, LEADER_NOT_AVAILABLE, `partition ${key} has no leader`)
      continue
    }
    const list = byLeader.get(partition.leader)
    if (list === undefined) byLeader.set(partition.leader, [entry])
    else list.push(entry)
  }

  await Promise.all(
    [...byLeader].map(async ([leader, entries]) => {
      try {
        const answers = await send(leader, entries.map(([, item]) => item))
        for (const [key] of entries) {
          const answer = answers.get(key)
          if (answer === undefined) continue
          // Metadata has just said the partition exists: a leader that does not know it lags behind.
          outcomes.set(
            key,
            answer.code === UNKNOWN_TOPIC_OR_PARTITION
              ? { ...answer, code: NOT_LEADER_OR_FOLLOWER, message: answer.message ?? `the leader of ${key} does not know it yet` }
              : answer,
          )
        }
      } catch (error) {
        const e = asKafkaError(error)
        // A lost or timed-out connection to this leader: the partitions may have moved; look again.
        const code = e.retriable ? NOT_LEADER_OR_FOLLOWER : -1
        for (const [key, item] of entries) settle(key, item, code, e.message, e)
      }
    }),
  )
  return outcomes
}

function asKafkaError(error: unknown): KafkaError {
  return error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
}

const UNKNOWN_TOPIC_OR_PARTITION = 3
const LEADER_NOT_AVAILABLE = 5
const NOT_LEADER_OR_FOLLOWER = 6

/**
 * Partition error codes worth another round: the leader moved or is not ready (an election, a
 * replica catching up, an epoch not yet seen), or the broker asked us to slow down. Anything else
 * (OFFSET_OUT_OF_RANGE, POLICY_VIOLATION, authorization) describes the request and is reported.
 */
const RETRY_PER_PARTITION: ReadonlySet<number> = new Set([
  LEADER_NOT_AVAILABLE,
  NOT_LEADER_OR_FOLLOWER,
  7, // REQUEST_TIMED_OUT
  9, // REPLICA_NOT_AVAILABLE
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  76, // UNKNOWN_LEADER_EPOCH
  78, // OFFSET_NOT_AVAILABLE
  89, // THROTTLING_QUOTA_EXCEEDED
])
