/**
 * The consumer against a scripted broker (real wire protocol on 127.0.0.1, no Kafka): fetch
 * sessions over many requests, session errors, out-of-range resets, truncation detection,
 * committed offsets, commit bookkeeping (what is committed after a handler fails, serialized
 * commits, retries and rejections), a group membership through the seam, and the memory bound.
 */
import { metricValue } from '../../../src/observability/metrics.js'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { Consumer, type ConsumerMessage } from '../../../src/consumer/consumer.js'
import {
  KafkaCommitFailedError,
  KafkaHandlerError,
  KafkaLogTruncationError,
  KafkaOffsetOutOfRangeError,
} from '../../../src/consumer/errors.js'
import type { MembershipFactory } from '../../../src/consumer/group-factory.js'
import type { AssignmentListener, GroupMembership, GroupMetadata, Subscription, TopicPartition } from '../../../src/consumer/membership.js'
import type { ConsumerOptions } from '../../../src/consumer/options.js'
import { stringSerde } from '../../../src/serde/serde.js'
import { FakeBroker, clusterFor, type FakeTopic } from './fake-broker.js'
import { FakeLog } from './fake-log.js'
import { waitFor } from '../../support/kafka.js'

type Message = ConsumerMessage<string | null, string | null>

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

function topic(partitions: number, leaderEpoch = 0): FakeTopic {
  return { name: 'orders', id: 'AQIDBAUGBwgJCgsMDQ4PEA', partitions, leaderEpoch }
}

function consumer(
  options: ConsumerOptions<string | null, string | null> = {},
  membership?: MembershipFactory,
): Consumer<string | null, string | null> {
  const c = new Consumer<string | null, string | null>(
    cluster,
    { fetchMaxWaitMs: 20, autoOffsetReset: 'earliest', keyDeserializer: stringSerde, valueDeserializer: stringSerde, ...options },
    () => {},
    membership,
  )
  consumers.push(c)
  return c
}

/** Reads `count` messages with the iterator, then leaves the loop. */
async function take(c: Consumer<string | null, string | null>, count: number): Promise<Message[]> {
  const out: Message[] = []
  if (count === 0) return out
  for await (const m of c) {
    out.push(m)
    if (out.length >= count) break
  }
  return out
}

/** Handles `count` messages with run(), stopping from inside the handler once they are done. */
async function handle(c: Consumer<string | null, string | null>, count: number): Promise<Message[]> {
  const out: Message[] = []
  await c.run({
    eachMessage: async (m) => {
      out.push(m)
      if (out.length === count) await c.stop()
    },
  })
  return out
}

function byPartition(messages: readonly Message[]): Map<number, bigint[]> {
  const out = new Map<number, bigint[]>()
  for (const m of messages) out.set(m.partition, [...(out.get(m.partition) ?? []), m.offset])
  return out
}

const range = (n: number, from = 0): bigint[] => Array.from({ length: n }, (_, i) => BigInt(from + i))

describe('fetching with sessions', () => {
  it('reads a whole log in order over many full and incremental requests', async () => {
    const log = new FakeLog(topic(3))
    // Partition 2 ends early: later requests need not name it, yet it stays in the session.
    const lengths = [40, 40, 10]
    for (let p = 0; p < 3; p++) await log.append(p, lengths[p] as number, { perBatch: 3 })
    log.serve(broker)
    const c = consumer({ maxPartitionFetchBytes: 300, maxPollRecords: 4 })
    c.assign([0, 1, 2].map((partition) => ({ topic: 'orders', partition })))
    const messages = await take(c, 90)
    const seen = byPartition(messages)
    for (let p = 0; p < 3; p++) expect(seen.get(p)).toEqual(range(lengths[p] as number))
    expect(messages.find((m) => m.partition === 1 && m.offset === 7n)?.value).toBe('p1-7')

    const [first, ...rest] = log.fetches
    expect(first).toMatchObject({ sessionId: 0, sessionEpoch: 0 })
    expect(rest.length).toBeGreaterThan(4)
    rest.forEach((f, i) => expect([f.sessionId, f.sessionEpoch]).toEqual([7, i + 1]))
    // Incremental requests list only what changed: some carry fewer partitions than are fetched.
    expect(rest.some((f) => f.sent.length < 3)).toBe(true)
    // A partition stays in the session while assigned, so every long poll watches all three.
    expect(rest.flatMap((f) => f.forgotten)).toEqual([])
  })

  it.each([
    [70, 0],
    [71, 7],
  ])('after top-level error %i the next request is full (session id %i, epoch 0) and nothing is lost', async (code, nextId) => {
    const log = new FakeLog(topic(2))
    for (let p = 0; p < 2; p++) await log.append(p, 30, { perBatch: 2 })
    log.serve(broker)
    log.fetchErrors.set(4, code)
    const c = consumer({ maxPartitionFetchBytes: 200 })
    c.assign([0, 1].map((partition) => ({ topic: 'orders', partition })))
    const seen = byPartition(await take(c, 60))
    expect(seen.get(0)).toEqual(range(30))
    expect(seen.get(1)).toEqual(range(30))
    const after = log.fetches[4]
    expect(after).toMatchObject({ sessionId: nextId, sessionEpoch: 0 })
  })

  it('uses topic names below Fetch v13', async () => {
    broker.maxVersions.set('Fetch', 12)
    const log = new FakeLog(topic(1))
    await log.append(0, 5)
    log.serve(broker)
    const c = consumer()
    c.assign([{ topic: 'orders', partition: 0 }])
    expect((await take(c, 5)).map((m) => m.offset)).toEqual(range(5))
    expect(broker.requests('Fetch').every((r) => r.version === 12)).toBe(true)
  })
})

describe('connections', () => {
  it('consumers of one Kafka root fetch over their own connections, so long polls do not queue', async () => {
    const log = new FakeLog(topic(2))
    await log.append(0, 3)
    await log.append(1, 3)
    log.serve(broker)
    const a = consumer()
    const b = consumer()
    a.assign([{ topic: 'orders', partition: 0 }])
    b.assign([{ topic: 'orders', partition: 1 }])
    await Promise.all([handle(a, 3), handle(b, 3)])
    const lanes = (partition: number) =>
      new Set(
        broker
          .requests('Fetch')
          .filter((r) => r.body.topics.some((t) => t.partitions.some((p) => p.partition === partition)))
          .map((r) => r.connection),
      )
    const [laneA, laneB] = [lanes(0), lanes(1)]
    expect(laneA.size).toBeGreaterThan(0)
    expect(laneB.size).toBeGreaterThan(0)
    expect([...laneA].some((c) => laneB.has(c))).toBe(false)
  })
})

describe('positions', () => {
  it('OFFSET_OUT_OF_RANGE resets by autoOffsetReset', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 10)
    log.serve(broker)
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([{ topic: 'orders', partition: 0, offset: 500n }])
    expect((await take(c, 10)).map((m) => m.offset)).toEqual(range(10))
    expect(broker.requests('ListOffsets').at(-1)?.body.topics[0]?.partitions[0]?.timestamp).toBe(-2n)
  })

  it("OFFSET_OUT_OF_RANGE with autoOffsetReset 'none' fails the run with a typed error", async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 10)
    log.serve(broker)
    const c = consumer({ autoOffsetReset: 'none' })
    c.assign([{ topic: 'orders', partition: 0, offset: 500n }])
    const failure = await c.run({ eachMessage: () => {} }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaOffsetOutOfRangeError)
    expect(failure).toMatchObject({ topic: 'orders', partition: 0, offset: 500n })
  })

  it('starts from committed offsets, else from the reset policy; committed() reports them', async () => {
    const log = new FakeLog(topic(2))
    await log.append(0, 20)
    await log.append(1, 5)
    log.serve(broker)
    broker.on('OffsetFetch', (request) => {
      const asked = request.groups[0]
      expect(request.requireStable).toBe(true)
      return {
        groups: [
          {
            groupId: asked?.groupId ?? '',
            errorCode: 0,
            topics: [
              {
                name: 'orders',
                topicId: log.topic.id,
                partitions: [
                  { partitionIndex: 0, committedOffset: 12n, committedLeaderEpoch: 0, metadata: 'm', errorCode: 0 },
                  { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: null, errorCode: 0 },
                ],
              },
            ],
          },
        ],
      }
    })
    const c = consumer({ groupId: 'g', autoCommit: false })
    c.assign([0, 1].map((partition) => ({ topic: 'orders', partition })))
    const seen = byPartition(await take(c, 13))
    expect(seen.get(0)).toEqual(range(8, 12))
    expect(seen.get(1)).toEqual(range(5))
    expect(await c.committed()).toEqual([
      { topic: 'orders', partition: 0, offset: 12n, leaderEpoch: 0, metadata: 'm' },
      { topic: 'orders', partition: 1, offset: null, leaderEpoch: null, metadata: null },
    ])
  })

  it('detects a truncated log after a leader change (KIP-320) and resets to where it diverged', async () => {
    const t = topic(1, 1)
    const log = new FakeLog(t)
    await log.append(0, 10, { epoch: 1 })
    log.serve(broker)
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([{ topic: 'orders', partition: 0 }])
    expect((await handle(c, 10)).map((m) => m.leaderEpoch)).toEqual(Array(10).fill(1))
    expect(await c.position({ topic: 'orders', partition: 0 })).toBe(10n)
    // New leader (epoch 2) whose log kept epoch 1 only up to offset 6, then more records.
    t.leaderEpoch = 2
    log.epochEnds.set(1, 6n)
    await cluster.refreshMetadata()
    await log.append(0, 3, { epoch: 2 })
    const next = await take(c, 2)
    const asked = broker.requests('OffsetForLeaderEpoch').at(-1)?.body.topics[0]?.partitions[0]
    expect(asked).toMatchObject({ partition: 0, leaderEpoch: 1, currentLeaderEpoch: 2 })
    expect(next.map((m) => m.offset)).toEqual([6n, 7n])
  })

  it("a truncated log with autoOffsetReset 'none' fails with KafkaLogTruncationError", async () => {
    const t = topic(1, 1)
    const log = new FakeLog(t)
    await log.append(0, 4, { epoch: 1 })
    log.serve(broker)
    const c = consumer({ autoOffsetReset: 'none' })
    c.assign([{ topic: 'orders', partition: 0, offset: 0n }])
    await handle(c, 4)
    t.leaderEpoch = 2
    log.epochEnds.set(1, 2n)
    await cluster.refreshMetadata()
    const failure = await c.run({ eachMessage: () => {} }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaLogTruncationError)
    expect(failure).toMatchObject({ offset: 4n, divergentOffset: 2n })
  })

  it('seek, pause and resume: paused partitions keep their place, seek drops what was buffered', async () => {
    const log = new FakeLog(topic(2))
    await log.append(0, 20)
    await log.append(1, 20)
    log.serve(broker)
    const c = consumer({ maxPollRecords: 5 })
    c.assign([0, 1].map((partition) => ({ topic: 'orders', partition })))
    const p0 = { topic: 'orders', partition: 0 }
    c.pause([p0])
    expect(c.paused()).toEqual([p0])
    const onlyP1 = await handle(c, 20)
    expect(onlyP1.every((m) => m.partition === 1)).toBe(true)
    c.seek(p0, 15n)
    c.resume([p0])
    expect((await handle(c, 5)).map((m) => `${m.partition}:${m.offset}`)).toEqual(['0:15', '0:16', '0:17', '0:18', '0:19'])
    expect(await c.position(p0)).toBe(20n)
    // Leaving an iterator hands its last message out again: it may not have been processed.
    c.seek(p0, 3n)
    expect((await take(c, 2)).map((m) => m.offset)).toEqual([3n, 4n])
    expect(await c.position(p0)).toBe(4n)
    expect(() => c.seek({ topic: 'orders', partition: 9 }, 0n)).toThrow(/not assigned/)
  })
})

describe('commits', () => {
  function commitHandler(codes: (attempt: number, partition: number) => number) {
    let attempt = 0
    broker.on('OffsetCommit', (request) => {
      attempt++
      return {
        topics: request.topics.map((t) => ({
          name: 'orders',
          topicId: 'AQIDBAUGBwgJCgsMDQ4PEA',
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: codes(attempt, p.partitionIndex) })),
        })),
      }
    })
  }

  const committedIn = (n: number) =>
    broker
      .requests('OffsetCommit')
      [n]?.body.topics.flatMap((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset] as const))

  it('a failing handler stops its partition at the failed record; nothing past it is committed', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 10)
    log.serve(broker)
    commitHandler(() => 0)
    const c = consumer({ groupId: 'g', autoCommit: false })
    const p0 = { topic: 'orders', partition: 0 }
    c.assign([{ ...p0, offset: 0n }])
    const handled: bigint[] = []
    const failure = await c
      .run({
        eachMessage: (m) => {
          if (m.offset === 5n) throw new Error('boom')
          handled.push(m.offset)
        },
      })
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaHandlerError)
    expect(failure).toMatchObject({ offset: 5n, message: expect.stringContaining('boom') })
    expect(handled).toEqual(range(5))
    expect(c.paused()).toEqual([p0])
    expect(await c.position(p0)).toBe(5n)
    await c.commit()
    expect(broker.requests('OffsetCommit')[0]?.body).toMatchObject({ groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '' })
    expect(committedIn(0)).toEqual([[0, 5n]])
    // Resumed, it starts again with the record that failed.
    c.resume([p0])
    expect((await take(c, 1))[0]?.offset).toBe(5n)
  })

  it('eachBatch: progress marked with resolveOffset survives a throw', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 10, { perBatch: 10 })
    log.serve(broker)
    commitHandler(() => 0)
    const c = consumer({ groupId: 'g', autoCommit: false })
    c.assign([{ topic: 'orders', partition: 0, offset: 0n }])
    const failure = await c
      .run({
        eachBatch: (batch) => {
          expect(batch.messages.map((m) => m.offset)).toEqual(range(10))
          expect(batch.highWatermark).toBe(10n)
          batch.resolveOffset(3n)
          throw new Error('half way')
        },
      })
      .catch((e: unknown) => e)
    expect(failure).toMatchObject({ offset: 4n })
    await c.commit()
    expect(committedIn(0)).toEqual([[0, 4n]])
  })

  it('retries only the partitions that failed retriably, and commits serially', async () => {
    const log = new FakeLog(topic(2))
    log.serve(broker)
    // A slow first answer: a second commit sent before it (not serialized) would arrive meanwhile.
    let firstAnswered = false
    const arrivedBeforeFirstAnswer: number[] = []
    let calls = 0
    broker.on('OffsetCommit', async (request) => {
      calls++
      const call = calls
      if (!firstAnswered && call > 1) arrivedBeforeFirstAnswer.push(call)
      if (call === 1) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        firstAnswered = true
      }
      return {
        topics: request.topics.map((t) => ({
          name: 'orders',
          topicId: log.topic.id,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            // The first answer: partition 0 loading (retriable), partition 1 stored.
            errorCode: call === 1 && p.partitionIndex === 0 ? 14 : 0,
          })),
        })),
      }
    })
    const c = consumer({ groupId: 'g', autoCommit: false })
    c.assign([0, 1].map((partition) => ({ topic: 'orders', partition, offset: 0n })))
    const first = c.commit([
      { topic: 'orders', partition: 0, offset: 3n },
      { topic: 'orders', partition: 1, offset: 4n },
    ])
    const second = c.commit([{ topic: 'orders', partition: 1, offset: 9n }])
    await Promise.all([first, second])
    expect(arrivedBeforeFirstAnswer).toEqual([])
    expect([0, 1, 2].map(committedIn)).toEqual([
      [
        [0, 3n],
        [1, 4n],
      ],
      [[0, 3n]],
      [[1, 9n]],
    ])
  })

  it('a rejection because the group moved on goes to the membership and fails the commit', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 3)
    log.serve(broker)
    commitHandler(() => 22) // ILLEGAL_GENERATION
    const membership = new TestMembership([{ topic: 'orders', partition: 0 }])
    const c = consumer({ groupId: 'g', autoCommit: false }, membership.factory)
    await c.subscribe({ topics: ['orders'] })
    await handle(c, 3)
    const failure = await c.commit().catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaCommitFailedError)
    expect(failure).toMatchObject({ code: 22, errorName: 'ILLEGAL_GENERATION' })
    expect(membership.rejected).toEqual([22])
    expect(broker.requests('OffsetCommit')[0]?.body).toMatchObject({ generationIdOrMemberEpoch: 3, memberId: 'member-1' })
  })
})

describe('stop and disconnect', () => {
  it('disconnect() awaited inside a handler does not hang, and that handler\'s message is still committed', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 5)
    log.serve(broker)
    const stored: bigint[] = []
    broker.on('OffsetCommit', (request) => {
      for (const t of request.topics) for (const p of t.partitions) stored.push(p.committedOffset)
      return {
        topics: request.topics.map((t) => ({
          name: 'orders',
          topicId: log.topic.id,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      }
    })
    const c = consumer({ groupId: 'g', autoCommitIntervalMs: 600_000 })
    c.assign([{ topic: 'orders', partition: 0, offset: 0n }])
    const handled: bigint[] = []
    await c.run({
      eachMessage: async (m) => {
        if (m.offset === 2n) await c.disconnect()
        handled.push(m.offset)
      },
    })
    expect(handled).toEqual([0n, 1n, 2n])
    await waitFor(() => stored.length > 0, { timeoutMs: 5_000, intervalMs: 10, message: 'the commit after the handler' })
    expect(stored).toEqual([3n])
    await expect(c.run({ eachMessage: () => {} })).rejects.toThrow(/closed/)
  })

  it('disconnect() from outside while idle commits and resolves once closed', async () => {
    const log = new FakeLog(topic(1))
    await log.append(0, 3)
    log.serve(broker)
    const stored: bigint[] = []
    broker.on('OffsetCommit', (request) => {
      for (const t of request.topics) for (const p of t.partitions) stored.push(p.committedOffset)
      return {
        topics: request.topics.map((t) => ({
          name: 'orders',
          topicId: log.topic.id,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      }
    })
    const c = consumer({ groupId: 'g', autoCommitIntervalMs: 600_000 })
    c.assign([{ topic: 'orders', partition: 0, offset: 0n }])
    const running = c.run({ eachMessage: () => {} })
    await waitFor(async () => (await c.position({ topic: 'orders', partition: 0 })) === 3n, { timeoutMs: 5_000, intervalMs: 10 })
    await c.disconnect()
    expect(stored).toEqual([3n])
    await running
  })
})

describe('group membership through the seam', () => {
  it('assigned partitions are consumed; on revoke processed offsets are committed before it resolves', async () => {
    const log = new FakeLog(topic(2))
    await log.append(0, 6)
    await log.append(1, 6)
    log.serve(broker)
    const stored: Array<[number, bigint]> = []
    broker.on('OffsetFetch', () => ({ groups: [{ groupId: 'g', errorCode: 0, topics: [] }] }))
    broker.on('OffsetCommit', (request) => {
      expect(request).toMatchObject({ generationIdOrMemberEpoch: 3, memberId: 'member-1' })
      for (const t of request.topics) for (const p of t.partitions) stored.push([p.partitionIndex, p.committedOffset])
      return {
        topics: request.topics.map((t) => ({
          name: 'orders',
          topicId: log.topic.id,
          partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
        })),
      }
    })
    const membership = new TestMembership([0, 1].map((partition) => ({ topic: 'orders', partition })))
    const events: string[] = []
    const c = consumer({ groupId: 'g', autoCommitIntervalMs: 60_000 }, membership.factory)
    c.on('rebalance', (e) => events.push(`${e.type}:${e.partitions.map((p) => p.partition).join(',')}`))
    const assignedSeen: TopicPartition[][] = []
    await c.subscribe({ topics: ['orders'], listener: { onPartitionsAssigned: (tps) => void assignedSeen.push(tps) } })
    const seen = byPartition(await handle(c, 12))
    expect(seen.get(0)).toEqual(range(6))
    expect(membership.polls).toBeGreaterThan(0)
    await membership.listener?.revoked([{ topic: 'orders', partition: 1 }])
    expect(stored).toContainEqual([1, 6n])
    expect(c.assignment()).toEqual([{ topic: 'orders', partition: 0 }])
    expect(events).toEqual(['assigned:0,1', 'revoked:1'])
    expect(assignedSeen).toEqual([[{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]])
    await membership.listener?.lost([{ topic: 'orders', partition: 0 }])
    expect(c.assignment()).toEqual([])
    expect(events.at(-1)).toBe('lost:0')
  })

  it('subscribe without a groupId is a configuration error', async () => {
    const c = consumer()
    await expect(c.subscribe({ topics: ['orders'] })).rejects.toThrow(/groupId/)
  })
})

describe('memory', () => {
  it('fetched-but-unconsumed bytes stay within fetchBufferMaxBytes while the handler is slow', async () => {
    const log = new FakeLog(topic(4))
    for (let p = 0; p < 4; p++) await log.append(p, 60, { size: 200 })
    log.serve(broker)
    const batchSize = (log.partitions[0]?.[0]?.bytes.length ?? 0)
    const max = 4_000
    const c = consumer({ fetchBufferMaxBytes: max, maxPartitionFetchBytes: 1_500, maxPollRecords: 3 })
    c.assign([0, 1, 2, 3].map((partition) => ({ topic: 'orders', partition })))
    let peak = 0
    let handled = 0
    await c.run({
      eachMessage: async () => {
        const m = c.metrics()
        peak = Math.max(peak, (metricValue(m, 'fetch-buffer-bytes') ?? 0) + (metricValue(m, 'fetch-buffer-reserved-bytes') ?? 0))
        await new Promise((resolve) => setTimeout(resolve, 1))
        if (++handled === 240) await c.stop()
      },
    })
    expect(handled).toBe(240)
    // Buffered plus reserved never passes the budget by more than one batch a broker may add (KIP-74).
    expect(peak).toBeLessThanOrEqual(max + batchSize)
    expect(peak).toBeGreaterThan(max / 4)
    expect(Math.max(...log.fetches.map((f) => f.maxBytes))).toBeLessThanOrEqual(max)
  })
})

/** A group membership that owns a fixed list of partitions; the test drives revokes and losses. */
class TestMembership implements GroupMembership {
  listener: AssignmentListener | undefined
  readonly rejected: number[] = []
  polls = 0
  readonly #partitions: TopicPartition[]

  constructor(partitions: TopicPartition[]) {
    this.#partitions = partitions
  }

  readonly factory: MembershipFactory = (context) => {
    this.listener = context.listener
    return this
  }

  async join(_subscription: Subscription): Promise<void> {
    await this.listener?.assigned(this.#partitions)
  }

  resubscribe(): void {}

  async leave(): Promise<void> {
    await this.listener?.revoked(this.#partitions)
  }

  metadata(): GroupMetadata {
    return { groupId: 'g', generationId: 3, memberId: 'member-1', groupInstanceId: null }
  }

  polled(): void {
    this.polls++
  }

  commitRejected(errorCode: number): void {
    this.rejected.push(errorCode)
  }
}
