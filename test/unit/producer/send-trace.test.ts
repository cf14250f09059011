/**
 * The `kafkats:producer:send` channel: `start` comes before serialization and its listeners may
 * append headers, which the record is sent with (the application's headers object untouched); the
 * trace ends with the record's metadata and its leader, or with the error it failed with.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import type { SendTrace } from '../../../src/observability/channels.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { createProduceResponsePartitionProduceResponse, produceApi, type ProduceRequest } from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import type { KafkaRecord, RecordHeader } from '../../../src/protocol/record.js'
import type { Serializer } from '../../../src/serde/serde.js'
import { startFakeBroker } from '../../support/fake-broker.js'
import { recordTraces, type TraceRecorder, waitFor } from '../../support/trace-recorder.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Arrived {
  readonly value: string
  readonly headers: readonly RecordHeader[]
}

/** A broker with topic `t` (two partitions) that appends every batch, or refuses those of partition 1. */
async function broker(): Promise<{ kafka: Kafka; arrived: Arrived[]; address: string }> {
  let port = 0
  const arrived: Arrived[] = []
  const offsets = [0n, 0n]
  const fake = await startFakeBroker(async ({ api, body }) => {
    if (api.key === metadataApi.key) {
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
        topics: [
          {
            errorCode: 0,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: [0, 1].map((p) => ({ errorCode: 0, partitionIndex: p, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] })),
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key === produceApi.key) {
      const topic = (body as ProduceRequest).topicData[0]!
      const partitionResponses = []
      for (const p of topic.partitionData) {
        if (p.index === 1) {
          partitionResponses.push(createProduceResponsePartitionProduceResponse({ index: 1, errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1n }))
          continue
        }
        const { batches } = await decodeRecordBatches(p.records ?? new Uint8Array(0))
        const records = batches.flatMap((b) => (b.isControl ? [] : (b.records as readonly KafkaRecord[])))
        for (const r of records) arrived.push({ value: Buffer.from(r.value ?? new Uint8Array(0)).toString(), headers: r.headers })
        const baseOffset = offsets[p.index]!
        offsets[p.index] = baseOffset + BigInt(records.length)
        partitionResponses.push(createProduceResponsePartitionProduceResponse({ index: p.index, errorCode: 0, baseOffset }))
      }
      return produceApi.createResponse({ responses: [{ name: topic.name, topicId: topic.topicId, partitionResponses }] })
    }
    return undefined
  })
  port = fake.port
  cleanups.push(() => fake.close())
  const kafka = new Kafka({ clientId: 'send-trace-test', brokers: [fake.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  return { kafka, arrived, address: fake.address }
}

interface Watch {
  /** Each start's context, with how many serializer calls had happened by then. */
  readonly starts: Array<{ readonly trace: SendTrace; readonly serializedBefore: number }>
  readonly recorder: TraceRecorder<SendTrace>
}

/** Subscribes to kafkats:producer:send for the test; `onStart` may change the context. */
function subscribe(serialized: () => number, onStart: (trace: SendTrace) => void = () => {}): Watch {
  const starts: Watch['starts'] = []
  const recorder = recordTraces<SendTrace>('kafkats:producer:send', (trace) => {
    starts.push({ trace, serializedBefore: serialized() })
    onStart(trace)
  })
  cleanups.push(() => recorder.stop())
  return { starts, recorder }
}

/** A string serializer that counts its calls and records the headers it was shown. */
function countingSerializer(): { serializer: Serializer<string>; calls: () => number; headersSeen: string[][] } {
  let calls = 0
  const headersSeen: string[][] = []
  return {
    serializer: {
      serialize: (value: string, context) => {
        calls++
        headersSeen.push(context.headers.map((h) => h.key))
        return Buffer.from(value)
      },
    },
    calls: () => calls,
    headersSeen,
  }
}

describe('kafkats:producer:send', () => {
  it('start comes before serialization; headers a listener appends are sent, the application object is untouched', async () => {
    const { kafka, arrived, address } = await broker()
    const values = countingSerializer()
    const producer = kafka.producer({ valueSerializer: values.serializer, enableIdempotence: false, acks: 1, lingerMs: 0 })
    const seen = subscribe(values.calls, (trace) => trace.headers.push({ key: 'traceparent', value: `00-${trace.topic}` }))
    const headers = { app: 'yes' }
    const metadata = await producer.send({ topic: 't', partition: 0, key: 'k', value: 'v0', headers })
    const arrayHeaders = [{ key: 'list', value: Buffer.from('x') }]
    await producer.send({ topic: 't', partition: 0, value: 'v1', headers: arrayHeaders })
    await producer.send({ topic: 't', partition: 0, value: 'v2' })

    expect(headers).toEqual({ app: 'yes' })
    expect(arrayHeaders).toHaveLength(1)
    expect(arrived.map((a) => [a.value, a.headers.map((h) => `${h.key}=${Buffer.from(h.value ?? []).toString()}`)])).toEqual([
      ['v0', ['app=yes', 'traceparent=00-t']],
      ['v1', ['list=x', 'traceparent=00-t']],
      ['v2', ['traceparent=00-t']],
    ])
    // The serializer saw the appended header: it ran after start.
    expect(values.headersSeen).toEqual([
      ['app', 'traceparent'],
      ['list', 'traceparent'],
      ['traceparent'],
    ])
    const starts = seen.starts
    expect(starts.map((s) => s.serializedBefore)).toEqual([0, 1, 2])
    const first = starts[0]!.trace
    expect(first).toMatchObject({ clientId: 'send-trace-test', transactionalId: null, topic: 't', partition: 0, key: 'k' })
    const ends = seen.recorder.ended()
    expect(ends).toHaveLength(3)
    expect(ends[0]).toBe(first)
    expect(first.result).toEqual(metadata)
    expect(first.result).toMatchObject({ topic: 't', partition: 0, offset: 0n })
    expect(ends[1]!.result?.offset).toBe(1n)
    expect(first.broker).toBe(address)
    expect(seen.recorder.of('error')).toEqual([])
  })

  it('a record the broker refuses, or the producer refuses, ends with its error; sendBatch traces each record', async () => {
    const { kafka } = await broker()
    const producer = kafka.producer({ enableIdempotence: false, acks: 1, lingerMs: 0 })
    const seen = subscribe(() => 0)
    await expect(producer.send({ topic: 't', partition: 1, value: 'refused' })).rejects.toMatchObject({ code: ErrorCode.INVALID_RECORD })
    await expect(producer.send({ topic: 't', value: 'bad', headers: 42 as never })).rejects.toMatchObject({ errorName: 'INVALID_RECORD_FIELD' })
    await producer.sendBatch([
      { topic: 't', partition: 0, value: 'a' },
      { topic: 't', partition: 0, value: 'b' },
    ])
    const errors = seen.recorder.of('error')
    expect(errors.map((e) => (e.error as { errorName?: string }).errorName)).toEqual(['INVALID_RECORD', 'INVALID_RECORD_FIELD'])
    expect(errors[0]).toMatchObject({ topic: 't', partition: 1 })
    const delivered = seen.recorder.ended().filter((t) => t.error === undefined)
    expect(delivered.map((t) => t.result?.offset)).toEqual([0n, 1n])
  })

  it('a fire-and-forget send that fails is no unhandled rejection when traced', async () => {
    const { kafka } = await broker()
    const producer = kafka.producer({ enableIdempotence: false, acks: 1, lingerMs: 0 })
    const seen = subscribe(() => 0)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    cleanups.push(() => void process.off('unhandledRejection', onUnhandled))
    void producer.send({ topic: 't', partition: 1, value: 'lost' })
    await waitFor(() => seen.recorder.of('error').length === 1, 'the error event')
    await new Promise<void>((resolve) => setTimeout(resolve, 0))
    expect(unhandled).toEqual([])
  })
})
