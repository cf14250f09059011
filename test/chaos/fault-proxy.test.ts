/**
 * Scenario g of issue 9: faults on the wire rather than in processes. kafkats clients reach the
 * chaos cluster through a proxy on loopback (support/fault-proxy.ts) that delays responses, cuts
 * connections, and drops responses the broker produced after it acted on the request.
 *
 * g1. An idempotent producer (acks=all): Produce responses dropped after the append, then the
 *     connection cut; dropped with the connection left silent, so the request times out; delayed
 *     past the request timeout; every connection cut at once. kcat, reading the brokers directly,
 *     must find every acknowledged record exactly once and in send order within its partition.
 * g2. A classic and a KIP-848 group of two member processes: every connection cut, OffsetCommit
 *     responses dropped after the commit was stored, Fetch responses delayed. Every record reaches a
 *     member (at-least-once) and consumption resumes within a bound after each fault.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka } from '../../src/index.js'
import { waitFor } from '../support/kafka.js'
import { ChaosCluster, LONG } from './support/cluster.js'
import { ApiKey, FaultProxy } from './support/fault-proxy.js'
import { GroupRun } from './support/group-run.js'
import { auditProduced, readTopic } from './support/reader.js'
import { recordResult, writeReport } from './support/report.js'
import { SteadyProducer } from './support/steady-producer.js'

const PARTITIONS = 6
const REQUEST_TIMEOUT_MS = 5_000
// A fault's worst case for the producer: a request timeout, a retry backoff, a reconnect.
const PRODUCE_RESUME_BOUND_MS = REQUEST_TIMEOUT_MS + 5_000
const GROUP_TIMINGS = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxPollIntervalMs: 30_000 }
// A cut costs a reconnect and, if a JoinGroup or SyncGroup was in flight, one rebalance.
const GROUP_RESUME_BOUND_MS = 15_000

interface Fault {
  name: string
  inject(proxy: FaultProxy): void
  /** Ends the fault (a delay lasts until healed); drops end by themselves. */
  lastsMs?: number
}

const produceFaults: Fault[] = [
  { name: 'Produce responses dropped after the append, connection cut', inject: (p) => p.drop({ apiKey: ApiKey.Produce, count: 3, then: 'cut' }) },
  { name: 'a Produce response dropped, connection left silent', inject: (p) => p.drop({ apiKey: ApiKey.Produce, count: 1, then: 'silence' }) },
  { name: 'Produce responses delayed past the request timeout', inject: (p) => p.delay({ apiKeys: [ApiKey.Produce], ms: REQUEST_TIMEOUT_MS + 1_000 }), lastsMs: 8_000 },
  { name: 'every connection cut', inject: (p) => p.cutAll() },
]

const groupFaults: Fault[] = [
  { name: 'every connection cut', inject: (p) => p.cutAll() },
  { name: 'OffsetCommit responses dropped after the commit, connection cut', inject: (p) => p.drop({ apiKey: ApiKey.OffsetCommit, count: 2, then: 'cut' }) },
  { name: 'Fetch responses delayed 3 s', inject: (p) => p.delay({ apiKeys: [ApiKey.Fetch], ms: 3_000 }), lastsMs: 8_000 },
]

/**
 * Runs each fault in turn (twice in the long form) and measures, per fault, the time from its end
 * (the last dropped response or cut, or the end of a delay) until every partition flows again.
 * Returns the worst, or null when the clients did not recover from one.
 */
async function runFaults(proxy: FaultProxy, faults: readonly Fault[], flowingSince: (t: number) => boolean, boundMs: number): Promise<number | null> {
  let worst = 0
  for (let round = 0; round < (LONG ? 2 : 1); round++) {
    for (const fault of faults) {
      const injectedAt = Date.now()
      fault.inject(proxy)
      let endedAt = injectedAt
      if (fault.lastsMs !== undefined) {
        // A fault schedule, not a synchronisation: the delay holds for this long whatever the clients do.
        await new Promise((resolve) => setTimeout(resolve, fault.lastsMs))
        proxy.heal()
        endedAt = Date.now()
      } else {
        const dropped = await waitFor(() => proxy.pendingDrops === 0, { timeoutMs: 30_000, intervalMs: 20, message: `${fault.name}: the responses to drop` })
          .then(() => true)
          .catch(() => false)
        if (!dropped) return null
        endedAt = Math.max(injectedAt, proxy.lastFaultAt)
      }
      const resumed = await waitFor(() => (flowingSince(endedAt) ? Date.now() : 0), {
        timeoutMs: boundMs + 30_000,
        intervalMs: 50,
        message: `flowing again after: ${fault.name}`,
      }).catch(() => null)
      console.log(`[chaos] fault "${fault.name}": ${resumed === null ? 'never resumed' : `flowing again ${((resumed - endedAt) / 1000).toFixed(1)} s after it ended`}`)
      if (resumed === null) return null
      worst = Math.max(worst, resumed - endedAt)
      proxy.heal()
    }
  }
  return worst
}

describe('chaos: faults on the wire (fault proxy)', () => {
  let cluster: ChaosCluster
  let proxy: FaultProxy

  beforeAll(async () => {
    cluster = await ChaosCluster.start()
    proxy = await FaultProxy.start(cluster.bootstrap.split(',').map((address) => Number(address.split(':')[1])))
  })

  afterAll(async () => {
    writeReport()
    await proxy?.close()
    await cluster?.close()
  })

  it('g1: an idempotent producer behind dropped, delayed and cut responses writes each record once, in order', async () => {
    const topic = `chaos-proxy-produce-${randomBytes(3).toString('hex')}`
    await cluster.createTopic(topic, PARTITIONS)
    const kafka = new Kafka({ clientId: 'chaos-proxied-producer', brokers: proxy.bootstrap.split(','), requestTimeoutMs: REQUEST_TIMEOUT_MS })
    const rate = LONG ? 2_000 : 1_000
    const producer = new SteadyProducer(kafka, { topic, partitions: PARTITIONS, recordsPerSecond: rate }, { requestTimeoutMs: REQUEST_TIMEOUT_MS })
    try {
      await producer.start()
      await waitFor(() => producer.ackedCount > rate, { timeoutMs: 30_000, message: 'the producer to get going' })
      const resumeMs = await runFaults(proxy, produceFaults, (t) => producer.flowingSince(t), PRODUCE_RESUME_BOUND_MS)
      await producer.close()
      const read = await readTopic(cluster.bootstrap, topic, PARTITIONS)
      const audit = auditProduced(read, producer.acked)
      recordResult({
        scenario: 'g1 fault proxy, idempotent producer',
        client: 'kafkats',
        resumeMs,
        boundMs: PRODUCE_RESUME_BOUND_MS,
        faults: produceFaults.length * (LONG ? 2 : 1),
        records: read.reduce((n, list) => n + list.length, 0),
        lost: audit.lost,
        duplicates: audit.duplicates,
        outOfOrder: audit.outOfOrder,
        settings: { recordsPerSecond: rate, requestTimeoutMs: REQUEST_TIMEOUT_MS, dropped: proxy.stats.dropped, cuts: proxy.stats.cuts },
      })
      expect(proxy.stats.dropped, 'the proxy dropped responses').toBeGreaterThanOrEqual(4)
      expect(resumeMs, 'the producer flowed again after every fault').not.toBeNull()
      expect(resumeMs as number).toBeLessThanOrEqual(PRODUCE_RESUME_BOUND_MS)
      expect(producer.failures).toEqual([])
      expect(audit.foreign).toBe(0)
      expect(audit.lost, 'acknowledged records missing from the log').toBe(0)
      expect(audit.duplicates, 'a retried batch was written twice').toBe(0)
      expect(audit.outOfOrder).toBe(0)
    } finally {
      await producer.close().catch(() => {})
      await kafka.close()
    }
  })

  it.each(['classic', 'consumer'] as const)('g2: a %s group behind cut connections, dropped commits and slow fetches gets every record', async (groupProtocol) => {
    proxy.heal()
    const run = await GroupRun.start(
      cluster,
      { name: `proxy-${groupProtocol}`, kind: 'kafkats', groupProtocol, partitions: PARTITIONS, recordsPerSecond: LONG ? 1_000 : 300, ...GROUP_TIMINGS, bootstrap: proxy.bootstrap },
      2,
    )
    try {
      const droppedBefore = proxy.stats.dropped
      const resumeMs = await runFaults(
        proxy,
        groupFaults,
        (t) => {
          const arrivals = [...Array(PARTITIONS).keys()].map((p) => run.observer.lastArrival.get(p) ?? 0)
          return arrivals.every((at) => at > t)
        },
        GROUP_RESUME_BOUND_MS,
      )
      const audit = await run.finish()
      recordResult({
        scenario: `g2 fault proxy, ${groupProtocol} group`,
        client: 'kafkats',
        resumeMs,
        boundMs: GROUP_RESUME_BOUND_MS,
        faults: groupFaults.length * (LONG ? 2 : 1),
        records: audit.records,
        lost: audit.lost + audit.unconsumed,
        duplicates: audit.duplicatesInLog,
        outOfOrder: audit.outOfOrderInLog + audit.orderViolations.length,
        settings: { ...GROUP_TIMINGS, protocol: groupProtocol, dropped: proxy.stats.dropped - droppedBefore },
        ...(audit.errors.length > 0 ? { notes: audit.errors.slice(0, 5).join(' | ') } : {}),
      })
      expect(proxy.stats.dropped - droppedBefore, 'the proxy dropped commit responses').toBeGreaterThan(0)
      expect(resumeMs, 'the group consumed again after every fault').not.toBeNull()
      expect(resumeMs as number).toBeLessThanOrEqual(GROUP_RESUME_BOUND_MS)
      expect(audit.failedSends).toBe(0)
      expect(audit.lost, 'acknowledged records missing from the log').toBe(0)
      expect(audit.unconsumed, 'records no member received').toBe(0)
      expect(audit.orderViolations).toEqual([])
    } catch (error) {
      await run.abort()
      throw error
    }
  })
})
