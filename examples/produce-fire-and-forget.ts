/**
 * Fire-and-forget: send without awaiting. Failures arrive as `deliveryError` events (they never
 * become unhandled rejections); `flush` or `disconnect` waits for everything buffered.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/produce-fire-and-forget.ts
 */
import { Kafka } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-ff', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const topic = process.env.TOPIC ?? 'kafkats-examples'
await kafka.admin().createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])

const producer = kafka.producer()
producer.on('deliveryError', (error, record) => {
  console.error(`could not deliver to ${record.topic}: ${error.errorName} ${error.message}`)
})

for (let i = 0; i < 1000; i++) void producer.send({ topic, value: `metric ${i}` })
void producer.send({ topic, value: 'this one goes nowhere', partition: 42 }) // reported by the listener

await producer.flush()
console.log('flushed 1000 records')
await producer.disconnect()
await kafka.close()
