/**
 * @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API, the one its
 * documentation leads with: a consumer in a fresh group with default options (`subscribe` +
 * `run({ eachMessage })`) and a producer with `linger.ms` 0 (otherwise defaults), `send()` per
 * record to the chosen partition, not awaited.
 */

import confluent from '@confluentinc/kafka-javascript'
import { deadline, LatencyProbe, runClient } from './harness.js'

const { Kafka, logLevel } = confluent.KafkaJS

runClient(async (job) => {
  const kafka = new Kafka({ kafkaJS: { clientId: 'bench-latency-confluent', brokers: job.brokers, logLevel: logLevel.ERROR } })
  const consumer = kafka.consumer({ kafkaJS: { groupId: job.groupId } })
  const producer = kafka.producer({ 'linger.ms': 0 })
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
  return { ...result, settings: { consumer: 'fresh group, default options, subscribe() + run({ eachMessage })', producer: "send() per record, not awaited; linger.ms 0, otherwise defaults" } }
})
