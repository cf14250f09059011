/**
 * Log directories of brokers: where each replica lives on disk, its size and how far a future
 * replica (one being moved between directories) lags.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, KafkaError } from '../errors.js'
import { describeLogDirsApi } from '../protocol/messages/describe-log-dirs.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

/** A replica stored in a log directory. */
export interface ReplicaInfo {
  readonly topic: string
  readonly partition: number
  /** Bytes on disk. */
  readonly size: bigint
  /**
   * How far this replica is behind: for a future replica, behind the current one in its broker;
   * otherwise behind the partition's high watermark (0 when caught up).
   */
  readonly offsetLag: bigint
  /** True for a replica being moved here from another directory of the same broker. */
  readonly isFuture: boolean
}

/** One log directory of a broker. */
export interface LogDirDescription extends ResourceError {
  /** The directory's absolute path on the broker. */
  readonly path: string
  /** Size of the volume holding the directory; null when the broker does not say (before Kafka 3.3). */
  readonly totalBytes: bigint | null
  /** Free space on that volume; null when the broker does not say. */
  readonly usableBytes: bigint | null
  /** Replicas in the directory, sorted by topic and partition. */
  readonly replicas: readonly ReplicaInfo[]
}

/** The log directories of one broker, or why they could not be read. */
export interface BrokerLogDirs extends ResourceError {
  readonly broker: number
  readonly logDirs: readonly LogDirDescription[]
}

/**
 * Describes the log directories of the given brokers, or of every live broker when `brokers` is
 * omitted, in that order. A broker that cannot be reached before the deadline has its own `error`.
 */
export async function describeLogDirs(
  ctx: AdminContext,
  brokers?: readonly number[],
  options: AdminCallOptions = {},
): Promise<BrokerLogDirs[]> {
  const deadline = ctx.deadline(options)
  let ids = brokers === undefined ? undefined : [...new Set(brokers)]
  if (ids === undefined) {
    const metadata = await ctx.cluster.fetchMetadata([])
    ctx.cluster.applyMetadata(metadata, [])
    ids = metadata.brokers.map((b) => b.nodeId).sort((a, b) => a - b)
  }
  return Promise.all(ids.map((broker) => describeBroker(ctx, broker, deadline)))
}

async function describeBroker(ctx: AdminContext, broker: number, deadline: number): Promise<BrokerLogDirs> {
  try {
    const response = await ctx.send(
      { nodeId: broker },
      describeLogDirsApi,
      () => describeLogDirsApi.createRequest({ topics: null }),
      deadline,
      (r) => {
        if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode)
      },
    )
    const logDirs = response.results
      .map((dir) => ({
        path: dir.logDir,
        error: resourceError(dir.errorCode, null),
        totalBytes: dir.totalBytes < 0n ? null : dir.totalBytes,
        usableBytes: dir.usableBytes < 0n ? null : dir.usableBytes,
        replicas: dir.topics
          .flatMap((t) =>
            t.partitions.map((p) => ({
              topic: t.name,
              partition: p.partitionIndex,
              size: p.partitionSize,
              offsetLag: p.offsetLag,
              isFuture: p.isFutureKey,
            })),
          )
          .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
      }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    return { broker, error: null, logDirs }
  } catch (error) {
    const e = error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
    return { broker, error: e, logDirs: [] }
  }
}
