/**
 * At-least-once across a crash: three members of one group (one in a child process), records
 * produced before and after that member is killed with SIGKILL (no LeaveGroup, no final commit).
 * With auto-commit, and again with a commit after each processed record, every produced record
 * must be processed by some member at least once over the whole run.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, stringSerde, type Consumer } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'

const MEMBER = fileURLToPath(new URL('./at-least-once-member.ts', import.meta.url))
const kafka = new Kafka({ clientId: 'at-least-once', brokers: bootstrap().split(',') })
afterAll(() => kafka.close())

describe.each(['auto', 'manual'] as const)('at-least-once with %s commit', (commit) => {
  it('every record is processed at least once although a member dies mid-stream', async () => {
    const topic = `at-least-once-${commit}-${randomUUID()}`
    const groupId = `alo-${randomUUID()}`
    const sessionTimeoutMs = 6_000
    const [created] = await kafka.admin().createTopics([{ topic, numPartitions: 6, replicationFactor: 1 }])
    expect(created?.error).toBeNull()

    const processed = new Set<string>()
    const producer = kafka.producer()
    let produced = 0
    const produce = async (count: number): Promise<void> => {
      // Spread evenly, so every member has records to work on.
      await Promise.all(
        Array.from({ length: count }, () => {
          const i = produced++
          return producer.send({ topic, partition: i % 6, value: `r${i}` })
        }),
      )
    }
    await produce(600)

    // The doomed member starts first, so it owns partitions and is busy when it dies.
    const child = spawn(process.execPath, ['--import', 'tsx', MEMBER], {
      env: { ...process.env, KAFKATS_MEMBER: JSON.stringify({ bootstrap: bootstrap(), topic, groupId, commit, sessionTimeoutMs }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stderr: string[] = []
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()))
    let childProcessed = 0
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (value) => {
      processed.add(value)
      childProcessed++
    })
    await waitFor(() => childProcessed >= 30, { timeoutMs: 60_000, message: `the doomed member to process records (${stderr.join('')})` })

    const survivors: Consumer<Buffer | null, string | null>[] = []
    const runs: Promise<void>[] = []
    for (let i = 0; i < 2; i++) {
      const consumer = kafka.consumer({
        groupId,
        autoCommit: commit === 'auto',
        autoCommitIntervalMs: 200,
        autoOffsetReset: 'earliest',
        sessionTimeoutMs,
        heartbeatIntervalMs: 500,
        valueDeserializer: stringSerde,
      })
      survivors.push(consumer)
      await consumer.subscribe({ topics: [topic] })
      runs.push(
        consumer.run({
          eachMessage: async (message) => {
            processed.add(String(message.value))
            if (commit === 'manual') await consumer.commit(message)
          },
        }),
      )
    }
    // Once the group has three members, give everyone new work and kill the child in the middle of it.
    await waitFor(() => survivors.every((c) => c.assignment().length > 0), { timeoutMs: 60_000, message: 'three members own partitions' })
    const before = childProcessed
    await produce(600)
    await waitFor(() => childProcessed >= before + 10, { timeoutMs: 30_000, message: 'the doomed member working on new records' })
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
    await produce(600)
    await producer.disconnect()

    await waitFor(() => processed.size === produced, {
      timeoutMs: sessionTimeoutMs + 60_000,
      message: () => `all ${produced} records processed (missing: ${missingRecords(processed, produced).join(', ')})`,
    })
    expect(missingRecords(processed, produced)).toEqual([])
    expect(survivors.flatMap((c) => c.assignment()).length).toBe(6)

    for (const c of survivors) await c.stop()
    await Promise.all(runs)
    for (const c of survivors) await c.disconnect()
  }, 180_000)
})

function missingRecords(processed: ReadonlySet<string>, produced: number): string[] {
  const missing: string[] = []
  for (let i = 0; i < produced; i++) if (!processed.has(`r${i}`)) missing.push(`r${i} (partition ${i % 6})`)
  return missing
}
