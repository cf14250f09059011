/**
 * kafkats: one `send` per record, many in flight (bounded by the window), then `flush`. The
 * producer's own accumulator does the batching (linger + batch size), as in the Java client.
 *
 * By default this runs the built package (the `kafkats` dependency, i.e. the root's dist/), which
 * is what users get. BENCH_KAFKATS_SOURCE=src runs the TypeScript sources through tsx instead, to
 * spare a build while developing.
 */

import type { ProducerOptions } from '../../../src/producer/options.js'
import { InFlightWindow, loadPayloads, runClient, startMeasuring } from './harness.js'

type KafkatsModule = typeof import('../../../src/index.js')

async function loadKafkats(): Promise<KafkatsModule> {
  // BENCH_KAFKATS_MODULE: another build, for a before/after in one run (bench/kafkats-baseline.ts).
  const specifier = process.env.BENCH_KAFKATS_MODULE ?? (process.env.BENCH_KAFKATS_SOURCE === 'src' ? '../../../src/index.js' : 'kafkats')
  return (await import(specifier)) as KafkatsModule
}

runClient(async (job) => {
  const { Kafka } = await loadKafkats()
  const kafka = new Kafka({ clientId: 'bench-kafkats', brokers: job.brokers })
  // The built package may predate the producer; say so rather than fail.
  if (typeof (kafka as Partial<typeof kafka>).producer !== 'function') {
    await kafka.close()
    return { skipped: 'this kafkats build has no Kafka.producer() (run `npm run build`, or set BENCH_KAFKATS_SOURCE=src)' }
  }
  const options = {
    acks: job.scenario.acks === 'all' ? 'all' : 1,
    lingerMs: job.tuning.lingerMs,
    batchSize: job.tuning.batchBytes,
    compressionType: job.scenario.compression,
    enableIdempotence: false,
  } satisfies ProducerOptions<null, Uint8Array>
  const producer = kafka.producer<null, Uint8Array>(options)
  await producer.connect()
  // Diagnostic: BENCH_KAFKATS_WARM_METADATA=1 loads the topic's metadata into the root's shared
  // cache before the clock starts, to tell the cost of a cold first burst from steady sending.
  const warmMetadata = process.env.BENCH_KAFKATS_WARM_METADATA === '1'
  if (warmMetadata) {
    const admin = kafka.admin()
    await admin.describeTopics([job.topic])
    admin.close()
  }

  const payloads = loadPayloads(job)
  const { topic } = job
  const { records, recordSize } = job.scenario
  const windowRecords = Math.max(1, Math.floor(job.tuning.windowBytes / recordSize))
  const window = new InFlightWindow(windowRecords)

  const measuring = startMeasuring(job)
  for (let i = 0; i < records; i++) {
    const wait = window.acquire()
    if (wait !== undefined) await wait
    window.track(producer.send({ topic, value: payloads[i % payloads.length]! }))
  }
  await producer.flush()
  await window.drain()
  const result = measuring.stop({
    ...options,
    sendStyle: 'send() per record',
    windowRecords,
    partitioner: 'default (uniform sticky, KIP-794)',
    warmMetadata,
    source: process.env.BENCH_KAFKATS_SOURCE === 'src' ? 'src via tsx' : 'package (dist)',
  })

  await producer.disconnect()
  await kafka.close()
  return result
})
