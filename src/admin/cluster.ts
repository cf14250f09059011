/**
 * Describing the cluster: its id, its brokers and the controller brokers report.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, KafkaUnsupportedVersionError } from '../errors.js'
import { describeClusterApi } from '../protocol/messages/describe-cluster.js'
import type { AdminCallOptions, AdminContext } from './context.js'

/** A broker of the cluster. */
export interface ClusterNode {
  readonly nodeId: number
  readonly host: string
  readonly port: number
  readonly rack: string | null
  /**
   * True for a broker the controller has fenced (it stopped heartbeating). Fenced brokers are only
   * listed with `includeFencedBrokers`; false when the broker cannot say (before Kafka 4.0).
   */
  readonly isFenced: boolean
}

/** What {@link Admin.describeCluster} reports. */
export interface ClusterDescription {
  /** The cluster id, null when the broker does not know it (very old brokers). */
  readonly clusterId: string | null
  /**
   * The controller as brokers report it, null if none. In KRaft clusters brokers forward
   * controller requests and name one of themselves here, as Java's admin client reports too.
   */
  readonly controller: ClusterNode | null
  /** The brokers, sorted by node id. */
  readonly brokers: readonly ClusterNode[]
}

export interface DescribeClusterOptions extends AdminCallOptions {
  /**
   * Also list brokers the controller has fenced (Kafka 4.0+, DescribeCluster v2). Default false. An
   * older broker cannot: the option is dropped and only live brokers are listed.
   */
  includeFencedBrokers?: boolean
}

/**
 * Describes the cluster with DescribeCluster (Kafka 2.8+), or with a Metadata request where the
 * broker does not support it.
 */
export async function describeCluster(
  ctx: AdminContext,
  options: DescribeClusterOptions = {},
): Promise<ClusterDescription> {
  const deadline = ctx.deadline(options)
  let response
  try {
    response = await ctx.send(
      'any',
      describeClusterApi,
      (version) =>
        describeClusterApi.createRequest({
          includeClusterAuthorizedOperations: false,
          ...(version >= 2 ? { includeFencedBrokers: options.includeFencedBrokers ?? false } : {}),
        }),
      deadline,
      (r) => {
        if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode, r.errorMessage ?? undefined)
      },
    )
  } catch (error) {
    if (error instanceof KafkaUnsupportedVersionError) return fromMetadata(ctx)
    throw error
  }
  const brokers = response.brokers
    .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack, isFenced: b.isFenced }))
    .sort((a, b) => a.nodeId - b.nodeId)
  return {
    clusterId: response.clusterId,
    controller: brokers.find((b) => b.nodeId === response.controllerId) ?? null,
    brokers,
  }
}

async function fromMetadata(ctx: AdminContext): Promise<ClusterDescription> {
  const response = await ctx.cluster.fetchMetadata([])
  ctx.cluster.applyMetadata(response, [])
  const brokers = response.brokers
    .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack, isFenced: false }))
    .sort((a, b) => a.nodeId - b.nodeId)
  return {
    clusterId: response.clusterId,
    controller: brokers.find((b) => b.nodeId === response.controllerId) ?? null,
    brokers,
  }
}
