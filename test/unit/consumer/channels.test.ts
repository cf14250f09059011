/**
 * The consumer's diagnostics channels against a scripted broker: `kafkats:consumer:process` around
 * each handler call (the handler runs inside the trace, so a store bound to `start` is its async
 * context), and `kafkats:consumer:fetch` / `kafkats:consumer:commit` with what they carried.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { tracingChannel } from 'node:diagnostics_channel'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { Consumer } from '../../../src/consumer/consumer.js'
import type { ConsumerOptions } from '../../../src/consumer/options.js'
import { countRecords } from '../../../src/consumer/fetch-trace.js'
import type { CommitTrace, FetchTrace, ProcessTrace } from '../../../src/observability/channels.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { recordTraces, waitFor, type TraceRecorder } from '../../support/trace-recorder.js'
import { FakeBroker, clusterFor, type FakeTopic } from './fake-broker.js'
import { FakeLog } from './fake-log.js'

let broker: FakeBroker
let cluster: Cluster
const consumers: Array<Consumer<string | null, string | null>> = []
const recorders: Array<TraceRecorder<object>> = []

beforeEach(async () => {
  broker = await FakeBroker.start()
  cluster = clusterFor(broker)
})

afterEach(async () => {
  for (const r of recorders.splice(0)) r.stop()
  await Promise.allSettled(consumers.splice(0).map((c) => c.disconnect()))
  cluster.close()
  await broker.close()
})

const TOPIC: FakeTopic = { name: 'orders', id: 'AQIDBAUGBwgJCgsMDQ4PEA', partitions: 2, leaderEpoch: 0 }

function consumer(options: ConsumerOptions<string | null, string | null> = {}): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>(
    cluster,
    { fetchMaxWaitMs: 20, autoOffsetReset: 'earliest', keyDeserializer: stringSerde, valueDeserializer: stringSerde, ...options },
    () => {},
  )
  consumers.push(c)
  return c
}

function record<C extends object>(name: string, onStart?: (context: C) => void): TraceRecorder<C> {
  const r = recordTraces<C>(name, onStart)
  recorders.push(r as TraceRecorder<object>)
  return r
}

async function log(perPartition: number): Promise<FakeLog> {
  const l = new FakeLog(TOPIC)
  for (let p = 0; p < TOPIC.partitions; p++) await l.append(p, perPartition, { perBatch: 2 })
  l.serve(broker)
  return l
}

describe('kafkats:consumer:process', () => {
  it('eachMessage: one trace per message, and the handler sees the store bound to start', async () => {
    await log(3)
    const traces = record<ProcessTrace>('kafkats:consumer:process')
    const store = new AsyncLocalStorage<string>()
    const channel = tracingChannel<unknown, ProcessTrace>('kafkats:consumer:process')
    channel.start.bindStore(store, (context) => `${context.partition}:${context.messages[0]?.offset ?? -1n}`)
    try {
      const c = consumer({ groupId: 'g-process', autoCommit: false })
      c.assign([0, 1].map((partition) => ({ topic: 'orders', partition })))
      const seenInHandler: string[] = []
      await c.run({
        eachMessage: async (m) => {
          await new Promise<void>((resolve) => setImmediate(resolve))
          seenInHandler.push(`${m.partition}:${m.offset} in ${store.getStore() ?? 'no store'}`)
          if (seenInHandler.length === 6) await c.stop()
        },
      })
      expect(seenInHandler.sort()).toEqual(['0:0 in 0:0', '0:1 in 0:1', '0:2 in 0:2', '1:0 in 1:0', '1:1 in 1:1', '1:2 in 1:2'])
    } finally {
      channel.start.unbindStore(store)
    }
    const ended = traces.ended()
    expect(ended).toHaveLength(6)
    const first = ended.find((t) => t.partition === 0 && t.messages[0]?.offset === 0n)
    expect(first).toMatchObject({ clientId: 'consumer-unit', groupId: 'g-process', topic: 'orders', partition: 0, mode: 'message' })
    expect(first?.messages).toHaveLength(1)
    expect(first?.messages[0]).toMatchObject({ key: 'k0', timestamp: 1_700_000_000_000, headers: [] })
    expect(traces.of('error')).toEqual([])
  })

  it('eachBatch: one trace per batch with its messages; a handler that throws ends it with the error', async () => {
    await log(4)
    const traces = record<ProcessTrace>('kafkats:consumer:process')
    const c = consumer()
    c.assign([{ topic: 'orders', partition: 1 }])
    const failure = await c
      .run({
        eachBatch: (batch) => {
          if (batch.messages.some((m) => m.offset === 3n)) throw new Error('boom')
        },
      })
      .catch((e: unknown) => e)
    expect(failure).toMatchObject({ offset: expect.any(BigInt) as bigint })
    const ended = traces.ended()
    expect(ended.every((t) => t.mode === 'batch' && t.partition === 1 && t.groupId === null)).toBe(true)
    // The failed call ends too (asyncEnd after error): together the traces carried every message once.
    expect(ended.flatMap((t) => t.messages.map((m) => m.offset))).toEqual([0n, 1n, 2n, 3n])
    const errors = traces.of('error')
    expect(errors).toHaveLength(1)
    expect((errors[0]?.error as Error).message).toBe('boom')
    expect(errors[0]?.messages.some((m) => m.offset === 3n)).toBe(true)
  })
})

describe('kafkats:consumer:fetch', () => {
  it('one trace per Fetch, with each partition it returned: records, bytes, watermarks', async () => {
    await log(3)
    const traces = record<FetchTrace>('kafkats:consumer:fetch')
    const c = consumer()
    c.assign([0, 1].map((partition) => ({ topic: 'orders', partition })))
    let handled = 0
    await c.run({
      eachMessage: async () => {
        if (++handled === 6) await c.stop()
      },
    })
    const ended = traces.ended()
    expect(ended.length).toBeGreaterThan(0)
    // A long poll still out when the run stops ends later (or never, once the consumer closes).
    expect(ended.length).toBeLessThanOrEqual(traces.of('start').length)
    expect(ended[0]).toMatchObject({ clientId: 'consumer-unit', groupId: null, broker: broker.address, partitionCount: 2 })
    const withData = ended.flatMap((t) => t.partitions ?? []).filter((p) => p.records > 0)
    expect(withData.map((p) => [p.partition, p.records]).sort()).toEqual([
      [0, 3],
      [1, 3],
    ])
    for (const p of withData) {
      expect(p).toMatchObject({ topic: 'orders', highWatermark: 3n, errorCode: 0 })
      expect(p.bytes).toBeGreaterThan(0)
    }
  })

  it('counts records off the batch headers, ignoring a batch cut off at the end', async () => {
    const l = new FakeLog(TOPIC)
    await l.append(0, 5, { perBatch: 2 })
    const whole = Buffer.concat(l.partitions[0]!.map((b) => b.bytes))
    expect(countRecords(whole)).toBe(5)
    expect(countRecords(whole.subarray(0, whole.length - 3))).toBe(4)
    expect(countRecords(new Uint8Array(0))).toBe(0)
  })
})

describe('kafkats:consumer:commit', () => {
  function answerCommits(code: () => number): void {
    broker.on('OffsetCommit', (request) => ({
      topics: request.topics.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code() })),
      })),
    }))
  }

  it('commit() is traced as sync with its offsets; a refused one ends with the error; auto-commits as auto', async () => {
    await log(3)
    let code = 0
    answerCommits(() => code)
    const traces = record<CommitTrace>('kafkats:consumer:commit')
    const c = consumer({ groupId: 'g-commit', autoCommit: false })
    c.assign([{ topic: 'orders', partition: 0 }])
    await c.commit([{ topic: 'orders', partition: 0, offset: 2n }])
    code = 30 // GROUP_AUTHORIZATION_FAILED: not retried
    await expect(c.commit([{ topic: 'orders', partition: 0, offset: 3n }])).rejects.toMatchObject({ code: 30 })
    const ended = traces.ended()
    expect(ended.map((t) => [t.trigger, t.offsets.map((o) => [o.topic, o.partition, o.offset])])).toEqual([
      ['sync', [['orders', 0, 2n]]],
      ['sync', [['orders', 0, 3n]]],
    ])
    expect(ended[0]).toMatchObject({ clientId: 'consumer-unit', groupId: 'g-commit' })
    expect(ended[0]?.error).toBeUndefined()
    expect(traces.of('error')).toEqual([ended[1]])

    code = 0
    const auto = consumer({ groupId: 'g-commit-auto', autoCommit: true, autoCommitIntervalMs: 20 })
    auto.assign([{ topic: 'orders', partition: 1 }])
    let handled = 0
    const running = auto.run({ eachMessage: () => void handled++ })
    await waitFor(() => traces.ended().some((t) => t.trigger === 'auto' && t.offsets[0]?.offset === 3n), 'an auto-commit of offset 3')
    await auto.stop()
    await running
    expect(handled).toBe(3)
    expect(traces.ended().find((t) => t.trigger === 'auto')).toMatchObject({ groupId: 'g-commit-auto', offsets: [{ topic: 'orders', partition: 1 }] })
  })
})
