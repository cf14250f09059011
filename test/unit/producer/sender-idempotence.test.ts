/**
 * The idempotent sender's answers to a broker that lost track of its sequences, against a fake
 * broker that scripts the Produce responses and records the producer epoch and base sequence of
 * every batch it is sent:
 * - a retriable error (NOT_LEADER_OR_FOLLOWER) is retried with the same stamp, so the broker can
 *   recognise a duplicate;
 * - OUT_OF_ORDER_SEQUENCE_NUMBER and UNKNOWN_PRODUCER_ID for the batch the broker should take
 *   next bump the epoch locally (KIP-360) and the batch goes again from sequence 0 (a refusal
 *   behind a batch still to land does not: ./sender-unresolved.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { initProducerIdApi } from '../../../src/protocol/messages/init-producer-id.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import {
  createProduceResponsePartitionProduceResponse,
  produceApi,
  type ProduceRequest,
} from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import { startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Seen {
  epoch: number
  sequence: number
  records: number
}

/** A one-partition topic `t` whose Produce answers come from `errors`, in order (then success). */
async function brokerAnswering(errors: number[]): Promise<{ broker: FakeBroker; seen: Seen[]; errors: number[] }> {
  const seen: Seen[] = []
  let nextOffset = 0n
  let broker: FakeBroker | undefined
  broker = await startFakeBroker(async ({ api, body }) => {
    if (api.key === metadataApi.key) {
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: broker?.port ?? 0, rack: null }],
        topics: [
          {
            errorCode: 0,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: [
              { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] },
            ],
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key === initProducerIdApi.key) {
      return initProducerIdApi.createResponse({ producerId: 4242n, producerEpoch: 0 })
    }
    if (api.key === produceApi.key) {
      const request = body as ProduceRequest
      const topic = request.topicData[0]
      const partition = topic?.partitionData[0]
      const { batches } = await decodeRecordBatches(partition?.records ?? new Uint8Array(0))
      const batch = batches[0]
      seen.push({ epoch: batch?.producerEpoch ?? -9, sequence: batch?.baseSequence ?? -9, records: batch?.records.length ?? 0 })
      const errorCode = errors.shift() ?? 0
      const baseOffset = errorCode === 0 ? nextOffset : -1n
      if (errorCode === 0) nextOffset += BigInt(batch?.records.length ?? 0)
      return produceApi.createResponse({
        responses: [
          {
            name: topic?.name ?? '',
            topicId: topic?.topicId ?? TOPIC_ID,
            partitionResponses: [createProduceResponsePartitionProduceResponse({ index: 0, errorCode, baseOffset })],
          },
        ],
      })
    }
    return undefined
  })
  cleanups.push(() => broker?.close())
  return { broker, seen, errors }
}

function producerFor(broker: FakeBroker) {
  const kafka = new Kafka({ clientId: 'sender-test', brokers: [broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  return kafka.producer({ lingerMs: 0 })
}

describe('idempotent sender', () => {
  it('retries a retriable error with the same producer epoch and sequence', async () => {
    const { broker, seen } = await brokerAnswering([6, 6])
    const producer = producerFor(broker)
    const sent = await producer.send({ topic: 't', value: 'a' })
    expect(sent.offset).toBe(0n)
    expect(seen).toEqual([
      { epoch: 0, sequence: 0, records: 1 },
      { epoch: 0, sequence: 0, records: 1 },
      { epoch: 0, sequence: 0, records: 1 },
    ])
    // The next batch continues the sequence.
    await producer.send({ topic: 't', value: 'b' })
    expect(seen.at(-1)).toEqual({ epoch: 0, sequence: 1, records: 1 })
  })

  it.each([
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 45],
    ['UNKNOWN_PRODUCER_ID', 59],
  ])('answers %s with a new epoch and sequences from 0 (KIP-360)', async (_name, code) => {
    const { broker, seen, errors } = await brokerAnswering([])
    const producer = producerFor(broker)
    await producer.send({ topic: 't', value: 'first' })
    await producer.send({ topic: 't', value: 'second' })
    expect(seen.map((s) => [s.epoch, s.sequence])).toEqual([
      [0, 0],
      [0, 1],
    ])
    // The broker has lost our state: the next batch is refused once, then must come in a new epoch.
    const before = seen.length
    errors.push(code)
    const third = await producer.send({ topic: 't', value: 'third' })
    expect(third.offset).toBe(2n)
    expect(seen.slice(before).map((s) => [s.epoch, s.sequence])).toEqual([
      [0, 2],
      [1, 0],
    ])
  })
})
