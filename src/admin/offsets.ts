/**
 * Partition offsets and records: looking offsets up (earliest, latest, by timestamp) and deleting
 * the records before an offset. Both go to each partition's leader.
 */

import { isolationLevelCode, type IsolationLevel } from '../common/isolation-level.js'
import { KafkaBrokerError, KafkaConfigError, KafkaUnsupportedVersionError, type KafkaError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { deleteRecordsApi } from '../protocol/messages/delete-records.js'
import { listOffsetsApi } from '../protocol/messages/list-offsets.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import { sendToLeaders, uniquePartitions, type PartitionOutcome } from './partition-routing.js'
import { groupByTopic } from './topic-partitions.js'


/**
 * Which offset of a partition to look up:
 * - `'earliest'`: the log start offset, the first offset still held;
 * - `'latest'`: the log end offset (the high watermark, or the last stable offset for
 *   `read_committed`), where the next record will be written;
 * - `'maxTimestamp'`: the offset of the record with the largest timestamp (the first such record);
 * - `{ timestamp }`: the first offset whose record timestamp is at or after `timestamp` (ms since
 *   the epoch); offset -1 when no record is that recent.
 */
export type OffsetSpec = 'earliest' | 'latest' | 'maxTimestamp' | { readonly timestamp: number }


/** A partition and the offset to look up in it. */
export interface OffsetQuery extends TopicPartition {
  readonly spec: OffsetSpec
}

export interface ListOffsetsOptions extends AdminCallOptions {
  /** Default `'read_uncommitted'`. With `'read_committed'`, `'latest'` is the last stable offset. */
  isolationLevel?: IsolationLevel
}

/** The outcome for one partition of {@link Admin.listOffsets}. */
export interface ListedOffset extends ResourceError {
  readonly topic: string
  readonly partition: number
  /** The offset found; -1 for a timestamp later than every record's. */
  readonly offset: bigint
  /** Timestamp of the record at `offset` for timestamp lookups, else -1 (ms since the epoch). */
  readonly timestamp: number
  /** Leader epoch of the record at `offset`, or null when the broker did not say. */
  readonly leaderEpoch: number | null
}

/** Records to delete from one partition: everything before `beforeOffset`. */
export interface RecordsToDelete extends TopicPartition {
  /** Records at lower offsets are deleted. -1n means the high watermark: everything. */
  readonly beforeOffset: bigint
}

/** The outcome for one partition of {@link Admin.deleteRecords}. */
export interface DeletedRecords extends ResourceError {
  readonly topic: string
  readonly partition: number
  /** The partition's new log start offset; -1 on error. */
  readonly lowWatermark: bigint
}

// The special timestamps ListOffsets understands.
const EARLIEST = -2n
const LATEST = -1n
const MAX_TIMESTAMP = -3n

/** The ListOffsets timestamp that asks for `spec`. */
export function specTimestamp(spec: OffsetSpec): bigint {
  if (spec === 'earliest') return EARLIEST
  if (spec === 'latest') return LATEST
  if (spec === 'maxTimestamp') return MAX_TIMESTAMP
  if (typeof spec === 'object' && spec !== null && Number.isSafeInteger(spec.timestamp) && spec.timestamp >= 0) {
    return BigInt(spec.timestamp)
  }
  throw new KafkaConfigError(
    `listOffsets: spec ${JSON.stringify(spec)} is not 'earliest', 'latest', 'maxTimestamp' or { timestamp: ms >= 0 }`,
  )
}

/**
 * Looks up offsets in partitions, one request per partition leader; results are in the order
 * asked. A partition may be asked several times with different specs: a request holds each
 * partition once, so each repeat goes in a further request.
 */
export async function listOffsets(
  ctx: AdminContext,
  queries: readonly OffsetQuery[],
  options: ListOffsetsOptions = {},
): Promise<ListedOffset[]> {
  const deadline = ctx.deadline(options)
  const layers: OffsetQuery[][] = []
  const place: Array<[layer: number, index: number]> = []
  const seen = new Map<string, number>()
  for (const q of queries) {
    specTimestamp(q.spec)
    const key = partitionKey(q.topic, q.partition)
    const layer = seen.get(key) ?? 0
    seen.set(key, layer + 1)
    const list = (layers[layer] ??= [])
    place.push([layer, list.length])
    list.push(q)
  }
  const answers = await Promise.all(layers.map((layer) => listOffsetsOnce(ctx, layer, options, deadline)))
  return place.map(([layer, index]) => (answers[layer] as ListedOffset[])[index] as ListedOffset)
}

/** One round of lookups, each partition at most once. */
async function listOffsetsOnce(
  ctx: AdminContext,
  queries: readonly OffsetQuery[],
  options: ListOffsetsOptions,
  deadline: number,
): Promise<ListedOffset[]> {
  const timestamps = new Map<string, bigint>()
  for (const q of queries) timestamps.set(partitionKey(q.topic, q.partition), specTimestamp(q.spec))
  const isolationLevel = isolationLevelCode(options.isolationLevel ?? 'read_uncommitted')

  const send = async (
    leader: number,
    pending: readonly TopicPartition[],
  ): Promise<Map<string, PartitionOutcome<ListedOffset>>> => {
    const response = await ctx.cluster.sendTo(
      { nodeId: leader },
      listOffsetsApi,
      (version) => {
        if (version < 7 && pending.some((q) => timestamps.get(partitionKey(q.topic, q.partition)) === MAX_TIMESTAMP)) {
          throw new KafkaUnsupportedVersionError(`broker ${leader} speaks ListOffsets v${version}; maxTimestamp needs v7`)
        }
        return listOffsetsApi.createRequest({
          replicaId: -1,
          isolationLevel,
          timeoutMs: ctx.remaining(deadline),
          topics: [...groupByTopic(pending)].map(([name, partitions]) => ({
            name,
            partitions: partitions.map((q) => ({
              partitionIndex: q.partition,
              currentLeaderEpoch: -1,
              timestamp: timestamps.get(partitionKey(q.topic, q.partition)) as bigint,
            })),
          })),
        })
      },
      { timeoutMs: ctx.remaining(deadline) + 1000 },
    )
    const outcomes = new Map<string, PartitionOutcome<ListedOffset>>()
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const result: ListedOffset = {
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.errorCode === ErrorCode.NONE ? p.offset : -1n,
          timestamp: p.errorCode === ErrorCode.NONE ? Number(p.timestamp) : -1,
          leaderEpoch: p.errorCode === ErrorCode.NONE && p.leaderEpoch >= 0 ? p.leaderEpoch : null,
          error: resourceError(p.errorCode, null),
        }
        const code = leaderRetryCode(p.errorCode)
        outcomes.set(partitionKey(t.name, p.partitionIndex), { code, message: null, result })
      }
    }
    return outcomes
  }

  const unique = uniquePartitions(queries)
  const results = await sendToLeaders(ctx, unique, { send, failed: failedLookup }, deadline, 'ListOffsets')
  return queries.map((q) => results.get(partitionKey(q.topic, q.partition)) ?? failedLookup(q, noAnswer(q)))
}

function failedLookup(q: TopicPartition, error: KafkaError): ListedOffset {
  return { topic: q.topic, partition: q.partition, offset: -1n, timestamp: -1, leaderEpoch: null, error }
}

/**
 * Deletes the records before the given offsets (the log start offset moves up; the disk space is
 * freed when whole segments fall below it). OFFSET_OUT_OF_RANGE when an offset is past the high
 * watermark; POLICY_VIOLATION on compacted topics. Results are in the order given; a partition
 * given twice is deleted up to its first offset, and both results report it.
 */
export async function deleteRecords(
  ctx: AdminContext,
  requests: readonly RecordsToDelete[],
  options: AdminCallOptions = {},
): Promise<DeletedRecords[]> {
  const deadline = ctx.deadline(options)
  const offsets = new Map<string, bigint>()
  for (const r of requests) {
    const key = partitionKey(r.topic, r.partition)
    if (!offsets.has(key)) offsets.set(key, r.beforeOffset)
  }
  const failed = (r: TopicPartition, error: KafkaError): DeletedRecords => ({
    topic: r.topic,
    partition: r.partition,
    lowWatermark: -1n,
    error,
  })

  const send = async (
    leader: number,
    pending: readonly TopicPartition[],
  ): Promise<Map<string, PartitionOutcome<DeletedRecords>>> => {
    const response = await ctx.cluster.sendTo(
      { nodeId: leader },
      deleteRecordsApi,
      () =>
        deleteRecordsApi.createRequest({
          timeoutMs: ctx.remaining(deadline),
          topics: [...groupByTopic(pending)].map(([name, partitions]) => ({
            name,
            partitions: partitions.map((r) => ({
              partitionIndex: r.partition,
              offset: offsets.get(partitionKey(r.topic, r.partition)) as bigint,
            })),
          })),
        }),
      { timeoutMs: ctx.remaining(deadline) + 1000 },
    )
    const outcomes = new Map<string, PartitionOutcome<DeletedRecords>>()
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const result: DeletedRecords = {
          topic: t.name,
          partition: p.partitionIndex,
          lowWatermark: p.errorCode === ErrorCode.NONE ? p.lowWatermark : -1n,
          error: resourceError(p.errorCode, null),
        }
        const code = leaderRetryCode(p.errorCode)
        outcomes.set(partitionKey(t.name, p.partitionIndex), { code, message: null, result })
      }
    }
    return outcomes
  }

  const results = await sendToLeaders(ctx, uniquePartitions(requests), { send, failed }, deadline, 'DeleteRecords')
  return requests.map((r) => results.get(partitionKey(r.topic, r.partition)) ?? failed(r, noAnswer(r)))
}

function noAnswer(p: TopicPartition): KafkaError {
  return new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `no answer for ${partitionKey(p.topic, p.partition)}`)
}

/**
 * The code under which a partition's outcome goes to the leader routing: partition errors that mean
 * the leader is moving or not ready (an election, a replica catching up, an epoch not yet seen)
 * become NOT_LEADER_OR_FOLLOWER, so the partition is tried again after a metadata refresh. Other
 * codes (OFFSET_OUT_OF_RANGE, POLICY_VIOLATION, authorization) describe the request and settle.
 */
export function leaderRetryCode(code: number): number {
  return LEADER_NOT_READY.has(code) ? ErrorCode.NOT_LEADER_OR_FOLLOWER : code
}

const LEADER_NOT_READY: ReadonlySet<number> = new Set([
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.OFFSET_NOT_AVAILABLE,
])
