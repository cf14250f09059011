/**
 * Cancellation of the producer's long calls with an AbortSignal, against a fake broker whose
 * metadata and Produce answers the test can hold back: each aborted call rejects with the
 * signal's reason, and what the abort leaves behind is what the documentation says (a record not
 * yet appended is never sent and its memory is released; one appended is still sent).
 */
import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { initProducerIdApi } from '../../../src/protocol/messages/init-producer-id.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { createProduceResponsePartitionProduceResponse, produceApi, type ProduceRequest } from '../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../src/protocol/record-batch.js'
import { startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'
import { harness, ready } from './support/scripted-coordinator.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A gate the broker's answers wait behind, and a signal that the request has arrived. */
class Gate {
  #open!: () => void
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve))
  #arrived!: () => void
  readonly arrived = new Promise<void>((resolve) => (this.#arrived = resolve))
  held = false

  async pass(): Promise<void> {
    this.#arrived()
    if (this.held) await this.opened
  }

  open(): void {
    this.#open()
  }
}

interface Broker {
  readonly broker: FakeBroker
  /** Record values the broker appended, in order. */
  readonly written: string[]
  /** Whether topic `t` exists; while false, Metadata answers UNKNOWN_TOPIC_OR_PARTITION. */
  topicExists: boolean
  metadata: Gate
  produce: Gate
}

async function fakeBroker(): Promise<Broker> {
  let nextOffset = 0n
  let fake: FakeBroker | undefined
  const state: Omit<Broker, 'broker'> = { written: [], topicExists: true, metadata: new Gate(), produce: new Gate() }
  fake = await startFakeBroker(async ({ api, body }) => {
    if (api.key === metadataApi.key) {
      await state.metadata.pass()
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: fake?.port ?? 0, rack: null }],
        topics: [
          {
            errorCode: state.topicExists ? 0 : 3,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: state.topicExists
              ? [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }]
              : [],
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key === initProducerIdApi.key) return initProducerIdApi.createResponse({ producerId: 7n, producerEpoch: 0 })
    if (api.key === produceApi.key) {
      await state.produce.pass()
      const request = body as ProduceRequest
      const topic = request.topicData[0]
      const { batches } = await decodeRecordBatches(topic?.partitionData[0]?.records ?? new Uint8Array(0))
      const baseOffset = nextOffset
      for (const batch of batches) {
        for (const r of batch.records) state.written.push(Buffer.from(r.value ?? new Uint8Array(0)).toString())
        nextOffset += BigInt(batch.records.length)
      }
      return produceApi.createResponse({
        responses: [
          {
            name: topic?.name ?? '',
            topicId: topic?.topicId ?? TOPIC_ID,
            partitionResponses: [createProduceResponsePartitionProduceResponse({ index: 0, errorCode: 0, baseOffset })],
          },
        ],
      })
    }
    return undefined
  })
  cleanups.push(() => fake?.close())
  return Object.assign(state, { broker: fake })
}

function kafkaFor(b: Broker): Kafka {
  const kafka = new Kafka({ clientId: 'abort-test', brokers: [b.broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  cleanups.push(() => kafka.close())
  return kafka
}

const reason = (what: string): Error => new Error(`stop: ${what}`)

describe('send', () => {
  it('an already aborted signal rejects at once with its reason; nothing is buffered or sent', async () => {
    const b = await fakeBroker()
    const producer = kafkaFor(b).producer({ lingerMs: 0 })
    const why = reason('before')
    await expect(producer.send({ topic: 't', value: 'lost' }, { signal: AbortSignal.abort(why) })).rejects.toBe(why)
    expect(producer.bufferedBytes).toBe(0)
    await producer.send({ topic: 't', value: 'kept' })
    expect(b.written).toEqual(['kept'])
  })

  it('a send waiting for its topic to exist rejects with the reason and is never sent', async () => {
    const b = await fakeBroker()
    b.topicExists = false
    const producer = kafkaFor(b).producer({ lingerMs: 0, maxBlockMs: 60_000 })
    const controller = new AbortController()
    const why = reason('no topic')
    const sent = producer.send({ topic: 't', value: 'lost' }, { signal: controller.signal })
    await b.metadata.arrived
    controller.abort(why)
    await expect(sent).rejects.toBe(why)
    expect(producer.bufferedBytes).toBe(0)
    // Nobody waits for the topic any more: its metadata lookup stops (maxBlockMs is a minute),
    // so a flush has nothing left to wait for.
    await producer.flush()
    b.topicExists = true
    const signal = new AbortController().signal
    await producer.send({ topic: 't', value: 'kept' }, { signal })
    // A send that settled leaves no listener behind on a long-lived signal.
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    expect(b.written).toEqual(['kept'])
  })

  it('a send waiting for buffer memory takes none; the sends queued behind it go on', async () => {
    const b = await fakeBroker()
    b.produce.held = true
    const producer = kafkaFor(b).producer({ lingerMs: 0, bufferMemory: 1000, batchSize: 100 })
    await producer.connect()
    const first = producer.send({ topic: 't', value: 'a'.repeat(600) })
    await b.produce.arrived
    const used = producer.bufferedBytes
    expect(used).toBeGreaterThan(600)
    const controller = new AbortController()
    const why = reason('no memory')
    const blocked = producer.send({ topic: 't', value: 'b'.repeat(600) }, { signal: controller.signal })
    const behind = producer.send({ topic: 't', value: 'c'.repeat(300) })
    controller.abort(why)
    await expect(blocked).rejects.toBe(why)
    b.produce.open()
    await Promise.all([first, behind])
    expect(b.written.map((v) => v[0])).toEqual(['a', 'c'])
    expect(producer.bufferedBytes).toBe(0)
  })

  it('aborted after its record was appended, it rejects with the reason and the record is still sent', async () => {
    const b = await fakeBroker()
    const producer = kafkaFor(b).producer({ lingerMs: 60_000 })
    // The topic's metadata is known from then on: the next send is appended at once.
    const first = producer.send({ topic: 't', value: 'first' })
    await producer.flush()
    await first
    const controller = new AbortController()
    const why = reason('late')
    const errors: unknown[] = []
    producer.on('deliveryError', (e) => errors.push(e))
    const sent = producer.send({ topic: 't', value: 'appended' }, { signal: controller.signal })
    expect(producer.bufferedBytes).toBeGreaterThan(0)
    controller.abort(why)
    await expect(sent).rejects.toBe(why)
    await producer.flush()
    expect(b.written).toEqual(['first', 'appended'])
    expect(errors).toEqual([])
  })

  it('sendBatch rejects with the reason; records still waiting for the topic are not sent', async () => {
    const b = await fakeBroker()
    b.topicExists = false
    const producer = kafkaFor(b).producer({ lingerMs: 0 })
    const controller = new AbortController()
    const why = reason('batch')
    const records = Array.from({ length: 50 }, (_, i) => ({ topic: 't', value: `x${i}` }))
    const sent = producer.sendBatch(records, { signal: controller.signal })
    await b.metadata.arrived
    // One listener on the caller's signal however many records wait (no listener-leak warning).
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    controller.abort(why)
    await expect(sent).rejects.toBe(why)
    b.topicExists = true
    await producer.send({ topic: 't', value: 'z' })
    expect(b.written).toEqual(['z'])
  })
})

describe('flush and connect', () => {
  it('flush rejects with the reason while records are in flight; they are still delivered', async () => {
    const b = await fakeBroker()
    b.produce.held = true
    const producer = kafkaFor(b).producer({ lingerMs: 60_000 })
    await producer.connect()
    const sent = producer.send({ topic: 't', value: 'in-flight' })
    const controller = new AbortController()
    const flushed = producer.flush({ signal: controller.signal })
    await b.produce.arrived
    const why = reason('flush')
    controller.abort(why)
    await expect(flushed).rejects.toBe(why)
    b.produce.open()
    await expect(sent).resolves.toMatchObject({ topic: 't', offset: 0n })
  })

  it('connect rejects with the reason while the cluster does not answer; a later connect works', async () => {
    const b = await fakeBroker()
    b.metadata.held = true
    const producer = kafkaFor(b).producer()
    const controller = new AbortController()
    const connecting = producer.connect({ signal: controller.signal })
    await b.metadata.arrived
    const why = reason('connect')
    controller.abort(why)
    await expect(connecting).rejects.toBe(why)
    b.metadata.open()
    await producer.connect()
  })

  it('an already aborted signal sends nothing: initTransactions asks for no producer id', async () => {
    const b = await fakeBroker()
    const producer = kafkaFor(b).producer({ transactionalId: 'tx-abort' })
    const why = reason('init')
    await expect(producer.initTransactions({ signal: AbortSignal.abort(why) })).rejects.toBe(why)
    await expect(producer.connect({ signal: AbortSignal.abort(why) })).rejects.toBe(why)
    await expect(producer.flush({ signal: AbortSignal.abort(why) })).rejects.toBe(why)
    expect(b.broker.counts.get('InitProducerId')).toBeUndefined()
    expect(b.broker.counts.get('FindCoordinator')).toBeUndefined()
  })
})

describe('transaction calls', () => {
  it('an aborted initTransactions goes on; it must be called again, and that call sees the outcome', async () => {
    let answer!: () => void
    let asked!: () => void
    const arrived = new Promise<void>((resolve) => (asked = resolve))
    const h = harness((io) =>
      io.reply(
        'InitProducerId',
        () =>
          new Promise((resolve) => {
            answer = () => resolve({ producerId: 5n, producerEpoch: 0 })
            asked()
          }),
      ),
    )
    const controller = new AbortController()
    const why = reason('init')
    const waiting = h.txn.initTransactions().wait(60_000, controller.signal)
    controller.abort(why)
    await expect(waiting).rejects.toBe(why)
    expect(h.txn.state).toBe('INITIALIZING')
    expect(() => h.txn.beginTransaction()).toThrow(/^beginTransaction\(\) cannot run while initTransactions\(\) is unfinished/)
    await arrived
    answer()
    await h.txn.initTransactions().wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId'])
    h.txn.beginTransaction()
  })

  it('an aborted commit goes on once its records are delivered; calling it again waits for it', async () => {
    const h = await ready()
    let delivered!: () => void
    h.buffers = new Promise((resolve) => (delivered = resolve))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('out', 0)
    const controller = new AbortController()
    const why = reason('commit')
    const waiting = h.txn.beginCommit().wait(60_000, controller.signal)
    controller.abort(why)
    await expect(waiting).rejects.toBe(why)
    expect(h.txn.state).toBe('COMMITTING_TRANSACTION')
    delivered()
    await h.txn.beginCommit().wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId', 'EndTxn'])
    expect(h.txn.state).toBe('READY')
  })

  it('an aborted abortTransaction goes on the same way', async () => {
    const h = await ready()
    let delivered!: () => void
    h.buffers = new Promise((resolve) => (delivered = resolve))
    h.txn.beginTransaction()
    const why = reason('abort')
    await expect(h.txn.beginAbort().wait(60_000, AbortSignal.abort(why))).rejects.toBe(why)
    delivered()
    await h.txn.beginAbort().wait(5000)
    expect(h.txn.state).toBe('READY')
  })
})
