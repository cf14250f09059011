/**
 * A scripted transaction coordinator and a transaction manager wired to it, for unit tests of the
 * transaction state machine: which requests go out, at which versions, and what each answer does.
 */
import { expect } from 'vitest'
import type { ApiDescriptor } from '../../../../src/protocol/api.js'
import type { AddPartitionsToTxnRequest } from '../../../../src/protocol/messages/add-partitions-to-txn.js'
import type { InitProducerIdRequest } from '../../../../src/protocol/messages/init-producer-id.js'
import type { TxnOffsetCommitRequest } from '../../../../src/protocol/messages/txn-offset-commit.js'
import { Writer } from '../../../../src/protocol/writer.js'
import type { CoordinatorKey, TransactionIo } from '../../../../src/producer/transaction-io.js'
import { TransactionManager, type ProducerIdHolder } from '../../../../src/producer/transaction-manager.js'

export interface Call {
  readonly api: string
  readonly version: number
  readonly request: unknown
  readonly coordinator: CoordinatorKey
}

export type Reply = Record<string, unknown> | Error | ((request: never) => Record<string, unknown> | Error | Promise<Record<string, unknown>>)

// The broker's highest versions (Kafka 4.4); InitProducerId v6 is unstable there.
const BROKER_MAX: Record<string, number> = {
  InitProducerId: 5,
  AddPartitionsToTxn: 5,
  AddOffsetsToTxn: 4,
  TxnOffsetCommit: 6,
  EndTxn: 5,
}

/** A coordinator whose answers the test scripts per API; unscripted requests succeed. */
export class ScriptedCoordinator implements TransactionIo {
  readonly calls: Call[] = []
  readonly forgotten: CoordinatorKey[] = []
  readonly #replies = new Map<string, Reply[]>()
  transactionVersionLevel = 2
  featuresEpoch = 1n
  supportsEpochBump = true
  inFlight = 0
  maxInFlight = 0
  nextProducerId = 1000n
  epoch = 0

  reply(api: string, ...replies: Reply[]): void {
    const queue = this.#replies.get(api) ?? []
    queue.push(...replies)
    this.#replies.set(api, queue)
  }

  async request<Req, Res>(
    coordinator: CoordinatorKey,
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number,
  ): Promise<Res> {
    const version = Math.min(BROKER_MAX[api.name] ?? api.maxVersion, maxVersion)
    const request = build(version)
    // The request must be encodable at that version, as on the wire.
    api.encodeRequest(new Writer(), request, version)
    this.calls.push({ api: api.name, version, request, coordinator })
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    try {
      await new Promise((resolve) => setImmediate(resolve))
      let reply = this.#replies.get(api.name)?.shift()
      if (typeof reply === 'function') reply = await reply(request as never)
      if (reply instanceof Error) throw reply
      return api.createResponse((reply ?? this.#success(api.name, request, version)) as Partial<Res>)
    } finally {
      this.inFlight--
    }
  }

  #success(api: string, request: unknown, version: number): Record<string, unknown> {
    switch (api) {
      case 'InitProducerId': {
        const r = request as InitProducerIdRequest
        if (r.producerId >= 0n) this.epoch = r.producerEpoch + 1
        else this.epoch = 0
        return { producerId: this.nextProducerId, producerEpoch: this.epoch }
      }
      case 'EndTxn':
        // Version 2 bumps the epoch on every EndTxn and returns it.
        if (version >= 5) return { producerId: this.nextProducerId, producerEpoch: ++this.epoch }
        return { producerId: -1n, producerEpoch: -1 }
      case 'AddPartitionsToTxn': {
        const r = request as AddPartitionsToTxnRequest
        return {
          resultsByTopicV3AndBelow: r.v3AndBelowTopics.map((t) => ({
            name: t.name,
            resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: 0 })),
          })),
        }
      }
      case 'TxnOffsetCommit': {
        const r = request as TxnOffsetCommitRequest
        return {
          topics: r.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
          })),
        }
      }
      default:
        return {}
    }
  }

  forgetCoordinator(coordinator: CoordinatorKey): void {
    this.forgotten.push(coordinator)
  }

  transactionVersion(): { level: number; epoch: bigint } {
    return { level: this.transactionVersionLevel, epoch: this.featuresEpoch }
  }

  coordinatorSupportsEpochBump(): boolean {
    return this.supportsEpochBump
  }

  apis(): string[] {
    return this.calls.map((c) => c.api)
  }
}

export class Identity implements ProducerIdHolder {
  producerId = -1n
  epoch = -1
  adopt(producerId: bigint, epoch: number): void {
    this.producerId = producerId
    this.epoch = epoch
  }
}

export interface Harness {
  readonly txn: TransactionManager
  readonly io: ScriptedCoordinator
  readonly identity: Identity
  readonly sleeps: number[]
  readonly counters: { wakes: number; sequenceResets: number }
  /** Lets the test hold back "every record delivered". */
  buffers: Promise<void>
}

export function harness(setup: (io: ScriptedCoordinator) => void = () => {}): Harness {
  const io = new ScriptedCoordinator()
  setup(io)
  const identity = new Identity()
  const sleeps: number[] = []
  const counters = { wakes: 0, sequenceResets: 0 }
  const h: Harness = {
    io,
    identity,
    sleeps,
    counters,
    buffers: Promise.resolve(),
    txn: new TransactionManager({
      transactionalId: 'tx-1',
      transactionTimeoutMs: 30_000,
      retryBackoffMs: 100,
      io,
      identity,
      whenBuffersEmpty: () => h.buffers,
      wakeSender: () => counters.wakes++,
      resetSequences: () => counters.sequenceResets++,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
    }),
  }
  return h
}

export async function ready(setup?: (io: ScriptedCoordinator) => void): Promise<Harness> {
  const h = harness(setup)
  await h.txn.initTransactions().wait(5000)
  expect(h.txn.state).toBe('READY')
  return h
}

/** Resolves once the manager has nothing queued (every coordinator request answered). */
export async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
  expect(h.io.inFlight).toBe(0)
}

