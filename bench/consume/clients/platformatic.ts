/**
 * @platformatic/kafka 1.x: its consumer always works through a group, so a fresh group per run,
 * `consume({ mode: 'earliest' })` and the stream's `data` events (its documented fastest path,
 * the "evented" case of its own benchmark), with its defaults (10 MiB fetches, highWaterMark 1024).
 * Latency: its producer with `send()` per record (acks 1), not awaited.
 */

import { Consumer, MessagesStreamModes, ProduceAcks, Producer } from '@platformatic/kafka'
import { deadline, LatencyProbe, runClient, ThroughputCounter } from './harness.js'

runClient(async (job) => {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bench-platformatic',
    groupId: job.groupId,
    bootstrapBrokers: job.brokers,
  })

  if (job.mode === 'throughput') {
    const counter = new ThroughputCounter(job)
    consumer.on('consumer:group:join', () => counter.assigned())
    const stream = await consumer.consume({ topics: [job.topic], mode: MessagesStreamModes.EARLIEST, autocommit: false })
    stream.on('data', (message) => counter.add(1, message.value?.length ?? 0))
    const failed = new Promise<never>((_, reject) => stream.once('error', reject))
    await deadline(Promise.race([counter.done, failed]), 600_000, 'consuming')
    const report = counter.report({ api: "consume({ mode: 'earliest' }) stream, 'data' events", group: 'fresh group per run', autocommit: false })
    await stream.close()
    await consumer.close(true)
    return report
  }

  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bench-platformatic-producer',
    bootstrapBrokers: job.brokers,
    acks: ProduceAcks.LEADER,
    idempotent: false,
    autocreateTopics: false,
  })
  await producer.metadata({ topics: [job.topic] })
  const probe = new LatencyProbe(job)
  const stream = await consumer.consume({ topics: [job.topic], mode: MessagesStreamModes.EARLIEST, autocommit: false })
  stream.on('data', (message) => probe.onValue(message.value))
  let sendError: unknown
  const result = await probe.run((value) => {
    producer.send({ messages: [{ topic: job.topic, value }] }).catch((error: unknown) => (sendError ??= error))
  })
  if (sendError !== undefined) throw sendError
  await stream.close()
  await consumer.close(true)
  await producer.close()
  return { ...result, settings: { producer: 'send() per record, acks 1', consumer: "group + consume() stream 'data' events" } }
})
