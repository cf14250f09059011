import { describe, expect, it } from 'vitest'
import { KafkaConfigError } from '../../../src/errors.js'
import { resolveProducerOptions } from '../../../src/producer/options.js'

const root = { requestTimeoutMs: 30_000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 }

describe('producer options', () => {
  it('default to the Java client’s Kafka 4.x values', () => {
    const o = resolveProducerOptions({}, root)
    expect(o).toMatchObject({
      acks: -1,
      enableIdempotence: true,
      lingerMs: 5,
      batchSize: 16_384,
      bufferMemory: 33_554_432,
      maxBlockMs: 60_000,
      compressionType: 'none',
      maxInFlightRequestsPerConnection: 5,
      deliveryTimeoutMs: 120_000,
      maxRequestSize: 1_048_576,
      transactionalId: null,
    })
  })

  it('turn idempotence off quietly when the user chose acks=1 without asking for it', () => {
    expect(resolveProducerOptions({ acks: 1 }, root).enableIdempotence).toBe(false)
  })

  it('refuse idempotence asked for together with settings that rule it out', () => {
    expect(() => resolveProducerOptions({ acks: 1, enableIdempotence: true }, root)).toThrow(/enableIdempotence/)
    expect(() => resolveProducerOptions({ maxInFlightRequestsPerConnection: 6, enableIdempotence: true }, root)).toThrow(
      KafkaConfigError,
    )
  })

  it('require idempotence for transactions', () => {
    expect(() => resolveProducerOptions({ transactionalId: 'tx', enableIdempotence: false }, root)).toThrow(/transactionalId/)
    expect(resolveProducerOptions({ transactionalId: 'tx' }, root).enableIdempotence).toBe(true)
  })

  it('raise an unset delivery timeout to cover linger plus a request, and refuse a set one that does not', () => {
    expect(resolveProducerOptions({ lingerMs: 100, requestTimeoutMs: 200_000 }, root).deliveryTimeoutMs).toBe(200_100)
    expect(() => resolveProducerOptions({ deliveryTimeoutMs: 1000, requestTimeoutMs: 5000 }, root)).toThrow(/deliveryTimeoutMs/)
  })

  it('name the bad option', () => {
    expect(() => resolveProducerOptions({ acks: 2 as never }, root)).toThrow(/acks/)
    expect(() => resolveProducerOptions({ compressionType: 'brotli' as never }, root)).toThrow(/compressionType/)
    expect(() => resolveProducerOptions({ batchSize: -1 }, root)).toThrow(/batchSize/)
    expect(() => resolveProducerOptions({ lingerMs: 1.5 }, root)).toThrow(/lingerMs/)
  })
})
