/**
 * Backpressure: a producer offered ten times more than the broker accepts (a client quota slows
 * the broker down) keeps its buffered records within `bufferMemory`, makes sends wait instead of
 * failing, and fails them with a typed timeout only once `maxBlockMs` has passed.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaTimeoutError } from '../../../src/index.js'
import { bootstrap } from '../../support/kafka.js'

const clientId = `memory-bound-${randomUUID().slice(0, 8)}`
const kafka = new Kafka({ clientId, brokers: bootstrap().split(',') })
const admin = kafka.admin()
const QUOTA_BYTES_PER_SECOND = 100 * 1024
let topic = ''

beforeAll(async () => {
  topic = `memory-${randomUUID()}`
  const [created] = await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  const [quota] = await admin.alterClientQuotas([
    { entity: { 'client-id': clientId }, ops: [{ key: 'producer_byte_rate', value: QUOTA_BYTES_PER_SECOND }] },
  ])
  expect(quota?.error).toBeNull()
})

afterAll(async () => {
  await admin.alterClientQuotas([{ entity: { 'client-id': clientId }, ops: [{ key: 'producer_byte_rate', value: null }] }])
  await kafka.close()
})

describe('producer memory bound', () => {
  it('stays within bufferMemory while offered ten times what the broker accepts, and sends wait rather than fail', async () => {
    const bufferMemory = 128 * 1024
    const producer = kafka.producer({ bufferMemory, batchSize: 16 * 1024, maxBlockMs: 60_000 })
    await producer.connect()
    const value = Buffer.alloc(1024, 'm')
    const total = 1_200 // ~1.2 MiB at ~100 KiB/s: about ten seconds of broker time
    let peak = 0
    const sampler = setInterval(() => {
      peak = Math.max(peak, producer.bufferedBytes)
    }, 5)
    const heapBefore = process.memoryUsage().heapUsed
    let heapPeak = heapBefore
    const heapSampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)
    }, 50)

    // 400 concurrent writers ask for 400 KiB at once: three times the buffer, far beyond what the
    // throttled broker takes per second, so most sends have to wait for memory.
    let next = 0
    const started = Date.now()
    const writers = Array.from({ length: 400 }, async () => {
      while (next < total) {
        next++
        await producer.send({ topic, value })
      }
    })
    const outcomes = await Promise.allSettled(writers)
    const elapsedMs = Date.now() - started
    clearInterval(sampler)
    clearInterval(heapSampler)
    await producer.disconnect()

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    // The broker was the bottleneck: the run took about as long as the quota dictates.
    expect(elapsedMs).toBeGreaterThan(((total * 1024) / QUOTA_BYTES_PER_SECOND) * 1000 * 0.5)
    // The buffer filled up (so sends waited) but never went past its bound.
    expect(peak).toBeGreaterThan(bufferMemory * 0.75)
    expect(peak).toBeLessThanOrEqual(bufferMemory)
    // The heap grew by no more than the buffer plus a small constant.
    expect(heapPeak - heapBefore).toBeLessThan(bufferMemory + 24 * 1024 * 1024)
  }, 120_000)

  it('fails a send that waited maxBlockMs for memory with a typed timeout; the others are delivered', async () => {
    const producer = kafka.producer({ bufferMemory: 32 * 1024, maxBlockMs: 300 })
    await producer.connect()
    const value = Buffer.alloc(1024, 't')
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => producer.send({ topic, value })))
    await producer.disconnect()
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(failed.length).toBeGreaterThan(0)
    for (const f of failed) {
      expect(f.reason).toBeInstanceOf(KafkaTimeoutError)
      expect((f.reason as Error).message).toMatch(/bufferMemory/)
    }
    expect(outcomes.some((o) => o.status === 'fulfilled')).toBe(true)
  }, 60_000)
})
