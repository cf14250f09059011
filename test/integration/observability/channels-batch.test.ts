/**
 * `kafkats:producer:batch` on the real broker: one trace per attempt to send a batch, with the
 * batch's records, sizes and codec and the offset the broker gave it; a batch the broker refuses
 * ends its attempt with the broker's error.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Kafka, KafkaError } from '../../../src/index.js'
import type { ProduceBatchTrace } from '../../../src/observability/channels.js'
import { bootstrap } from '../../support/kafka.js'
import { recordTraces, type TraceRecorder } from '../../support/trace-recorder.js'

const kafka = new Kafka({ clientId: 'batch-channel-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
let recorder: TraceRecorder<ProduceBatchTrace> | undefined

afterEach(() => recorder?.stop())
afterAll(() => kafka.close())

async function topicWith(configs: Record<string, string> = {}): Promise<string> {
  const topic = `batch-channel-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
  const [created] = await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1, configs }])
  expect(created?.error).toBeNull()
  return topic
}

describe('kafkats:producer:batch', () => {
  it('traces each batch with its records, bytes, codec and base offset', async () => {
    const topic = await topicWith()
    recorder = recordTraces<ProduceBatchTrace>('kafkats:producer:batch')
    const producer = kafka.producer({ lingerMs: 50, compressionType: 'lz4' })
    const sends = [
      ...Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: 0, value: `zero-${i}`.repeat(20) })),
      ...Array.from({ length: 4 }, (_, i) => producer.send({ topic, partition: 1, value: `one-${i}` })),
    ]
    const delivered = await Promise.all(sends)
    await producer.disconnect()

    const ended = recorder.ended()
    expect(recorder.of('start')).toHaveLength(ended.length)
    expect(recorder.of('error')).toHaveLength(0)
    const byPartition = (p: number): ProduceBatchTrace[] => ended.filter((t) => t.topic === topic && t.partition === p)
    for (const [partition, count] of [[0, 10], [1, 4]] as const) {
      const traces = byPartition(partition)
      expect(traces.reduce((n, t) => n + t.recordCount, 0)).toBe(count)
      expect(traces.map((t) => t.baseOffset)).toEqual(
        traces.map((_, i) => delivered.filter((m) => m.partition === partition)[traces.slice(0, i).reduce((n, t) => n + t.recordCount, 0)]?.offset),
      )
      for (const t of traces) {
        expect(t).toMatchObject({ clientId: 'batch-channel-test', compression: 'lz4', attempt: 0, broker: bootstrap().split(',')[0] })
        expect(t.bytes).toBeGreaterThan(61)
        expect(t.uncompressedBytes).toBeGreaterThan(61)
      }
    }
    // Partition 0's repetitive values compress.
    const zero = byPartition(0)[0] as ProduceBatchTrace
    expect(zero.bytes).toBeLessThan(zero.uncompressedBytes)
  })

  it('ends an attempt the broker refuses with its error', async () => {
    const topic = await topicWith({ 'max.message.bytes': '300' })
    recorder = recordTraces<ProduceBatchTrace>('kafkats:producer:batch')
    const producer = kafka.producer({ lingerMs: 0 })
    const failure = await producer.send({ topic, partition: 0, value: 'x'.repeat(1_000) }).then(
      () => null,
      (error: unknown) => error,
    )
    await producer.disconnect()
    expect(failure).toBeInstanceOf(KafkaError)

    const attempts = recorder.ended().filter((t) => t.topic === topic)
    expect(attempts.length).toBeGreaterThanOrEqual(1)
    expect(recorder.of('error').filter((t) => t.topic === topic)).toHaveLength(attempts.length)
    // A fresh topic may first answer NOT_LEADER_OR_FOLLOWER: each retry is a trace of its own.
    expect(attempts.map((t) => t.attempt)).toEqual(attempts.map((_, i) => i))
    expect((attempts.at(-1)?.error as KafkaError).errorName).toBe((failure as KafkaError).errorName)
    for (const t of attempts) {
      expect(t.error).toBeInstanceOf(KafkaError)
      expect(t.baseOffset).toBeUndefined()
      expect(t.recordCount).toBe(1)
    }
  })
})
