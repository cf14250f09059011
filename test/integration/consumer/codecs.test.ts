/**
 * assign() + eachMessage reads what kcat (librdkafka) wrote, with every codec: offsets, keys,
 * values, headers and timestamps arrive intact; LogAppendTime topics report the broker's time.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, stringSerde } from '../../../src/index.js'
import { bootstrap, kcat } from '../../support/kafka.js'
import { consume, newTopic } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-codecs-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

async function kcatWrite(topic: string, codec: string, lines: string[], extra: string[] = []): Promise<void> {
  const written = await kcat(
    ['-P', '-b', bootstrap(), '-t', topic, '-p', '0', '-z', codec, '-K', ':', '-H', 'trace=abc', '-H', 'empty=',
      '-X', 'linger.ms=20', '-X', 'batch.num.messages=100', ...extra],
    { input: lines.join('\n') + '\n' },
  )
  expect(written.code, written.stderr).toBe(0)
}

describe('reading records kcat wrote', () => {
  it.each(CODECS)('%s', async (codec) => {
    const topic = await newTopic(admin, `consume-${codec}`)
    const values = Array.from({ length: 300 }, (_, i) => `${codec}-${i}-${'x'.repeat(i % 50)}`)
    const before = Date.now()
    await kcatWrite(topic, codec, values.map((v, i) => `key-${i}:${v}`))
    const after = Date.now()

    const consumer = kafka.consumer({ keyDeserializer: stringSerde, valueDeserializer: stringSerde, autoOffsetReset: 'earliest' })
    consumer.assign([{ topic, partition: 0 }])
    const messages = await consume(consumer, values.length)
    await consumer.disconnect()

    expect(messages.map((m) => m.offset)).toEqual(values.map((_, i) => BigInt(i)))
    expect(messages.map((m) => m.key)).toEqual(values.map((_, i) => `key-${i}`))
    expect(messages.map((m) => m.value)).toEqual(values)
    for (const m of messages) {
      expect(m.topic).toBe(topic)
      expect(m.partition).toBe(0)
      expect(m.headers.map((h) => [h.key, Buffer.from(h.value ?? []).toString()])).toEqual([
        ['trace', 'abc'],
        ['empty', ''],
      ])
      expect(m.timestampType).toBe('CreateTime')
      expect(m.timestamp).toBeGreaterThanOrEqual(before - 1000)
      expect(m.timestamp).toBeLessThanOrEqual(after + 1000)
      expect(m.leaderEpoch).toBeGreaterThanOrEqual(0)
    }
  })

  it('reports LogAppendTime with the broker-set time on such topics', async () => {
    const topic = await newTopic(admin, 'consume-append-time', 1, { 'message.timestamp.type': 'LogAppendTime' })
    const before = Date.now()
    // An old CreateTime that the broker must override.
    await kcatWrite(topic, 'lz4', ['a:1', 'b:2', 'c:3'])
    const consumer = kafka.consumer({ valueDeserializer: stringSerde, autoOffsetReset: 'earliest' })
    consumer.assign([{ topic, partition: 0 }])
    const messages = await consume(consumer, 3)
    await consumer.disconnect()
    expect(messages.map((m) => m.value)).toEqual(['1', '2', '3'])
    for (const m of messages) {
      expect(m.timestampType).toBe('LogAppendTime')
      expect(m.timestamp).toBeGreaterThanOrEqual(before - 1000)
    }
  })

  it('hands out bytes as Buffers by default, and null keys as null', async () => {
    const topic = await newTopic(admin, 'consume-bytes')
    const written = await kcat(['-P', '-b', bootstrap(), '-t', topic, '-p', '0'], { input: 'no-key-value\n' })
    expect(written.code, written.stderr).toBe(0)
    const consumer = kafka.consumer({ autoOffsetReset: 'earliest' })
    consumer.assign([{ topic, partition: 0 }])
    const [m] = await consume(consumer, 1)
    await consumer.disconnect()
    expect(m?.key).toBeNull()
    expect(Buffer.isBuffer(m?.value)).toBe(true)
    expect(m?.value?.toString()).toBe('no-key-value')
  })
})
