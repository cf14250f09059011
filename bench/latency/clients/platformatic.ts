/**
 * @platformatic/kafka 1.x: a consumer in a fresh group with default options (`consume({ topics })`,
 * its default mode, the stream's `data` events) and its producer, `send()` per record to the
 * chosen partition (acks all, not idempotent), not awaited.
 */

import { Consumer, ProduceAcks, Producer } from '@platformatic/kafka'
import { deadline, LatencyProbe, runClient } from './harness.js'

runClient(async (job) => {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({ clientId: 'bench-latency-platformatic', groupId: job.groupId, bootstrapBrokers: job.brokers })
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bench-latency-platformatic-producer',
    bootstrapBrokers: job.brokers,
    acks: ProduceAcks.ALL,
    idempotent: false,
    autocreateTopics: false,
  })
  await producer.metadata({ topics: [job.topic] })
  const probe = new LatencyProbe(job)
  const stream = await consumer.consume({ topics: [job.topic] })
  stream.on('data', (message) => probe.onValue(message.value))
  const failed = new Promise<never>((_, reject) => stream.once('error', reject))
  let sendError: unknown
  const result = await deadline(
    Promise.race([
      probe.run((value, partition) => {
        producer.send({ messages: [{ topic: job.topic, value, partition }] }).catch((error: unknown) => (sendError ??= error))
      }),
      failed,
    ]),
    job.seconds * 1000 + 180_000,
    'latency run',
  )
  if (sendError !== undefined) throw sendError
  await stream.close()
  await consumer.close(true)
  await producer.close()
  return { ...result, settings: { consumer: "fresh group, default options, consume({ topics }) stream 'data' events", producer: 'send() per record, not awaited, acks all' } }
})
