/**
 * Cancellation of the consumer's long calls against a scripted broker: `connect`, `run`, the
 * iterator of `messages()`, `commit`, `committed` and `position` take `{ signal }`, reject with
 * `signal.reason`, and leave the consumer usable: nothing processed is lost, nothing unprocessed
 * is skipped, and a commit still queued when aborted is never sent.
 */
import { metricValue } from '../../../src/observability/metrics.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { Consumer, type ConsumerMessage } from '../../../src/consumer/consumer.js'
import type { ConsumerOptions } from '../../../src/consumer/options.js'
import { KafkaConfigError } from '../../../src/errors.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { FakeBroker, clusterFor, type FakeTopic } from './fake-broker.js'
import { FakeLog } from './fake-log.js'

type Message = ConsumerMessage<string | null, string | null>

let broker: FakeBroker
let cluster: Cluster
const consumers: Array<Consumer<string | null, string | null>> = []
const tp = { topic: 'orders', partition: 0 }
const topic: FakeTopic = { name: 'orders', id: 'AQIDBAUGBwgJCgsMDQ4PEA', partitions: 1 }

beforeEach(async () => {
  broker = await FakeBroker.start()
  cluster = clusterFor(broker)
})

afterEach(async () => {
  await Promise.allSettled(consumers.splice(0).map((c) => c.disconnect()))
  cluster.close()
  await broker.close()
})

function consumer(options: ConsumerOptions<string | null, string | null> = {}): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>(
    cluster,
    { fetchMaxWaitMs: 20, autoOffsetReset: 'earliest', keyDeserializer: stringSerde, valueDeserializer: stringSerde, ...options },
    () => {},
  )
  consumers.push(c)
  return c
}

async function servedLog(records: number): Promise<FakeLog> {
  const log = new FakeLog(topic)
  await log.append(0, records)
  log.serve(broker)
  return log
}

async function offsets(iterable: AsyncIterable<Message>, count: number): Promise<bigint[]> {
  const out: bigint[] = []
  for await (const m of iterable) {
    out.push(m.offset)
    if (out.length === count) break
  }
  return out
}

/** A response the test releases when it wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((resolve) => (open = resolve))
  return { wait, open }
}

describe('connect', () => {
  it('rejects with the reason of an aborted signal and stays usable', async () => {
    const c = consumer()
    const reason = new Error('not now')
    await expect(c.connect({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await c.connect()
  })

  it('rejects a signal that is not an AbortSignal', async () => {
    await expect(consumer().connect({ signal: {} as AbortSignal })).rejects.toThrow(KafkaConfigError)
  })
})

describe('run', () => {
  it('an abort stops the run: the handler in flight finishes, run rejects with the reason, the next run resumes after it', async () => {
    await servedLog(10)
    const c = consumer()
    c.assign([tp])
    const controller = new AbortController()
    const reason = new Error('shutting down')
    const handled: bigint[] = []
    const run = c.run({
      signal: controller.signal,
      eachMessage: async (m) => {
        if (m.offset === 2n) controller.abort(reason)
        handled.push(m.offset)
      },
    })
    await expect(run).rejects.toBe(reason)
    expect(handled).toEqual([0n, 1n, 2n])
    expect(c.assignment()).toEqual([tp])
    expect(await offsets(c.messages(), 7)).toEqual([3n, 4n, 5n, 6n, 7n, 8n, 9n])
  })

  it('an aborted signal rejects at once, without starting a consumption', async () => {
    await servedLog(3)
    const c = consumer()
    c.assign([tp])
    const reason = new Error('already')
    await expect(c.run({ eachMessage: () => {}, signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(await offsets(c.messages(), 3)).toEqual([0n, 1n, 2n])
  })

  it('stop() before the abort resolves the run; a later abort changes nothing', async () => {
    await servedLog(3)
    const c = consumer()
    c.assign([tp])
    const controller = new AbortController()
    await c.run({
      signal: controller.signal,
      eachMessage: async (m) => {
        if (m.offset === 1n) await c.stop()
      },
    })
    controller.abort()
  })

  it('a handler failure that stopped the run before the abort is what run rejects with', async () => {
    await servedLog(3)
    const c = consumer()
    c.assign([tp])
    const controller = new AbortController()
    // The abort comes right after the failure has stopped the run, while the run still winds down.
    c.on('error', () => queueMicrotask(() => controller.abort(new Error('too late'))))
    const failure = await c
      .run({
        signal: controller.signal,
        eachMessage: () => {
          throw new Error('handler failed')
        },
      })
      .catch((e: unknown) => e)
    expect(controller.signal.aborted).toBe(true)
    expect(failure).toMatchObject({ name: 'KafkaHandlerError' })
  })
})

describe('messages()', () => {
  it('an abort while next() waits rejects it with the reason; later calls are done; the consumer is free again', async () => {
    const log = await servedLog(2)
    const c = consumer()
    c.assign([tp])
    const controller = new AbortController()
    const iterator = c.messages({ signal: controller.signal })
    expect((await iterator.next()).value?.offset).toBe(0n)
    expect((await iterator.next()).value?.offset).toBe(1n)
    const waiting = iterator.next()
    const reason = new Error('enough')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    // Both messages were processed (next() was asked for after each): a new iterator goes on after them.
    await log.append(0, 1)
    expect(await offsets(c.messages(), 1)).toEqual([2n])
  })

  it('an abort while the loop body runs: the next next() rejects, and the message in the body comes again', async () => {
    await servedLog(3)
    const c = consumer()
    c.assign([tp])
    const controller = new AbortController()
    const reason = new Error('body aborted')
    const seen: bigint[] = []
    const failure = await (async () => {
      for await (const m of c.messages({ signal: controller.signal })) {
        seen.push(m.offset)
        if (m.offset === 1n) controller.abort(reason)
      }
    })().catch((e: unknown) => e)
    expect(failure).toBe(reason)
    expect(seen).toEqual([0n, 1n])
    expect(await offsets(c.messages(), 2)).toEqual([1n, 2n])
  })

  it('an aborted signal rejects the first next() without starting a consumption', async () => {
    await servedLog(1)
    const c = consumer()
    c.assign([tp])
    const reason = new Error('never')
    const iterator = c.messages({ signal: AbortSignal.abort(reason) })
    await expect(iterator.next()).rejects.toBe(reason)
    expect(await iterator.next()).toEqual({ value: undefined, done: true })
    expect(await offsets(c.messages(), 1)).toEqual([0n])
    expect(metricValue(c.metrics(), 'fetch-total')).toBeGreaterThan(0)
  })

  it('for await over the consumer itself still works (no signal)', async () => {
    await servedLog(2)
    const c = consumer()
    c.assign([tp])
    expect(await offsets(c, 2)).toEqual([0n, 1n])
  })
})

describe('commit and committed', () => {
  function answerCommits(release: Promise<void>): void {
    broker.on('OffsetCommit', async (request) => {
      await release
      return {
        topics: request.topics.map((t) => ({
          name: t.name,
          topicId: t.topicId,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      }
    })
  }

  it('an abort while the commit is in flight rejects with the reason; the consumer commits again afterwards', async () => {
    await servedLog(1)
    const held = gate()
    answerCommits(held.wait)
    const c = consumer({ groupId: 'g', autoCommit: false })
    c.assign([tp])
    const controller = new AbortController()
    const reason = new Error('commit aborted')
    const commit = c.commit([{ ...tp, offset: 1n }], { signal: controller.signal })
    await expect.poll(() => broker.requests('OffsetCommit').length).toBe(1)
    controller.abort(reason)
    await expect(commit).rejects.toBe(reason)
    held.open()
    await c.commit([{ ...tp, offset: 1n }])
  })

  it('a commit aborted while queued behind another is never sent', async () => {
    await servedLog(1)
    const held = gate()
    answerCommits(held.wait)
    const c = consumer({ groupId: 'g', autoCommit: false })
    c.assign([tp])
    const first = c.commit([{ ...tp, offset: 1n }])
    await expect.poll(() => broker.requests('OffsetCommit').length).toBe(1)
    const controller = new AbortController()
    const queued = c.commit([{ ...tp, offset: 5n }], { signal: controller.signal })
    controller.abort()
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' })
    held.open()
    await first
    // Commits are sent one after another in call order: the one after the aborted one is the second sent.
    await c.commit([{ ...tp, offset: 2n }])
    const sent = broker.requests('OffsetCommit').map((r) => r.body.topics[0]?.partitions[0]?.committedOffset)
    expect(sent).toEqual([1n, 2n])
  })

  it('committed() rejects with the reason while OffsetFetch is unanswered', async () => {
    await servedLog(1)
    const held = gate()
    broker.on('OffsetFetch', async (request) => {
      await held.wait
      return { groups: request.groups.map((g) => ({ groupId: g.groupId, errorCode: 0, topics: [] })) }
    })
    const c = consumer({ groupId: 'g', autoCommit: false })
    const controller = new AbortController()
    const reason = new Error('lookup aborted')
    const lookup = c.committed([tp], { signal: controller.signal })
    await expect.poll(() => broker.requests('OffsetFetch').length).toBe(1)
    controller.abort(reason)
    await expect(lookup).rejects.toBe(reason)
    held.open()
    expect(await c.committed([tp])).toEqual([{ ...tp, offset: null, leaderEpoch: null, metadata: null }])
  })

  it('position() rejects with the reason of an aborted signal', async () => {
    await servedLog(1)
    const c = consumer()
    c.assign([tp])
    const reason = new Error('no wait')
    await expect(c.position(tp, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(await c.position(tp)).toBe(0n)
  })
})
