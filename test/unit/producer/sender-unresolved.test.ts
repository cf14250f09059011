/**
 * The idempotent sender never re-sends a batch that may already be in the log under another
 * producer epoch or sequence: the broker recognises a duplicate only by the stamp it was first
 * sent with. Against a fake broker that keeps each partition's log and checks sequences as Kafka
 * does (./support/partition-log-broker.ts):
 * - a batch refused as out of order behind an earlier batch that is still to land (that one was
 *   refused for another reason, or is in flight) is retried as it is, without a new epoch (Java's
 *   TransactionManager.canRetry: only the next expected sequence proves a gap);
 * - when another partition's gap does need a new epoch, a batch whose answer was lost keeps its
 *   first stamp until the broker answers it, so the log holds it once;
 * - together, the chaos run's failover: nothing is stamped anew, so the log holds each record once;
 * - a batch that fails while the broker may hold it keeps its sequences taken (Java's unresolved
 *   sequence): the batch behind follows it, and a refusal of that one proves it absent;
 * - a batch answered REQUEST_TIMED_OUT is in the leader's log: it is not failed by the delivery
 *   timeout, which would give its sequences to the batches behind it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka, type Producer } from '../../../src/index.js'
import { waitFor } from '../../support/wait-for.js'
import { startPartitionLogBroker, type ArrivedBatch, type PartitionLogBroker, type Verdict } from './support/partition-log-broker.js'

const NOT_LEADER_OR_FOLLOWER = 6
const REQUEST_TIMED_OUT = 7
const OUT_OF_ORDER_SEQUENCE_NUMBER = 45
const TOPIC_AUTHORIZATION_FAILED = 29

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function brokerWith(
  partitions: number,
  decide: (batch: ArrivedBatch, arrivalIndex: number) => Verdict | Promise<Verdict>,
  leaders: readonly number[] = [],
): Promise<PartitionLogBroker> {
  const b = await startPartitionLogBroker(partitions, decide, leaders)
  cleanups.push(() => b.close())
  return b
}

function producerFor(b: PartitionLogBroker, options: { requestTimeoutMs?: number; deliveryTimeoutMs?: number } = {}): Producer {
  const kafka = new Kafka({
    clientId: 'unresolved-test',
    brokers: [b.broker.address],
    retryBackoffMs: 5,
    retryBackoffMaxMs: 20,
    reconnectBackoffMs: 5,
    reconnectBackoffMaxMs: 20,
  })
  cleanups.push(() => kafka.close())
  return kafka.producer({ lingerMs: 0, ...options })
}

function stamps(b: PartitionLogBroker, value: string): Array<[number, number]> {
  return b.arrived.filter((a) => a.values.includes(value)).map((a) => [a.epoch, a.sequence])
}

describe('idempotent sender with unresolved batches', () => {
  it('retries a batch refused as out of order behind a batch still to land, in the same epoch', async () => {
    let seenFirst = false
    const b: PartitionLogBroker = await brokerWith(1, async (batch) => {
      if (batch.values[0] === 'a1' && !seenFirst) {
        seenFirst = true
        // Hold the answer until a2 is pipelined behind a1, then refuse a1 without appending it
        // (a leader that is not yet one); a2 then meets a log that lacks a1.
        await waitFor(() => (b.broker.counts.get('Produce') ?? 0) >= 3, { intervalMs: 2, timeoutMs: 5_000 })
        return { error: NOT_LEADER_OR_FOLLOWER }
      }
      return 'normal'
    })
    const producer = producerFor(b)
    await producer.send({ topic: 't', partition: 0, value: 'a0' })
    const first = producer.send({ topic: 't', partition: 0, value: 'a1' })
    await waitFor(() => b.arrived.length >= 2, { intervalMs: 2, timeoutMs: 5_000 })
    const second = producer.send({ topic: 't', partition: 0, value: 'a2' })
    await Promise.all([first, second])

    expect(b.values(0)).toEqual(['a0', 'a1', 'a2'])
    // a2's refusal was not a gap: a1 was yet to land. No new epoch, same stamps.
    expect(stamps(b, 'a1')).toEqual([
      [0, 1],
      [0, 1],
    ])
    expect(new Set(stamps(b, 'a2').map(([e, s]) => `${e}/${s}`))).toEqual(new Set(['0/2']))
  })

  it("keeps a lost answer's stamp when another partition's gap bumps the epoch, so the log holds it once", async () => {
    const answered = new Set<string>()
    const b = await brokerWith(2, (batch) => {
      const value = batch.values[0] ?? ''
      const firstTime = !answered.has(value)
      answered.add(value)
      // p0 on node 1: a1 is appended but node 1 answers no more (it hangs as it dies).
      if (value === 'a1' && firstTime) return 'append-no-answer'
      // p1 on node 2: b1 is the next sequence and is refused as out of order: a real gap, so a
      // new epoch is due.
      if (value === 'b1' && firstTime) return { error: OUT_OF_ORDER_SEQUENCE_NUMBER }
      return 'normal'
    }, [1, 2])
    const producer = producerFor(b, { requestTimeoutMs: 1_000 })
    await Promise.all([
      producer.send({ topic: 't', partition: 0, value: 'a0' }),
      producer.send({ topic: 't', partition: 1, value: 'b0' }),
    ])
    const a1 = producer.send({ topic: 't', partition: 0, value: 'a1' })
    await waitFor(() => b.arrived.some((a) => a.values.includes('a1')), { intervalMs: 2, timeoutMs: 5_000 })
    await producer.send({ topic: 't', partition: 1, value: 'b1' })
    await a1
    await Promise.all([
      producer.send({ topic: 't', partition: 0, value: 'a2' }),
      producer.send({ topic: 't', partition: 1, value: 'b2' }),
    ])

    expect(b.values(0)).toEqual(['a0', 'a1', 'a2'])
    expect(b.values(1)).toEqual(['b0', 'b1', 'b2'])
    // a1 goes again only with the stamp the broker may hold it under.
    expect(new Set(stamps(b, 'a1').map(([e, s]) => `${e}/${s}`))).toEqual(new Set(['0/1']))
    // b1 in the new epoch from 0; p0 moves to that epoch once a1 is resolved.
    expect(stamps(b, 'b1')).toEqual([
      [0, 1],
      [1, 0],
    ])
    expect(stamps(b, 'a2')).toEqual([[1, 0]])
  })

  it('the failover sequence: a lost answer on a dying leader, a refusal pipelined behind a NOT_LEADER elsewhere; the log holds each record once', async () => {
    const seen = new Set<string>()
    let b: PartitionLogBroker | undefined
    b = await brokerWith(2, async (batch) => {
      const value = batch.values[0] ?? ''
      const firstTime = !seen.has(value)
      seen.add(value)
      // p0 on node 1 (the broker being killed): a1 reaches its log (and the replicas), no answer.
      if (value === 'a1' && firstTime) return 'append-no-answer'
      // p1 on node 2 (becoming leader): b1 is refused until b2 is pipelined behind it; b2 then meets
      // a log without b1 and is refused as out of order.
      if (value === 'b1' && firstTime) {
        await waitFor(() => (b?.nodes[1]?.counts.get('Produce') ?? 0) >= 3, { intervalMs: 2, timeoutMs: 5_000 })
        return { error: NOT_LEADER_OR_FOLLOWER }
      }
      return 'normal'
    }, [1, 2])
    const broker = b
    const producer = producerFor(broker, { requestTimeoutMs: 1_000 })
    await Promise.all([
      producer.send({ topic: 't', partition: 0, value: 'a0' }),
      producer.send({ topic: 't', partition: 1, value: 'b0' }),
    ])
    const a1 = producer.send({ topic: 't', partition: 0, value: 'a1' })
    await waitFor(() => broker.arrived.some((a) => a.values.includes('a1')), { intervalMs: 2, timeoutMs: 5_000 })
    const b1 = producer.send({ topic: 't', partition: 1, value: 'b1' })
    await waitFor(() => (broker.nodes[1]?.counts.get('Produce') ?? 0) >= 2, { intervalMs: 2, timeoutMs: 5_000 })
    const b2 = producer.send({ topic: 't', partition: 1, value: 'b2' })
    await Promise.all([a1, b1, b2])
    await producer.send({ topic: 't', partition: 0, value: 'a2' })

    expect(broker.values(0)).toEqual(['a0', 'a1', 'a2'])
    expect(broker.values(1)).toEqual(['b0', 'b1', 'b2'])
    expect(broker.arrived.every((a) => a.epoch === 0)).toBe(true)
  })

  it.each([
    ['in the log', 'append-no-answer' as const, ['a0', 'a1', 'a2'], [[0, 2]]],
    ['not in the log', 'no-answer' as const, ['a0', 'a2'], [[0, 2], [1, 0]]],
  ])('keeps the sequences of a batch that failed while it may be %s; the batch behind shows which', async (_case, first, log, a2Stamps) => {
    const seen = new Set<string>()
    const b = await brokerWith(1, (batch) => {
      const value = batch.values[0] ?? ''
      const firstTime = !seen.has(value)
      seen.add(value)
      if (value === 'a1' && firstTime) return first
      // Its retry is refused for good (say, an ACL changed meanwhile): a1 fails.
      if (value === 'a1') return { error: TOPIC_AUTHORIZATION_FAILED }
      return 'normal'
    })
    const producer = producerFor(b, { requestTimeoutMs: 300 })
    await producer.send({ topic: 't', partition: 0, value: 'a0' })
    await expect(producer.send({ topic: 't', partition: 0, value: 'a1' })).rejects.toThrow(/TOPIC_AUTHORIZATION_FAILED/)
    const a2 = await producer.send({ topic: 't', partition: 0, value: 'a2' })

    // a2 is not given a1's sequence (the broker would take it for a1 and drop it): it follows a1,
    // and only the broker's refusal of that proves a1 absent and moves to a new epoch.
    expect(b.values(0)).toEqual(log)
    expect(a2.offset).toBe(BigInt(log.indexOf('a2')))
    expect(stamps(b, 'a2')).toEqual(a2Stamps)
  })

  it('does not fail a batch answered REQUEST_TIMED_OUT at the delivery timeout: it is in the log', async () => {
    let firstA1At = -1
    const b = await brokerWith(1, (batch) => {
      if (batch.values[0] !== 'a1') return 'normal'
      if (firstA1At < 0) {
        firstA1At = Date.now()
        // Appended on the leader; the replicas did not confirm within the ack timeout.
        return { error: REQUEST_TIMED_OUT, appended: true }
      }
      // Then the partition has no leader for a while, past the delivery timeout.
      return Date.now() - firstA1At < 500 ? { error: NOT_LEADER_OR_FOLLOWER } : 'normal'
    })
    const producer = producerFor(b, { requestTimeoutMs: 100, deliveryTimeoutMs: 200 })
    await producer.send({ topic: 't', partition: 0, value: 'a0' })
    const a1 = producer.send({ topic: 't', partition: 0, value: 'a1' })
    await waitFor(() => firstA1At >= 0, { intervalMs: 2, timeoutMs: 5_000 })
    const a2 = producer.send({ topic: 't', partition: 0, value: 'a2' })
    const [m1, m2] = await Promise.all([a1, a2])

    expect(b.values(0)).toEqual(['a0', 'a1', 'a2'])
    expect(m1.offset).toBe(1n)
    expect(m2.offset).toBe(2n)
    expect(new Set(stamps(b, 'a1').map(([e, s]) => `${e}/${s}`))).toEqual(new Set(['0/1']))
  })
})
