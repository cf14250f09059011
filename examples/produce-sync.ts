/**
 * Sync sends: await each record before sending the next. Simple and strictly ordered, but each
 * record costs a round trip to the broker.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/produce-sync.ts
 */
import { Kafka } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-sync', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const topic = process.env.TOPIC ?? 'kafkats-examples'

const admin = kafka.admin()
await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }]) // TOPIC_ALREADY_EXISTS is fine

const producer = kafka.producer()
await producer.connect()
for (let i = 0; i < 5; i++) {
  const { partition, offset } = await producer.send({ topic, key: `order-${i}`, value: JSON.stringify({ id: i }) })
  console.log(`order-${i} → partition ${partition}, offset ${offset}`)
}
await producer.disconnect()
await kafka.close()
