/**
 * The broker side of a benchmark run: which cluster to use, a fresh topic per run, and a check
 * that every record a client claims to have sent really landed.
 */

import { join } from 'node:path'
import { Kafka } from '../../src/index.js'
import { run, tail } from './java.js'

const TOOL_TIMEOUT_MS = 120_000

export interface BrokerHandle {
  brokers: string[]
  /** Where the brokers came from, for the results file. */
  source: string
  release(): Promise<void>
}

/**
 * KAFKA_BROKERS when set; otherwise the local single node, held through a lease of
 * scripts/kafka-local.sh so that a node this run had to start stops again at the end, while a
 * node someone else is using keeps running.
 */
export async function acquireBroker(repoRoot: string): Promise<BrokerHandle> {
  const fromEnv = process.env.KAFKA_BROKERS
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    return { brokers: fromEnv.split(',').map((b) => b.trim()), source: 'KAFKA_BROKERS', release: async () => {} }
  }
  const script = join(repoRoot, 'scripts/kafka-local.sh')
  const owner = String(process.pid)
  const acquired = await run('bash', [script, 'single-acquire', owner], repoRoot, 300_000)
  if (acquired.code !== 0) throw new Error(`could not start the local Kafka node:\n${tail(acquired.stderr)}`)
  const address = acquired.stdout.trim().split('\n').pop() ?? '127.0.0.1:9092'
  return {
    brokers: [address],
    source: 'scripts/kafka-local.sh single node',
    release: async () => {
      await run('bash', [script, 'single-release', owner], repoRoot, 120_000)
    },
  }
}

/** Creates and deletes the per-run topics through kafkats' own admin client. */
export class TopicManager {
  readonly #kafka: Kafka
  readonly #admin

  constructor(brokers: string[]) {
    this.#kafka = new Kafka({ clientId: 'bench-produce-runner', brokers })
    this.#admin = this.#kafka.admin()
  }

  async create(topic: string, partitions: number): Promise<void> {
    const [result] = await this.#admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
    if (result?.error) throw new Error(`creating ${topic}: ${result.error.message}`)
  }

  async delete(topic: string): Promise<void> {
    await this.#admin.deleteTopics([topic])
  }

  async close(): Promise<void> {
    await this.#kafka.close()
  }
}

/** Sum of the topic's end offsets, read with Kafka's GetOffsetShell (a fresh topic starts at 0). */
export async function countRecords(repoRoot: string, brokers: string[], topic: string): Promise<number> {
  const script = join(repoRoot, 'scripts/kafka-local.sh')
  const out = await run('bash', [script, 'tool', 'GetOffsetShell', '--bootstrap-server', brokers.join(','), '--topic', topic], repoRoot, TOOL_TIMEOUT_MS)
  if (out.code !== 0) throw new Error(`GetOffsetShell failed:\n${tail(out.stderr)}`)
  let total = 0
  for (const line of out.stdout.split('\n')) {
    // topic:partition:offset; the topic name has no colon.
    const match = /^([^:]+):(\d+):(\d+)$/.exec(line.trim())
    if (match !== null && match[1] === topic) total += Number(match[3])
  }
  return total
}
