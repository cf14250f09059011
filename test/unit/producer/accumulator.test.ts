import { describe, expect, it } from 'vitest'
import { KafkaTimeoutError } from '../../../src/errors.js'
import { Accumulator, recordSize } from '../../../src/producer/accumulator.js'
import { KafkaError } from '../../../src/errors.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import { measureRecords } from '../../../src/protocol/record.js'

const record = (value: string) => ({ timestamp: 1000n, key: null, value: Buffer.from(value) })

describe('Accumulator', () => {
  it('fills a partition’s batch up to batchSize, then opens the next', () => {
    const acc = new Accumulator(200, 10_000)
    const size = recordSize(null, Buffer.from('x'.repeat(40)), undefined)
    const wakes = Array.from({ length: 6 }, () => {
      void acc.append('t', 0, record('x'.repeat(40)), size, 0)
      return acc.appendWakes
    })
    const q = acc.queue('t', 0)
    expect(q.batches.length).toBeGreaterThan(1)
    // Each batch woke the sender when it was created (the first append) and, once full, again.
    expect(wakes[0]).toBe(true)
    expect(wakes.filter(Boolean).length).toBeGreaterThanOrEqual(q.batches.length)
    for (const batch of q.batches.slice(0, -1)) expect(batch.closed).toBe(true)
    for (const batch of q.batches) expect(batch.sizeBytes).toBeLessThanOrEqual(200 + size)
  })

  it('estimates record sizes at least as large as the encoder writes them', () => {
    const records = [
      { timestamp: 1000n, key: Buffer.from('key'), value: Buffer.from('v'.repeat(300)), headers: [{ key: 'h', value: Buffer.from('x') }] },
      { timestamp: 1001n, key: null, value: null },
    ]
    const layout = measureRecords(records, 1000n)
    const estimated = records.reduce((n, r) => n + recordSize(r.key, r.value, r.headers), 0)
    expect(estimated).toBeGreaterThanOrEqual(layout.size)
    expect(estimated - layout.size).toBeLessThan(16)
  })

  it('hands out memory at once while there is room, then makes callers wait in order', async () => {
    const acc = new Accumulator(100, 1000)
    expect(acc.reserve(600, 1000)).toBeUndefined()
    const order: string[] = []
    const first = acc.reserve(500, 5000)?.then(() => order.push('first'))
    const second = acc.reserve(100, 5000)?.then(() => order.push('second'))
    expect(first).toBeDefined()
    // Even though 100 bytes would fit, the second caller queues behind the first.
    expect(second).toBeDefined()
    expect(acc.memoryExhausted).toBe(true)
    acc.release(600)
    await Promise.all([first, second])
    expect(order).toEqual(['first', 'second'])
    expect(acc.usedMemory).toBe(600)
  })

  it('fails a caller that waited longer than maxBlockMs with a timeout', async () => {
    const acc = new Accumulator(100, 100)
    acc.reserve(100, 1000)
    await expect(acc.reserve(50, 30)).rejects.toBeInstanceOf(KafkaTimeoutError)
    expect(acc.usedMemory).toBe(100)
  })

  it('produces batches whose encoding decodes back to the records', async () => {
    const acc = new Accumulator(10_000, 100_000)
    for (let i = 0; i < 3; i++) acc.append('t', 1, record(`value-${i}`), recordSize(null, Buffer.from(`value-${i}`), undefined), 0)
    const batch = acc.queue('t', 1).batches[0]
    const bytes = await batch!.encode('none')
    const { batches } = await decodeRecordBatches(bytes)
    expect(batches[0]?.records.map((r) => Buffer.from(r.value ?? []).toString())).toEqual(['value-0', 'value-1', 'value-2'])
  })

  it('settles each record’s promise from its batch: metadata on complete, the error on fail (marked handled)', async () => {
    const acc = new Accumulator(10_000, 100_000)
    const size = recordSize(null, Buffer.from('v'), undefined)
    const delivered = [acc.append('t', 0, record('v'), size, 0), acc.append('t', 0, record('v'), size, 0)]
    acc.queue('t', 0).batches[0]!.complete(41n, -1n)
    expect((await Promise.all(delivered)).map((m) => [m.partition, m.offset, m.timestamp])).toEqual([
      [0, 41n, 1000],
      [0, 42n, 1000],
    ])
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      const failing = acc.append('t', 1, record('v'), size, 0)
      const error = new KafkaError('lost')
      acc.queue('t', 1).batches[0]!.fail(error)
      await new Promise<void>((resolve) => setImmediate(resolve))
      expect(unhandled).toEqual([])
      await expect(failing).rejects.toBe(error)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
