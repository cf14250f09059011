/**
 * Cancellation against the real broker, on a second single node started for this file with
 * `auto.create.topics.enable=false`: a send to a topic that does not exist yet waits for its
 * metadata (up to maxBlockMs), and so do a flush and a commit behind it. Aborted calls reject with
 * the signal's reason; once the topic is created, kcat reading the whole log shows what each abort
 * left behind: a record still waiting was never written, records already handed over were.
 *
 * (A send blocked on full buffer memory is covered by the unit tests: a single Kafka 4.4 node
 * cannot be made to hold acks back, as min.insync.replicas is capped at the replication factor.)
 *
 * KAFKATS_NO_AUTO_CREATE_PORT / KAFKATS_NO_AUTO_CREATE_WORK move that node's port (default 9892)
 * and work directory.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaStateError } from '../../../src/index.js'
import { kcat, runKafkaScript } from '../../support/kafka.js'

const work = process.env.KAFKATS_NO_AUTO_CREATE_WORK ?? join(tmpdir(), 'kafkats-kafka-no-auto-create')
const nodeEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KAFKATS_KAFKA_WORK: work,
  KAFKATS_SINGLE_PORT: process.env.KAFKATS_NO_AUTO_CREATE_PORT ?? '9892',
  KAFKATS_KAFKA_HEAP: '384m',
  KAFKATS_AUTO_CREATE_TOPICS: 'false',
})

let brokers = ''
let kafka: Kafka

beforeAll(async () => {
  mkdirSync(work, { recursive: true })
  const started = await runKafkaScript(['single-acquire', String(process.pid)], { env: nodeEnv(), timeoutMs: 240_000 })
  expect(started.code, started.stderr).toBe(0)
  brokers = started.stdout.trim().split('\n').at(-1) as string
  kafka = new Kafka({ clientId: 'abort-it', brokers: brokers.split(',') })
}, 300_000)

afterAll(async () => {
  await kafka?.close()
  await runKafkaScript(['single-release', String(process.pid)], { env: nodeEnv(), timeoutMs: 90_000 })
}, 120_000)

async function createTopic(topic: string): Promise<void> {
  const [created] = await kafka.admin().createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
}

/** What `promise` rejected with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

/** Every value in the topic's log, to its end (aborted transactions included unless `committed`). */
async function readLog(topic: string, committed = false): Promise<string[]> {
  const isolation = committed ? 'read_committed' : 'read_uncommitted'
  const result = await kcat(['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`], {
    timeoutMs: 60_000,
  })
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.split('\n').filter((line) => line !== '')
}

describe('AbortSignal on the real broker', () => {
  it('a send blocked because its topic does not exist rejects with the reason and is never written', async () => {
    const topic = `abort-send-${randomUUID()}`
    const producer = kafka.producer({ lingerMs: 0, maxBlockMs: 60_000 })
    await producer.connect()

    const already = AbortSignal.abort(new Error('already aborted'))
    await expect(producer.send({ topic, value: 'never-1' }, { signal: already })).rejects.toBe(already.reason)

    const signal = AbortSignal.timeout(500)
    expect(await rejection(producer.send({ topic, value: 'never-2' }, { signal }))).toBe(signal.reason)
    expect((signal.reason as Error).name).toBe('TimeoutError')
    expect(producer.bufferedBytes).toBe(0)

    await createTopic(topic)
    await expect(producer.send({ topic, value: 'after' })).resolves.toMatchObject({ topic, offset: 0n })
    await producer.disconnect()
    expect(await readLog(topic)).toEqual(['after'])
  })

  it('an aborted flush stops only the wait: the record it waited for is written once its topic exists', async () => {
    const topic = `abort-flush-${randomUUID()}`
    const producer = kafka.producer({ lingerMs: 0, maxBlockMs: 60_000 })
    const sent = producer.send({ topic, value: 'waited-for' })
    const signal = AbortSignal.timeout(500)
    expect(await rejection(producer.flush({ signal }))).toBe(signal.reason)

    await createTopic(topic)
    await producer.flush()
    await expect(sent).resolves.toMatchObject({ topic, offset: 0n })
    await producer.disconnect()
    expect(await readLog(topic)).toEqual(['waited-for'])
  })

  it('an aborted commitTransaction goes on: other calls are refused until it is called again, which commits', async () => {
    const topic = `abort-commit-${randomUUID()}`
    const producer = kafka.producer({ transactionalId: `abort-commit-${randomUUID()}`, maxBlockMs: 60_000 })
    await producer.initTransactions()
    producer.beginTransaction()
    const sent = producer.send({ topic, value: 'in-the-transaction' })

    const signal = AbortSignal.timeout(1000)
    expect(await rejection(producer.commitTransaction({ signal }))).toBe(signal.reason)
    expect(() => producer.beginTransaction()).toThrow(
      new KafkaStateError(
        'beginTransaction() cannot run while commitTransaction() is unfinished: await it, or, if its wait timed out or was aborted, call commitTransaction() again to wait for its outcome',
      ),
    )

    await createTopic(topic)
    await producer.commitTransaction()
    await expect(sent).resolves.toMatchObject({ topic, offset: 0n })
    await producer.disconnect()
    expect(await readLog(topic, true)).toEqual(['in-the-transaction'])
  })

  it('an initTransactions or connect whose signal aborted first rejects with its reason; without one they work', async () => {
    const producer = kafka.producer({ transactionalId: `abort-init-${randomUUID()}` })
    const reason = new Error('changed my mind')
    await expect(producer.initTransactions({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await expect(producer.connect({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    await producer.initTransactions()
    await producer.disconnect()
  })
})
