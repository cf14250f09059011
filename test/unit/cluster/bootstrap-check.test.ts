/**
 * A bootstrap list that names no address that resolves fails the first call at once with a
 * KafkaConfigError (Java refuses it at construction), instead of retrying until the 60 s API
 * deadline. A list where some names resolve keeps working, and names that resolve nowhere are
 * left out. `.invalid` names never resolve (RFC 6761).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { BootstrapCheck } from '../../../src/cluster/bootstrap-check.js'
import { KafkaConfigError, KafkaTimeoutError } from '../../../src/errors.js'
import { Kafka } from '../../../src/index.js'
import { FakeBroker } from '../consumer/fake-broker.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function kafkaFor(brokers: string[], extra: Record<string, number> = {}): Kafka {
  const kafka = new Kafka({ clientId: 'bootstrap-check', brokers, retryBackoffMs: 10, retryBackoffMaxMs: 50, ...extra })
  cleanups.push(() => kafka.close())
  return kafka
}

async function timed<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  try {
    await promise
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  throw new Error('expected a rejection')
}

describe('bootstrap addresses', () => {
  it('no resolvable name: every kind of first call fails at once with a KafkaConfigError naming them', async () => {
    const kafka = kafkaFor(['nohost.invalid:1', 'also-missing.invalid:9092'])
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['producer.connect', () => kafka.producer().connect()],
      ['producer.send', () => kafka.producer({ maxBlockMs: 60_000 }).send({ topic: 't', value: 'v' })],
      ['admin.listTopics', () => kafka.admin().listTopics()],
      ['consumer.connect', () => kafka.consumer({ groupId: 'g' }).connect()],
    ]
    for (const [name, call] of calls) {
      const { error, ms } = await timed(call())
      expect(error, name).toBeInstanceOf(KafkaConfigError)
      expect((error as Error).message).toMatch(/^brokers: no bootstrap address resolves: nohost\.invalid:1 \(\w+\), also-missing\.invalid:9092/)
      // The API deadline is 60 s; a DNS answer takes milliseconds.
      expect(ms, name).toBeLessThan(5_000)
    }
  })

  it('a mix of resolvable and unresolvable names keeps working, on the names that resolve', async () => {
    const broker = await FakeBroker.start()
    cleanups.push(() => broker.close())
    broker.topics.push({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 1 })
    const port = broker.port
    // `localhost` needs a lookup, unlike 127.0.0.1.
    const kafka = kafkaFor(['nohost.invalid:1', `localhost:${port}`, 'gone.invalid:2'])
    const admin = kafka.admin()
    for (let i = 0; i < 5; i++) {
      await expect(admin.listTopics()).resolves.toEqual(['t'])
    }
  })

  it('an unreachable IP address is not a configuration error: the call retries until its deadline', async () => {
    const kafka = kafkaFor(['127.0.0.1:1'], { defaultApiTimeoutMs: 500, connectionTimeoutMs: 200 })
    const { error } = await timed(kafka.admin().listTopics())
    expect(error).toBeInstanceOf(KafkaTimeoutError)
  })

  it('looks again on the next call after a failure, and shares one lookup among concurrent calls', async () => {
    let resolvable = false
    const lookups: string[] = []
    const check = new BootstrapCheck(
      [
        { host: 'a.example', port: 1 },
        { host: 'b.example', port: 2 },
      ],
      1_000,
      async (host) => {
        lookups.push(host)
        if (!resolvable || host === 'b.example') throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' })
      },
    )
    await expect(Promise.all([check.check(), check.check()])).rejects.toThrow(/a\.example:1 \(ENOTFOUND\), b\.example:2 \(ENOTFOUND\)/)
    expect(lookups).toEqual(['a.example', 'b.example'])
    resolvable = true
    await expect(check.check()).resolves.toEqual([{ host: 'a.example', port: 1 }])
    // Known good from now on: no more lookups.
    await check.check()
    expect(lookups).toHaveLength(4)
  })

  it('a lookup that does not answer in time counts as resolvable (a slow resolver is not a missing name)', async () => {
    const check = new BootstrapCheck([{ host: 'slow.example', port: 1 }], 50, () => new Promise(() => {}))
    await expect(check.check()).resolves.toEqual([{ host: 'slow.example', port: 1 }])
  })
})
