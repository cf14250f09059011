/**
 * @confluentinc/kafka-javascript through its node-rdkafka-style API: manual `assign()` at offset 0
 * (a group id is set, as librdkafka wants one, but no group is joined) and `consume(n, cb)` in a
 * loop, which hands over up to n messages per call from librdkafka's queue without a promise per
 * message. The timeout applies to the first message only (as its KafkaJS-style layer sets it), so a
 * call returns as soon as anything is there. Latency: `produce()` per record with `linger.ms=0`,
 * delivery reports off.
 */

import confluent from '@confluentinc/kafka-javascript'
import type { Message } from '@confluentinc/kafka-javascript'
import { deadline, LatencyProbe, partitionsOf, runClient, ThroughputCounter } from './harness.js'

const { KafkaConsumer, Producer } = confluent
const BATCH = 1000

type Consumer = InstanceType<typeof KafkaConsumer>

function consumeLoop(consumer: Consumer, onMessages: (messages: Message[]) => void, stopped: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const next = (): void => {
      if (stopped()) return resolve()
      consumer.consume(BATCH, (error, messages) => {
        if (error) return reject(error)
        onMessages(messages)
        setImmediate(next)
      })
    }
    next()
  })
}

runClient(async (job) => {
  const config = {
    'client.id': 'bench-confluent',
    'bootstrap.servers': job.brokers.join(','),
    'group.id': job.groupId,
    'enable.auto.commit': false,
  }
  const consumer = new KafkaConsumer(config, { 'auto.offset.reset': 'earliest' })
  await new Promise<void>((resolve, reject) => consumer.connect({}, (error) => (error ? reject(error) : resolve())))
  consumer.setDefaultConsumeTimeout(1000)
  ;(consumer as unknown as { setDefaultIsTimeoutOnlyForFirstMessage(on: boolean): void }).setDefaultIsTimeoutOnlyForFirstMessage(true)
  const assign = (): unknown => consumer.assign(partitionsOf(job).map((partition) => ({ topic: job.topic, partition, offset: 0 })))
  let stop = false

  if (job.mode === 'throughput') {
    const counter = new ThroughputCounter(job)
    assign()
    const looping = consumeLoop(
      consumer,
      (messages) => {
        let bytes = 0
        for (const message of messages) bytes += message.value?.length ?? 0
        if (messages.length > 0) counter.add(messages.length, bytes)
      },
      () => stop || counter.finished,
    )
    await deadline(Promise.race([counter.done, looping]), 600_000, 'consuming')
    stop = true
    const report = counter.report({ ...config, api: 'assign() + consume(1000, cb) loop', group: 'none joined (manual assignment)' })
    await looping
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()))
    return report
  }

  const producerConfig = { 'client.id': 'bench-confluent-producer', 'bootstrap.servers': job.brokers.join(','), acks: 1, 'linger.ms': 0, 'enable.idempotence': false }
  const producer = new Producer(producerConfig)
  await new Promise<void>((resolve, reject) => producer.connect({ topic: job.topic }, (error) => (error ? reject(error) : resolve())))
  producer.setPollInBackground(true)
  const probe = new LatencyProbe(job)
  assign()
  const looping = consumeLoop(consumer, (messages) => {
    for (const message of messages) probe.onValue(message.value ?? null)
  }, () => stop)
  const result = await probe.run((value) => producer.produce(job.topic, null, value, null, null))
  stop = true
  await looping
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()))
  await new Promise<void>((resolve) => consumer.disconnect(() => resolve()))
  return { ...result, settings: { producer: 'produce() per record, acks 1, linger.ms 0', consumer: 'assign() + consume(1000, cb) loop' } }
})
