/**
 * The `deliveryError` event: every record that fails for good is reported once, with its topic
 * and partition, wherever it failed (its batch refused by the broker, a wait for metadata that
 * timed out, a check at send), whether or not the caller awaits the send; and a send nobody awaits
 * never becomes an unhandled rejection.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaError, KafkaRecordError, KafkaTimeoutError } from '../../../src/errors.js'
import { Kafka } from '../../../src/index.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { createProduceResponsePartitionProduceResponse, produceApi, type ProduceRequest } from '../../../src/protocol/messages/produce.js'
import type { Producer } from '../../../src/producer/producer.js'
import { startFakeBroker } from '../../support/fake-broker.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A broker with topic `t` (one partition) when `exists`, that refuses every batch as INVALID_RECORD. */
async function refusingBroker(exists: boolean): Promise<Kafka> {
  let port = 0
  const fake = await startFakeBroker(({ api, body }) => {
    if (api.key === metadataApi.key) {
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
        topics: [
          {
            errorCode: exists ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: exists
              ? [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }]
              : [],
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key === produceApi.key) {
      const topic = (body as ProduceRequest).topicData[0]
      return produceApi.createResponse({
        responses: [
          {
            name: topic?.name ?? '',
            topicId: topic?.topicId ?? TOPIC_ID,
            partitionResponses: [createProduceResponsePartitionProduceResponse({ index: 0, errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1n })],
          },
        ],
      })
    }
    return undefined
  })
  port = fake.port
  cleanups.push(() => fake.close())
  const kafka = new Kafka({ clientId: 'delivery-error-test', brokers: [fake.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  return kafka
}

interface Reported {
  readonly error: KafkaError
  readonly topic: string
  readonly partition: number | null
}

/** Collects `deliveryError` events and unhandled rejections for the test's duration. */
function watch<K, V>(producer: Producer<K, V>): { reported: Reported[]; unhandled: unknown[] } {
  const reported: Reported[] = []
  const unhandled: unknown[] = []
  producer.on('deliveryError', (error, { topic, partition }) => reported.push({ error, topic, partition }))
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  cleanups.push(() => void process.off('unhandledRejection', onUnhandled))
  return { reported, unhandled }
}

async function waitUntil(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
}

describe('deliveryError', () => {
  it('a refused batch reports each of its records, awaited or not, and no rejection goes unhandled', async () => {
    const producer = (await refusingBroker(true)).producer({ lingerMs: 20, enableIdempotence: false, acks: 1 })
    const { reported, unhandled } = watch(producer)
    // The first send waits for the topic's metadata; the ones after it go straight to a batch.
    await expect(producer.send({ topic: 't', value: 'first' })).rejects.toMatchObject({ code: ErrorCode.INVALID_RECORD })
    for (let i = 0; i < 3; i++) void producer.send({ topic: 't', value: `ff-${i}` })
    const awaited = producer.send({ topic: 't', value: 'awaited' })
    await expect(awaited).rejects.toMatchObject({ code: ErrorCode.INVALID_RECORD })
    await waitUntil(() => reported.length === 5, 'five deliveryError events')
    expect(reported.map((r) => [r.topic, r.partition, r.error.code])).toEqual(Array(5).fill(['t', 0, ErrorCode.INVALID_RECORD]))
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(unhandled).toEqual([])
    expect(producer.bufferedBytes).toBe(0)
  })

  it('a send that waited maxBlockMs for its topic is reported with its timeout, and a record refused at send with its error', async () => {
    const producer = (await refusingBroker(false)).producer({ lingerMs: 0, maxBlockMs: 100, enableIdempotence: false })
    const { reported, unhandled } = watch(producer)
    void producer.send({ topic: 't', value: 'waits' })
    void producer.send({ topic: '', value: 'no topic' } as never)
    await waitUntil(() => reported.length === 2, 'two deliveryError events')
    const [refused, timedOut] = reported
    expect(refused?.error).toBeInstanceOf(KafkaRecordError)
    expect(refused?.topic).toBe('')
    expect(timedOut?.error).toBeInstanceOf(KafkaTimeoutError)
    expect([timedOut?.topic, timedOut?.partition]).toEqual(['t', null])
    await new Promise<void>((resolve) => setImmediate(resolve))
    expect(unhandled).toEqual([])
  })
})
