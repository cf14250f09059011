/**
 * Where records land, checked against Kafka's own Java producer (ConsoleProducer uses the Java
 * client's default partitioner) and read back by kcat.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { bootstrap, kcat, runKafkaTool, waitFor } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'producer-partitioning-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

async function topicWith(partitions: number): Promise<string> {
  const topic = `partitioning-${randomUUID()}`
  const [result] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  expect(result?.error).toBeNull()
  return topic
}

/** key → partition as kcat reads the topic. */
async function keyPartitions(topic: string, count: number): Promise<Map<string, number>> {
  const read = await kcat(['-C', '-b', bootstrap(), '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q', '-f', '%k\t%p\n'], {
    timeoutMs: 60_000,
  })
  expect(read.code, read.stderr).toBe(0)
  const map = new Map<string, number>()
  for (const line of read.stdout.trim().split('\n')) {
    const [key, partition] = line.split('\t')
    map.set(key as string, Number(partition))
  }
  return map
}

describe('partitioning', () => {
  it('puts 1,000 keys on the same partitions as Kafka’s Java console producer (12 partitions)', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}-${randomUUID().slice(0, 8 + (i % 5))}`)
    const javaTopic = await topicWith(12)
    const ours = await topicWith(12)

    const java = await runKafkaTool(
      'ConsoleProducer',
      ['--bootstrap-server', bootstrap(), '--topic', javaTopic, '--property', 'parse.key=true', '--property', 'key.separator=\t'],
      { input: keys.map((k) => `${k}\tv`).join('\n') + '\n', timeoutMs: 120_000 },
    )
    expect(java.code, java.stderr).toBe(0)

    const producer = kafka.producer()
    await Promise.all(keys.map((key) => producer.send({ topic: ours, key, value: 'v' })))
    await producer.disconnect()

    const expected = await keyPartitions(javaTopic, keys.length)
    const actual = await keyPartitions(ours, keys.length)
    expect(expected.size).toBe(keys.length)
    expect(new Set(expected.values()).size).toBe(12)
    expect(actual).toEqual(expected)
  })

  it('spreads keyless records over every partition', async () => {
    const topic = await topicWith(6)
    const producer = kafka.producer({ batchSize: 1024, lingerMs: 1 })
    const sent = await Promise.all(Array.from({ length: 3000 }, (_, i) => producer.send({ topic, value: `value-${i}` })))
    await producer.disconnect()
    const counts = new Map<number, number>()
    for (const m of sent) counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1)
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5])
    const offsets = await admin.describeTopics([topic])
    expect(offsets[0]?.partitions).toHaveLength(6)
  })

  it('cycles through partitions with the round-robin partitioner, ignoring keys', async () => {
    const topic = await topicWith(4)
    const producer = kafka.producer({ partitioner: 'round-robin' })
    const sent: number[] = []
    for (let i = 0; i < 8; i++) sent.push((await producer.send({ topic, key: 'same-key', value: `v${i}` })).partition)
    await producer.disconnect()
    expect(new Set(sent.slice(0, 4)).size).toBe(4)
    expect(sent.slice(4)).toEqual(sent.slice(0, 4))
  })

  it('picks up partitions added to a topic from refreshed metadata', async () => {
    const quick = new Kafka({ clientId: 'partition-growth', brokers: bootstrap().split(','), metadataMaxAgeMs: 300 })
    try {
      const topic = await topicWith(2)
      const producer = quick.producer({ partitioner: 'round-robin' })
      const first = await Promise.all(Array.from({ length: 4 }, (_, i) => producer.send({ topic, value: `before-${i}` })))
      expect(new Set(first.map((m) => m.partition))).toEqual(new Set([0, 1]))
      const [grown] = await admin.createPartitions([{ topic, count: 4 }])
      expect(grown?.error).toBeNull()
      const seen = new Set<number>()
      await waitFor(
        async () => {
          seen.add((await producer.send({ topic, value: 'after' })).partition)
          return seen.has(2) && seen.has(3)
        },
        { timeoutMs: 15_000, intervalMs: 50, message: 'records on the new partitions' },
      )
      await producer.disconnect()
    } finally {
      await quick.close()
    }
  })

  it('uses an explicit partition and a custom partitioner as given', async () => {
    const topic = await topicWith(5)
    const producer = kafka.producer({ partitioner: ({ numPartitions }) => numPartitions - 1 })
    expect((await producer.send({ topic, value: 'x' })).partition).toBe(4)
    expect((await producer.send({ topic, value: 'y', partition: 2 })).partition).toBe(2)
    await producer.disconnect()
  })
})
