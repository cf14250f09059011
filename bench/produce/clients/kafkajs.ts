/**
 * kafkajs 2.2.4. It has no linger or batch-size accumulator: each `send` becomes produce requests
 * at once, so its fast path is sending arrays of records and keeping several such calls in
 * flight. LZ4 comes from the kafkajs-lz4 plugin, the codec its documentation points to.
 */

import { createRequire } from 'node:module'
import kafkajs from 'kafkajs'
import { arrayShape, InFlightWindow, loadPayloads, runClient, startMeasuring } from './harness.js'

const { Kafka, CompressionTypes, CompressionCodecs, Partitioners, logLevel } = kafkajs

// kafkajs-lz4 sets both `module.exports` and `exports.default` to its class, and which one an ESM
// default import sees depends on the loader's interop; require() plus a check is unambiguous.
type Lz4CodecClass = new () => { codec: () => unknown }
const lz4Export = createRequire(import.meta.url)('kafkajs-lz4') as Lz4CodecClass | { default: Lz4CodecClass }
const Lz4Codec: Lz4CodecClass = typeof lz4Export === 'function' ? lz4Export : lz4Export.default

runClient(async (job) => {
  CompressionCodecs[CompressionTypes.LZ4] = new Lz4Codec().codec
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: job.brokers, logLevel: logLevel.ERROR })
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false,
    // Its default partitioner; naming it silences the v2 partitioner-change warning.
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  await producer.connect()

  const payloads = loadPayloads(job)
  const { records } = job.scenario
  const { recordsPerCall, callsInFlight } = arrayShape(job)
  const acks = job.scenario.acks === 'all' ? -1 : 1
  const compression = job.scenario.compression === 'lz4' ? CompressionTypes.LZ4 : CompressionTypes.None
  const window = new InFlightWindow(callsInFlight)

  const measuring = startMeasuring(job)
  for (let start = 0; start < records; start += recordsPerCall) {
    const wait = window.acquire()
    if (wait !== undefined) await wait
    const end = Math.min(records, start + recordsPerCall)
    const messages = new Array<{ value: Buffer }>(end - start)
    for (let i = start; i < end; i++) messages[i - start] = { value: payloads[i % payloads.length]! }
    window.track(producer.send({ topic: job.topic, acks, compression, messages }))
  }
  await window.drain()
  const result = measuring.stop({
    sendStyle: 'send() of record arrays',
    recordsPerCall,
    callsInFlight,
    acks,
    compression: job.scenario.compression,
    idempotent: false,
    partitioner: 'DefaultPartitioner (round-robin for keyless records)',
  })

  await producer.disconnect()
  return result
})
