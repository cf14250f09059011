/**
 * Deserializers that see a context (topic, partition, offset, headers, key or value) and may
 * answer with a promise: messages still come in offset order and complete, with `run()` (each
 * message and each batch) and the iterator; a rejection stops the partition at that record with a
 * KafkaDeserializationError after the records before it, and nothing past it is committed. A
 * deserializer that answers synchronously keeps one reused context. Against the scripted broker.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { Consumer, type ConsumerMessage } from '../../../src/consumer/consumer.js'
import { KafkaDeserializationError } from '../../../src/consumer/errors.js'
import type { ConsumerOptions } from '../../../src/consumer/options.js'
import { encodeRecordBatch } from '../../../src/protocol/record-batch.js'
import type { Deserializer, DeserializerContext } from '../../../src/serde/serde.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { FakeBroker, clusterFor, type FakeTopic } from './fake-broker.js'
import { FakeLog } from './fake-log.js'

let broker: FakeBroker
let cluster: Cluster
const consumers: Array<Consumer<unknown, unknown>> = []

beforeEach(async () => {
  broker = await FakeBroker.start()
  cluster = clusterFor(broker)
})

afterEach(async () => {
  await Promise.allSettled(consumers.splice(0).map((c) => c.disconnect()))
  cluster.close()
  await broker.close()
})

const TOPIC: FakeTopic = { name: 'orders', id: 'AQIDBAUGBwgJCgsMDQ4PEA', partitions: 2, leaderEpoch: 0 }
const p0 = { topic: 'orders', partition: 0 }

function consumer<K, V>(options: ConsumerOptions<K, V>): Consumer<K, V> {
  const c = new Consumer<K, V>(cluster, { fetchMaxWaitMs: 20, autoOffsetReset: 'earliest', ...options }, () => {})
  consumers.push(c as Consumer<unknown, unknown>)
  return c
}

/** Later offsets answer first: offset n waits 20 - n turns of the microtask queue. */
const reversedAsyncString: Deserializer<string | null> = {
  async deserialize(data, context) {
    for (let i = Number(context.offset); i < 20; i++) await Promise.resolve()
    return stringSerde.deserialize(data)
  },
}

async function logWith(records: number, perBatch = 3, partition = 0): Promise<FakeLog> {
  const log = new FakeLog(TOPIC)
  await log.append(partition, records, { perBatch })
  log.serve(broker)
  return log
}

function commitsAccepted(): void {
  broker.on('OffsetCommit', (request) => ({
    topics: request.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
    })),
  }))
}

const committed = (): Array<readonly [number, bigint]> =>
  broker.requests('OffsetCommit').flatMap((r) => r.body.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset] as const)))

const range = (n: number, from = 0): bigint[] => Array.from({ length: n }, (_, i) => BigInt(from + i))

describe('async deserializers', () => {
  it('run(eachMessage) gets complete messages in offset order whatever order the promises resolve in', async () => {
    await logWith(12)
    const c = consumer<Buffer | null, string | null>({ maxPollRecords: 5, valueDeserializer: reversedAsyncString })
    c.assign([{ ...p0, offset: 0n }])
    const seen: Array<ConsumerMessage<Buffer | null, string | null>> = []
    await c.run({
      eachMessage: async (m) => {
        seen.push(m)
        if (seen.length === 12) await c.stop()
      },
    })
    expect(seen.map((m) => m.offset)).toEqual(range(12))
    expect(seen.map((m) => m.value)).toEqual(range(12).map((o) => `p0-${o}`))
    expect(seen.every((m) => Buffer.isBuffer(m.key))).toBe(true)
  })

  it('the iterator and eachBatch see resolved keys and values only', async () => {
    await logWith(6)
    const asyncKey: Deserializer<string | null> = { deserialize: async (data) => stringSerde.deserialize(data) }
    const c = consumer({ maxPollRecords: 4, keyDeserializer: asyncKey, valueDeserializer: reversedAsyncString })
    c.assign([{ ...p0, offset: 0n }])
    const iterated: Array<[string | null, string | null]> = []
    for await (const m of c) {
      iterated.push([m.key, m.value])
      if (iterated.length === 3) break
    }
    expect(iterated).toEqual([['k0', 'p0-0'], ['k1', 'p0-1'], ['k2', 'p0-2']])
    // The iterator handed offset 2 out but left before finishing it: it comes again.
    const batches: Array<Array<string | null>> = []
    await c.run({
      eachBatch: async (batch) => {
        batches.push(batch.messages.map((m) => m.value))
        if (batch.messages.some((m) => m.offset === 5n)) await c.stop()
      },
    })
    expect(batches.flat()).toEqual(['p0-2', 'p0-3', 'p0-4', 'p0-5'])
  })

  it('a rejection stops the partition at its record after the ones before it; nothing past it is committed', async () => {
    await logWith(10)
    commitsAccepted()
    const boom = new Error('unknown schema id')
    const failing: Deserializer<string | null> = {
      async deserialize(data, context) {
        await Promise.resolve()
        if (context.offset === 6n) throw boom
        return stringSerde.deserialize(data)
      },
    }
    const c = consumer({ groupId: 'g', autoCommit: false, maxPollRecords: 4, valueDeserializer: failing })
    c.assign([{ ...p0, offset: 0n }])
    const handled: bigint[] = []
    const failure = await c.run({ eachMessage: (m) => void handled.push(m.offset) }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaDeserializationError)
    expect(failure).toMatchObject({ topic: 'orders', partition: 0, offset: 6n, cause: boom })
    expect((failure as Error).message).toMatch(/orders-0 offset 6: unknown schema id/)
    expect(handled).toEqual(range(6))
    expect(await c.position(p0)).toBe(6n)
    await c.commit()
    expect(committed()).toEqual([[0, 6n]])
    // A seek past the bad record goes on from there.
    c.seek(p0, 7n)
    const after: bigint[] = []
    await c.run({
      eachMessage: async (m) => {
        after.push(m.offset)
        if (m.offset === 9n) await c.stop()
      },
    })
    expect(after).toEqual(range(3, 7))
  })

  it('a rejection at the first record of a chunk fails the partition at once, for the iterator too', async () => {
    await logWith(8, 4)
    const failing: Deserializer<string | null> = {
      deserialize: (data, context) => (context.offset === 4n ? Promise.reject(new Error('bad')) : Promise.resolve(stringSerde.deserialize(data))),
    }
    const c = consumer({ maxPollRecords: 4, valueDeserializer: failing })
    c.assign([{ ...p0, offset: 0n }])
    const seen: bigint[] = []
    const failure = await (async () => {
      for await (const m of c) seen.push(m.offset)
    })().catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaDeserializationError)
    expect(failure).toMatchObject({ partition: 0, offset: 4n })
    expect(seen).toEqual(range(4))
    expect(await c.position(p0)).toBe(4n)
  })

  it('a sync throw after pending records ends the chunk before it, as before', async () => {
    await logWith(6, 6)
    const mixed: Deserializer<string | null> = {
      deserialize(data, context) {
        if (context.offset === 3n) throw new Error('sync boom')
        return Promise.resolve(stringSerde.deserialize(data))
      },
    }
    const c = consumer({ valueDeserializer: mixed })
    c.assign([{ ...p0, offset: 0n }])
    const seen: bigint[] = []
    const failure = await c.run({ eachMessage: (m) => void seen.push(m.offset) }).catch((e: unknown) => e)
    expect(failure).toMatchObject({ name: 'KafkaDeserializationError', offset: 3n })
    expect(seen).toEqual(range(3))
  })
})

describe('deserializer context', () => {
  it('names topic, partition, offset, key or value, and shows the record headers', async () => {
    const log = new FakeLog(TOPIC)
    log.serve(broker)
    const bytes = await encodeRecordBatch({
      baseOffset: 0n,
      partitionLeaderEpoch: 0,
      records: [0, 1].map((i) => ({
        timestamp: 1_700_000_000_000n,
        key: Buffer.from(`k${i}`),
        value: Buffer.from(`v${i}`),
        headers: [{ key: 'schema-id', value: Buffer.from(String(40 + i)) }],
      })),
    })
    ;(log.partitions[1] as Array<{ baseOffset: bigint; lastOffset: bigint; bytes: Buffer }>).push({ baseOffset: 0n, lastOffset: 1n, bytes })
    const seen: Array<{ topic: string; partition: number; offset: bigint; isKey: boolean; headers: string[] }> = []
    const recording: Deserializer<string | null> = {
      async deserialize(data, context) {
        await Promise.resolve()
        // Read after the await: the context is still this record's.
        const headers = context.headers.map((h) => `${h.key}=${stringSerde.deserialize(h.value)}`)
        seen.push({ topic: context.topic, partition: context.partition, offset: context.offset, isKey: context.isKey, headers })
        return stringSerde.deserialize(data)
      },
    }
    const c = consumer({ keyDeserializer: recording, valueDeserializer: recording })
    c.assign([{ topic: 'orders', partition: 1, offset: 0n }])
    const messages: Array<[string | null, string | null]> = []
    for await (const m of c) {
      messages.push([m.key, m.value])
      if (messages.length === 2) break
    }
    expect(messages).toEqual([['k0', 'v0'], ['k1', 'v1']])
    const sorted = [...seen].sort((a, b) => Number(a.offset - b.offset) || Number(b.isKey) - Number(a.isKey))
    expect(sorted).toEqual([
      { topic: 'orders', partition: 1, offset: 0n, isKey: true, headers: ['schema-id=40'] },
      { topic: 'orders', partition: 1, offset: 0n, isKey: false, headers: ['schema-id=40'] },
      { topic: 'orders', partition: 1, offset: 1n, isKey: true, headers: ['schema-id=41'] },
      { topic: 'orders', partition: 1, offset: 1n, isKey: false, headers: ['schema-id=41'] },
    ])
  })

  it('a sync deserializer gets one reused context per take, pointed at each record in turn', async () => {
    await logWith(4, 4)
    const contexts = new Set<DeserializerContext>()
    const offsets: bigint[] = []
    const c = consumer({
      valueDeserializer: {
        deserialize(data: Uint8Array | null, context: DeserializerContext) {
          contexts.add(context)
          offsets.push(context.offset)
          return stringSerde.deserialize(data)
        },
      },
    })
    c.assign([{ ...p0, offset: 0n }])
    const values: Array<string | null> = []
    for await (const m of c) {
      values.push(m.value)
      if (values.length === 4) break
    }
    expect(values).toEqual(['p0-0', 'p0-1', 'p0-2', 'p0-3'])
    expect(offsets).toEqual(range(4))
    expect(contexts.size).toBe(1)
  })
})
