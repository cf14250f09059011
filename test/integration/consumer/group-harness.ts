/**
 * Drives a group membership directly (no consumer class): a Cluster, the membership the factory
 * makes for the options, and a listener that records what the member was told to own. Also runs a
 * member in a child process (group-member-process.ts) so that a test can SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Cluster } from '../../../src/cluster/cluster.js'
import type { KafkaError } from '../../../src/errors.js'
import { resolveKafkaOptions } from '../../../src/kafka-options.js'
import { createMembership } from '../../../src/consumer/group-factory.js'
import type { AssignmentListener, GroupMembership, Subscription, TopicPartition } from '../../../src/consumer/membership.js'
import { resolveConsumerOptions, type ConsumerOptions } from '../../../src/consumer/options.js'

export type ListenerEvent = { kind: 'assigned' | 'revoked' | 'lost'; partitions: string[]; at: number }

export const tpName = (p: TopicPartition): string => `${p.topic}-${p.partition}`

/** Records every call and keeps the set of partitions the member currently owns. */
export class RecordingListener implements AssignmentListener {
  readonly owned = new Set<string>()
  readonly events: ListenerEvent[] = []
  /** Runs inside revoked(), before it resolves: a slow commit, say. */
  onRevoked: (partitions: readonly TopicPartition[]) => Promise<void> = async () => {}

  async assigned(partitions: readonly TopicPartition[]): Promise<void> {
    for (const p of partitions) this.owned.add(tpName(p))
    this.events.push({ kind: 'assigned', partitions: partitions.map(tpName), at: Date.now() })
  }

  async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    await this.onRevoked(partitions)
    for (const p of partitions) this.owned.delete(tpName(p))
    this.events.push({ kind: 'revoked', partitions: partitions.map(tpName), at: Date.now() })
  }

  async lost(partitions: readonly TopicPartition[]): Promise<void> {
    for (const p of partitions) this.owned.delete(tpName(p))
    this.events.push({ kind: 'lost', partitions: partitions.map(tpName), at: Date.now() })
  }

  sorted(): string[] {
    return [...this.owned].sort()
  }
}

export function newCluster(bootstrap: string, clientId: string, overrides: { metadataMaxAgeMs?: number } = {}): Cluster {
  const o = resolveKafkaOptions({ clientId, brokers: bootstrap.split(','), ...overrides })
  return new Cluster({
    clientId: o.clientId,
    brokers: o.brokers,
    connectionTimeoutMs: o.connectionTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    metadataMaxAgeMs: o.metadataMaxAgeMs,
    retryBackoff: { initialMs: o.retryBackoffMs, maxMs: o.retryBackoffMaxMs },
    reconnectBackoffMs: o.reconnectBackoffMs,
    reconnectBackoffMaxMs: o.reconnectBackoffMaxMs,
    connectionsMaxIdleMs: o.connectionsMaxIdleMs,
    defaultApiTimeoutMs: o.defaultApiTimeoutMs,
    softwareName: 'kafkats-test',
    softwareVersion: '0.0.0',
  })
}

export interface MemberOptions extends ConsumerOptions<never, never> {
  groupId: string
  subscription: Subscription
  clientId?: string
  metadataMaxAgeMs?: number
}

/** One member of a group, in this process. */
export class Member {
  readonly cluster: Cluster
  readonly listener = new RecordingListener()
  readonly membership: GroupMembership
  readonly fatalErrors: KafkaError[] = []
  readonly joined: Promise<void>
  #pollTimer: NodeJS.Timeout | undefined

  constructor(bootstrap: string, options: MemberOptions) {
    const { subscription, clientId, metadataMaxAgeMs, ...consumerOptions } = options
    this.cluster = newCluster(bootstrap, clientId ?? `member-${options.groupId}`, { metadataMaxAgeMs })
    this.membership = createMembership({
      cluster: this.cluster,
      options: resolveConsumerOptions(consumerOptions),
      groupId: options.groupId,
      listener: this.listener,
      onFatalError: (error) => this.fatalErrors.push(error),
    })
    this.joined = this.membership.join(subscription)
    this.joined.catch(() => {})
    // The application "polls" all the time unless a test stops it.
    this.#pollTimer = setInterval(() => this.membership.polled(), 200)
  }

  stopPolling(): void {
    if (this.#pollTimer !== undefined) clearInterval(this.#pollTimer)
    this.#pollTimer = undefined
  }

  resumePolling(): void {
    this.stopPolling()
    this.membership.polled()
    this.#pollTimer = setInterval(() => this.membership.polled(), 200)
  }

  async close(): Promise<void> {
    this.stopPolling()
    await this.membership.leave()
    this.cluster.close()
  }
}

/** Every partition owned by exactly one member, as `partition → member index`; throws on overlap. */
export function ownership(members: readonly Member[]): Map<string, number> {
  const owners = new Map<string, number>()
  members.forEach((m, i) => {
    for (const p of m.listener.owned) {
      const other = owners.get(p)
      if (other !== undefined) throw new Error(`${p} owned by member ${other} and member ${i}`)
      owners.set(p, i)
    }
  })
  return owners
}

export function partitionNames(topic: string, count: number): string[] {
  return Array.from({ length: count }, (_, p) => `${topic}-${p}`).sort()
}

const MEMBER_PROCESS = fileURLToPath(new URL('./group-member-process.ts', import.meta.url))

/** A member running in a child process; it reports what it owns on stdout. */
export class ChildMember {
  readonly child: ChildProcess
  owned: string[] = []
  memberId = ''
  exited = false
  readonly stderr: string[] = []

  constructor(bootstrap: string, options: MemberOptions & { subscription: { topics: string[] } }) {
    this.child = spawn(process.execPath, ['--import', 'tsx', MEMBER_PROCESS], {
      env: { ...process.env, KAFKATS_MEMBER: JSON.stringify({ bootstrap, ...options }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as { owned: string[]; memberId: string }
      this.owned = message.owned
      this.memberId = message.memberId
    })
    ;(this.child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()))
    this.child.on('exit', () => {
      this.exited = true
    })
  }

  /** Dies without leaving the group, as a crash would. */
  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve()
      this.child.once('exit', () => resolve())
      this.child.kill('SIGKILL')
    })
  }
}
