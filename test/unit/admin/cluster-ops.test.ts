/**
 * Routing and retry decisions of the cluster operations, against a Cluster whose sends are
 * scripted: what a broker too old for DescribeCluster gets, which top-level errors are retried,
 * how a dead leader or a moved coordinator is followed.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { describeCluster } from '../../../src/admin/cluster.js'
import { AdminContext } from '../../../src/admin/context.js'
import { electLeaders, ElectionType } from '../../../src/admin/reassignments.js'
import { describeProducers, describeTransactions, TransactionState } from '../../../src/admin/transactions.js'
import { Cluster, type BrokerTarget } from '../../../src/cluster/cluster.js'
import { KafkaNetworkError, KafkaUnsupportedVersionError } from '../../../src/errors.js'
import type { ApiDescriptor } from '../../../src/protocol/api.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { describeClusterApi } from '../../../src/protocol/messages/describe-cluster.js'
import { describeProducersApi } from '../../../src/protocol/messages/describe-producers.js'
import { describeTransactionsApi } from '../../../src/protocol/messages/describe-transactions.js'
import { electLeadersApi } from '../../../src/protocol/messages/elect-leaders.js'
import { metadataApi, type MetadataResponse } from '../../../src/protocol/messages/metadata.js'

const clusters: Cluster[] = []
afterEach(() => {
  for (const c of clusters.splice(0)) c.close()
  vi.restoreAllMocks()
})

function scriptedCluster(): Cluster {
  const c = new Cluster({
    clientId: 'cluster-ops-unit',
    brokers: ['127.0.0.1:1'],
    connectionTimeoutMs: 100,
    requestTimeoutMs: 100,
    metadataMaxAgeMs: 300_000,
    retryBackoff: { initialMs: 1, maxMs: 5 },
    reconnectBackoffMs: 1,
    reconnectBackoffMaxMs: 5,
    connectionsMaxIdleMs: 0,
    defaultApiTimeoutMs: 2_000,
    softwareName: 'kafkats-test',
    softwareVersion: '0',
  })
  clusters.push(c)
  return c
}

/** Answers each send with `answer(target, api, request)`; the version is always the newest. */
function script(
  c: Cluster,
  answer: (target: BrokerTarget, api: ApiDescriptor<unknown, unknown>, request: unknown) => unknown,
): Array<{ target: BrokerTarget; api: string }> {
  const sent: Array<{ target: BrokerTarget; api: string }> = []
  vi.spyOn(c, 'sendTo').mockImplementation(async (target, api, build) => {
    sent.push({ target, api: api.name })
    return answer(target, api as ApiDescriptor<unknown, unknown>, build(api.maxVersion))
  })
  return sent
}

function metadata(leader: number, leaderEpoch: number): MetadataResponse {
  return metadataApi.createResponse({
    clusterId: 'c1',
    controllerId: 2,
    brokers: [1, 2, 3].map((nodeId) => ({ nodeId, host: '127.0.0.1', port: 10_000 + nodeId, rack: nodeId === 3 ? 'r3' : null })),
    topics: [
      {
        errorCode: 0,
        name: 'orders',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        isInternal: false,
        partitions: [
          { errorCode: 0, partitionIndex: 0, leaderId: leader, leaderEpoch, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] },
        ],
        topicAuthorizedOperations: -2147483648,
      },
    ],
  })
}

describe('describeCluster', () => {
  it('falls back to Metadata when the broker does not support DescribeCluster', async () => {
    const c = scriptedCluster()
    script(c, () => {
      throw new KafkaUnsupportedVersionError('broker 127.0.0.1:1 does not support DescribeCluster')
    })
    vi.spyOn(c, 'fetchMetadata').mockResolvedValue(metadata(1, 0))
    const described = await describeCluster(new AdminContext(c, 1_000))
    expect(described.clusterId).toBe('c1')
    expect(described.brokers.map((b) => [b.nodeId, b.port, b.rack])).toEqual([
      [1, 10_001, null],
      [2, 10_002, null],
      [3, 10_003, 'r3'],
    ])
    expect(described.controller?.nodeId).toBe(2)
  })

  it('rejects with the broker’s top-level error when it is not retriable', async () => {
    const c = scriptedCluster()
    script(c, () => describeClusterApi.createResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }))
    await expect(describeCluster(new AdminContext(c, 1_000))).rejects.toMatchObject({
      code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    })
  })
})

describe('electLeaders', () => {
  const partitions = [
    { topic: 'orders', partition: 0 },
    { topic: 'orders', partition: 1 },
  ]

  it('retries NOT_CONTROLLER as a whole and reports ELECTION_NOT_NEEDED per partition', async () => {
    const c = scriptedCluster()
    let calls = 0
    const sent = script(c, () =>
      ++calls === 1
        ? electLeadersApi.createResponse({ errorCode: ErrorCode.NOT_CONTROLLER })
        : electLeadersApi.createResponse({
            replicaElectionResults: [
              {
                topic: 'orders',
                partitionResult: [
                  { partitionId: 1, errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: null },
                  { partitionId: 0, errorCode: 0, errorMessage: null },
                ],
              },
            ],
          }),
    )
    vi.spyOn(c, 'refreshMetadata').mockResolvedValue()
    const results = await electLeaders(new AdminContext(c, 1_000), ElectionType.PREFERRED, partitions)
    expect(sent.map((s) => s.target)).toEqual(['controller', 'controller'])
    expect(results.map((r) => [r.partition, r.error?.errorName ?? null])).toEqual([
      [0, null],
      [1, 'ELECTION_NOT_NEEDED'],
    ])
  })

  it('gives every partition a non-retriable top-level error', async () => {
    const c = scriptedCluster()
    script(c, () => electLeadersApi.createResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED }))
    const results = await electLeaders(new AdminContext(c, 1_000), ElectionType.UNCLEAN, partitions)
    expect(results.map((r) => r.error?.code)).toEqual([
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    ])
  })
})

describe('describeProducers', () => {
  it('follows the leader to another broker after its connection is lost', async () => {
    const c = scriptedCluster()
    c.applyMetadata(metadata(1, 5), ['orders'])
    vi.spyOn(c, 'refreshMetadata').mockImplementation(async () => {
      c.applyMetadata(metadata(2, 6), ['orders'])
    })
    const sent = script(c, (target) => {
      if (typeof target === 'object' && 'nodeId' in target && target.nodeId === 1) {
        throw new KafkaNetworkError('connection to 127.0.0.1:10001 closed by the broker', { broker: '127.0.0.1:10001' })
      }
      return describeProducersApi.createResponse({
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                errorCode: 0,
                errorMessage: null,
                activeProducers: [
                  { producerId: 7n, producerEpoch: 1, lastSequence: 9, lastTimestamp: 1_700_000_000_000n, coordinatorEpoch: -1, currentTxnStartOffset: -1n },
                ],
              },
            ],
          },
        ],
      })
    })
    const [state] = await describeProducers(new AdminContext(c, 2_000), [{ topic: 'orders', partition: 0 }])
    expect(sent.map((s) => s.target)).toEqual([{ nodeId: 1 }, { nodeId: 2 }])
    expect(state?.error).toBeNull()
    expect(state?.activeProducers).toEqual([
      { producerId: 7n, producerEpoch: 1, lastSequence: 9, lastTimestamp: 1_700_000_000_000, coordinatorEpoch: null, currentTransactionStartOffset: null },
    ])
  })

  it('reports NOT_LEADER_OR_FOLLOWER from a broker the caller pinned instead of retrying elsewhere', async () => {
    const c = scriptedCluster()
    c.applyMetadata(metadata(1, 5), ['orders'])
    const sent = script(c, () =>
      describeProducersApi.createResponse({
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: null, activeProducers: [] },
            ],
          },
        ],
      }),
    )
    // Pinned to broker 3, which is no replica: it says so, and that is the answer.
    const [state] = await describeProducers(new AdminContext(c, 300), [{ topic: 'orders', partition: 0 }], { brokerId: 3 })
    expect(sent.every((s) => typeof s.target === 'object' && 'nodeId' in s.target && s.target.nodeId === 3)).toBe(true)
    expect(sent).toHaveLength(1)
    expect(state?.error?.errorName).toBe('NOT_LEADER_OR_FOLLOWER')
  })
})

describe('describeTransactions', () => {
  it('looks the coordinator up again after NOT_COORDINATOR', async () => {
    const c = scriptedCluster()
    c.applyMetadata(metadata(1, 5), [])
    const coordinators = [1, 3]
    vi.spyOn(c, 'coordinator').mockImplementation(async () => coordinators.shift() ?? 3)
    const forget = vi.spyOn(c, 'forgetCoordinator')
    script(c, (target) =>
      describeTransactionsApi.createResponse({
        transactionStates: [
          typeof target === 'object' && 'nodeId' in target && target.nodeId === 1
            ? { errorCode: ErrorCode.NOT_COORDINATOR, transactionalId: 'tx', transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1n, producerId: -1n, producerEpoch: -1, topics: [] }
            : {
                errorCode: 0,
                transactionalId: 'tx',
                transactionState: 'Ongoing',
                transactionTimeoutMs: 60_000,
                transactionStartTimeMs: 1_700_000_000_000n,
                producerId: 42n,
                producerEpoch: 3,
                topics: [{ topic: 'orders', partitions: [2, 0] }],
              },
        ],
      }),
    )
    const [tx] = await describeTransactions(new AdminContext(c, 1_000), ['tx'])
    expect(forget).toHaveBeenCalledWith('transaction', 'tx')
    expect(tx).toEqual({
      transactionalId: 'tx',
      coordinatorId: 3,
      error: null,
      state: TransactionState.ONGOING,
      producerId: 42n,
      producerEpoch: 3,
      transactionTimeoutMs: 60_000,
      transactionStartTimeMs: 1_700_000_000_000,
      topicPartitions: [
        { topic: 'orders', partition: 0 },
        { topic: 'orders', partition: 2 },
      ],
    })
  })
})
