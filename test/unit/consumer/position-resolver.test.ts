/**
 * The position resolver asks a partition's leader for offsets (a reset, a validation). A leader
 * that refused our last connection has probably died: the resolver must not wait out that
 * broker's reconnect backoff, but ask the leader that fresh metadata names. Brokers here are a
 * fake broker on 127.0.0.1 and a closed port.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaNetworkError } from '../../../src/errors.js'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { PositionResolver } from '../../../src/consumer/position-resolver.js'
import { SubscriptionState } from '../../../src/consumer/subscription-state.js'
import { listOffsetsApi } from '../../../src/protocol/messages/list-offsets.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { closedPort, type FakeBroker, startFakeBroker } from '../../support/fake-broker.js'
import { testCluster } from '../../support/test-cluster.js'
import { waitFor } from '../../support/wait-for.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})


function metadata(leader: number, ports: Record<number, number>) {
  return metadataApi.createResponse({
    clusterId: 'resolver-test',
    controllerId: 2,
    brokers: Object.entries(ports).map(([id, port]) => ({ nodeId: Number(id), host: '127.0.0.1', port, rack: null })),
    topics: [
      {
        errorCode: 0,
        name: 't',
        topicId: TOPIC_ID,
        isInternal: false,
        topicAuthorizedOperations: -2147483648,
        partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: leader, leaderEpoch: leader, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] }],
      },
    ],
  })
}

describe('PositionResolver', () => {
  it('asks the new leader at once instead of waiting out the reconnect backoff of a leader that refused it', async () => {
    const dead = await closedPort()
    let live: FakeBroker | undefined
    live = await startFakeBroker(({ api }) => {
      if (api === metadataApi) return metadata(2, { 2: (live as FakeBroker).port })
      if (api === listOffsetsApi) {
        return listOffsetsApi.createResponse({
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 42n, leaderEpoch: 2 }] }],
        })
      }
      return undefined
    })
    cleanups.push(() => live?.close())
    const cluster = testCluster({
      clientId: 'resolver-test',
      brokers: [live.address],
      // A long reconnect backoff: waiting it out would take far longer than the bound below.
      reconnectBackoffMs: 5_000,
      reconnectBackoffMaxMs: 5_000,
      defaultApiTimeoutMs: 3_000,
    })
    cleanups.push(() => cluster.close())
    // Our metadata still names broker 1 (dead) as the leader, and it has just refused us.
    cluster.applyMetadata(metadata(1, { 1: dead, 2: live.port }), ['t'])
    await expect(cluster.sendTo({ nodeId: 1 }, metadataApi, () => metadataApi.createRequest({ topics: [], allowAutoTopicCreation: false }))).rejects.toBeInstanceOf(
      KafkaNetworkError,
    )
    expect(cluster.pool.backoffRemainingMs({ host: '127.0.0.1', port: dead })).toBeGreaterThan(1_000)

    const subscriptions = new SubscriptionState()
    const [state] = subscriptions.add([{ topic: 't', partition: 0 }])
    const resolver = new PositionResolver({
      cluster,
      subscriptions,
      options: resolveConsumerOptions({ autoOffsetReset: 'earliest' }),
      member: () => null,
      onFailed: (_p, error) => {
        throw error
      },
      // The fetcher runs the resolver again while partitions still need a lookup; so does this test.
      onProgress: () => {
        if (resolver.hasWork()) setImmediate(() => resolver.run())
      },
    })
    cleanups.push(() => resolver.close())
    const started = Date.now()
    resolver.run()
    await waitFor(() => state?.state === 'FETCHING', { timeoutMs: 2_000, message: `the position from the new leader (state ${state?.state})` })
    expect(state?.position).toBe(42n)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(live.counts.get(listOffsetsApi.name)).toBe(1)
  })

  it('does not wake the fetcher after a pass that looked nothing up, so the two cannot spin and starve the event loop', async () => {
    const dead = await closedPort()
    let live: FakeBroker | undefined
    live = await startFakeBroker(({ api }) => {
      if (api === metadataApi) return metadata(2, { 2: (live as FakeBroker).port })
      if (api === listOffsetsApi) {
        return listOffsetsApi.createResponse({
          topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 7n, leaderEpoch: 2 }] }],
        })
      }
      return undefined
    })
    cleanups.push(() => live?.close())
    const cluster = testCluster({ clientId: 'resolver-test', brokers: [live.address], reconnectBackoffMs: 5_000, reconnectBackoffMaxMs: 5_000 })
    cleanups.push(() => cluster.close())
    cluster.applyMetadata(metadata(1, { 1: dead, 2: live.port }), ['t'])
    await expect(cluster.sendTo({ nodeId: 1 }, metadataApi, () => metadataApi.createRequest({ topics: [], allowAutoTopicCreation: false }))).rejects.toBeInstanceOf(
      KafkaNetworkError,
    )

    const subscriptions = new SubscriptionState()
    const [state] = subscriptions.add([{ topic: 't', partition: 0 }])
    let wakes = 0
    const resolver = new PositionResolver({
      cluster,
      subscriptions,
      options: resolveConsumerOptions({ autoOffsetReset: 'earliest' }),
      member: () => null,
      onFailed: (_p, error) => {
        throw error
      },
      // As the consumer's fetcher does: woken in a microtask, it runs the resolver again while a
      // partition still needs a lookup. The cap only lets a test that fails end.
      onProgress: () => {
        if (++wakes < 1_000) queueMicrotask(() => resolver.hasWork() && resolver.run())
      },
    })
    cleanups.push(() => resolver.close())
    resolver.run()
    // The leader that refused us is skipped until fresh metadata names the live one; meanwhile the
    // event loop must keep turning (the metadata answer needs it).
    await waitFor(() => state?.state === 'FETCHING', { timeoutMs: 2_000, message: `the position from the new leader (state ${state?.state})` })
    expect(state?.position).toBe(7n)
    expect(wakes).toBeLessThan(10)
  })
})
