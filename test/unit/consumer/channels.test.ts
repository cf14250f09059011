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
import type { ProcessTrace } from '../../../src/observability/channels.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { recordTraces, type TraceRecorder } from '../../support/trace-recorder.js'
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
