/**
 * Where a consumer starts and how it moves, against a real broker, as Java's consumer behaves:
 * autoOffsetReset earliest / latest / none, seek to an offset, a timestamp, the beginning and the
 * end, out-of-range positions, pause / resume, position() and committed().
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaNoOffsetError, KafkaOffsetOutOfRangeError, stringSerde, type Consumer, type ConsumerOptions } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { consume, newTopic, produce } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-positions-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
let topic: string
let p0Values: string[]
let p1Values: string[]
const T0 = 1_700_000_000_000

beforeAll(async () => {
  topic = await newTopic(admin, 'consume-positions', 2)
  // Timestamps T0 + 1000 * i, so a timestamp seek has a known answer.
  p0Values = await produce(kafka, topic, 0, 20, { timestamp: (i) => T0 + 1000 * i })
  p1Values = await produce(kafka, topic, 1, 10, { timestamp: (i) => T0 + 1000 * i })
})

afterAll(() => kafka.close())

const p0 = () => ({ topic, partition: 0 })
const p1 = () => ({ topic, partition: 1 })

function consumer(options: ConsumerOptions<Buffer | null, string | null> = {}): Consumer<Buffer | null, string | null> {
  return kafka.consumer<Buffer | null, string | null>({ ...options, valueDeserializer: stringSerde })
}

describe('autoOffsetReset', () => {
  it('earliest starts at the first offset', async () => {
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([p0()])
    expect(await c.position(p0())).toBe(0n)
    expect((await consume(c, 20)).map((m) => m.value)).toEqual(p0Values)
    await c.disconnect()
  })

  it('latest starts at the end and reads only what is written afterwards', async () => {
    const t = await newTopic(admin, 'consume-latest')
    await produce(kafka, t, 0, 5)
    const c = consumer()
    expect(c.options.autoOffsetReset).toBe('latest')
    c.assign([{ topic: t, partition: 0 }])
    expect(await c.position({ topic: t, partition: 0 })).toBe(5n)
    const later = await produce(kafka, t, 0, 3, { from: 5 })
    const messages = await consume(c, 3)
    expect(messages.map((m) => [m.offset, m.value])).toEqual(later.map((v, i) => [BigInt(5 + i), v]))
    await c.disconnect()
  })

  it("none fails with KafkaNoOffsetError when nothing is committed; a seek lets it go on", async () => {
    const c = consumer({ autoOffsetReset: 'none', groupId: `none-${randomUUID()}`, autoCommit: false })
    c.assign([p0()])
    const failure = await c.run({ eachMessage: () => {} }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaNoOffsetError)
    expect(failure).toMatchObject({ topic, partition: 0 })
    c.seek(p0(), 18n)
    expect((await consume(c, 2)).map((m) => m.offset)).toEqual([18n, 19n])
    await c.disconnect()
  })

  it('an out-of-range position is reset by the policy (earliest)', async () => {
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([{ ...p1(), offset: 1_000n }])
    expect((await consume(c, 2)).map((m) => m.offset)).toEqual([0n, 1n])
    await c.disconnect()
  })

  it("an out-of-range position with 'none' fails with KafkaOffsetOutOfRangeError", async () => {
    const c = consumer({ autoOffsetReset: 'none' })
    c.assign([{ ...p1(), offset: 1_000n }])
    const failure = await c.run({ eachMessage: () => {} }).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaOffsetOutOfRangeError)
    expect(failure).toMatchObject({ offset: 1_000n, partition: 1 })
    await c.disconnect()
  })
})

describe('seek', () => {
  it('to an offset, the beginning, the end and a timestamp', async () => {
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([p0()])
    c.seek(p0(), 7n)
    expect((await consume(c, 2)).map((m) => m.offset)).toEqual([7n, 8n])
    expect(await c.position(p0())).toBe(9n)

    c.seekToBeginning([p0()])
    expect(await c.position(p0())).toBe(0n)
    c.seekToEnd()
    expect(await c.position(p0())).toBe(20n)

    // The first record at or after T0 + 12.5 s is offset 13.
    c.seek(p0(), { timestamp: T0 + 12_500 })
    const [m] = await consume(c, 1)
    expect([m?.offset, m?.timestamp]).toEqual([13n, T0 + 13_000])
    // A timestamp after every record: the end.
    c.seek(p0(), { timestamp: T0 + 10_000_000 })
    expect(await c.position(p0())).toBe(20n)
    await c.disconnect()
  })

  it('from inside a handler takes effect at once: the rest of the chunk is dropped', async () => {
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([p0()])
    const seen: bigint[] = []
    await c.run({
      eachMessage: async (m) => {
        seen.push(m.offset)
        if (m.offset === 2n) c.seek(p0(), 15n)
        if (m.offset === 17n) await c.stop()
      },
    })
    expect(seen).toEqual([0n, 1n, 2n, 15n, 16n, 17n])
    await c.disconnect()
  })
})

describe('pause and resume', () => {
  it('a paused partition is not consumed and keeps its position; resumed, it goes on from there', async () => {
    const c = consumer({ autoOffsetReset: 'earliest' })
    c.assign([p0(), p1()])
    c.pause([p0()])
    expect(c.paused()).toEqual([p0()])
    const first = await consume(c, 10)
    expect(first.map((m) => m.value)).toEqual(p1Values)
    expect(await c.position(p0())).toBe(0n)
    c.resume([p0()])
    expect(c.paused()).toEqual([])
    const rest = await consume(c, 20)
    expect(rest.map((m) => m.value)).toEqual(p0Values)
    await c.disconnect()
  })
})

describe('committed offsets', () => {
  it('position() and committed() differ until a commit', async () => {
    const group = `positions-${randomUUID()}`
    const c = consumer({ groupId: group, autoCommit: false, autoOffsetReset: 'earliest' })
    c.assign([p0(), p1()])
    await consume(c, 30)
    expect(await c.position(p0())).toBe(20n)
    expect((await c.committed()).map((o) => o.offset)).toEqual([null, null])
    await c.commit()
    expect(await c.committed([p0(), p1()])).toEqual([
      { topic, partition: 0, offset: 20n, leaderEpoch: expect.any(Number), metadata: '' },
      { topic, partition: 1, offset: 10n, leaderEpoch: expect.any(Number), metadata: '' },
    ])
    await c.disconnect()

    // A new consumer of the group starts at the committed offsets.
    const again = consumer({ groupId: group, autoCommit: false, autoOffsetReset: 'earliest' })
    again.assign([p0(), p1()])
    await waitFor(async () => (await again.position(p0())) === 20n && (await again.position(p1())) === 10n, {
      message: 'positions from the committed offsets',
    })
    await again.disconnect()
  })
})
