/**
 * A consumer group with auto-commit: offsets of processed records are committed every
 * `autoCommitIntervalMs`, before partitions are revoked, and on disconnect (at-least-once: a record
 * counts as processed once its handler returned).
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 TOPIC=kafkats-examples npx tsx examples/consume-auto-commit.ts
 */
import { Kafka, stringSerde } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-auto-commit', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const topic = process.env.TOPIC ?? 'kafkats-examples'
await kafka.admin().createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }]) // TOPIC_ALREADY_EXISTS is fine

const consumer = kafka.consumer({
  groupId: 'example-auto-commit',
  autoOffsetReset: 'earliest',
  autoCommitIntervalMs: 1000,
  valueDeserializer: stringSerde,
})
consumer.on('rebalance', (event) => console.log(`${event.type}: ${event.partitions.map((p) => `${p.topic}/${p.partition}`).join(', ')}`))
consumer.on('commit', (event) => {
  if (event.error) console.error('auto-commit failed:', event.error.message)
})
await consumer.subscribe({ topics: [topic] })

// Stop after ten quiet seconds so the example ends on its own.
let idle = setTimeout(() => void consumer.stop(), 10_000)
await consumer.run({
  partitionsConsumedConcurrently: 3,
  eachMessage: async (message) => {
    clearTimeout(idle)
    idle = setTimeout(() => void consumer.stop(), 10_000)
    console.log(`${message.partition}/${message.offset} ${message.value}`)
  },
})
await consumer.disconnect() // commits what was processed, then leaves the group
await kafka.close()
