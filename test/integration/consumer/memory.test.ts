/**
 * A slow handler never grows memory: fetched-but-not-handed-out bytes (plus what fetches in flight
 * may bring) stay within fetchBufferMaxBytes, give or take the one batch a broker may return over a
 * request's limit (KIP-74), while every record still arrives in order.
 */
import { metricValue } from '../../../src/observability/metrics.js'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { bootstrap } from '../../support/kafka.js'
import { consume, newTopic } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-memory-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const RECORDS_PER_PARTITION = 1_500
const VALUE = 'v'.repeat(1_000)
const BATCH_SIZE = 16_384

describe('fetchBufferMaxBytes', () => {
  it('bounds buffered bytes while the handler is slow', async () => {
    const topic = await newTopic(admin, 'consume-memory', 2)
    const producer = kafka.producer({ batchSize: BATCH_SIZE, lingerMs: 5 })
    for (const partition of [0, 1]) {
      await producer.sendBatch(Array.from({ length: RECORDS_PER_PARTITION }, () => ({ topic, partition, value: VALUE })))
    }
    await producer.disconnect()

    const max = 96 * 1024
    const c = kafka.consumer({ fetchBufferMaxBytes: max, maxPartitionFetchBytes: 32 * 1024, maxPollRecords: 50, autoOffsetReset: 'earliest' })
    c.assign([0, 1].map((partition) => ({ topic, partition })))
    let peak = 0
    let peakBuffered = 0
    const next = [0n, 0n]
    const messages = await consume(c, 2 * RECORDS_PER_PARTITION, {
      timeoutMs: 120_000,
      // Slow: each message waits for a timer (about 1 ms), so fetching could easily outrun the handler.
      delayMs: 1,
      onMessage: (m) => {
        expect(m.offset).toBe(next[m.partition])
        next[m.partition] = m.offset + 1n
        const snapshot = c.metrics()
        const bufferedBytes = metricValue(snapshot, 'fetch-buffer-bytes') ?? 0
        const reservedBytes = metricValue(snapshot, 'fetch-buffer-reserved-bytes') ?? 0
        peak = Math.max(peak, bufferedBytes + reservedBytes)
        peakBuffered = Math.max(peakBuffered, bufferedBytes)
      },
    })
    const fetches = metricValue(c.metrics(), 'fetch-total') ?? 0
    await c.disconnect()
    expect(messages).toHaveLength(2 * RECORDS_PER_PARTITION)
    // The whole log is ~3 MB; the consumer held at most its budget plus one batch.
    expect(peak).toBeLessThanOrEqual(max + BATCH_SIZE + 1_024)
    expect(peakBuffered).toBeGreaterThan(max / 4)
    // Fetching paused while the buffer was full instead of spinning.
    expect(fetches).toBeLessThan((2 * RECORDS_PER_PARTITION * VALUE.length) / (8 * 1024))
    console.log(`[memory] peak buffered+reserved ${peak} B (budget ${max} B), peak buffered ${peakBuffered} B, ${fetches} fetches`)
  })
})
