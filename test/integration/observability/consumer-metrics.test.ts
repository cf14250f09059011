/**
 * Consumer metrics on the real broker: records-lag shows the records written while a partition
 * was paused and falls to 0 once it has caught up; the consumed totals, the fetch rate and
 * the fetch latency move with it. Lag is read off the fetch responses only (no extra requests).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, metricValue } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { newTopic } from '../consumer/helpers.js'

const kafka = new Kafka({ clientId: 'metrics-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()

afterAll(async () => {
  await kafka.close()
})

describe('consumer.metrics()', () => {
  it('records-lag shows what was written while paused and falls to 0 as it is handled; totals count what was handed out', async () => {
    const topic = await newTopic(admin, 'metrics', 1)
    // Small fetches: the consumer keeps fetching (and learning the high watermark) while it is behind.
    const consumer = kafka.consumer({ autoOffsetReset: 'earliest', fetchMaxWaitMs: 100, maxPartitionFetchBytes: 2_048 })
    consumer.assign([{ topic, partition: 0, offset: 'earliest' }])
    const lag = () => metricValue(consumer.metrics(), 'records-lag', { topic, partition: '0' })
    let received = 0
    let peakLag = 0
    const running = consumer.run({
      eachMessage: async () => {
        received++
        peakLag = Math.max(peakLag, lag() ?? 0)
        // The work the handler does per record (a slow handler is what makes lag): not synchronisation.
        await sleep(2)
      },
    })
    try {
      await waitFor(() => lag() === 0, { timeoutMs: 30_000, message: 'the partition fetched (lag 0)' })
      // 300 batches of one record while the partition is paused: once resumed, each small fetch
      // brings a few of them and the high watermark, so the lag shows and shrinks as they are handled.
      consumer.pause([{ topic, partition: 0 }])
      const producer = kafka.producer({ lingerMs: 0 })
      for (let i = 0; i < 300; i++) await producer.send({ topic, partition: 0, value: `record-${i}` })
      await producer.disconnect()
      consumer.resume([{ topic, partition: 0 }])
      await waitFor(() => received === 300, { timeoutMs: 60_000, message: 'every record handled' })
      expect(peakLag).toBeGreaterThan(100)
      await waitFor(() => lag() === 0, { timeoutMs: 30_000, message: 'the lag back to 0' })
      const snapshot = consumer.metrics()
      expect(metricValue(snapshot, 'records-consumed-total')).toBe(300)
      expect(metricValue(snapshot, 'bytes-consumed-total')).toBeGreaterThan(300 * 10)
      expect(metricValue(snapshot, 'records-consumed-rate')).toBeGreaterThan(0)
      expect(metricValue(snapshot, 'fetch-rate')).toBeGreaterThan(0)
      expect(metricValue(snapshot, 'records-lag-max')).toBe(0)
      expect(metricValue(snapshot, 'fetch-latency-max')).toBeGreaterThanOrEqual(metricValue(snapshot, 'fetch-latency-avg') as number)
    } finally {
      await consumer.stop()
      await running
      await consumer.disconnect()
    }
  })
})
