/**
 * The diagnostics channels on the real broker: headers a `kafkats:producer:send` start listener
 * adds arrive at the consumer, inside a `kafkats:consumer:process` trace; commits, group
 * requests, transactions and admin calls are traced with what they carried.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import type { AdminTrace, CommitTrace, GroupTrace, ProcessTrace, SendTrace, TransactionTrace } from '../../../src/observability/channels.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { recordTraces, type TraceRecorder } from '../../support/trace-recorder.js'
import { newTopic } from '../consumer/helpers.js'

const kafka = new Kafka({ clientId: 'channels-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const recorders: Array<TraceRecorder<object>> = []

function record<C extends object>(name: string, onStart?: (context: C) => void): TraceRecorder<C> {
  const r = recordTraces<C>(name, onStart)
  recorders.push(r as TraceRecorder<object>)
  return r
}

afterEach(() => {
  for (const r of recorders.splice(0)) r.stop()
})
afterAll(async () => {
  await kafka.close()
})

describe('diagnostics channels', () => {
  it('send → consume: a start listener header arrives; process, commit and group traces carry real offsets', async () => {
    const topic = await newTopic(admin, 'channels', 1)
    const groupId = `channels-group-${Date.now()}`
    const sends = record<SendTrace>('kafkats:producer:send', (t) => t.headers.push({ key: 'traceparent', value: `00-${t.topic}` }))
    const producer = kafka.producer({ lingerMs: 0 })
    for (let i = 0; i < 3; i++) await producer.send({ topic, value: `v${i}`, headers: { app: 'x' } })
    await producer.disconnect()
    expect(sends.ended().map((t) => t.result?.offset)).toEqual([0n, 1n, 2n])
    expect(sends.ended()[0]?.broker).toMatch(/:\d+$/)

    const processes = record<ProcessTrace>('kafkats:consumer:process')
    const commits = record<CommitTrace>('kafkats:consumer:commit')
    const joins = record<GroupTrace>('kafkats:group:join')
    const syncs = record<GroupTrace>('kafkats:group:sync')
    const consumer = kafka.consumer({ groupId, autoOffsetReset: 'earliest', autoCommit: false })
    await consumer.subscribe({ topics: [topic] })
    const headers: string[][] = []
    const running = consumer.run({
      eachMessage: (m) => void headers.push(m.headers.map((h) => `${h.key}=${Buffer.from(h.value ?? []).toString()}`)),
    })
    try {
      await waitFor(() => headers.length === 3, { timeoutMs: 30_000, message: 'three messages' })
      await consumer.commit()
    } finally {
      await consumer.stop()
      await running
      await consumer.disconnect()
    }
    expect(headers).toEqual(Array.from({ length: 3 }, () => ['app=x', `traceparent=00-${topic}`]))
    expect(processes.ended().map((t) => [t.mode, t.topic, t.partition, t.messages[0]?.offset])).toEqual([
      ['message', topic, 0, 0n],
      ['message', topic, 0, 1n],
      ['message', topic, 0, 2n],
    ])
    const explicit = commits.ended().filter((t) => t.trigger === 'sync')
    expect(explicit.map((t) => t.offsets.map((o) => [o.topic, o.partition, o.offset]))).toEqual([[[topic, 0, 3n]]])
    expect(joins.ended().length).toBeGreaterThan(0)
    expect(joins.ended().at(-1)).toMatchObject({ groupId, protocol: 'classic', errorCode: 0 })
    expect(syncs.ended().at(-1)).toMatchObject({ groupId, errorCode: 0 })
    expect(syncs.ended().at(-1)?.generationId).toBeGreaterThan(0)
  })

  it('transactions and admin calls', async () => {
    const topic = await newTopic(admin, 'channels-tx', 1)
    const inits = record<TransactionTrace>('kafkats:transaction:init')
    const txCommits = record<TransactionTrace>('kafkats:transaction:commit')
    const aborts = record<TransactionTrace>('kafkats:transaction:abort')
    const admins = record<AdminTrace>('kafkats:admin:call')
    const transactionalId = `channels-tx-${Date.now()}`
    const producer = kafka.producer({ transactionalId })
    try {
      await producer.initTransactions()
      producer.beginTransaction()
      await producer.send({ topic, value: 'a' })
      await producer.commitTransaction()
      producer.beginTransaction()
      await producer.send({ topic, value: 'b' })
      await producer.abortTransaction()
    } finally {
      await producer.disconnect()
    }
    expect(inits.ended()).toHaveLength(1)
    const init = inits.ended()[0] as TransactionTrace
    expect(init).toMatchObject({ clientId: 'channels-test', transactionalId })
    expect(init.producerId).toBeGreaterThanOrEqual(0n)
    // The epoch may move on at commit (KIP-890 bumps it per transaction).
    expect(txCommits.ended()[0]?.producerId).toBe(init.producerId)
    expect(txCommits.ended()[0]?.producerEpoch).toBeGreaterThanOrEqual(init.producerEpoch)
    expect(txCommits.ended()[0]?.error).toBeUndefined()
    expect(aborts.ended()).toHaveLength(1)

    await admin.describeTopics([topic])
    await admin.listTopics()
    await expect(admin.describeGroups(['g'], { signal: AbortSignal.abort() })).rejects.toBeDefined()
    const ops = admins.ended().map((t) => t.operation)
    expect(ops).toEqual(['describeTopics', 'listTopics', 'describeGroups'])
    expect(admins.of('error').map((t) => t.operation)).toEqual(['describeGroups'])
  })
})
