/**
 * What the transaction manager is connected to: coordinators ({@link TransactionIo}: one request
 * to the current coordinator of a transactional id or group, at a version it may cap, plus what
 * the cluster's ApiVersions say about transactions), the holder of the producer id, and the
 * producer's buffers and sender ({@link TransactionManagerOptions}). Interfaces, so that the state
 * machine can be tested without a broker.
 */

import type { Cluster, CoordinatorType } from '../cluster/cluster.js'
import { KafkaUnsupportedVersionError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { initProducerIdApi } from '../protocol/messages/init-producer-id.js'

/** Which coordinator a request goes to. */
export interface CoordinatorKey {
  readonly type: CoordinatorType
  readonly key: string
}

/** A cluster's finalized `transaction.version` and the features epoch it was read at. */
export interface TransactionVersionReading {
  readonly level: number
  /** Epoch of the finalized features; -1n when no broker reported them yet. */
  readonly epoch: bigint
}

export interface TransactionIo {
  /**
   * Sends one request to the coordinator, at the highest version both sides support but at most
   * `maxVersion`. Throws KafkaNetworkError or KafkaTimeoutError when the coordinator could not be
   * reached or did not answer, and the FindCoordinator error when the lookup itself failed.
   */
  request<Req, Res>(
    coordinator: CoordinatorKey,
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number,
  ): Promise<Res>
  /** Forgets the cached coordinator, so that the next request looks it up again. */
  forgetCoordinator(coordinator: CoordinatorKey): void
  /** The newest `transaction.version` any connected broker reported. */
  transactionVersion(): TransactionVersionReading
  /** Whether the transaction coordinator accepts InitProducerId v3+, which bumps an epoch (KIP-360). */
  coordinatorSupportsEpochBump(transactionalId: string): boolean
}

/** Where the producer id and epoch live; the sender stamps batches from it. */
export interface ProducerIdHolder {
  readonly producerId: bigint
  readonly epoch: number
  adopt(producerId: bigint, epoch: number): void
}

export interface TransactionManagerOptions {
  readonly transactionalId: string
  readonly transactionTimeoutMs: number
  readonly retryBackoffMs: number
  readonly io: TransactionIo
  readonly identity: ProducerIdHolder
  /** Resolves once every record accepted so far has been delivered or failed. */
  readonly whenBuffersEmpty: () => Promise<void>
  /** Tells the sender to look again: partitions were added, or batches must be failed. */
  readonly wakeSender: () => void
  /** Every partition's next batch starts a new sequence (the producer id or epoch changed). */
  readonly resetSequences: () => void
  /** Waits between retries; tests replace it. */
  readonly sleep?: (ms: number) => Promise<void>
}

/** The {@link TransactionIo} of a real cluster. */
export function clusterTransactionIo(cluster: Cluster, requestTimeoutMs: number): TransactionIo {
  // The node each coordinator was last reached at, to read its ApiVersions.
  const lastNode = new Map<string, number>()
  return {
    async request(coordinator, api, build, maxVersion) {
      const nodeId = await cluster.coordinator(coordinator.type, coordinator.key)
      lastNode.set(`${coordinator.type}:${coordinator.key}`, nodeId)
      let address = `node ${nodeId}`
      return cluster.sendTo(
        { nodeId },
        api,
        (version) => {
          if (version < api.minVersion) {
            throw new KafkaUnsupportedVersionError(`broker ${address} cannot take ${api.name} at v${maxVersion} or lower`)
          }
          return build(version)
        },
        {
          timeoutMs: requestTimeoutMs,
          maxVersion,
          onConnection: (connection) => {
            address = connection.address
          },
        },
      )
    },
    forgetCoordinator(coordinator) {
      cluster.forgetCoordinator(coordinator.type, coordinator.key)
    },
    transactionVersion() {
      // Features are cluster-wide; the reading with the highest epoch is the newest.
      let best: TransactionVersionReading = { level: 0, epoch: -1n }
      for (const broker of cluster.metadata.brokers.values()) {
        const versions = cluster.versionsOf(broker)
        if (versions !== undefined && versions.featuresEpoch > best.epoch) {
          best = { level: versions.feature('transaction.version'), epoch: versions.featuresEpoch }
        }
      }
      return best
    },
    coordinatorSupportsEpochBump(transactionalId) {
      const nodeId = lastNode.get(`transaction:${transactionalId}`)
      const broker = nodeId === undefined ? undefined : cluster.metadata.broker(nodeId)
      const range = broker === undefined ? undefined : cluster.versionsOf(broker)?.range(initProducerIdApi.key)
      return range !== undefined && range.max >= 3
    },
  }
}
