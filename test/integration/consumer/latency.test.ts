/**
 * End-to-end latency of an idle group consumer on a multi-partition topic: a record reaches the
 * application as soon as the broker has it, not when the long poll it missed runs out.
 *
 * The defect this guards against: after a response with data for one partition, the next fetch
 * left that partition out (its data was still buffered) and the fetch session forgot it, so the
 * broker's long poll did not watch it; the next record to that partition then waited up to
 * `fetchMaxWaitMs` (500 ms). Records go out in pairs to the same partition, the pattern that hit it.
 */
import { randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, stringSerde } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { newTopic } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-latency-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const PARTITIONS = 6
const RECORDS = 50
const SPACING_MS = 30
/** Far below the 500 ms long poll, far above a loaded machine's delivery time (~1-5 ms). */
const BOUND_MS = 100

describe('consumer latency', () => {
  it(`delivers every record within ${BOUND_MS} ms of its send on a ${PARTITIONS}-partition topic (fetchMaxWaitMs 500)`, async () => {
    const topic = await newTopic(admin, 'consume-latency', PARTITIONS)
    const consumer = kafka.consumer<Buffer | null, string | null>({ groupId: `latency-${randomUUID()}`, valueDeserializer: stringSerde })
    expect(consumer.options.fetchMaxWaitMs).toBe(500)
    const producer = kafka.producer()
    const received = new Map<string, number>()
    try {
      await consumer.subscribe({ topics: [topic] })
      const running = consumer.run({
        eachMessage: (m) => {
          if (m.value !== null) received.set(m.value, performance.now())
        },
      })
      await waitFor(() => consumer.assignment().length === PARTITIONS, { timeoutMs: 60_000, intervalMs: 50, message: 'all partitions assigned' })
      // Positions resolved ('latest'): from here on the consumer sits in its long poll.
      for (let p = 0; p < PARTITIONS; p++) await consumer.position({ topic, partition: p })
      await producer.connect()
      // Warm-up, not measured: the producer's first sends look up metadata and connect; the
      // consumer's first records decode through cold code. One record per partition, all received.
      for (let p = 0; p < PARTITIONS; p++) await producer.send({ topic, partition: p, value: `warm-${p}` })
      await waitFor(() => received.size >= PARTITIONS, { timeoutMs: 10_000, intervalMs: 20, message: 'warm-up records received' })

      const sentAt = new Map<string, number>()
      for (let i = 0; i < RECORDS; i++) {
        const value = `r${i}`
        const partition = Math.floor(i / 2) % PARTITIONS
        sentAt.set(value, performance.now())
        await producer.send({ topic, partition, value })
        await new Promise((resolve) => setTimeout(resolve, SPACING_MS))
      }
      await waitFor(() => received.size >= PARTITIONS + RECORDS, { timeoutMs: 10_000, intervalMs: 20, message: `${RECORDS} records received` })
      await consumer.stop()
      await running

      const latencies = [...sentAt].map(([value, at]) => ({ value, ms: (received.get(value) ?? Infinity) - at }))
      const slow = latencies.filter((l) => l.ms > BOUND_MS).map((l) => `${l.value}: ${l.ms.toFixed(1)} ms`)
      expect(slow, `records slower than ${BOUND_MS} ms`).toEqual([])
    } finally {
      await producer.disconnect().catch(() => {})
      await consumer.disconnect().catch(() => {})
    }
  })
})
