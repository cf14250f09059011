/**
 * Scenarios a and c of issue 9: a consumer group of three members on a six-partition topic, one
 * member SIGKILLed every 5 s and replaced by a new process, so that later kills hit members in the
 * middle of rejoining (defect 1: a classic member whose SyncGroup died with its connection never
 * rejoined). The oldest member is the one killed, which in a classic group is the group's leader.
 *
 * For each group protocol (classic, KIP-848 'consumer') and each client (kafkats, Java's
 * VerifiableConsumer): after the last kill the group must consume again within the session
 * timeout plus one rebalance; every record in the log (read by kcat) must reach a member
 * (at-least-once), none acknowledged may be missing, and each member gets each partition's
 * records in order. The long form kills more often, writes more, and adds a classic run with
 * Java's default timings (45 s session, 3 s heartbeat, 300 s poll interval).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memberKillBoundMs } from './support/bounds.js'
import { ChaosCluster, LONG } from './support/cluster.js'
import { GroupRun } from './support/group-run.js'
import type { ClientKind } from './support/members.js'
import { recordResult, writeReport } from './support/report.js'

const KILLS = LONG ? 8 : 4
const KILL_EVERY_MS = 5_000
const RATE = LONG ? 1_000 : 300

interface Timings {
  label: string
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
}

const FAST: Timings = { label: 'short timeouts', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxPollIntervalMs: 30_000 }
const DEFAULTS: Timings = { label: 'default timeouts', sessionTimeoutMs: 45_000, heartbeatIntervalMs: 3_000, maxPollIntervalMs: 300_000 }
// KIP-848 sessions are the broker's: group.consumer.session.timeout.ms=10000, heartbeat 1000 on the local cluster.
const BROKER_848: Timings = { label: 'broker timeouts', sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxPollIntervalMs: 30_000 }

const cases: Array<{ scenario: string; protocol: 'classic' | 'consumer'; timings: Timings; kind: ClientKind }> = []
for (const kind of ['kafkats', 'java'] as const) {
  cases.push({ scenario: 'a member kills (classic)', protocol: 'classic', timings: FAST, kind })
  cases.push({ scenario: 'c member kills (KIP-848)', protocol: 'consumer', timings: BROKER_848, kind })
  if (LONG) cases.push({ scenario: 'a member kills (classic, defaults)', protocol: 'classic', timings: DEFAULTS, kind })
}

describe('chaos: group members killed every 5 s', () => {
  let cluster: ChaosCluster

  beforeAll(async () => {
    cluster = await ChaosCluster.start()
  })

  afterAll(async () => {
    writeReport()
    await cluster?.close()
  })

  it.each(cases)('$scenario with $kind ($timings.label)', async ({ scenario, protocol, timings, kind }) => {
    const run = await GroupRun.start(
      cluster,
      { name: protocol === 'classic' ? 'kills' : 'kills848', kind, groupProtocol: protocol, partitions: 6, recordsPerSecond: RATE, ...timings },
      3,
    )
    try {
      let lastKill = 0
      for (let k = 0; k < KILLS; k++) {
        // A fault schedule, not a synchronisation: the next kill comes 5 s later whatever the group does.
        await new Promise((resolve) => setTimeout(resolve, KILL_EVERY_MS))
        const victim = run.live[0]
        expect(victim, 'a live member to kill').toBeDefined()
        await victim?.kill()
        lastKill = Date.now()
        await run.spawn()
      }
      const bound = memberKillBoundMs(timings.sessionTimeoutMs, timings.heartbeatIntervalMs)
      const resumeMs = await run.waitResumed(lastKill, bound + 60_000).catch(() => null)
      const audit = await run.finish()
      if (process.env.KAFKATS_CHAOS_TRACE === '1') console.log(run.observer.trace(lastKill))
      recordResult({
        scenario,
        client: kind,
        resumeMs,
        boundMs: bound,
        faults: KILLS,
        records: audit.records,
        lost: audit.lost + audit.unconsumed,
        duplicates: audit.duplicatesInLog,
        outOfOrder: audit.outOfOrderInLog + audit.orderViolations.length,
        settings: { ...timings, protocol, recordsPerSecond: RATE, killEveryMs: KILL_EVERY_MS },
        ...(audit.errors.length > 0 ? { notes: audit.errors.slice(0, 5).join(' | ') } : {}),
      })
      expect(resumeMs, `${kind} resumed after the last kill`).not.toBeNull()
      // The bound is kafkats' promise; Java's time is the reference it is compared with.
      if (kind === 'kafkats') expect(resumeMs as number).toBeLessThanOrEqual(bound)
      expect(audit.failedSends).toBe(0)
      expect(audit.lost, 'acknowledged records missing from the log').toBe(0)
      expect(audit.duplicatesInLog, 'the idempotent producer wrote a record twice').toBe(0)
      expect(audit.unconsumed, 'records no member received').toBe(0)
      expect(audit.orderViolations).toEqual([])
    } catch (error) {
      await run.abort()
      throw error
    }
  })
})
