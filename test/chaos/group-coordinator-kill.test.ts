/**
 * Scenario b of issue 9 (defect 2): the broker hosting a classic group's coordinator is SIGKILLed
 *
 * - while JoinGroup requests wait at it: a member is killed and a new one joins, so the rebalance
 *   waits for the dead member's session to run out and the survivors' JoinGroups are parked;
 * - while SyncGroup requests wait at it: the group leader's assignor is held (see
 *   support/kafkats-member.ts and support/java/HoldingRangeAssignor.java) after a new member
 *   joined, so the followers' SyncGroups are parked.
 *
 * The members must find the new coordinator and consume again within the broker fail-over plus
 * the session timeout plus one rebalance, with every record of the log (kcat) received by a
 * member. The same runs with Java's VerifiableConsumer give the reference resume times.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../support/kafka.js'
import { coordinatorKillBoundMs } from './support/bounds.js'
import { asBroker, chaosRounds, ChaosCluster, LONG } from './support/cluster.js'
import { GroupRun } from './support/group-run.js'
import type { ClientKind } from './support/members.js'
import { recordResult, writeReport } from './support/report.js'

const RATE = LONG ? 1_000 : 300
const TIMINGS = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxPollIntervalMs: 30_000 }
const REPEAT = chaosRounds()

type Phase = 'join' | 'sync'
const cases: Array<{ phase: Phase; kind: ClientKind; round: number }> = []
for (let round = 1; round <= REPEAT; round++) {
  for (const phase of ['join', 'sync'] as const) for (const kind of ['kafkats', 'java'] as const) cases.push({ phase, kind, round })
}

describe('chaos: the group coordinator killed mid-rebalance', () => {
  let cluster: ChaosCluster
  const dir = mkdtempSync(join(tmpdir(), 'kafkats-chaos-hold-'))

  beforeAll(async () => {
    cluster = await ChaosCluster.start()
  })

  afterAll(async () => {
    writeReport()
    rmSync(dir, { recursive: true, force: true })
    await cluster?.close()
  })

  it.each(cases)('coordinator killed while $phase is pending, $kind (round $round)', async ({ phase, kind, round }) => {
    const holdFile = join(dir, `hold-${phase}-${kind}-${round}`)
    const run = await GroupRun.start(
      cluster,
      { name: `coord-${phase}`, kind, groupProtocol: 'classic', partitions: 6, recordsPerSecond: RATE, ...TIMINGS, holdFile },
      3,
    )
    const groupId = run.settings.groupId
    let killed: number | null = null
    try {
      if (phase === 'join') {
        // The dead member holds the rebalance the newcomer starts until its session runs out.
        await run.live[0]?.kill()
        await run.spawn()
        await waitFor(async () => (await cluster.group(groupId)).state === 'PreparingRebalance', {
          timeoutMs: 30_000,
          intervalMs: 100,
          message: `${groupId} to be waiting for JoinGroups`,
        })
      } else {
        // The leader's assignor waits while the hold file exists; the followers' SyncGroups wait with it.
        writeFileSync(holdFile, '')
        await run.spawn()
        await waitFor(() => existsSync(`${holdFile}.assigning`), { timeoutMs: 60_000, intervalMs: 100, message: 'the leader to hold its assignment' })
      }
      const { coordinator, state } = await cluster.group(groupId)
      killed = coordinator
      await cluster.kill(asBroker(coordinator))
      const lastKill = Date.now()
      run.observer.mark()
      rmSync(holdFile, { force: true })
      run.observer.note('test', `killed coordinator broker ${coordinator} (group ${state})`)

      const bound = coordinatorKillBoundMs(TIMINGS.sessionTimeoutMs, TIMINGS.heartbeatIntervalMs)
      const resumeMs = await run.waitResumed(lastKill, bound + 60_000).catch(() => null)
      await cluster.restart(asBroker(coordinator))
      killed = null
      const audit = await run.finish()
      if (process.env.KAFKATS_CHAOS_TRACE === '1') console.log(run.observer.trace(lastKill))
      recordResult({
        scenario: `b coordinator killed during ${phase === 'join' ? 'JoinGroup' : 'SyncGroup'}`,
        client: kind,
        resumeMs,
        boundMs: bound,
        faults: 1,
        records: audit.records,
        lost: audit.lost + audit.unconsumed,
        duplicates: audit.duplicatesInLog,
        outOfOrder: audit.outOfOrderInLog + audit.orderViolations.length,
        settings: { ...TIMINGS, protocol: 'classic', recordsPerSecond: RATE, round },
        ...(audit.errors.length > 0 ? { notes: audit.errors.slice(0, 5).join(' | ') } : {}),
      })
      expect(resumeMs, `${kind} resumed after the coordinator died`).not.toBeNull()
      if (kind === 'kafkats') expect(resumeMs as number).toBeLessThanOrEqual(bound)
      expect(audit.failedSends).toBe(0)
      expect(audit.lost, 'acknowledged records missing from the log').toBe(0)
      expect(audit.duplicatesInLog, 'the idempotent producer wrote a record twice').toBe(0)
      expect(audit.unconsumed, 'records no member received').toBe(0)
      expect(audit.orderViolations).toEqual([])
    } catch (error) {
      await run.abort()
      if (killed !== null) await cluster.restart(asBroker(killed)).catch(() => {})
      throw error
    }
  })
})
