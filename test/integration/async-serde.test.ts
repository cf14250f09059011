/**
 * An async serde pair in the shape a schema registry's takes, against the real broker: the
 * serializer looks its schema id up (async, cached), writes the Confluent wire format (magic byte,
 * schema id, payload) and a `schema-id` header; the consumer's deserializer reads the header back,
 * checks it against the bytes, looks the schema up and decodes. Lookups finish out of order, yet
 * every partition's records arrive in the order they were sent.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, type Deserializer, type Serializer } from '../../src/index.js'
import { bootstrap } from '../support/kafka.js'
import { consume, newTopic } from './consumer/helpers.js'

const kafka = new Kafka({ clientId: 'async-serde-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

interface Reading {
  readonly sensor: string
  readonly n: number
}

/** Turns of the event loop: lookups of different records end in a different order than they began. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** A registry stand-in: subjects get ids on first use, lookups are async and cached per subject. */
class Registry {
  readonly #ids = new Map<string, Promise<number>>()
  readonly #subjects = new Map<number, string>()
  lookups = 0

  idFor(subject: string, delay: number): Promise<number> {
    let id = this.#ids.get(subject)
    if (id === undefined) {
      id = turns(delay).then(() => {
        this.lookups++
        const assigned = this.#ids.size + 100
        this.#subjects.set(assigned, subject)
        return assigned
      })
      this.#ids.set(subject, id)
    }
    return id
  }

  async subjectOf(id: number, delay: number): Promise<string> {
    await turns(delay)
    const subject = this.#subjects.get(id)
    if (subject === undefined) throw new Error(`unknown schema id ${id}`)
    return subject
  }
}

function serdes(registry: Registry): { serializer: Serializer<Reading>; deserializer: Deserializer<Reading> } {
  const serializer: Serializer<Reading> = {
    async serialize(reading, context) {
      // A fresh subject per 7 readings, and each record waits a different number of turns.
      const id = await registry.idFor(`${context.topic}-${context.isKey ? 'key' : 'value'}-${Math.floor(reading.n / 7)}`, 7 - (reading.n % 7))
      await turns(reading.n % 3)
      context.headers.push({ key: 'schema-id', value: Buffer.from(String(id)) })
      const payload = Buffer.from(JSON.stringify(reading))
      const out = Buffer.alloc(5 + payload.length)
      out.writeUInt8(0, 0)
      out.writeInt32BE(id, 1)
      payload.copy(out, 5)
      return out
    },
  }
  const deserializer: Deserializer<Reading> = {
    async deserialize(data, context) {
      if (data === null) throw new Error('no value')
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      if (bytes.readUInt8(0) !== 0) throw new Error('not the wire format')
      const id = bytes.readInt32BE(1)
      const header = context.headers.find((h) => h.key === 'schema-id')
      if (header?.value == null || Number(Buffer.from(header.value).toString()) !== id) {
        throw new Error(`schema-id header does not match ${id} at offset ${context.offset}`)
      }
      const subject = await registry.subjectOf(id, Number(context.offset % 4n))
      expect(subject.startsWith(`${context.topic}-value-`)).toBe(true)
      return JSON.parse(bytes.subarray(5).toString('utf8')) as Reading
    },
  }
  return { serializer, deserializer }
}

describe('an async serde pair', () => {
  it('writes a header and the wire format; the consumer reads both back, in send order per partition', async () => {
    const topic = await newTopic(admin, 'async-serde', 2)
    const registry = new Registry()
    const { serializer, deserializer } = serdes(registry)
    const producer = kafka.producer({ valueSerializer: serializer, lingerMs: 5 })
    const readings: Reading[] = Array.from({ length: 60 }, (_, n) => ({ sensor: `s${n % 2}`, n }))
    const sent = await Promise.all(readings.map((r) => producer.send({ topic, key: r.sensor, value: r, headers: { source: 'test' } })))
    await producer.disconnect()
    // Each key went to one partition, and the offsets there follow the order of the sends.
    for (const sensor of ['s0', 's1']) {
      const mine = sent.filter((_, i) => readings[i]?.sensor === sensor)
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1)
      const offsets = mine.map((m) => m.offset)
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)))
    }
    // One lookup per subject, the rest from the cache.
    expect(registry.lookups).toBe(Math.ceil(60 / 7))

    const consumer = kafka.consumer({ valueDeserializer: deserializer, autoOffsetReset: 'earliest', maxPollRecords: 16 })
    consumer.assign([0, 1].map((partition) => ({ topic, partition })))
    const messages = await consume(consumer, readings.length)
    await consumer.disconnect()
    for (const sensor of ['s0', 's1']) {
      const got = messages.filter((m) => m.value.sensor === sensor)
      expect(got.map((m) => m.value.n)).toEqual(readings.filter((r) => r.sensor === sensor).map((r) => r.n))
    }
    for (const partition of [0, 1]) {
      const got = messages.filter((m) => m.partition === partition)
      expect(got.map((m) => m.offset)).toEqual(got.map((_, i) => BigInt(i)))
    }
    for (const m of messages) {
      expect(m.headers.map((h) => h.key)).toEqual(['source', 'schema-id'])
      expect(m.key?.toString()).toBe(m.value.sensor)
    }
  })
})
