/**
 * Scenarios d, e and f of issue 9, with brokers SIGKILLed under kafkats clients (RF 3,
 * min.insync.replicas 2, acks=all):
 *
 * d. partition leaders killed in turn under an idempotent producer: kcat must find every
 *    acknowledged record exactly once, in send order within its partition;
 * e. leaders killed under a transactional consume-transform-produce (read_committed group
 *    consumer → transactional producer with the offsets in the transaction): the output, read
 *    read_committed by kcat, holds every input record exactly once and in order;
 * f. the whole cluster (all three brokers) killed and restarted under a producer and a group of
 *    two member processes: nothing acknowledged is lost, every record reaches a member, and
 *    production and consumption resume within a bound once the brokers are back.
 *
 * Resume times: kill → every partition flowing again (acks for d, committed transactions for e);
 * for f, brokers back → every partition consumed again.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KafkaTransactionError, type ConsumerBatch, type ConsumerMessage } from '../../src/index.js'
import { waitFor } from '../support/kafka.js'
import { BROKER_FAILOVER_MS, memberKillBoundMs } from './support/bounds.js'
import { BROKERS, ChaosCluster, LONG } from './support/cluster.js'
import { GroupRun } from './support/group-run.js'
import { rollingLeaderKills, worstResume } from './support/leader-kills.js'
import { auditProduced, readTopic } from './support/reader.js'
import { recordResult, writeReport } from './support/report.js'
import { SteadyProducer } from './support/steady-producer.js'

const PARTITIONS = 6
// A leader's death: the controller fences it after broker.session.timeout.ms, then clients find the new leaders.
const LEADER_RESUME_BOUND_MS = BROKER_FAILOVER_MS + 7_000

describe('chaos: brokers killed under producers and transactions', () => {
  let cluster: ChaosCluster

  beforeAll(async () => {
    cluster = await ChaosCluster.start()
  })

  afterAll(async () => {
    writeReport()
    await cluster?.close()
  })

  it('d: an idempotent producer loses nothing, duplicates nothing and keeps order while leaders die', async () => {
    const topic = `chaos-idempotent-${randomBytes(3).toString('hex')}`
    await cluster.createTopic(topic, PARTITIONS)
    const rate = LONG ? 4_000 : 2_000
    const kills = LONG ? 6 : 3
    const producer = new SteadyProducer(cluster.kafka, { topic, partitions: PARTITIONS, recordsPerSecond: rate })
    await producer.start()
    await waitFor(() => producer.ackedCount > rate, { timeoutMs: 30_000, message: 'the producer to get going' })
    const results = await rollingLeaderKills(cluster, topic, kills, (since) => producer.flowingSince(since), 60_000)
    await producer.close()
    const read = await readTopic(cluster.bootstrap, topic, PARTITIONS)
    const audit = auditProduced(read, producer.acked)
    const resumeMs = worstResume(results)
    recordResult({
      scenario: 'd leader kills, idempotent producer',
      client: 'kafkats',
      resumeMs,
      boundMs: LEADER_RESUME_BOUND_MS,
      faults: kills,
      records: read.reduce((n, r) => n + r.length, 0),
      lost: audit.lost,
      duplicates: audit.duplicates,
      outOfOrder: audit.outOfOrder,
      settings: { recordsPerSecond: rate, acks: 'all', perKillResumeMs: results.map((r) => r.resumeMs ?? -1).join(',') },
    })
    expect(producer.failures).toEqual([])
    expect(producer.ackedCount).toBe(producer.sent)
    expect(audit).toEqual({ lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 })
    expect(resumeMs).not.toBeNull()
    expect(resumeMs as number).toBeLessThanOrEqual(LEADER_RESUME_BOUND_MS)
  })

  it('e: consume-transform-produce in transactions writes each input exactly once while leaders die', async () => {
    const suffix = randomBytes(3).toString('hex')
    const input = `chaos-txn-in-${suffix}`
    const output = `chaos-txn-out-${suffix}`
    await cluster.createTopic(input, PARTITIONS)
    await cluster.createTopic(output, PARTITIONS)
    const rate = LONG ? 1_500 : 600
    const kills = LONG ? 4 : 2
    const upstream = new SteadyProducer(cluster.kafka, { topic: input, partitions: PARTITIONS, recordsPerSecond: rate })

    const consumer = cluster.kafka.consumer({
      groupId: `chaos-txn-${suffix}`,
      autoCommit: false,
      autoOffsetReset: 'earliest',
      isolationLevel: 'read_committed',
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxPollRecords: 200,
    })
    const producer = cluster.kafka.producer({ transactionalId: `chaos-txn-${suffix}`, maxBlockMs: 120_000, requestTimeoutMs: 10_000, deliveryTimeoutMs: 120_000 })
    await producer.initTransactions()
    // Per input partition: the next input offset the committed transactions cover, and when the last one began.
    const committedUpTo = Array.from({ length: PARTITIONS }, () => 0n)
    const committedStartedAt = Array.from({ length: PARTITIONS }, () => 0)
    const aborts: string[] = []

    const transform = async (batch: ConsumerBatch<ConsumerMessage>): Promise<void> => {
      const first = batch.messages[0]
      const last = batch.messages[batch.messages.length - 1]
      if (first === undefined || last === undefined) return
      const startedAt = Date.now()
      producer.beginTransaction()
      try {
        const sends = batch.messages.map((m) => producer.send({ topic: output, partition: batch.partition, value: m.value }))
        await producer.sendOffsetsToTransaction([{ topic: input, partition: batch.partition, offset: last.offset + 1n }], consumer.groupMetadata())
        await producer.commitTransaction()
        await Promise.all(sends)
        committedUpTo[batch.partition] = last.offset + 1n
        committedStartedAt[batch.partition] = startedAt
      } catch (error) {
        if (error instanceof KafkaTransactionError && !error.abortable) throw error
        aborts.push(error instanceof Error ? error.message : String(error))
        await producer.abortTransaction()
        // The batch's offsets were not committed: read it again.
        consumer.seek({ topic: input, partition: batch.partition }, first.offset)
      }
    }
    await consumer.subscribe({ topics: [input] })
    const running = consumer.run({ eachBatch: transform })
    running.catch(() => {})

    await upstream.start()
    await waitFor(() => committedUpTo.every((o) => o > 0n), { timeoutMs: 60_000, message: 'transactions committing on every partition' })
    const results = await rollingLeaderKills(cluster, input, kills, (since) => committedStartedAt.every((t) => t >= since), 90_000)
    await upstream.close()
    const ends = (await readTopic(cluster.bootstrap, input, PARTITIONS)).map((r) => BigInt(r.length))
    await waitFor(() => committedUpTo.every((o, p) => o >= (ends[p] as bigint)), {
      timeoutMs: 120_000,
      message: `the transform to catch up (${committedUpTo.join(',')} of ${ends.join(',')})`,
    })
    await consumer.stop()
    await running
    await consumer.disconnect()
    await producer.disconnect()

    const read = await readTopic(cluster.bootstrap, output, PARTITIONS, { readCommitted: true })
    const audit = auditProduced(read, upstream.acked)
    const resumeMs = worstResume(results)
    recordResult({
      scenario: 'e leader kills, transactions',
      client: 'kafkats',
      resumeMs,
      boundMs: LEADER_RESUME_BOUND_MS + 10_000,
      faults: kills,
      records: read.reduce((n, r) => n + r.length, 0),
      lost: audit.lost,
      duplicates: audit.duplicates,
      outOfOrder: audit.outOfOrder,
      settings: { recordsPerSecond: rate, aborts: aborts.length, perKillResumeMs: results.map((r) => r.resumeMs ?? -1).join(',') },
      ...(aborts.length > 0 ? { notes: aborts.slice(0, 3).join(' | ') } : {}),
    })
    expect(upstream.failures).toEqual([])
    // Exactly once: every input record once in the committed output, in input order.
    expect(audit).toEqual({ lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 })
    expect(read.map((r) => r.length)).toEqual(ends.map(Number))
    expect(resumeMs).not.toBeNull()
    // A transaction in flight at the kill may wait for its coordinator to move, then for a retry.
    expect(resumeMs as number).toBeLessThanOrEqual(LEADER_RESUME_BOUND_MS + 10_000)
  })

  it('f: producer and group resume after the whole cluster is killed and restarted', async () => {
    const timings = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxPollIntervalMs: 30_000 }
    const rate = LONG ? 1_000 : 300
    const run = await GroupRun.start(
      cluster,
      { name: 'restart', kind: 'kafkats', groupProtocol: 'classic', partitions: PARTITIONS, recordsPerSecond: rate, ...timings },
      2,
    )
    try {
      const downMs = LONG ? 15_000 : 5_000
      await Promise.all(BROKERS.map((n) => cluster.kill(n)))
      run.observer.note('test', 'all brokers killed')
      // A fault schedule: the cluster stays down this long before it comes back.
      await new Promise((resolve) => setTimeout(resolve, downMs))
      await Promise.all(BROKERS.map((n) => cluster.restart(n)))
      const backAt = Date.now()
      run.observer.mark()
      run.observer.note('test', 'all brokers back')
      const bound = BROKER_FAILOVER_MS + memberKillBoundMs(timings.sessionTimeoutMs, timings.heartbeatIntervalMs)
      const consumeResume = await run.waitResumed(backAt, bound + 60_000).catch(() => null)
      const produceResume = await waitFor(() => (run.producer.flowingSince(backAt) ? Date.now() : 0), { timeoutMs: 60_000, intervalMs: 50 })
        .then((at) => at - backAt)
        .catch(() => null)
      const audit = await run.finish()
      if (process.env.KAFKATS_CHAOS_TRACE === '1') console.log(run.observer.trace(backAt))
      recordResult({
        scenario: 'f whole cluster restart',
        client: 'kafkats',
        resumeMs: consumeResume,
        boundMs: bound,
        faults: 3,
        records: audit.records,
        lost: audit.lost + audit.unconsumed,
        duplicates: audit.duplicatesInLog,
        outOfOrder: audit.outOfOrderInLog + audit.orderViolations.length,
        settings: { ...timings, downMs, recordsPerSecond: rate, produceResumeMs: produceResume ?? -1 },
      })
      expect(audit.failedSends).toBe(0)
      expect(audit.lost).toBe(0)
      expect(audit.duplicatesInLog).toBe(0)
      expect(audit.outOfOrderInLog).toBe(0)
      expect(audit.unconsumed).toBe(0)
      expect(audit.orderViolations).toEqual([])
      expect(produceResume).not.toBeNull()
      expect(consumeResume).not.toBeNull()
      expect(consumeResume as number).toBeLessThanOrEqual(bound)
    } catch (error) {
      await run.abort()
      await cluster.heal().catch(() => {})
      throw error
    }
  })
})
