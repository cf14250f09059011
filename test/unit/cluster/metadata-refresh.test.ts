/**
 * How the shared core asks for metadata: bursts of refresh triggers coalesce, a trigger during a
 * refresh gets a fresh answer, and topics of interest are refreshed every `metadataMaxAgeMs`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Cluster } from '../../../src/cluster/cluster.js'
import { metadataApi, type MetadataRequest } from '../../../src/protocol/messages/metadata.js'
import { startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'
import { waitFor } from '../../support/wait-for.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function brokerWithTopic(partitionsOf: () => number, delayMs = 0): Promise<FakeBroker> {
  let broker: FakeBroker | undefined
  broker = await startFakeBroker(async ({ api, body }) => {
    if (api.key !== metadataApi.key) return undefined
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
    const request = body as MetadataRequest
    return metadataApi.createResponse({
      clusterId: 'fake',
      controllerId: 1,
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker?.port ?? 0, rack: null }],
      topics: (request.topics ?? []).map((t) => ({
        errorCode: 0,
        name: t.name,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        isInternal: false,
        partitions: Array.from({ length: partitionsOf() }, (_, i) => ({
          errorCode: 0,
          partitionIndex: i,
          leaderId: 1,
          leaderEpoch: 0,
          replicaNodes: [1],
          isrNodes: [1],
          offlineReplicas: [],
        })),
        topicAuthorizedOperations: -2147483648,
      })),
    })
  })
  cleanups.push(() => broker?.close())
  return broker
}

function clusterFor(broker: FakeBroker, metadataMaxAgeMs = 300_000): Cluster {
  const cluster = new Cluster({
    clientId: 'refresh-test',
    brokers: [broker.address],
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    metadataMaxAgeMs,
    retryBackoff: { initialMs: 10, maxMs: 50 },
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
    connectionsMaxIdleMs: 0,
    defaultApiTimeoutMs: 2_000,
    softwareName: 'kafkats-test',
    softwareVersion: '0',
  })
  cleanups.push(() => cluster.close())
  return cluster
}

describe('metadata refresh', () => {
  it('coalesces a burst of triggers into at most two requests', async () => {
    const broker = await brokerWithTopic(() => 3, 50)
    const cluster = clusterFor(broker)
    await Promise.all(Array.from({ length: 20 }, (_, i) => cluster.refreshMetadata([`topic-${i % 4}`])))
    expect(broker.counts.get('Metadata')).toBeLessThanOrEqual(2)
    // Every topic asked for is known afterwards, including those that joined during the first refresh.
    for (let i = 0; i < 4; i++) expect(cluster.metadata.topic(`topic-${i}`)?.partitions).toHaveLength(3)
  })

  it('answers a trigger that arrives during a refresh with a refresh that starts after it', async () => {
    let partitions = 2
    const broker = await brokerWithTopic(() => partitions, 100)
    const cluster = clusterFor(broker)
    const first = cluster.refreshMetadata(['t'])
    await waitFor(() => broker.counts.get('Metadata') === 1, { timeoutMs: 2_000, intervalMs: 5 })
    partitions = 5 // changes after the first request was answered…
    await cluster.refreshMetadata(['t']) // …so this call must see a second response
    await first
    expect(cluster.metadata.topic('t')?.partitions).toHaveLength(5)
  })

  it('refreshes topics of interest every metadataMaxAgeMs', async () => {
    const broker = await brokerWithTopic(() => 1)
    const cluster = clusterFor(broker, 100)
    await cluster.refreshMetadata(['watched'])
    await waitFor(() => (broker.counts.get('Metadata') ?? 0) >= 3, { timeoutMs: 3_000, intervalMs: 20, message: 'periodic refreshes' })
  })

  it('reports partition count changes to listeners', async () => {
    let partitions = 1
    const broker = await brokerWithTopic(() => partitions)
    const cluster = clusterFor(broker)
    const changed: string[][] = []
    cluster.onMetadataChange((c) => changed.push(c.partitionCountChanged))
    await cluster.refreshMetadata(['grows'])
    partitions = 4
    await cluster.refreshMetadata(['grows'])
    expect(changed).toEqual([['grows'], ['grows']])
  })
})
