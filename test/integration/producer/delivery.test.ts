/**
 * The three send styles, acks levels and codecs, with kcat as the independent reader.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaBrokerError, KafkaError, KafkaRecordError, KafkaProduceBatchError, ErrorCode, type CompressionName, type RecordMetadata } from '../../../src/index.js'
import { bootstrap, kcat, waitFor } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'producer-delivery-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

async function topicWith(partitions: number, configs?: Record<string, string>): Promise<string> {
  const topic = `delivery-${randomUUID()}`
  const [result] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1, configs }])
  expect(result?.error).toBeNull()
  return topic
}

interface Read {
  partition: number
  offset: bigint
  key: string
  value: string
  headers: string
}

async function readAll(topic: string, count: number): Promise<Read[]> {
  const result = await kcat(
    ['-C', '-b', bootstrap(), '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q', '-f', '%p\t%o\t%k\t%s\t%h\n'],
    { timeoutMs: 60_000 },
  )
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [partition, offset, key, value, headers] = line.split('\t')
      return { partition: Number(partition), offset: BigInt(offset as string), key: key ?? '', value: value ?? '', headers: headers ?? '' }
    })
}

describe('send styles', () => {
  it('sync: each awaited send resolves with the offset kcat then finds', async () => {
    const topic = await topicWith(1)
    const producer = kafka.producer()
    const metas: RecordMetadata[] = []
    for (let i = 0; i < 5; i++) {
      metas.push(await producer.send({ topic, key: `k${i}`, value: `sync-${i}`, headers: { trace: `t${i}` } }))
    }
    await producer.disconnect()
    expect(metas.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n])
    const read = await readAll(topic, 5)
    expect(read.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual(
      metas.map((m, i) => [m.offset, `k${i}`, `sync-${i}`, `trace=t${i}`]),
    )
  })

  it('async: thousands in flight keep send order within each partition', async () => {
    const topic = await topicWith(3)
    const producer = kafka.producer({ lingerMs: 10 })
    const keys = ['a', 'b', 'c', 'd', 'e', 'f']
    const sends = Array.from({ length: 6000 }, (_, i) => producer.send({ topic, key: keys[i % keys.length], value: String(i) }))
    const metas = await Promise.all(sends)
    await producer.disconnect()
    const read = await readAll(topic, 6000)
    // Per key (so per partition), values arrive in the order they were sent.
    for (const key of keys) {
      const values = read.filter((r) => r.key === key).map((r) => Number(r.value))
      expect(values).toEqual([...values].sort((x, y) => x - y))
      expect(values).toHaveLength(1000)
    }
    // Every promise's offset is where kcat found that record.
    const where = new Map(read.map((r) => [r.value, `${r.partition}/${r.offset}`]))
    metas.forEach((m, i) => expect(where.get(String(i))).toBe(`${m.partition}/${m.offset}`))
  })

  it('fire-and-forget: no await, flush delivers, failures arrive as deliveryError events and never as unhandled rejections', async () => {
    const topic = await topicWith(2)
    const producer = kafka.producer()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    const failures: KafkaError[] = []
    producer.on('deliveryError', (error) => failures.push(error))
    try {
      for (let i = 0; i < 500; i++) void producer.send({ topic, value: `ff-${i}` })
      void producer.send({ topic, value: 'bad', partition: 99 })
      await producer.flush()
      await waitFor(() => failures.length === 1, { timeoutMs: 5_000, message: 'deliveryError event' })
      expect(failures[0]).toBeInstanceOf(KafkaRecordError)
      expect(failures[0]?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
      const read = await readAll(topic, 500)
      expect(new Set(read.map((r) => r.value)).size).toBe(500)
      // Give the event loop a turn in which an unhandled rejection would have been reported.
      await new Promise<void>((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
      await producer.disconnect()
    }
  })
})

describe('acks and compression', () => {
  it.each([0, 1, 'all'] as const)('acks=%s delivers', async (acks) => {
    const topic = await topicWith(1)
    const producer = kafka.producer({ acks, enableIdempotence: acks === 'all' })
    const metas = await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, value: `acks-${i}` })))
    await producer.disconnect()
    if (acks === 0) expect(metas.every((m) => m.offset === -1n)).toBe(true)
    else expect(metas.map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_, i) => BigInt(i)))
    const read = await readAll(topic, 100)
    expect(read.map((r) => r.value)).toEqual(Array.from({ length: 100 }, (_, i) => `acks-${i}`))
  })

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as CompressionName[])('%s batches are read intact by kcat', async (compressionType) => {
    const topic = await topicWith(1)
    const producer = kafka.producer({ compressionType, lingerMs: 20 })
    const values = Array.from({ length: 300 }, (_, i) => `${compressionType}-${i}-${'z'.repeat(i % 50)}`)
    await Promise.all(values.map((value, i) => producer.send({ topic, key: `k${i}`, value })))
    await producer.disconnect()
    expect((await readAll(topic, 300)).map((r) => r.value)).toEqual(values)
  })
})

describe('bad input', () => {
  it('a value over the topic’s max.message.bytes fails alone; the rest of the batch is delivered', async () => {
    const topic = await topicWith(1, { 'max.message.bytes': '2000' })
    const producer = kafka.producer({ lingerMs: 50 })
    const results = await producer
      .sendBatch([
        { topic, value: 'small-1' },
        { topic, value: 'x'.repeat(5000) },
        { topic, value: 'small-2' },
      ])
      .catch((e: unknown) => e)
    await producer.disconnect()
    expect(results).toBeInstanceOf(KafkaProduceBatchError)
    const outcome = (results as KafkaProduceBatchError).results
    expect('metadata' in outcome[0]!).toBe(true)
    expect('error' in outcome[1]! && outcome[1].error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE)
    expect('metadata' in outcome[2]!).toBe(true)
    expect((await readAll(topic, 2)).map((r) => r.value)).toEqual(['small-1', 'small-2'])
  })

  it('flush waits for records of a batch the broker made the producer split', async () => {
    const topic = await topicWith(1, { 'max.message.bytes': '3000' })
    const producer = kafka.producer({ lingerMs: 100 })
    const sends = Array.from({ length: 8 }, (_, i) => producer.send({ topic, value: `${i}-${'s'.repeat(900)}` }))
    const settled = Promise.allSettled(sends)
    await producer.flush()
    // flush resolved, so every record has settled: the promises are already done.
    const outcome = await Promise.race([settled, new Promise((resolve) => setImmediate(() => resolve('pending')))])
    expect(outcome).not.toBe('pending')
    await producer.disconnect()
    expect((await settled).every((s) => s.status === 'fulfilled')).toBe(true)
    expect(await readAll(topic, 8)).toHaveLength(8)
  })

  it('a partition the topic does not have is a typed error at once', async () => {
    const topic = await topicWith(2)
    const producer = kafka.producer()
    const error = await producer.send({ topic, value: 'v', partition: 7 }).catch((e: unknown) => e)
    await producer.disconnect()
    expect(error).toBeInstanceOf(KafkaRecordError)
    expect((error as KafkaRecordError).message).toMatch(/partition 7 does not exist/)
  })

  it('a record larger than maxRequestSize is refused before it is buffered', async () => {
    const topic = await topicWith(1)
    const producer = kafka.producer({ maxRequestSize: 1000 })
    const error = await producer.send({ topic, value: 'y'.repeat(2000) }).catch((e: unknown) => e)
    await producer.disconnect()
    expect(error).toBeInstanceOf(KafkaRecordError)
    expect((error as KafkaRecordError).code).toBe(ErrorCode.MESSAGE_TOO_LARGE)
  })

  it('a serializer that throws rejects that record only', async () => {
    const topic = await topicWith(1)
    const producer = kafka.producer<string, { n: number }>({
      valueSerializer: {
        serialize: (value) => {
          if (value.n < 0) throw new Error('negative')
          return Buffer.from(String(value.n))
        },
      },
    })
    const bad = await producer.send({ topic, value: { n: -1 } }).catch((e: unknown) => e)
    const good = await producer.send({ topic, value: { n: 5 } })
    await producer.disconnect()
    expect(bad).toBeInstanceOf(KafkaRecordError)
    expect(good.offset).toBe(0n)
  })

  it('a topic name the broker refuses fails at once with its typed error, without waiting for maxBlockMs', async () => {
    const producer = kafka.producer({ maxBlockMs: 30_000 })
    const started = Date.now()
    // Too long for a topic name: the broker answers INVALID_TOPIC_EXCEPTION, which waiting cannot fix.
    const error = await producer.send({ topic: 'x'.repeat(300), value: 'v' }).catch((e: unknown) => e)
    await producer.disconnect()
    expect(error).toBeInstanceOf(KafkaBrokerError)
    expect((error as KafkaBrokerError).code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})
