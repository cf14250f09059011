/**
 * Serializers that see a context (topic, headers, key or value) and may answer with a promise:
 * an async-serialized send keeps its place among the sends to its topic, takes no buffer memory
 * until it is serialized (none at all when its serializer fails), and can add headers that reach
 * the wire. A serializer that answers synchronously keeps the fast path: the record is in its
 * batch when `send` returns. Against a fake broker that keeps what it is sent.
 */
import { deferred } from '../../support/deferred.js'
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaRecordError, KafkaStateError } from '../../../src/errors.js'
import { Kafka } from '../../../src/index.js'
import type { ProducerOptions } from '../../../src/producer/options.js'
import { createProduceResponsePartitionProduceResponse } from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import type { RecordHeader } from '../../../src/protocol/record.js'
import type { Serializer, SerializerContext } from '../../../src/serde/serde.js'
import { FakeBroker } from '../consumer/fake-broker.js'
import { waitFor } from '../../support/wait-for.js'

interface Stored {
  readonly key: string | null
  readonly value: string | null
  readonly headers: Record<string, string | null>
}

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A fake broker whose partitions keep the records produced to them, decoded. */
async function startBroker(): Promise<{ broker: FakeBroker; log: Stored[][] }> {
  const broker = await FakeBroker.start()
  broker.topics.push({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 2 })
  const log: Stored[][] = [[], []]
  broker.on('InitProducerId', () => ({ errorCode: 0, producerId: 7n, producerEpoch: 0 }))
  broker.on('Produce', async (request) => {
    const responses = []
    for (const t of request.topicData) {
      const partitionResponses = []
      for (const p of t.partitionData) {
        const stored = log[p.index] as Stored[]
        const baseOffset = BigInt(stored.length)
        const { batches } = await decodeRecordBatches(p.records ?? new Uint8Array())
        for (const batch of batches) {
          if (batch.isControl) continue
          for (const r of batch.records) stored.push({ key: text(r.key), value: text(r.value), headers: headerMap(r.headers) })
        }
        partitionResponses.push(createProduceResponsePartitionProduceResponse({ index: p.index, errorCode: 0, baseOffset }))
      }
      responses.push({ name: t.name, topicId: t.topicId, partitionResponses })
    }
    return { responses }
  })
  cleanups.push(() => broker.close())
  return { broker, log }
}

function text(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString('utf8')
}

function headerMap(headers: readonly RecordHeader[]): Record<string, string | null> {
  return Object.fromEntries(headers.map((h) => [h.key, text(h.value)]))
}

async function producerFor<K, V>(broker: FakeBroker, options: ProducerOptions<K, V>) {
  const kafka = new Kafka({ clientId: 'async-serializer', brokers: [broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  const producer = kafka.producer<K, V>({ lingerMs: 0, ...options } as never)
  await producer.connect()
  return producer
}


/** A value serializer that answers `slow…` values only when the test says so, and the rest at once. */
function gatedSerializer(): { serializer: Serializer<string>; gates: Map<string, ReturnType<typeof deferred<void>>> } {
  const gates = new Map<string, ReturnType<typeof deferred<void>>>()
  const serializer: Serializer<string> = {
    serialize(value) {
      if (!value.startsWith('slow')) return Buffer.from(value)
      const gate = deferred<void>()
      gates.set(value, gate)
      return gate.promise.then(() => Buffer.from(value))
    },
  }
  return { serializer, gates }
}

describe('async serializers', () => {
  it('keep the order of the sends to a topic whatever order their promises resolve in', async () => {
    const { broker, log } = await startBroker()
    const { serializer, gates } = gatedSerializer()
    const producer = await producerFor(broker, { valueSerializer: serializer })
    // One key: one partition, whose log order is the order the records were appended in.
    const values = ['slow-1', 'fast-2', 'slow-3', 'slow-4', 'fast-5']
    const sends = values.map((value) => producer.send({ topic: 't', key: 'k', value }))
    // Later sends resolve first; the sync ones behind an async one wait for it.
    for (const name of ['slow-4', 'slow-3', 'slow-1']) gates.get(name)?.resolve()
    const metadata = await Promise.all(sends)
    const partition = metadata[0]?.partition as number
    expect(metadata.map((m) => m.partition)).toEqual(values.map(() => partition))
    expect(metadata.map((m) => m.offset)).toEqual([0n, 1n, 2n, 3n, 4n])
    expect((log[partition] as Stored[]).map((r) => r.value)).toEqual(values)
  })

  it('take no buffer memory while serializing, and a send behind them waits its turn', async () => {
    const { broker, log } = await startBroker()
    const { serializer, gates } = gatedSerializer()
    const producer = await producerFor(broker, { valueSerializer: serializer })
    const slow = producer.send({ topic: 't', partition: 0, value: 'slow' })
    const fast = producer.send({ topic: 't', partition: 0, value: 'fast' })
    expect(producer.bufferedBytes).toBe(0)
    gates.get('slow')?.resolve()
    await Promise.all([slow, fast])
    expect((log[0] as Stored[]).map((r) => r.value)).toEqual(['slow', 'fast'])
  })

  it('a rejection fails that send with a KafkaRecordError, touches no memory, and the producer goes on', async () => {
    const { broker, log } = await startBroker()
    const boom = new Error('schema registry said no')
    const producer = await producerFor(broker, {
      valueSerializer: {
        serialize: async (value: string) => {
          await Promise.resolve()
          if (value === 'bad') throw boom
          return Buffer.from(value)
        },
      },
    })
    const sends = ['one', 'bad', 'three'].map((value) => producer.send({ topic: 't', partition: 1, value }))
    const [one, bad, three] = await Promise.allSettled(sends)
    expect(one?.status).toBe('fulfilled')
    expect(three?.status).toBe('fulfilled')
    const error = (bad as PromiseRejectedResult).reason as KafkaRecordError
    expect(error).toBeInstanceOf(KafkaRecordError)
    expect(error).toMatchObject({ errorName: 'SERIALIZATION_ERROR', field: 'value', retriable: false, cause: boom })
    expect(error.message).toMatch(/value serializer failed for topic t/)
    expect(producer.bufferedBytes).toBe(0)
    expect((log[1] as Stored[]).map((r) => r.value)).toEqual(['one', 'three'])
    await producer.send({ topic: 't', partition: 1, value: 'four' })
    expect((log[1] as Stored[]).map((r) => r.value)).toEqual(['one', 'three', 'four'])
  })

  it('a resolved non-bytes value, or a record that is then too large, is refused the same way', async () => {
    const { broker } = await startBroker()
    const producer = await producerFor(broker, {
      maxRequestSize: 2_000,
      valueSerializer: { serialize: async (size: number) => (size < 0 ? (42 as unknown as Uint8Array) : Buffer.alloc(size)) },
    })
    await expect(producer.send({ topic: 't', value: -1 })).rejects.toMatchObject({ errorName: 'SERIALIZATION_ERROR', field: 'value' })
    await expect(producer.send({ topic: 't', value: 5_000 })).rejects.toMatchObject({ errorName: 'MESSAGE_TOO_LARGE' })
    expect(producer.bufferedBytes).toBe(0)
    await expect(producer.send({ topic: 't', value: 10 })).resolves.toMatchObject({ topic: 't' })
  })

  it('in sendBatch, a rejected record is named by its index and the others are delivered', async () => {
    const { broker } = await startBroker()
    const producer = await producerFor(broker, {
      valueSerializer: { serialize: (v: string) => (v === 'bad' ? Promise.reject(new Error('no')) : Promise.resolve(Buffer.from(v))) },
    })
    const failure = await producer.sendBatch(['a', 'bad', 'c'].map((value) => ({ topic: 't', value }))).catch((e: unknown) => e)
    const results = (failure as { results: Array<{ error?: KafkaRecordError }> }).results
    expect(results.map((r) => r.error?.recordIndex)).toEqual([undefined, 1, undefined])
  })

  it('an abort while serializing rejects with the reason; the record is never sent', async () => {
    const { broker, log } = await startBroker()
    const { serializer, gates } = gatedSerializer()
    const producer = await producerFor(broker, { valueSerializer: serializer })
    const controller = new AbortController()
    const aborted = producer.send({ topic: 't', partition: 0, value: 'slow' }, { signal: controller.signal })
    const behind = producer.send({ topic: 't', partition: 0, value: 'after' })
    const reason = new Error('user gave up')
    controller.abort(reason)
    await expect(aborted).rejects.toBe(reason)
    gates.get('slow')?.resolve()
    await behind
    expect((log[0] as Stored[]).map((r) => r.value)).toEqual(['after'])
    expect(producer.bufferedBytes).toBe(0)
  })

  it('a send still serializing when the producer closes without flushing fails with a KafkaStateError', async () => {
    const { broker, log } = await startBroker()
    const { serializer, gates } = gatedSerializer()
    const producer = await producerFor(broker, { valueSerializer: serializer })
    const pending = producer.send({ topic: 't', partition: 0, value: 'slow' })
    await producer.disconnect({ flush: false })
    gates.get('slow')?.resolve()
    await expect(pending).rejects.toBeInstanceOf(KafkaStateError)
    expect(log[0]).toEqual([])
  })

  it('flush waits for sends still serializing', async () => {
    const { broker, log } = await startBroker()
    const { serializer, gates } = gatedSerializer()
    const producer = await producerFor(broker, { valueSerializer: serializer })
    void producer.send({ topic: 't', partition: 0, value: 'slow' })
    let flushed = false
    const flushing = producer.flush().then(() => (flushed = true))
    await Promise.resolve()
    expect(flushed).toBe(false)
    gates.get('slow')?.resolve()
    await flushing
    expect((log[0] as Stored[]).map((r) => r.value)).toEqual(['slow'])
  })
})

describe('serializer context', () => {
  it('names the topic and whether it is the key, and shows the record headers as bytes', async () => {
    const { broker } = await startBroker()
    const seen: Array<{ topic: string; isKey: boolean; headers: Record<string, string | null> }> = []
    const record = (value: string, context: SerializerContext): Buffer => {
      seen.push({ topic: context.topic, isKey: context.isKey, headers: headerMap(context.headers) })
      return Buffer.from(value)
    }
    const producer = await producerFor(broker, { keySerializer: { serialize: record }, valueSerializer: { serialize: record } })
    await producer.send({ topic: 't', key: 'k', value: 'v', headers: { trace: 'abc', empty: null } })
    expect(seen).toEqual([
      { topic: 't', isKey: true, headers: { trace: 'abc', empty: null } },
      { topic: 't', isKey: false, headers: { trace: 'abc', empty: null } },
    ])
  })

  it('headers a serializer adds, before or after awaiting, reach the wire; the value serializer sees the key’s', async () => {
    const { broker, log } = await startBroker()
    let valueSaw: string[] = []
    const producer = await producerFor(broker, {
      keySerializer: {
        serialize(key: string, context) {
          context.headers.push({ key: 'key-schema', value: Buffer.from('1') })
          return Buffer.from(key)
        },
      },
      valueSerializer: {
        async serialize(value: string, context) {
          valueSaw = context.headers.map((h) => h.key)
          await Promise.resolve()
          context.headers.push({ key: 'value-schema', value: Buffer.from('2') })
          return Buffer.from(value)
        },
      },
    })
    // Two sends in a row: the second must not write into the first's headers.
    const first = producer.send({ topic: 't', partition: 0, key: 'a', value: 'x', headers: [{ key: 'user', value: 'u' }] })
    const second = producer.send({ topic: 't', partition: 0, key: 'b', value: 'y' })
    await Promise.all([first, second])
    expect(valueSaw).toEqual(['key-schema'])
    expect(log[0]).toEqual([
      { key: 'a', value: 'x', headers: { user: 'u', 'key-schema': '1', 'value-schema': '2' } },
      { key: 'b', value: 'y', headers: { 'key-schema': '1', 'value-schema': '2' } },
    ])
  })

  it('an async serializer keeps its context to itself: a later send gets another one', async () => {
    const { broker } = await startBroker()
    const contexts: SerializerContext[] = []
    const gate = deferred<void>()
    const producer = await producerFor(broker, {
      valueSerializer: {
        async serialize(value: string, context) {
          contexts.push(context)
          await gate.promise
          // Read after the await: still this record's topic and headers.
          return Buffer.from(`${value}:${context.headers.map((h) => h.key).join(',')}`)
        },
      },
    })
    const sends = [
      producer.send({ topic: 't', partition: 0, value: 'a', headers: { h1: '1' } }),
      producer.send({ topic: 't', partition: 0, value: 'b', headers: { h2: '2' } }),
    ]
    gate.resolve()
    await Promise.all(sends)
    expect(contexts[0]).not.toBe(contexts[1])
    expect(contexts.map((c) => c.headers.map((h) => h.key))).toEqual([['h1'], ['h2']])
  })
})

describe('sync serializers keep the fast path', () => {
  it('a plain result is appended before send returns, with one reused context', async () => {
    const { broker, log } = await startBroker()
    const contexts = new Set<SerializerContext>()
    const producer = await producerFor(broker, {
      valueSerializer: {
        serialize(value: string, context) {
          contexts.add(context)
          return Buffer.from(value)
        },
      },
    })
    await producer.send({ topic: 't', partition: 0, value: 'warm' })
    const sends = [producer.send({ topic: 't', partition: 0, value: 'a' }), producer.send({ topic: 't', partition: 0, value: 'b' })]
    // Appended synchronously: already counted in the buffer when send returns.
    expect(producer.bufferedBytes).toBeGreaterThan(0)
    await Promise.all(sends)
    expect(contexts.size).toBe(1)
    await waitFor(() => (log[0] as Stored[]).length === 3)
  })
})
