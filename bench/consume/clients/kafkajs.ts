/**
 * kafkajs 2.2.4: consuming needs a group (no manual assignment), so a fresh group per run with
 * `fromBeginning`, and `run({ eachBatch })` with auto-resolve, its documented fast path.
 * Latency: its producer with `send()` per record (acks 1), not awaited.
 */

import { Kafka, logLevel } from 'kafkajs'
import { deadline, LatencyProbe, runClient, ThroughputCounter } from './harness.js'

runClient(async (job) => {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: job.brokers, logLevel: logLevel.ERROR })
  const consumer = kafka.consumer({ groupId: job.groupId })
  await consumer.connect()

  if (job.mode === 'throughput') {
    const counter = new ThroughputCounter(job)
    consumer.on(consumer.events.GROUP_JOIN, () => counter.assigned())
    await consumer.subscribe({ topics: [job.topic], fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        let bytes = 0
        for (const message of batch.messages) bytes += message.value?.length ?? 0
        counter.add(batch.messages.length, bytes)
      },
    })
    await deadline(counter.done, 600_000, 'consuming')
    const report = counter.report({ api: 'subscribe({ fromBeginning }) + run({ eachBatch })', group: 'fresh group per run', autoCommit: false })
    await consumer.disconnect()
    return report
  }

  const producer = kafka.producer({ idempotent: false })
  await producer.connect()
  const probe = new LatencyProbe(job)
  await consumer.subscribe({ topics: [job.topic], fromBeginning: true })
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) probe.onValue(message.value)
    },
  })
  let sendError: unknown
  const result = await probe.run((value) => {
    producer.send({ topic: job.topic, acks: 1, messages: [{ value }] }).catch((error: unknown) => (sendError ??= error))
  })
  if (sendError !== undefined) throw sendError
  await producer.disconnect()
  await consumer.disconnect()
  return { ...result, settings: { producer: 'send() per record, acks 1', consumer: 'group + run({ eachBatch })' } }
})
