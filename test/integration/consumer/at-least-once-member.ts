/**
 * A group member in its own process for the at-least-once test: it handles records slowly, commits
 * the way KAFKATS_MEMBER says (auto-commit, or by hand after each record), and prints the value of
 * every record it handled (before committing it), one per line, so the test knows what it did before SIGKILL.
 */
import { Kafka, stringSerde } from '../../../src/index.js'

const { bootstrap, topic, groupId, commit, sessionTimeoutMs } = JSON.parse(process.env.KAFKATS_MEMBER ?? '{}') as {
  bootstrap: string
  topic: string
  groupId: string
  commit: 'auto' | 'manual'
  sessionTimeoutMs: number
}
const kafka = new Kafka({ clientId: 'at-least-once-doomed', brokers: bootstrap.split(',') })
const consumer = kafka.consumer({
  groupId,
  autoCommit: commit === 'auto',
  autoCommitIntervalMs: 200,
  autoOffsetReset: 'earliest',
  sessionTimeoutMs,
  heartbeatIntervalMs: 500,
  valueDeserializer: stringSerde,
})
await consumer.subscribe({ topics: [topic] })
await consumer.run({
  eachMessage: async (message) => {
    await new Promise((resolve) => setTimeout(resolve, 40)) // slow work, so it is mid-stream when killed
    // The line is this member's side effect; at-least-once means it happens before the commit. The
    // other order loses a record when SIGKILL lands after the broker stored the commit and before
    // the line is written (seen on Kafka 3.9, once in ~20 runs: one record missing).
    process.stdout.write(`${String(message.value)}\n`)
    if (commit === 'manual') await consumer.commit(message)
  },
})
