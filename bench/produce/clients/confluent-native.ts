/**
 * @confluentinc/kafka-javascript through its node-rdkafka-style API: `produce()` hands each record
 * to librdkafka's queue without a promise, delivery reports arrive as events polled on
 * librdkafka's own thread (`setPollInBackground`, which its docs recommend for high-throughput
 * producers), and librdkafka batches by `linger.ms` and `batch.size`.
 */

import confluent from '@confluentinc/kafka-javascript'
import { InFlightWindow, loadPayloads, runClient, startMeasuring } from './harness.js'

const { Producer } = confluent

runClient(async (job) => {
  const windowRecords = Math.max(1, Math.floor(job.tuning.windowBytes / job.scenario.recordSize))
  const config = {
    'client.id': 'bench-confluent-native',
    'bootstrap.servers': job.brokers.join(','),
    acks: job.scenario.acks === 'all' ? -1 : 1,
    'compression.codec': job.scenario.compression,
    'enable.idempotence': false,
    'linger.ms': job.tuning.lingerMs,
    'batch.size': job.tuning.batchBytes,
    // The window keeps fewer records queued than this, so produce() never meets a full queue.
    'queue.buffering.max.messages': Math.max(100_000, windowRecords * 2),
    dr_cb: true,
  } as const
  const producer = new Producer(config)
  await new Promise<void>((resolve, reject) => {
    producer.connect({ topic: job.topic }, (error) => (error ? reject(error) : resolve()))
  })
  producer.setPollInBackground(true)

  const payloads = loadPayloads(job)
  const { records } = job.scenario
  const window = new InFlightWindow(windowRecords)
  producer.on('delivery-report', (error) => (error ? window.fail(error) : window.release()))

  const measuring = startMeasuring(job)
  for (let i = 0; i < records; i++) {
    const wait = window.acquire()
    if (wait !== undefined) await wait
    producer.produce(job.topic, null, payloads[i % payloads.length]!, null, null)
  }
  await window.drain()
  const { dr_cb: _deliveryReports, ...settings } = config
  const result = measuring.stop({ ...settings, sendStyle: 'produce() per record, delivery-report events', windowRecords })

  await new Promise<void>((resolve) => producer.disconnect(() => resolve()))
  return result
})
