/**
 * Rolling leader kills: SIGKILL the broker that leads a partition of the topic, wait for its
 * leaderships to move, measure how long the workload takes to flow again on every partition, then
 * restart the broker, wait until it is back in every ISR and move leadership back to the preferred
 * replicas, so that the next kill hits leaders again.
 */
import { ElectionType } from '../../../src/index.js'
import { waitFor } from '../../support/kafka.js'
import { asBroker, type ChaosCluster } from './cluster.js'

export interface LeaderKill {
  broker: number
  /** Kill → the workload flowing on every partition again (null if it never did within the limit). */
  resumeMs: number | null
}

/**
 * Kills `count` leaders in turn (cycling through the brokers). `flowingSince(t)` says whether the
 * workload has made progress on every partition with work started at or after `t`.
 */
export async function rollingLeaderKills(
  cluster: ChaosCluster,
  topic: string,
  count: number,
  flowingSince: (since: number) => boolean,
  resumeLimitMs: number,
): Promise<LeaderKill[]> {
  const kills: LeaderKill[] = []
  for (let k = 0; k < count; k++) {
    const leaders = await cluster.leaders(topic)
    const broker = asBroker(leaders[k % leaders.length] ?? 1)
    await cluster.kill(broker)
    const killedAt = Date.now()
    const resumeMs = await waitFor(() => (flowingSince(killedAt) ? Date.now() : 0), { timeoutMs: resumeLimitMs, intervalMs: 50, message: `flowing again after broker ${broker} died` })
      .then((at) => at - killedAt)
      .catch(() => null)
    kills.push({ broker, resumeMs })
    await cluster.restart(broker)
    await waitFor(async () => ((await cluster.admin.describeTopics([topic]))[0]?.partitions ?? []).every((p) => p.isr.length === 3), {
      timeoutMs: 120_000,
      intervalMs: 300,
      message: `broker ${broker} back in every ISR of ${topic}`,
    })
    await cluster.admin.electLeaders(ElectionType.PREFERRED).catch(() => [])
    await waitFor(async () => (await cluster.leaders(topic)).every((l) => l > 0), { timeoutMs: 30_000, message: `${topic} led again` })
  }
  return kills
}

export function worstResume(kills: readonly LeaderKill[]): number | null {
  if (kills.some((k) => k.resumeMs === null)) return null
  return Math.max(0, ...kills.map((k) => k.resumeMs as number))
}
