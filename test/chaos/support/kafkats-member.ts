/**
 * A kafkats group member in its own process, so that the chaos tests can SIGKILL it for real.
 * Options come as JSON in KAFKATS_CHAOS_MEMBER ({@link KafkatsMemberConfig}). It writes to stdout:
 *
 * - `r <partition> <from> <to>` for every run of consecutive offsets handed to it (inclusive);
 * - one JSON object per line for everything else: `{"ev":"assigned"|"revoked"|"lost","partitions":[…]}`,
 *   `{"ev":"error","name":…,"message":…}` (the consumer's error event), `{"ev":"started"}`.
 *
 * With `holdFile` set, the member's range assignor (it only runs on the group's leader) waits while
 * that file exists (at most `holdMaxMs`), after creating `holdFile + '.assigning'`: the followers'
 * SyncGroup requests then wait at the coordinator for as long as the test wants.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { Kafka, type AssignorInput, type ConsumerAssignor } from '../../../src/index.js'
import { rangeAssignor } from '../../../src/consumer/group/assignors/range.js'

export interface KafkatsMemberConfig {
  bootstrap: string
  topic: string
  groupId: string
  groupProtocol: 'classic' | 'consumer'
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  clientId: string
  holdFile?: string
  holdMaxMs?: number
}

const config = JSON.parse(process.env.KAFKATS_CHAOS_MEMBER ?? '{}') as KafkatsMemberConfig
const out = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

/** Blocks the thread: a ConsumerAssignor is synchronous, and the leader is meant to stall here. */
function blockWhileHeld(file: string, maxMs: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4))
  writeFileSync(`${file}.assigning`, String(Date.now()))
  const deadline = Date.now() + maxMs
  while (existsSync(file) && Date.now() < deadline) Atomics.wait(cell, 0, 0, 50)
}

const holdingRange: ConsumerAssignor = {
  name: rangeAssignor.name,
  rebalanceProtocol: rangeAssignor.rebalanceProtocol,
  assign(input: AssignorInput) {
    if (config.holdFile !== undefined && existsSync(config.holdFile)) blockWhileHeld(config.holdFile, config.holdMaxMs ?? 10_000)
    return rangeAssignor.assign(input)
  },
}

const kafka = new Kafka({ clientId: config.clientId, brokers: config.bootstrap.split(',') })
const consumer = kafka.consumer({
  groupId: config.groupId,
  groupProtocol: config.groupProtocol,
  ...(config.groupProtocol === 'classic'
    ? {
        sessionTimeoutMs: config.sessionTimeoutMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        partitionAssigners: [holdingRange],
      }
    : {}),
  maxPollIntervalMs: config.maxPollIntervalMs,
  autoOffsetReset: 'earliest',
  autoCommit: true,
  autoCommitIntervalMs: 500,
})
const partitions = (list: ReadonlyArray<{ partition: number }>): number[] => list.map((p) => p.partition).sort((a, b) => a - b)
consumer.on('rebalance', (event) => out(JSON.stringify({ ev: event.type, partitions: partitions(event.partitions) })))
consumer.on('error', (error) => out(JSON.stringify({ ev: 'error', name: error.name, message: error.message })))

process.on('SIGTERM', () => {
  consumer
    .disconnect()
    .then(() => kafka.close())
    .finally(() => process.exit(0))
})

await consumer.subscribe({ topics: [config.topic] })
out(JSON.stringify({ ev: 'started' }))
await consumer.run({
  eachBatch: (batch) => {
    // One line per run of consecutive offsets, as the Java member reports a batch: after an outage
    // a member gets thousands of records at once, and a line each would make the test process
    // (which times the resume by these lines) read them late.
    let lines = ''
    let from: bigint | null = null
    let to = 0n
    for (const m of batch.messages) {
      if (from !== null && m.offset === to + 1n) {
        to = m.offset
        continue
      }
      if (from !== null) lines += `r ${batch.partition} ${from} ${to}\n`
      from = to = m.offset
    }
    if (from !== null) lines += `r ${batch.partition} ${from} ${to}\n`
    process.stdout.write(lines)
  },
})
