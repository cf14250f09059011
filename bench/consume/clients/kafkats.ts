/**
 * kafkats: manual assignment (`assign`, no group) from the earliest offset and `run({ eachBatch })`,
 * its fastest path (no promise per record). Latency: the same consumer plus a producer with
 * `lingerMs: 0`, `send()` per record, not awaited.
 *
 * Runs the built package (dist/) by default; BENCH_KAFKATS_SOURCE=src runs the sources via tsx.
 */

import type { ConsumerMessage } from '../../../src/consumer/consumer.js'
import { deadline, LatencyProbe, partitionsOf, runClient, ThroughputCounter } from './harness.js'

type KafkatsModule = typeof import('../../../src/index.js')

async function loadKafkats(): Promise<KafkatsModule> {
  // BENCH_KAFKATS_MODULE: another build, for a before/after in one run (bench/kafkats-baseline.ts).
  const specifier = process.env.BENCH_KAFKATS_MODULE ?? (process.env.BENCH_KAFKATS_SOURCE === 'src' ? '../../../src/index.js' : 'kafkats')
  return (await import(specifier)) as KafkatsModule
}

const source = process.env.BENCH_KAFKATS_SOURCE === 'src' ? 'src via tsx' : 'package (dist)'

runClient(async (job) => {
  const { Kafka } = await loadKafkats()
  const kafka = new Kafka({ clientId: 'bench-kafkats', brokers: job.brokers })
  const consumer = kafka.consumer({ autoOffsetReset: 'earliest' })
  await consumer.connect()

  if (job.mode === 'throughput') {
    const counter = new ThroughputCounter(job)
    consumer.assign(partitionsOf(job).map((partition) => ({ topic: job.topic, partition, offset: 'earliest' as const })))
    const running = consumer.run({
      eachBatch: (batch) => {
        const messages = batch.messages as readonly ConsumerMessage[]
        let bytes = 0
        for (const message of messages) bytes += message.value?.length ?? 0
        counter.add(messages.length, bytes)
        if (counter.finished) void consumer.stop()
      },
    })
    await deadline(Promise.race([counter.done, running]), 600_000, 'consuming')
    const report = counter.report({ api: 'assign() + run({ eachBatch })', group: 'none (manual assignment)', maxPollRecords: 500, source })
    await consumer.stop()
    await running
    await consumer.disconnect()
    await kafka.close()
    return report
  }

  const producer = kafka.producer<null, Uint8Array>({ acks: 1, lingerMs: 0, enableIdempotence: false })
  await producer.connect()
  const probe = new LatencyProbe(job)
  consumer.assign(partitionsOf(job).map((partition) => ({ topic: job.topic, partition, offset: 'earliest' as const })))
  const running = consumer.run({
    eachBatch: (batch) => {
      for (const message of batch.messages as readonly ConsumerMessage[]) probe.onValue(message.value)
    },
  })
  let sendError: unknown
  const result = await probe.run((value) => {
    producer.send({ topic: job.topic, value }).catch((error: unknown) => (sendError ??= error))
  })
  if (sendError !== undefined) throw sendError
  await consumer.stop()
  await running
  await producer.disconnect()
  await consumer.disconnect()
  await kafka.close()
  return { ...result, settings: { producer: 'send() per record, acks 1, lingerMs 0', consumer: 'assign() + run({ eachBatch })', source } }
})
