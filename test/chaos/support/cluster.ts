/**
 * The chaos suite's view of the local three-broker cluster (scripts/kafka-local.sh): start it or
 * reuse one already running, kill and restart brokers, find partition leaders and group
 * coordinators, and create topics with replication factor 3 and min.insync.replicas 2.
 *
 * Every file starts the cluster in `beforeAll` (reusing a healthy one) and stops it in `afterAll`,
 * unless KAFKATS_CHAOS_KEEP_CLUSTER=1 keeps it for the next run.
 */
import { Kafka, type Admin } from '../../../src/index.js'
import {
  type ClusterBroker,
  killBroker,
  restartBroker,
  runKafkaScript,
  startCluster,
  stopCluster,
  waitFor,
} from '../../support/kafka.js'

export const BROKERS: readonly ClusterBroker[] = [1, 2, 3]

/** Long form: more kills, more records, longer runs (KAFKATS_CHAOS_LONG=1, `npm run chaos`). */
export const LONG = process.env.KAFKATS_CHAOS_LONG === '1'

/**
 * Rounds of a scenario that repeats (KAFKATS_CHAOS_ROUNDS, default 2 in the long form, 1 in the
 * short): enough rounds to tell a systematic difference between kafkats and Java from noise.
 */
export function chaosRounds(): number {
  const raw = process.env.KAFKATS_CHAOS_ROUNDS
  if (raw === undefined || raw === '') return LONG ? 2 : 1
  const rounds = Number(raw)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`KAFKATS_CHAOS_ROUNDS must be a positive integer, got "${raw}"`)
  return rounds
}

export class ChaosCluster {
  readonly bootstrap: string
  readonly kafka: Kafka
  readonly admin: Admin
  readonly #down = new Set<ClusterBroker>()

  private constructor(bootstrap: string) {
    this.bootstrap = bootstrap
    this.kafka = new Kafka({ clientId: 'chaos-control', brokers: bootstrap.split(','), retryBackoffMaxMs: 500, requestTimeoutMs: 10_000 })
    this.admin = this.kafka.admin()
  }

  /** A running cluster: the one already up when all four nodes run, else a fresh one. */
  static async start(): Promise<ChaosCluster> {
    const running = (await runKafkaScript(['status', 'cluster'], { timeoutMs: 10_000 })).code === 0
    let bootstrap: string
    if (running) {
      bootstrap = ['9192', '9292', '9392'].map((p) => `127.0.0.1:${Number(p) + Number(process.env.KAFKATS_CLUSTER_PORT_OFFSET ?? '0')}`).join(',')
    } else {
      await stopCluster().catch(() => {}) // a partly running cluster from an aborted run
      bootstrap = await startCluster()
    }
    const cluster = new ChaosCluster(bootstrap)
    await cluster.waitHealthy()
    return cluster
  }

  /** Every broker back, then the cluster stopped (kept with KAFKATS_CHAOS_KEEP_CLUSTER=1). */
  async close(): Promise<void> {
    await this.kafka.close().catch(() => {})
    if (process.env.KAFKATS_CHAOS_KEEP_CLUSTER === '1') {
      for (const n of [...this.#down]) await this.restart(n).catch(() => {})
      return
    }
    await stopCluster()
  }

  isDown(n: ClusterBroker): boolean {
    return this.#down.has(n)
  }

  async kill(n: ClusterBroker): Promise<void> {
    await killBroker(n)
    this.#down.add(n)
  }

  async restart(n: ClusterBroker): Promise<void> {
    await restartBroker(n)
    this.#down.delete(n)
  }

  /** All three brokers registered and serving metadata. */
  async waitHealthy(timeoutMs = 90_000): Promise<void> {
    await waitFor(async () => (await this.admin.describeCluster()).brokers.length === 3, {
      timeoutMs,
      intervalMs: 500,
      message: 'three brokers in the cluster',
    })
  }

  /** Creates a topic (RF 3, min.insync.replicas 2) and waits until every partition has a leader and a full ISR. */
  async createTopic(topic: string, partitions: number, configs: Record<string, string> = {}): Promise<void> {
    const [created] = await this.admin.createTopics([
      { topic, numPartitions: partitions, replicationFactor: 3, configs: { 'min.insync.replicas': '2', ...configs } },
    ])
    if (created?.error != null) throw created.error
    await waitFor(
      async () => {
        const [d] = await this.admin.describeTopics([topic])
        return d !== undefined && d.error === null && d.partitions.length === partitions && d.partitions.every((p) => p.leader >= 0 && p.isr.length === 3)
      },
      { timeoutMs: 60_000, message: `${topic} to have leaders and full ISRs` },
    )
  }

  /** Leader broker of each partition (-1 while a partition has none). */
  async leaders(topic: string): Promise<number[]> {
    const [d] = await this.admin.describeTopics([topic])
    if (d === undefined || d.error !== null) throw d?.error ?? new Error(`no description of ${topic}`)
    return [...d.partitions].sort((a, b) => a.partition - b.partition).map((p) => p.leader)
  }

  /** Waits until each partition of `topic` has a leader among the live brokers and a full ISR of them. */
  async waitLeadersLive(topic: string, timeoutMs = 60_000): Promise<void> {
    const live = BROKERS.filter((b) => !this.#down.has(b)).length
    await waitFor(
      async () => {
        const [d] = await this.admin.describeTopics([topic])
        return d?.partitions.every((p) => p.leader > 0 && !this.#down.has(p.leader as ClusterBroker) && p.isr.length >= Math.min(live, 2))
      },
      { timeoutMs, intervalMs: 300, message: `${topic}: leaders on live brokers` },
    )
  }

  /** The group's coordinator and state as the cluster reports them. */
  async group(groupId: string): Promise<{ coordinator: number; state: string; members: number }> {
    const [g] = await this.admin.describeGroups([groupId])
    if (g === undefined || g.error !== null) throw g?.error ?? new Error(`no description of ${groupId}`)
    return { coordinator: g.coordinator, state: g.state, members: g.members.length }
  }

  /** Brings every killed broker back and moves leadership to the preferred replicas. */
  async heal(): Promise<void> {
    for (const n of [...this.#down]) await this.restart(n)
    await this.waitHealthy()
  }
}

export function asBroker(n: number): ClusterBroker {
  if (n !== 1 && n !== 2 && n !== 3) throw new Error(`${n} is not a broker of the local cluster`)
  return n
}
