/**
 * kafkajs 2.2.4: a consumer in a fresh group with default options (`subscribe` + `run({
 * eachMessage })`, latest offsets, maxWaitTimeInMs 5000) and its producer, `send()` per record to
 * the chosen partition (acks all, its default), not awaited.
 */

import { Kafka, logLevel } from 'kafkajs'
import { deadline, LatencyProbe, runClient } from './harness.js'

runClient(async (job) => {
  const kafka = new Kafka({ clientId: 'bench-latency-kafkajs', brokers: job.brokers, logLevel: logLevel.ERROR })
  const consumer = kafka.consumer({ groupId: job.groupId })
  const producer = kafka.producer()
  await Promise.all([consumer.connect(), producer.connect()])
  const probe = new LatencyProbe(job)
  await consumer.subscribe({ topics: [job.topic] })
  await consumer.run({ eachMessage: async ({ message }) => probe.onValue(message.value) })
  let sendError: unknown
  const result = await deadline(
    probe.run((value, partition) => {
      producer.send({ topic: job.topic, messages: [{ value, partition }] }).catch((error: unknown) => (sendError ??= error))
    }),
    job.seconds * 1000 + 180_000,
    'latency run',
  )
  if (sendError !== undefined) throw sendError
  await producer.disconnect()
  await consumer.disconnect()
  return { ...result, settings: { consumer: 'fresh group, default options, subscribe() + run({ eachMessage })', producer: 'send() per record, not awaited, defaults (acks all)' } }
})
