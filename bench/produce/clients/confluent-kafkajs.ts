/**
 * @confluentinc/kafka-javascript through its KafkaJS-compatible API, pipelined as in the
 * package's own performance harness: arrays of records per `send`, several sends in flight, no
 * await per call. Acks and compression are producer settings in this API, not per-send options.
 */

import confluent from '@confluentinc/kafka-javascript'
import { arrayShape, InFlightWindow, loadPayloads, runClient, startMeasuring } from './harness.js'

const { Kafka, CompressionTypes, logLevel } = confluent.KafkaJS

runClient(async (job) => {
  const kafka = new Kafka({ kafkaJS: { clientId: 'bench-confluent-kafkajs', brokers: job.brokers, logLevel: logLevel.ERROR } })
  const settings = {
    acks: job.scenario.acks === 'all' ? -1 : 1,
    compression: job.scenario.compression === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None,
    idempotent: false,
    'linger.ms': job.tuning.lingerMs,
    'batch.size': job.tuning.batchBytes,
  }
  const producer = kafka.producer({
    kafkaJS: { acks: settings.acks, compression: settings.compression, idempotent: false },
    'linger.ms': settings['linger.ms'],
    'batch.size': settings['batch.size'],
  })
  await producer.connect()

  const payloads = loadPayloads(job)
  const { records } = job.scenario
  const { recordsPerCall, callsInFlight } = arrayShape(job)
  const window = new InFlightWindow(callsInFlight)

  const measuring = startMeasuring(job)
  for (let start = 0; start < records; start += recordsPerCall) {
    const wait = window.acquire()
    if (wait !== undefined) await wait
    const end = Math.min(records, start + recordsPerCall)
    const messages = new Array<{ value: Buffer }>(end - start)
    for (let i = start; i < end; i++) messages[i - start] = { value: payloads[i % payloads.length]! }
    window.track(producer.send({ topic: job.topic, messages }))
  }
  await window.drain()
  const result = measuring.stop({ ...settings, sendStyle: 'send() of record arrays', recordsPerCall, callsInFlight })

  await producer.disconnect()
  return result
})
