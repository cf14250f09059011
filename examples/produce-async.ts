/**
 * Async sends: keep many records in flight and handle each result as it settles. The producer
 * batches them per partition, so this is the fast way to send a lot.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/produce-async.ts
 */
import { Kafka, type RecordMetadata } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-async', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const topic = process.env.TOPIC ?? 'kafkats-examples'
await kafka.admin().createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])

const producer = kafka.producer({ lingerMs: 10, compressionType: 'lz4' })
await producer.connect()

const started = Date.now()
const pending: Array<Promise<RecordMetadata>> = []
for (let i = 0; i < 10_000; i++) {
  const sent = producer.send({ topic, key: `user-${i % 100}`, value: `event ${i}` })
  sent.then(
    (meta) => {
      if (i % 2500 === 0) console.log(`event ${i} stored at ${meta.partition}/${meta.offset}`)
    },
    (error: unknown) => console.error(`event ${i} failed:`, error),
  )
  pending.push(sent)
}
const results = await Promise.allSettled(pending)
const failed = results.filter((r) => r.status === 'rejected').length
console.log(`${results.length - failed} delivered, ${failed} failed, in ${Date.now() - started} ms`)
await producer.disconnect()
await kafka.close()
