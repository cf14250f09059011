/**
 * A consumer group committing by hand after processing (at-least-once): nothing is committed for
 * a record until the work on it is done, so a crash replays it rather than losing it.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 TOPIC=kafkats-examples npx tsx examples/consume-manual-commit.ts
 */
import { Kafka, stringSerde } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-manual-commit', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const topic = process.env.TOPIC ?? 'kafkats-examples'
await kafka.admin().createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }]) // TOPIC_ALREADY_EXISTS is fine

const consumer = kafka.consumer({
  groupId: 'example-manual-commit',
  autoCommit: false,
  autoOffsetReset: 'earliest',
  valueDeserializer: stringSerde,
})
await consumer.subscribe({ topics: [topic] })

let processed = 0
for await (const message of consumer) {
  await handle(message.value) // your work
  await consumer.commit(message) // commits this record's offset + 1 for its partition
  if (++processed === 100) break // leaving the loop hands no more records out
}
console.log('committed:', await consumer.committed())
await consumer.disconnect()
await kafka.close()

async function handle(value: string | null): Promise<void> {
  console.log('processing', value)
}
