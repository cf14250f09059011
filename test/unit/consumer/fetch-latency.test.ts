/**
 * Which partitions each fetch carries, against a scripted broker whose long polls behave as
 * Kafka's (answered when data arrives for a partition of the fetch session, else at maxWaitMs):
 * an idle consumer gets a new record at once on any partition, with 3 or 120 partitions, because
 * no partition leaves the session while its data is buffered; a paused partition's buffered data
 * does not hold the others back, nor for longer than a long poll does a slow handler's backlog;
 * a fetch sent while a position is still being looked up comes back in time for that partition
 * to join the next one.
 */
import { metricValue } from '../../../src/observability/metrics.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { Consumer, type ConsumerMessage } from '../../../src/consumer/consumer.js'
import type { ConsumerOptions } from '../../../src/consumer/options.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { waitFor } from '../../support/kafka.js'
import { FakeBroker, clusterFor, type FakeTopic } from './fake-broker.js'
import { FakeLog } from './fake-log.js'

type Message = ConsumerMessage<string | null, string | null>

/** The long poll the consumers here ask for; a record that waits for it fails the test. */
const LONG_POLL_MS = 5_000
/** What "at once" means on a loaded test machine: far below the long poll. */
const PROMPT_MS = 1_000

let broker: FakeBroker
let cluster: Cluster
const consumers: Array<Consumer<string | null, string | null>> = []

beforeEach(async () => {
  broker = await FakeBroker.start()
  cluster = clusterFor(broker)
})

afterEach(async () => {
  await Promise.allSettled(consumers.splice(0).map((c) => c.disconnect()))
  cluster.close()
  await broker.close()
})

function topic(partitions: number): FakeTopic {
  return { name: 'orders', id: 'AQIDBAUGBwgJCgsMDQ4PEA', partitions, leaderEpoch: 0 }
}

function served(partitions: number): FakeLog {
  const log = new FakeLog(topic(partitions))
  log.longPollCapMs = LONG_POLL_MS
  log.serve(broker)
  return log
}

function consumer(options: ConsumerOptions<string | null, string | null> = {}): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>(
    cluster,
    { fetchMaxWaitMs: LONG_POLL_MS, autoOffsetReset: 'earliest', keyDeserializer: stringSerde, valueDeserializer: stringSerde, ...options },
    () => {},
  )
  consumers.push(c)
  return c
}

/** Runs `c` in the background, recording every message. */
function running(c: Consumer<string | null, string | null>, onMessage: (m: Message) => void = () => {}): { received: Message[]; done: Promise<void> } {
  const received: Message[] = []
  const done = c.run({
    eachMessage: (m) => {
      received.push(m)
      onMessage(m)
    },
  })
  return { received, done }
}

/** Appends one record to `partition` and resolves with how long the consumer took to get it. */
async function deliveryMs(log: FakeLog, received: readonly Message[], partition: number): Promise<number> {
  const offset = log.endOffset(partition)
  const start = Date.now()
  await log.append(partition, 1)
  await waitFor(() => received.some((m) => m.partition === partition && m.offset === offset), {
    timeoutMs: LONG_POLL_MS * 2,
    intervalMs: 2,
    message: `record ${offset} on partition ${partition}`,
  })
  return Date.now() - start
}

const assignAll = (c: Consumer<string | null, string | null>, partitions: number): void =>
  c.assign(Array.from({ length: partitions }, (_, partition) => ({ topic: 'orders', partition })))

describe('an idle consumer on many partitions', () => {
  it.each([3, 120])('gets each new record at once with %i partitions, also a second one on the partition just read', async (partitions) => {
    const log = served(partitions)
    const c = consumer()
    assignAll(c, partitions)
    const { received } = running(c)
    await waitFor(() => log.fetches.length >= 2, { timeoutMs: 5_000, intervalMs: 5, message: 'long poll in flight' })

    // Pairs on one partition: the second record comes right after the first was read.
    const order = [0, 0, 1, 1, partitions - 1, partitions - 1, 2, 0, 2]
    const times: number[] = []
    for (const p of order) times.push(await deliveryMs(log, received, p))
    expect(Math.max(...times)).toBeLessThan(PROMPT_MS)
    const next = new Map<number, number>()
    const expected = order.map((p) => {
      const offset = next.get(p) ?? 0
      next.set(p, offset + 1)
      return `${p}@${offset}`
    })
    expect(received.map((m) => `${m.partition}@${m.offset}`)).toEqual(expected)

    // Nothing left the session, and after the first request only partitions that moved were named.
    expect(log.fetches.flatMap((f) => f.forgotten)).toEqual([])
    for (const f of log.fetches.slice(2)) expect(f.sent.length).toBeLessThanOrEqual(1)
  })

  it("a paused partition's buffered records do not hold back the other partitions of its broker", async () => {
    const log = served(2)
    await log.append(0, 3)
    const c = consumer({ maxPollRecords: 1 })
    assignAll(c, 2)
    // One record at a time: pausing on the first leaves two buffered.
    const { received } = running(c, (m) => {
      if (m.partition === 0) c.pause([{ topic: 'orders', partition: 0 }])
    })
    await waitFor(() => received.length === 1, { timeoutMs: 5_000, intervalMs: 5, message: 'first record' })
    expect(metricValue(c.metrics(), 'fetch-buffer-bytes')).toBeGreaterThan(0)
    expect(await deliveryMs(log, received, 1)).toBeLessThan(PROMPT_MS)
    expect(received.map((m) => `${m.partition}@${m.offset}`)).toEqual(['0@0', '1@0'])
  })
})

describe('a slow handler', () => {
  it("holds back its broker's other partitions for at most a long poll", async () => {
    const log = served(2)
    await log.append(0, 60)
    const waitMs = 300
    // Five records a chunk, 50 ms each: partition 0's backlog takes 3 s to work through.
    const c = consumer({ fetchMaxWaitMs: waitMs, maxPollRecords: 5 })
    assignAll(c, 2)
    const received: Message[] = []
    const running = c.run({
      partitionsConsumedConcurrently: 2,
      eachMessage: async (m) => {
        received.push(m)
        if (m.partition === 0) await new Promise((resolve) => setTimeout(resolve, 50))
      },
    })
    await waitFor(() => received.length > 0, { timeoutMs: 5_000, intervalMs: 5, message: 'backlog started' })
    const ms = await deliveryMs(log, received, 1)
    expect(ms).toBeLessThan(1_500)
    expect(received.filter((m) => m.partition === 0).length).toBeLessThan(60)
    await c.stop()
    await running
  })
})

describe('partitions that join while a long poll is out', () => {
  it('a fetch sent while a position is still being looked up comes back in time for that partition', async () => {
    const log = served(3)
    // The first ListOffsets fails retriably for partition 0 only: partitions 1 and 2 are fetched
    // while partition 0 backs off (retryBackoffMs 100) and then resolves.
    let lookups = 0
    broker.on('ListOffsets', (request) => {
      lookups++
      return {
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: lookups === 1 && p.partitionIndex === 0 ? 5 : 0,
            timestamp: -1n,
            offset: 0n,
            leaderEpoch: 0,
          })),
        })),
      }
    })
    const c = consumer()
    assignAll(c, 3)
    const { received } = running(c)
    await waitFor(() => log.fetches.some((f) => f.sent.some((s) => s.startsWith('0@'))), {
      timeoutMs: 3_000,
      intervalMs: 5,
      message: 'partition 0 in a fetch',
    })
    const [first] = log.fetches
    expect(first?.sent.sort()).toEqual(['1@0', '2@0'])
    // Shortened to partition 0's retry, not the full long poll.
    expect(first?.maxWaitMs).toBeLessThanOrEqual(1_000)
    expect(await deliveryMs(log, received, 0)).toBeLessThan(PROMPT_MS)
    // Once every partition is in, long polls are full length again.
    expect(log.fetches.at(-1)?.maxWaitMs).toBe(LONG_POLL_MS)
  })
})
