/**
 * Bad input against the real broker (issue 9): a record of the wrong type fails at once without
 * holding up the valid sends issued right before and after it, and each client stays usable after
 * bad calls (a follow-up valid call reaches the broker). kcat reads back what was acknowledged.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaConfigError, KafkaRecordError, KafkaStateError } from '../../src/index.js'
import { bootstrap, kcat } from '../support/kafka.js'

const kafka = new Kafka({ clientId: 'bad-input-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

async function newTopic(partitions = 1): Promise<string> {
  const topic = `bad-input-${randomUUID()}`
  const [result] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  expect(result?.error).toBeNull()
  return topic
}

async function rejectsWithin<T>(promise: Promise<T>, ms: number): Promise<unknown> {
  const started = performance.now()
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (e: unknown) => e,
  )
  expect(performance.now() - started).toBeLessThan(ms)
  return error
}

describe('bad input on the real broker', () => {
  it('a number key, an object value and a bad header fail at once; the valid sends around them are delivered promptly', async () => {
    const topic = await newTopic()
    const producer = kafka.producer({ lingerMs: 5 })
    await producer.connect()
    const started = performance.now()
    const before = producer.send({ topic, key: 'a', value: 'before' })
    const badKey = producer.send({ topic, key: 42 as never, value: 'bad' })
    const badValue = producer.send({ topic, value: { not: 'bytes' } as never })
    const badHeader = producer.send({ topic, value: 'v', headers: { n: 1 as never } })
    const after = producer.send({ topic, key: 'b', value: 'after' })
    for (const [bad, field] of [
      [badKey, 'key'],
      [badValue, 'value'],
      [badHeader, 'headers.n'],
    ] as const) {
      const error = await rejectsWithin(bad, 100)
      expect(error).toBeInstanceOf(KafkaRecordError)
      expect((error as KafkaRecordError).field).toBe(field)
      expect((error as KafkaRecordError).retriable).toBe(false)
    }
    const delivered = await Promise.all([before, after])
    // maxBlockMs is 60 s: the valid records went with the next linger, not after a wait.
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(delivered.map((m) => m.offset)).toEqual([0n, 1n])
    expect(producer.bufferedBytes).toBe(0)
    await producer.disconnect()

    const read = await kcat(['-C', '-b', bootstrap(), '-t', topic, '-o', 'beginning', '-c', '2', '-e', '-q', '-f', '%k=%s\n'], {
      timeoutMs: 60_000,
    })
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout.trim().split('\n')).toEqual(['a=before', 'b=after'])
  })

  it('admin, producer and consumer stay usable after bad calls', async () => {
    const topic = await newTopic(2)
    // Admin: refused before any request, then a real call works.
    await expect(admin.createTopics([{ topic: `${topic}-x`, numPartitions: NaN }])).rejects.toBeInstanceOf(KafkaConfigError)
    await expect(admin.deleteTopics(['x'], { timeoutMs: NaN })).rejects.toBeInstanceOf(KafkaConfigError)
    const [description] = await admin.describeTopics([topic])
    expect(description?.partitions).toHaveLength(2)

    // Producer: a bad record, then a good one to an explicit partition.
    const producer = kafka.producer()
    await expect(producer.send({ topic, value: 'v', partition: NaN })).rejects.toBeInstanceOf(KafkaRecordError)
    const sent = await producer.send({ topic, value: 'ok', partition: 1 })
    expect(sent.partition).toBe(1)
    await producer.disconnect()
    await expect(producer.send({ topic, value: 'late' })).rejects.toBeInstanceOf(KafkaStateError)

    // Consumer: bad commits and assignments, then it reads the record and commits it.
    const consumer = kafka.consumer({ groupId: `bad-input-${randomUUID()}`, autoOffsetReset: 'earliest', autoCommit: false })
    expect(() => consumer.assign([{ topic, partition: -1 }])).toThrow(KafkaConfigError)
    await expect(consumer.commit([{ topic, partition: NaN, offset: 1n }])).rejects.toBeInstanceOf(KafkaConfigError)
    consumer.assign([{ topic, partition: 1 }])
    const seen: string[] = []
    const running = consumer.run({
      eachMessage: async (message) => {
        seen.push(message.value?.toString() ?? '')
        await consumer.stop()
      },
    })
    await expect(consumer.run({ eachMessage: async () => {} })).rejects.toBeInstanceOf(KafkaStateError)
    await running
    expect(seen).toEqual(['ok'])
    await consumer.commit([{ topic, partition: 1, offset: 1n }])
    const [committed] = await consumer.committed([{ topic, partition: 1 }])
    expect(committed?.offset).toBe(1n)
    await consumer.disconnect()
  })
})
