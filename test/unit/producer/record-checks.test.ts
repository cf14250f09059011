/**
 * A record that cannot be sent as it is (a key, value or header of the wrong type, a bad partition
 * or timestamp) fails at once with a non-retriable KafkaRecordError naming the field, takes no
 * buffer memory, and does not hold up the valid records around it. Against a fake broker that
 * acknowledges every Produce.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaRecordError } from '../../../src/errors.js'
import { Kafka } from '../../../src/index.js'
import { Accumulator } from '../../../src/producer/accumulator.js'
import { createProduceResponsePartitionProduceResponse } from '../../../src/protocol/messages/produce.js'
import { jsonSerde } from '../../../src/serde/serde.js'
import { FakeBroker } from '../consumer/fake-broker.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function producerOnFakeBroker(options: Record<string, unknown> = {}) {
  const broker = await FakeBroker.start()
  broker.topics.push({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 2 })
  let nextOffset = 0n
  broker.on('InitProducerId', () => ({ errorCode: 0, producerId: 7n, producerEpoch: 0 }))
  broker.on('Produce', (request) => ({
    responses: request.topicData.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) =>
        createProduceResponsePartitionProduceResponse({ index: p.index, errorCode: 0, baseOffset: nextOffset++ }),
      ),
    })),
  }))
  cleanups.push(() => broker.close())
  const kafka = new Kafka({ clientId: 'record-checks', brokers: [broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  const producer = kafka.producer({ lingerMs: 0, ...options })
  return { broker, producer }
}

/** Awaits a promise that must reject within `withinMs`; returns the error and how long it took. */
async function rejection(promise: Promise<unknown>, withinMs = 100): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    promise.then(
      () => ({ kind: 'resolved' as const }),
      (error: unknown) => ({ kind: 'rejected' as const, error }),
    ),
    new Promise<{ kind: 'late' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'late' }), withinMs * 20)
    }),
  ])
  clearTimeout(timer)
  const ms = performance.now() - started
  if (outcome.kind !== 'rejected') throw new Error(`expected a rejection within ${withinMs} ms, got ${outcome.kind}`)
  expect(ms).toBeLessThan(withinMs)
  return { error: outcome.error, ms }
}

const badRecords: Array<[string, Record<string, unknown>, string, RegExp]> = [
  ['a number key', { topic: 't', key: 42, value: 'v' }, 'key', /key: expected a string, Buffer\/Uint8Array or null .* got a number \(42\)/],
  ['an object key', { topic: 't', key: { id: 1 }, value: 'v' }, 'key', /got an object/],
  ['a Symbol key', { topic: 't', key: Symbol('k'), value: 'v' }, 'key', /got a symbol/],
  ['a bigint value', { topic: 't', value: 10n }, 'value', /value: .*got a bigint \(10n\)/],
  ['a number value', { topic: 't', value: 3.5 }, 'value', /got a number \(3.5\)/],
  ['a missing value', { topic: 't', key: 'k' }, 'value', /got undefined; use null for a record without a value/],
  ['a kafkajs-shaped record', { topic: 't', messages: [{ value: 'v' }] }, 'value', /`messages` field: .*sendBatch/],
  ['a number header value', { topic: 't', value: 'v', headers: { n: 1 } }, 'headers.n', /headers\.n: .*got a number \(1\)/],
  ['an undefined header value', { topic: 't', value: 'v', headers: { n: undefined } }, 'headers.n', /got undefined/],
  ['a header list entry without a string key', { topic: 't', value: 'v', headers: [{ key: 1, value: 'x' }] }, 'headers[0].key', /headers\[0\]\.key/],
  ['headers that are a string', { topic: 't', value: 'v', headers: 'x=1' }, 'headers', /headers: expected an object/],
  ['a NaN partition', { topic: 't', value: 'v', partition: NaN }, 'partition', /partition: expected a whole number >= 0, got a number \(NaN\)/],
  ['a negative partition', { topic: 't', value: 'v', partition: -1 }, 'partition', /partition/],
  ['a string partition', { topic: 't', value: 'v', partition: '0' }, 'partition', /got a string \("0"\)/],
  ['a negative timestamp', { topic: 't', value: 'v', timestamp: -5 }, 'timestamp', /timestamp: .*got a number \(-5\)/],
  ['a Date timestamp', { topic: 't', value: 'v', timestamp: new Date() }, 'timestamp', /got a Date/],
  ['a fractional timestamp', { topic: 't', value: 'v', timestamp: 1.5 }, 'timestamp', /timestamp/],
  ['a missing topic', { value: 'v' }, 'topic', /topic: expected a non-empty string, got undefined/],
]

describe('records of the wrong shape', () => {
  it.each(badRecords)('%s fails at once, naming the field, without taking memory', async (_label, record, field, message) => {
    const { producer } = await producerOnFakeBroker()
    const { error } = await rejection(producer.send(record as never))
    expect(error).toBeInstanceOf(KafkaRecordError)
    const e = error as KafkaRecordError
    expect(e.retriable).toBe(false)
    expect(e.field).toBe(field)
    expect(e.message).toMatch(message)
    expect(producer.bufferedBytes).toBe(0)
    // The producer goes on working.
    await expect(producer.send({ topic: 't', value: 'ok' })).resolves.toMatchObject({ topic: 't' })
  })

  it('a record that is not an object fails at once, and so does a sendBatch of something else', async () => {
    const { producer } = await producerOnFakeBroker()
    for (const record of [undefined, null, 'text', 42, [1]]) {
      const { error } = await rejection(producer.send(record as never))
      expect(error).toBeInstanceOf(KafkaRecordError)
      expect((error as Error).message).toMatch(/^record: expected an object/)
    }
    const { error } = await rejection(producer.sendBatch({ topic: 't', value: 'v' } as never))
    expect((error as Error).message).toMatch(/sendBatch: expected an array of records, got an object/)
  })

  it('a bad key does not hold up the valid sends issued just before and after it', async () => {
    const { producer } = await producerOnFakeBroker({ lingerMs: 20 })
    const started = performance.now()
    const before = producer.send({ topic: 't', key: 'a', value: 'before' })
    const bad = producer.send({ topic: 't', key: 42 as never, value: 'bad' })
    const after = producer.send({ topic: 't', key: 'b', value: 'after' })
    await expect(bad).rejects.toBeInstanceOf(KafkaRecordError)
    await expect(Promise.all([before, after])).resolves.toHaveLength(2)
    // maxBlockMs is 60 s: the valid sends went out with the next linger, not after a timeout.
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(producer.bufferedBytes).toBe(0)
  })

  it('sendBatch names the index of the bad record and delivers the others', async () => {
    const { producer } = await producerOnFakeBroker()
    const batch = producer.sendBatch([
      { topic: 't', value: 'zero' },
      { topic: 't', value: 'one', key: { no: 'serializer' } as never },
      { topic: 't', value: 'two' },
    ])
    const { error } = await rejection(batch, 2_000)
    const results = (error as { results: ReadonlyArray<{ metadata?: unknown; error?: KafkaRecordError }> }).results
    expect(results[0]?.metadata).toBeDefined()
    expect(results[2]?.metadata).toBeDefined()
    expect(results[1]?.error).toBeInstanceOf(KafkaRecordError)
    expect(results[1]?.error?.recordIndex).toBe(1)
    expect(results[1]?.error?.message).toMatch(/^records\[1\]\.key: .*got an object/)
  })

  it('a custom serializer that returns something other than bytes is named as the culprit', async () => {
    const { producer } = await producerOnFakeBroker({ valueSerializer: { serialize: (v: unknown) => v } })
    const { error } = await rejection(producer.send({ topic: 't', value: 12 as never }))
    expect((error as Error).message).toMatch(/value: the valueSerializer returned a number \(12\) for a number \(12\)/)
    // A serializer made for the type still works on the same producer.
    const json = await producerOnFakeBroker({ valueSerializer: jsonSerde() })
    await expect(json.producer.send({ topic: 't', value: { a: 1 } as never })).resolves.toMatchObject({ topic: 't' })
  })

  it('an oversized header fails at once with MESSAGE_TOO_LARGE', async () => {
    const { producer } = await producerOnFakeBroker({ maxRequestSize: 10_000 })
    const { error } = await rejection(producer.send({ topic: 't', value: 'v', headers: { big: 'x'.repeat(20_000) } }))
    expect(error).toBeInstanceOf(KafkaRecordError)
    expect((error as KafkaRecordError).errorName).toBe('MESSAGE_TOO_LARGE')
    expect(producer.bufferedBytes).toBe(0)
  })
})

describe('buffer memory accounting', () => {
  it('returns to zero once every batch is acknowledged (a batch gives back what its records took)', async () => {
    const { producer } = await producerOnFakeBroker()
    // One batch per send: a batch's header was once given back too, drifting the count below zero
    // by 61 bytes per batch until bufferMemory no longer bounded anything.
    for (let i = 0; i < 20; i++) await producer.send({ topic: 't', partition: 0, value: `v${i}` })
    expect(producer.bufferedBytes).toBe(0)
  })

  it('refuses a size that is not a byte count instead of queueing it forever', () => {
    const accumulator = new Accumulator(16_384, 1_000)
    for (const size of [NaN, -1, 1.5, Infinity]) {
      expect(() => accumulator.reserve(size, 60_000)).toThrow(KafkaRecordError)
    }
    expect(accumulator.usedMemory).toBe(0)
    expect(accumulator.reserve(10, 60_000)).toBeUndefined()
    expect(accumulator.memoryExhausted).toBe(false)
  })
})
