/**
 * Cancellation of the consumer's long calls against the real broker: `run({ signal })` stops the
 * run and rejects with the reason, leaving processed offsets committed and the rest for the next
 * run; the iterator of `messages({ signal })` rejects its waiting `next()` and frees the consumer;
 * `commit`, `committed` and `connect` reject with the reason of an aborted signal and leave the
 * consumer usable.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, stringSerde } from '../../../src/index.js'
import { bootstrap } from '../../support/kafka.js'
import { committedOffsets } from '../admin/consumer-group-command.js'
import { newTopic, produce } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-abort-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
let topic: string

beforeAll(async () => {
  topic = await newTopic(admin, 'consume-abort', 1)
  await produce(kafka, topic, 0, 20)
})

afterAll(() => kafka.close())

const tp = () => ({ topic, partition: 0 })

describe('run({ signal })', () => {
  it('an abort from a handler ends the run with the reason; what was handled is committed, the next run resumes after it', async () => {
    const group = `abort-run-${randomUUID()}`
    const c = kafka.consumer({ groupId: group, autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    await c.subscribe({ topics: [topic] })
    const controller = new AbortController()
    const reason = new Error('shutting down')
    const handled: bigint[] = []
    const run = c.run({
      signal: controller.signal,
      eachMessage: async (m) => {
        handled.push(m.offset)
        if (m.offset === 4n) controller.abort(reason)
      },
    })
    await expect(run).rejects.toBe(reason)
    expect(handled).toEqual([0n, 1n, 2n, 3n, 4n])
    await c.commit()
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-0`, 5n]]))

    const rest: bigint[] = []
    await c.run({
      eachMessage: async (m) => {
        rest.push(m.offset)
        if (m.offset === 19n) await c.stop()
      },
    })
    expect(rest[0]).toBe(5n)
    expect(rest).toHaveLength(15)
    await c.disconnect()
  })

  it('AbortSignal.timeout ends a run that waits for records that never come', async () => {
    const empty = await newTopic(admin, 'consume-abort-empty', 1)
    const c = kafka.consumer()
    c.assign([{ topic: empty, partition: 0 }])
    const started = Date.now()
    const failure = await c.run({ eachMessage: () => {}, signal: AbortSignal.timeout(1_000) }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(DOMException)
    expect(failure).toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeLessThan(10_000)
    await c.disconnect()
  })
})

describe('messages({ signal })', () => {
  it('an abort rejects the waiting next() with the reason, and another iterator goes on where it left off', async () => {
    const c = kafka.consumer({ autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    c.assign([tp()])
    const controller = new AbortController()
    const iterator = c.messages({ signal: controller.signal })
    const first: bigint[] = []
    for (let i = 0; i < 20; i++) first.push(((await iterator.next()).value as { offset: bigint }).offset)
    expect(first[19]).toBe(19n)
    // The partition has no more records: this next() waits until the abort.
    const waiting = iterator.next()
    const reason = new Error('no more waiting')
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
    expect((await iterator.next()).done).toBe(true)

    await produce(kafka, topic, 0, 1, { from: 20 })
    for await (const m of c.messages()) {
      expect(m.offset).toBe(20n)
      break
    }
    await c.disconnect()
  })
})

describe('commit, committed, connect', () => {
  it('reject with the reason of an aborted signal, and work without one afterwards', async () => {
    const group = `abort-calls-${randomUUID()}`
    const c = kafka.consumer({ groupId: group, autoCommit: false })
    const reason = new Error('aborted')
    await expect(c.connect({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    c.assign([tp()])
    await expect(c.commit([{ ...tp(), offset: 3n }], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await expect(c.committed([tp()], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect((await c.committed([tp()]))[0]?.offset).toBeNull()

    await c.commit([{ ...tp(), offset: 3n }])
    expect((await c.committed([tp()]))[0]?.offset).toBe(3n)
    await c.disconnect()
  })
})
