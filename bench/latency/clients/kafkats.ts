/**
 * kafkats: a consumer in a fresh group with default options (`subscribe` + `run({ eachMessage })`,
 * autoOffsetReset 'latest', fetchMaxWaitMs 500) and a producer with `lingerMs: 0` (otherwise
 * defaults: acks all, idempotent), `send()` per record, not awaited.
 *
 * Runs the sources via tsx by default, so the run measures the working tree;
 * BENCH_KAFKATS_SOURCE=dist runs the built package (bench/node_modules/kafkats, after `npm run build`).
 */

import { deadline, LatencyProbe, runClient } from './harness.js'

type KafkatsModule = typeof import('../../../src/index.js')

const fromDist = process.env.BENCH_KAFKATS_SOURCE === 'dist'

runClient(async (job) => {
  const { Kafka } = (await import(fromDist ? 'kafkats' : '../../../src/index.js')) as KafkatsModule
  const kafka = new Kafka({ clientId: 'bench-latency-kafkats', brokers: job.brokers })
  const consumer = kafka.consumer({ groupId: job.groupId })
  const producer = kafka.producer<null, Buffer>({ lingerMs: 0 })
  await producer.connect()
  const probe = new LatencyProbe(job)
  await consumer.subscribe({ topics: [job.topic] })
  const running = consumer.run({ eachMessage: (message) => probe.onValue(message.value as Buffer | null) })
  let sendError: unknown
  const result = await deadline(
    probe.run((value, partition) => {
      producer.send({ topic: job.topic, partition, value }).catch((error: unknown) => (sendError ??= error))
    }),
    job.seconds * 1000 + 180_000,
    'latency run',
  )
  if (sendError !== undefined) throw sendError
  await consumer.stop()
  await running
  await producer.disconnect()
  await consumer.disconnect()
  await kafka.close()
  return {
    ...result,
    settings: {
      consumer: 'fresh group, default options, subscribe() + run({ eachMessage })',
      producer: 'send() per record, not awaited; lingerMs 0, otherwise defaults (acks all, idempotent)',
      source: fromDist ? 'package (dist)' : 'src via tsx',
    },
  }
})
