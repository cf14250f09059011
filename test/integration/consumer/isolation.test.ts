/**
 * Transactional records written by kafkats' transactional producer: read_committed hides the
 * aborted transaction (and every transaction marker) and still reads what follows it;
 * read_uncommitted shows the aborted records too. kcat (read_uncommitted) confirms the log holds
 * the aborted records, so hiding them is the consumer's work.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, stringSerde } from '../../../src/index.js'
import { bootstrap, kcat } from '../../support/kafka.js'
import { consume, newTopic } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-isolation-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
let topic: string

// Two partitions; each gets: committed txn, aborted txn, committed txn, interleaved as written.
const committed = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']
const aborted = ['a1', 'a2', 'a3', 'a4']

beforeAll(async () => {
  topic = await newTopic(admin, 'consume-isolation', 2)
  const producer = kafka.producer({ transactionalId: `isolation-${randomUUID()}` })
  await producer.initTransactions()
  const send = (values: string[]) => Promise.all(values.map((value, i) => producer.send({ topic, partition: i % 2, value })))
  producer.beginTransaction()
  await send(['c1', 'c2'])
  await producer.commitTransaction()
  producer.beginTransaction()
  await send(aborted)
  await producer.abortTransaction()
  producer.beginTransaction()
  await send(['c3', 'c4', 'c5', 'c6'])
  await producer.commitTransaction()
  await producer.disconnect()
})

afterAll(() => kafka.close())

describe('isolation levels', () => {
  it('the log holds the aborted records (kcat, read_uncommitted)', async () => {
    const read = await kcat(['-C', '-b', bootstrap(), '-t', topic, '-o', 'beginning', '-c', '10', '-e', '-q', '-X', 'isolation.level=read_uncommitted'], { timeoutMs: 60_000 })
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout.split('\n').filter((l) => l !== '').sort()).toEqual([...committed, ...aborted].sort())
  })

  it('read_committed skips the aborted transaction and reads past it', async () => {
    const consumer = kafka.consumer({ isolationLevel: 'read_committed', valueDeserializer: stringSerde, autoOffsetReset: 'earliest' })
    consumer.assign([0, 1].map((partition) => ({ topic, partition })))
    const messages = await consume(consumer, committed.length)
    expect(messages.map((m) => m.value).sort()).toEqual(committed)
    // Per partition: c-records in order, offsets rising past the aborted records and markers.
    for (const partition of [0, 1]) {
      const mine = messages.filter((m) => m.partition === partition)
      expect(mine.map((m) => m.value)).toEqual(committed.filter((_, i) => i % 2 === partition))
      const offsets = mine.map((m) => m.offset)
      // c1/c2 at 0, its commit marker at 1, 2 aborted records + marker at 2..4, then c3..: offset 5.
      expect(offsets[0]).toBe(0n)
      expect(offsets[1]).toBe(5n)
    }
    // Nothing else arrives: the partitions end with the last commit marker.
    const end = await admin.listOffsets([0, 1].map((partition) => ({ topic, partition, spec: 'latest' as const })), {
      isolationLevel: 'read_committed',
    })
    expect(end.map((e) => e.offset)).toEqual([8n, 8n])
    await consumer.disconnect()
  })

  it('read_uncommitted shows the aborted records as well, never the markers', async () => {
    const consumer = kafka.consumer({ valueDeserializer: stringSerde, autoOffsetReset: 'earliest' })
    consumer.assign([0, 1].map((partition) => ({ topic, partition })))
    const messages = await consume(consumer, committed.length + aborted.length)
    expect(messages.map((m) => m.value).sort()).toEqual([...committed, ...aborted].sort())
    const p0 = messages.filter((m) => m.partition === 0)
    expect(p0.map((m) => [m.offset, m.value])).toEqual([
      [0n, 'c1'],
      [2n, 'a1'],
      [3n, 'a3'],
      [5n, 'c3'],
      [6n, 'c5'],
    ])
    await consumer.disconnect()
  })
})
