/**
 * @platformatic/kafka 1.x (2.x needs Node >= 22.22). Its `send` does not accumulate records, so,
 * as with kafkajs, the fast path is arrays of records per call with several calls in flight; the
 * connection pipelines up to `maxInflights` requests.
 */

import { CompressionAlgorithms, ProduceAcks, Producer } from '@platformatic/kafka'
import { arrayShape, InFlightWindow, loadPayloads, runClient, startMeasuring } from './harness.js'

runClient(async (job) => {
  const maxInflights = 5
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: 'bench-platformatic',
    bootstrapBrokers: job.brokers,
    acks: job.scenario.acks === 'all' ? ProduceAcks.ALL : ProduceAcks.LEADER,
    compression: job.scenario.compression === 'lz4' ? CompressionAlgorithms.LZ4 : CompressionAlgorithms.NONE,
    idempotent: false,
    autocreateTopics: false,
    maxInflights,
  })
  // It connects lazily; asking for the topic's metadata opens the connections before the clock starts.
  await producer.metadata({ topics: [job.topic] })

  const payloads = loadPayloads(job)
  const { records } = job.scenario
  const { recordsPerCall, callsInFlight } = arrayShape(job)
  const window = new InFlightWindow(callsInFlight)

  const measuring = startMeasuring(job)
  for (let start = 0; start < records; start += recordsPerCall) {
    const wait = window.acquire()
    if (wait !== undefined) await wait
    const end = Math.min(records, start + recordsPerCall)
    const messages = new Array<{ topic: string; value: Buffer }>(end - start)
    for (let i = start; i < end; i++) messages[i - start] = { topic: job.topic, value: payloads[i % payloads.length]! }
    window.track(producer.send({ messages }))
  }
  await window.drain()
  const result = measuring.stop({
    sendStyle: 'send() of record arrays',
    recordsPerCall,
    callsInFlight,
    maxInflights,
    acks: job.scenario.acks,
    compression: job.scenario.compression,
    idempotent: false,
    partitioner: 'default (round-robin for keyless records)',
  })

  await producer.close()
  return result
})
