/**
 * Real consumers (`kafka.consumer()`) in a group, each on its own Kafka root so the coordinator
 * tells them apart by client id, recording what they own (through the rebalance listener) and
 * every record they handle. Also runs one in a child process (group-consumer-process.ts) for
 * tests that SIGKILL it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Kafka, type Consumer, type ConsumerOptions, type KafkaError, type TopicPartition } from '../../../src/index.js'

export type OwnershipEvent = { kind: 'assigned' | 'revoked' | 'lost'; partitions: string[]; at: number }

const name = (p: TopicPartition): string => `${p.topic}-${p.partition}`

export interface GroupConsumerOptions extends ConsumerOptions {
  groupId: string
  topics: string[]
  clientId: string
}

export class GroupConsumer {
  readonly kafka: Kafka
  readonly consumer: Consumer
  readonly owned = new Set<string>()
  readonly events: OwnershipEvent[] = []
  /** `partition:offset` of every record handled, in order, with the time. */
  readonly received: Array<{ key: string; at: number }> = []
  readonly errors: KafkaError[] = []
  readonly running: Promise<void>
  readonly clientId: string

  constructor(bootstrap: string, options: GroupConsumerOptions) {
    const { topics, clientId, ...consumerOptions } = options
    this.clientId = clientId
    this.kafka = new Kafka({ clientId, brokers: bootstrap.split(',') })
    this.consumer = this.kafka.consumer({ autoOffsetReset: 'earliest', ...consumerOptions })
    this.consumer.on('error', (error) => this.errors.push(error))
    const record = (kind: OwnershipEvent['kind'], partitions: TopicPartition[]): void => {
      for (const p of partitions) {
        if (kind === 'assigned') this.owned.add(name(p))
        else this.owned.delete(name(p))
      }
      this.events.push({ kind, partitions: partitions.map(name).sort(), at: Date.now() })
    }
    this.running = this.consumer
      .subscribe({
        topics,
        listener: {
          onPartitionsAssigned: (p) => record('assigned', p),
          onPartitionsRevoked: (p) => record('revoked', p),
          onPartitionsLost: (p) => record('lost', p),
        },
      })
      .then(() =>
        this.consumer.run({
          eachMessage: async (m) => {
            this.received.push({ key: `${m.topic}-${m.partition}:${m.offset}`, at: Date.now() })
          },
        }),
      )
    this.running.catch(() => {})
  }

  sorted(): string[] {
    return [...this.owned].sort()
  }

  async close(): Promise<void> {
    await this.consumer.disconnect()
    await this.kafka.close()
  }
}

/** Partition → index of its owner; throws when two consumers own one partition. */
export function owners(group: readonly GroupConsumer[]): Map<string, number> {
  const map = new Map<string, number>()
  group.forEach((c, i) => {
    for (const p of c.owned) {
      const other = map.get(p)
      if (other !== undefined) throw new Error(`${p} owned by consumer ${other} and consumer ${i}`)
      map.set(p, i)
    }
  })
  return map
}

const CONSUMER_PROCESS = fileURLToPath(new URL('./group-consumer-process.ts', import.meta.url))

/** A consumer in a child process; it prints what it owns and how many records it handled. */
export class ChildConsumer {
  readonly child: ChildProcess
  owned: string[] = []
  received = 0
  exited = false
  readonly stderr: string[] = []

  constructor(bootstrap: string, options: GroupConsumerOptions) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CONSUMER_PROCESS], {
      env: { ...process.env, KAFKATS_CONSUMER: JSON.stringify({ bootstrap, ...options }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const message = JSON.parse(line) as { owned: string[]; received: number }
      this.owned = message.owned
      this.received = message.received
    })
    ;(this.child.stderr as NodeJS.ReadableStream).on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()))
    this.child.on('exit', () => {
      this.exited = true
    })
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve()
      this.child.once('exit', () => resolve())
      this.child.kill('SIGKILL')
    })
  }
}
