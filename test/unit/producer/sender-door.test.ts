/**
 * The sender's Produce requests go through the cluster's door (Cluster.pipelineTo and
 * sendOneWayTo): several requests to one leader are in flight at once, up to
 * maxInFlightRequestsPerConnection, and acks=0 requests are written without waiting for an answer
 * that never comes. A fake broker that records each batch's values as it arrives.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { createProduceResponsePartitionProduceResponse, produceApi, type ProduceRequest } from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import { startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'
import { waitFor } from '../../support/wait-for.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface LogBroker {
  readonly broker: FakeBroker
  /** Values in arrival order, per Produce request. */
  readonly requests: string[][]
}

/** One partition `t-0` on one node; `hold` may delay the answer to the n-th Produce request (0-based). */
async function logBroker(hold: (n: number) => Promise<void> = async () => {}): Promise<LogBroker> {
  const requests: string[][] = []
  let offset = 0n
  const broker: FakeBroker = await startFakeBroker(async ({ api, body }) => {
    if (api.key === metadataApi.key) {
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker.port, rack: null }],
        topics: [
          {
            errorCode: 0,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }],
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key !== produceApi.key) return undefined
    const request = body as ProduceRequest
    const values: string[] = []
    for (const topic of request.topicData) {
      for (const p of topic.partitionData) {
        const { batches } = await decodeRecordBatches(p.records ?? new Uint8Array(0))
        for (const b of batches) for (const r of b.records) values.push(Buffer.from(r.value ?? new Uint8Array(0)).toString())
      }
    }
    const n = requests.push(values) - 1
    // acks=0: Kafka writes no answer, and an unexpected one would break the client's framing.
    if (request.acks === 0) return undefined
    await hold(n)
    const baseOffset = offset
    offset += BigInt(values.length)
    return produceApi.createResponse({
      responses: request.topicData.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitionResponses: t.partitionData.map((p) => createProduceResponsePartitionProduceResponse({ index: p.index, errorCode: 0, baseOffset })),
      })),
    })
  })
  cleanups.push(() => broker.close())
  return { broker, requests }
}

function kafkaFor(b: LogBroker): Kafka {
  const kafka = new Kafka({ clientId: 'sender-door', brokers: [b.broker.address], retryBackoffMs: 5, reconnectBackoffMs: 5 })
  cleanups.push(() => kafka.close())
  return kafka
}

describe('sender through the cluster door', () => {
  it('writes acks=0 requests without waiting for an answer and resolves each record at offset -1', async () => {
    const b = await logBroker()
    const producer = kafkaFor(b).producer({ acks: 0, enableIdempotence: false, lingerMs: 0 })
    const sent = await Promise.all(['a', 'b', 'c'].map((value) => producer.send({ topic: 't', partition: 0, value })))
    expect(sent.map((m) => m.offset)).toEqual([-1n, -1n, -1n])
    await waitFor(() => b.requests.flat().length === 3, { intervalMs: 2, timeoutMs: 5_000 })
    expect(b.requests.flat()).toEqual(['a', 'b', 'c'])
  })

  it('keeps up to maxInFlightRequestsPerConnection Produce requests in flight to one leader, in order', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    // The first answer is held, so what the sender pipelines behind it shows.
    const b = await logBroker((n) => (n === 0 ? released : Promise.resolve()))
    // batchSize 1: every record is a batch of its own, and a request carries one batch per partition.
    const producer = kafkaFor(b).producer({ acks: 1, enableIdempotence: false, lingerMs: 0, batchSize: 1, maxInFlightRequestsPerConnection: 3 })
    const values = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']
    const sends = values.map((value) => producer.send({ topic: 't', partition: 0, value }))
    await waitFor(() => (b.broker.counts.get(produceApi.name) ?? 0) >= 3, { intervalMs: 2, timeoutMs: 5_000 })
    // Three requests on the wire, none answered: the fourth waits for an answer.
    expect(b.broker.counts.get(produceApi.name)).toBe(3)
    release()
    const metadata = await Promise.all(sends)
    expect(metadata.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n])
    expect(b.requests).toEqual(values.map((v) => [v]))
  })

  it('writes batches large enough to go by reference intact, with and without acks', async () => {
    const b = await logBroker()
    const kafka = kafkaFor(b)
    // Ten 1 KiB values make one batch of about 10 KiB, written from its own buffer.
    const values = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1024, 'x'))
    const acked = kafka.producer({ acks: 1, enableIdempotence: false, lingerMs: 20 })
    await Promise.all(values.map((value) => acked.send({ topic: 't', partition: 0, value })))
    const oneWay = kafka.producer({ acks: 0, enableIdempotence: false, lingerMs: 20 })
    await Promise.all(values.map((value) => oneWay.send({ topic: 't', partition: 0, value })))
    await waitFor(() => b.requests.length === 2, { intervalMs: 2, timeoutMs: 5_000 })
    expect(b.requests).toEqual([values, values])
  })
})
