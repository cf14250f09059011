/**
 * One consumer group under test: a topic on the chaos cluster, a steady producer writing to it,
 * member processes of one client (kafkats or Java) and the observer of what they received. The
 * scenarios add faults; this module measures the resume and audits the outcome with kcat.
 */
import { randomBytes } from 'node:crypto'
import { waitFor } from '../../support/kafka.js'
import type { ChaosCluster } from './cluster.js'
import { GroupObserver } from './group-observer.js'
import { type ClientKind, type GroupSettings, type MemberProcess, spawnMember } from './members.js'
import { auditProduced, endOffsets, readTopic } from './reader.js'
import { SteadyProducer } from './steady-producer.js'

export interface GroupRunOptions {
  name: string
  kind: ClientKind
  groupProtocol: 'classic' | 'consumer'
  partitions: number
  recordsPerSecond: number
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  holdFile?: string
  /** Where the members bootstrap (the fault proxy, say); the cluster's brokers by default. */
  bootstrap?: string
}

export interface GroupAudit {
  records: number
  /** Records in the log no member received (at-least-once). */
  unconsumed: number
  /** Acknowledged records missing from the log. */
  lost: number
  duplicatesInLog: number
  outOfOrderInLog: number
  orderViolations: string[]
  failedSends: number
  errors: string[]
}

export class GroupRun {
  readonly observer: GroupObserver
  readonly settings: GroupSettings
  readonly members: MemberProcess[] = []
  readonly producer: SteadyProducer
  readonly #cluster: ChaosCluster
  readonly #options: GroupRunOptions
  #spawned = 0

  private constructor(cluster: ChaosCluster, options: GroupRunOptions, topic: string) {
    this.#cluster = cluster
    this.#options = options
    this.observer = new GroupObserver(options.partitions)
    this.settings = {
      bootstrap: options.bootstrap ?? cluster.bootstrap,
      topic,
      groupId: `${topic}-group`,
      groupProtocol: options.groupProtocol,
      sessionTimeoutMs: options.sessionTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      maxPollIntervalMs: options.maxPollIntervalMs,
      ...(options.holdFile === undefined ? {} : { holdFile: options.holdFile }),
    }
    this.producer = new SteadyProducer(cluster.kafka, { topic, partitions: options.partitions, recordsPerSecond: options.recordsPerSecond })
  }

  /** Creates the topic, starts producing and starts `members` members; resolves once they consume. */
  static async start(cluster: ChaosCluster, options: GroupRunOptions, members: number): Promise<GroupRun> {
    const topic = `chaos-${options.name}-${options.kind}-${randomBytes(3).toString('hex')}`
    await cluster.createTopic(topic, options.partitions)
    const run = new GroupRun(cluster, options, topic)
    await run.producer.start()
    for (let i = 0; i < members; i++) await run.spawn()
    await run.waitResumed(Date.now(), 120_000)
    return run
  }

  get live(): MemberProcess[] {
    return this.members.filter((m) => m.alive)
  }

  async spawn(): Promise<MemberProcess> {
    const name = `${this.#options.kind}-m${++this.#spawned}`
    const member = await spawnMember(this.#options.kind, name, this.settings, this.observer)
    this.members.push(member)
    this.observer.note(name, `spawned (pid ${member.pid})`)
    return member
  }

  /**
   * Waits until the group consumes under a settled assignment; returns the time from `since` to
   * then (ms). Rejects after `timeoutMs`.
   */
  async waitResumed(since: number, timeoutMs: number): Promise<number> {
    const at = await waitFor(() => this.observer.resumedAt(), {
      timeoutMs,
      intervalMs: 100,
      message: `group ${this.settings.groupId} to consume again (${this.observer.describe()}; ${this.stderrTail()})`,
    })
    return at - since
  }

  /**
   * Stops producing, waits until the members received every record in the log, and audits the
   * log against the acknowledgements (kcat is the reader). Members are stopped afterwards.
   */
  async finish(drainTimeoutMs = 90_000): Promise<GroupAudit> {
    await this.producer.stop()
    let read = await readTopic(this.#cluster.bootstrap, this.settings.topic, this.#options.partitions)
    const ends = endOffsets(read)
    await waitFor(() => this.observer.covers(ends), {
      timeoutMs: drainTimeoutMs,
      intervalMs: 200,
      message: `members to receive every record (${JSON.stringify(this.observer.missing(ends).map((m) => ({ p: m.partition, n: m.offsets.length, first: m.offsets[0] })))}; ${this.observer.describe()})`,
    }).catch(() => undefined)
    const missing = this.observer.missing(ends)
    await Promise.all(this.members.map((m) => m.stop()))
    await this.producer.close()
    read = await readTopic(this.#cluster.bootstrap, this.settings.topic, this.#options.partitions)
    const audit = auditProduced(read, this.producer.acked)
    return {
      records: read.reduce((n, list) => n + list.length, 0),
      unconsumed: missing.reduce((n, m) => n + m.offsets.length, 0),
      lost: audit.lost,
      duplicatesInLog: audit.duplicates,
      outOfOrderInLog: audit.outOfOrder,
      orderViolations: this.observer.orderViolations,
      failedSends: this.producer.failures.length,
      errors: [...this.observer.members.values()].flatMap((m) => m.errors.map((e) => `${m.name}: ${e}`)),
    }
  }

  /** Kills every member left (after a failed assertion). */
  async abort(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()))
    await this.producer.close().catch(() => {})
  }

  stderrTail(): string {
    return this.members
      .map((m) => `${m.name} stderr: ${m.stderr.join('').slice(-600)}`)
      .filter((s) => !s.endsWith('stderr: '))
      .join(' | ')
  }
}
