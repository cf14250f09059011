/**
 * The built-in serdes, and the types the producer and consumer factories give: key and value types
 * come from the serdes given (an async deserializer's resolved type), default to what the default
 * serdes handle, and a type the default cannot handle does not compile without its serde. The
 * type checks here run in `npm run typecheck` (`@ts-expect-error` fails it when an error is gone).
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Kafka, type Consumer, type Deserializer, type Producer, type Serializer } from '../../../src/index.js'
import { isThenable } from '../../../src/serde/contexts.js'
import { bufferSerde, jsonSerde, stringSerde } from '../../../src/serde/serde.js'

interface Order {
  readonly id: number
}

const orderSerializer: Serializer<Order> = { serialize: async (o) => Buffer.from(String(o.id)) }
const orderDeserializer: Deserializer<Order> = { deserialize: async (data) => ({ id: Number(String(data)) }) }
// A serde that ignores its context is still a one-liner.
const numbers: Serializer<number> & Deserializer<number> = {
  serialize: (n) => Buffer.from(String(n)),
  deserialize: (data) => Number(String(data)),
}

describe('built-in serdes', () => {
  it('answer synchronously, so a direct call gives the value', () => {
    const bytes = stringSerde.serialize('héllo')
    expect(isThenable(bytes)).toBe(false)
    expect(stringSerde.deserialize(bytes)).toBe('héllo')
    expectTypeOf(stringSerde.deserialize(bytes)).toEqualTypeOf<string | null>()
    expect(jsonSerde<Order>().deserialize(jsonSerde<Order>().serialize({ id: 3 }))).toEqual({ id: 3 })
    expect(bufferSerde.deserialize(new Uint8Array([1, 2]))).toEqual(Buffer.from([1, 2]))
    expect(stringSerde.deserialize(null)).toBeNull()
  })

  it('tell a promise from bytes', () => {
    expect(isThenable(Promise.resolve(null))).toBe(true)
    expect(isThenable({ then: () => {} })).toBe(true)
    expect(isThenable(Buffer.from('x'))).toBe(false)
    expect(isThenable(null)).toBe(false)
    expect(isThenable('then')).toBe(false)
  })
})

describe('factory types', () => {
  // Only types are checked: the client is never connected.
  const kafka = new Kafka({ clientId: 'types', brokers: ['127.0.0.1:1'] })

  it('producer: inferred from the serializers, strings and bytes by default', async () => {
    expectTypeOf(kafka.producer()).toEqualTypeOf<Producer<string | Uint8Array | null, string | Uint8Array | null>>()
    expectTypeOf(kafka.producer({ valueSerializer: jsonSerde<Order>() })).toEqualTypeOf<Producer<string | Uint8Array | null, Order | null>>()
    expectTypeOf(kafka.producer({ keySerializer: numbers, valueSerializer: orderSerializer })).toEqualTypeOf<Producer<number, Order>>()
    // Narrower types the default serializer can send need nothing.
    expectTypeOf(kafka.producer<string, Uint8Array>()).toEqualTypeOf<Producer<string, Uint8Array>>()
    expectTypeOf(kafka.producer<null, Buffer>({ acks: 1 })).toEqualTypeOf<Producer<null, Buffer>>()
    // @ts-expect-error numbers need a serializer
    kafka.producer<number, number>()
    // @ts-expect-error numbers need a serializer, for the value too
    kafka.producer<string, number>({ acks: 1 })
    // @ts-expect-error an object key needs a key serializer
    kafka.producer<Order, string>({ valueSerializer: stringSerde })
    await kafka.close()
  })

  it('consumer: inferred from the deserializers (resolved type when async), Buffer | null by default', async () => {
    const k = new Kafka({ clientId: 'types', brokers: ['127.0.0.1:1'] })
    expectTypeOf(k.consumer()).toEqualTypeOf<Consumer<Buffer | null, Buffer | null>>()
    expectTypeOf(k.consumer({ groupId: 'g', valueDeserializer: stringSerde })).toEqualTypeOf<Consumer<Buffer | null, string | null>>()
    expectTypeOf(k.consumer({ keyDeserializer: numbers, valueDeserializer: orderDeserializer })).toEqualTypeOf<Consumer<number, Order>>()
    // Wider types the default deserializer's Buffers fit need nothing.
    expectTypeOf(k.consumer<unknown, Uint8Array | null>()).toEqualTypeOf<Consumer<unknown, Uint8Array | null>>()
    // @ts-expect-error the default deserializer gives Buffers, not numbers
    k.consumer<number, number>()
    // @ts-expect-error nor Buffers that are never null
    k.consumer<Buffer, Buffer>({ groupId: 'g' })
    // @ts-expect-error a string value needs its deserializer
    k.consumer<Buffer | null, string>({ keyDeserializer: bufferSerde })
    await k.close()
  })
})
