/**
 * The sender finds a partition's new leader even when its topic reached the metadata cache through
 * another client on the same Kafka root (an admin describing it), so the producer never registered
 * it as a topic of interest. Two fake brokers that answer Metadata only for the topics asked for:
 * broker 1 leads `t-0` until it goes away; broker 2 then says it leads.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { initProducerIdApi } from '../../../src/protocol/messages/init-producer-id.js'
import { metadataApi, type MetadataRequest } from '../../../src/protocol/messages/metadata.js'
import { createProduceResponsePartitionProduceResponse, produceApi, type ProduceRequest } from '../../../src/protocol/messages/produce.js'
import { startFakeBroker, type FakeBroker, type FakeHandler } from '../../support/fake-broker.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('sender after a leader moves', () => {
  it('asks for the topics it has records for, so a dead leader is replaced', async () => {
    let leader = 1
    const brokers: FakeBroker[] = []
    const handler = (self: number): FakeHandler => ({ api, body }) => {
      if (api.key === metadataApi.key) {
        const asked = ((body as MetadataRequest).topics ?? []).map((t) => t.name)
        return metadataApi.createResponse({
          clusterId: 'fake',
          controllerId: 2,
          brokers: brokers.map((b, i) => ({ nodeId: i + 1, host: '127.0.0.1', port: b.port, rack: null })),
          topics: asked.includes('t')
            ? [
                {
                  errorCode: 0,
                  name: 't',
                  topicId: TOPIC_ID,
                  isInternal: false,
                  partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: leader, leaderEpoch: leader, replicaNodes: [1, 2], isrNodes: [1, 2], offlineReplicas: [] }],
                  topicAuthorizedOperations: -2147483648,
                },
              ]
            : [],
        })
      }
      if (api.key === initProducerIdApi.key) return initProducerIdApi.createResponse({ producerId: 7n, producerEpoch: 0 })
      if (api.key === produceApi.key) {
        const topic = (body as ProduceRequest).topicData[0]
        const errorCode = self === leader ? 0 : 6 // NOT_LEADER_OR_FOLLOWER
        return produceApi.createResponse({
          responses: [{ name: topic?.name ?? '', topicId: topic?.topicId ?? TOPIC_ID, partitionResponses: [createProduceResponsePartitionProduceResponse({ index: 0, errorCode, baseOffset: errorCode === 0 ? 0n : -1n })] }],
        })
      }
      return undefined
    }
    brokers.push(await startFakeBroker(handler(1)))
    brokers.push(await startFakeBroker(handler(2)))
    cleanups.push(() => brokers[1]?.close())
    const kafka = new Kafka({ clientId: 'leader-move', brokers: [brokers[1]?.address ?? ''], retryBackoffMs: 5, retryBackoffMaxMs: 20, reconnectBackoffMs: 5, reconnectBackoffMaxMs: 20 })
    cleanups.push(() => kafka.close())
    // The admin puts `t` in the shared cache; the producer then never needs to look it up itself.
    const [described] = await kafka.admin().describeTopics(['t'])
    expect(described?.partitions[0]?.leader).toBe(1)
    const producer = kafka.producer({ lingerMs: 0, deliveryTimeoutMs: 10_000, requestTimeoutMs: 2_000 })
    expect((await producer.send({ topic: 't', value: 'a' })).offset).toBe(0n)

    // Broker 1 dies; broker 2 takes the partition over.
    await brokers[0]?.close()
    leader = 2
    const moved = await producer.send({ topic: 't', value: 'b' })
    expect(moved.offset).toBe(0n)
    expect(brokers[1]?.counts.get('Produce') ?? 0).toBeGreaterThan(0)
  }, 15_000)
})
