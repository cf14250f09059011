/**
 * The transaction state machine against a scripted coordinator: which requests go out, at which
 * versions, in which order, and what each broker error does to the state.
 */
import { describe, expect, it } from 'vitest'
import { KafkaFencedError, KafkaNetworkError, KafkaStateError, KafkaTimeoutError, KafkaTransactionError } from '../../../src/errors.js'
import type { EndTxnRequest } from '../../../src/protocol/messages/end-txn.js'
import { harness, ready, settle } from './support/scripted-coordinator.js'

describe('initTransactions', () => {
  it('asks the transaction coordinator for a producer id with the transactional id and timeout', async () => {
    const h = await ready()
    const init = h.io.calls[0]
    expect(init?.coordinator).toEqual({ type: 'transaction', key: 'tx-1' })
    expect(init?.request).toMatchObject({ transactionalId: 'tx-1', transactionTimeoutMs: 30_000, producerId: -1n, producerEpoch: -1 })
    expect([h.identity.producerId, h.identity.epoch]).toEqual([1000n, 0])
    expect(h.txn.isTransactionV2).toBe(true)
  })

  it('retries CONCURRENT_TRANSACTIONS and looks the coordinator up again after NOT_COORDINATOR or a lost connection', async () => {
    const h = await ready((io) =>
      io.reply(
        'InitProducerId',
        { errorCode: 51 },
        { errorCode: 16 },
        new KafkaNetworkError('connection reset', { broker: '127.0.0.1:9092' }),
        { errorCode: 15 },
      ),
    )
    expect(h.io.apis()).toEqual(Array(5).fill('InitProducerId'))
    expect(h.io.forgotten).toHaveLength(3)
    expect(h.sleeps).toEqual([100, 100, 100, 100])
  })

  it('is fatal when fenced, and every later call says so with a KafkaFencedError', async () => {
    const h = harness((io) => io.reply('InitProducerId', { errorCode: 90 }))
    await expect(h.txn.initTransactions().wait(5000)).rejects.toBeInstanceOf(KafkaFencedError)
    expect(h.txn.state).toBe('FATAL_ERROR')
    expect(() => h.txn.beginTransaction()).toThrow(KafkaFencedError)
    expect(() => h.txn.failIfNotReadyForSend()).toThrow(KafkaFencedError)
  })

  it('leaves the producer uninitialized after an authorization failure, so that it can be called again', async () => {
    const h = harness((io) => io.reply('InitProducerId', { errorCode: 53 }))
    const error = await h.txn
      .initTransactions()
      .wait(5000)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaTransactionError)
    expect((error as KafkaTransactionError).errorName).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED')
    expect(h.txn.state).toBe('UNINITIALIZED')
    await h.txn.initTransactions().wait(5000)
    expect(h.txn.state).toBe('READY')
  })

  it('is resumable after a timeout: the same call waits for the same request, any other call is refused', async () => {
    let answer!: () => void
    const h = harness((io) =>
      io.reply('InitProducerId', () => new Promise((resolve) => (answer = () => resolve({ producerId: 5n, producerEpoch: 3 })))),
    )
    const first = h.txn.initTransactions()
    await expect(first.wait(20)).rejects.toBeInstanceOf(KafkaTimeoutError)
    expect(() => h.txn.beginTransaction()).toThrow('beginTransaction() cannot run while initTransactions() is unfinished')
    expect(() => h.txn.beginCommit()).toThrow(KafkaStateError)
    const again = h.txn.initTransactions()
    expect(again).toBe(first)
    answer()
    await again.wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId'])
    h.txn.beginTransaction()
    expect(h.txn.state).toBe('IN_TRANSACTION')
  })
})

describe('state machine', () => {
  it('refuses calls in the wrong state without changing it', async () => {
    const h = harness()
    expect(() => h.txn.beginTransaction()).toThrow(KafkaStateError)
    expect(() => h.txn.failIfNotReadyForSend()).toThrow('send() needs initTransactions() and then beginTransaction() first')
    expect(h.txn.state).toBe('UNINITIALIZED')
    await h.txn.initTransactions().wait(5000)
    expect(() => h.txn.beginCommit()).toThrow('commitTransaction() needs an open transaction: call beginTransaction() first')
    expect(() => h.txn.failIfNotReadyForSend()).toThrow('send() needs an open transaction: call beginTransaction() first')
    expect(() => h.txn.sendOffsetsToTransaction([{ topic: 't', partition: 0, offset: 1n }], { groupId: 'g' })).toThrow(KafkaStateError)
    expect(h.txn.state).toBe('READY')
    expect(() => h.txn.initTransactions()).toThrow(KafkaStateError)
    h.txn.beginTransaction()
    expect(() => h.txn.beginTransaction()).toThrow(KafkaStateError)
    expect(h.txn.state).toBe('IN_TRANSACTION')
  })

  it('an empty transaction ends without EndTxn', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    h.txn.beginTransaction()
    await h.txn.beginCommit().wait(5000)
    h.txn.beginTransaction()
    await h.txn.beginAbort().wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId'])
    expect(h.txn.state).toBe('READY')
  })
})

describe('transaction version 1', () => {
  it('adds a partition with AddPartitionsToTxn v3 before the sender may send it, once per transaction', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    expect(h.txn.isTransactionV2).toBe(false)
    expect(h.txn.maxProduceVersion).toBe(11)
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    h.txn.maybeAddPartition('orders', 1)
    h.txn.maybeAddPartition('orders', 0)
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(false)
    const wakes = h.counters.wakes
    await settle(h)
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(true)
    expect(h.txn.isSendToPartitionAllowed('orders', 1)).toBe(true)
    expect(h.txn.isSendToPartitionAllowed('orders', 2)).toBe(false)
    expect(h.counters.wakes).toBeGreaterThan(wakes)
    const add = h.io.calls[1]
    expect(add?.api).toBe('AddPartitionsToTxn')
    expect(add?.version).toBe(3)
    expect(add?.request).toMatchObject({
      v3AndBelowTransactionalId: 'tx-1',
      v3AndBelowProducerId: 1000n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [{ name: 'orders', partitions: [0, 1] }],
    })
    h.txn.maybeAddPartition('orders', 1)
    await settle(h)
    expect(h.io.apis().filter((a) => a === 'AddPartitionsToTxn')).toHaveLength(1)
  })

  it('commits with EndTxn v4 only after every record settled, keeping the epoch', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    let delivered!: () => void
    h.buffers = new Promise((resolve) => (delivered = resolve))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    const commit = h.txn.beginCommit()
    await settle(h)
    expect(h.io.apis()).toEqual(['InitProducerId', 'AddPartitionsToTxn'])
    expect(h.txn.state).toBe('COMMITTING_TRANSACTION')
    delivered()
    await commit.wait(5000)
    const end = h.io.calls[2]
    expect(end?.api).toBe('EndTxn')
    expect(end?.version).toBe(4)
    expect(end?.request).toMatchObject({ producerId: 1000n, producerEpoch: 0, committed: true } satisfies Partial<EndTxnRequest>)
    expect([h.identity.producerId, h.identity.epoch]).toEqual([1000n, 0])
    expect(h.txn.state).toBe('READY')
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(false)
  })

  it('retries the first AddPartitionsToTxn after CONCURRENT_TRANSACTIONS within 20 ms', async () => {
    const h = await ready((io) => {
      io.transactionVersionLevel = 1
      io.reply('AddPartitionsToTxn', {
        resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 51 }] }],
      })
    })
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    await settle(h)
    expect(h.sleeps).toEqual([20])
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(true)
  })

  it('a failed batch makes the transaction abortable; the abort is followed by an epoch bump (KIP-360)', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    await settle(h)
    h.txn.onBatchFailed(new KafkaTimeoutError('not delivered within deliveryTimeoutMs'), true)
    expect(h.txn.state).toBe('ABORTABLE_ERROR')
    expect(h.txn.undrainedBatchError()).toBe(h.txn.lastError)
    const commitError = (() => {
      try {
        h.txn.beginCommit()
      } catch (e) {
        return e
      }
    })()
    expect(commitError).toBeInstanceOf(KafkaTransactionError)
    expect((commitError as KafkaTransactionError).abortable).toBe(true)
    expect(() => h.txn.failIfNotReadyForSend()).toThrow('send(): the transaction failed; call abortTransaction() first')

    const resets = h.counters.sequenceResets
    await h.txn.beginAbort().wait(5000)
    expect(h.io.apis().slice(-2)).toEqual(['EndTxn', 'InitProducerId'])
    expect(h.io.calls.at(-2)?.request).toMatchObject({ committed: false, producerEpoch: 0 })
    expect(h.io.calls.at(-1)?.request).toMatchObject({ producerId: 1000n, producerEpoch: 0 })
    expect([h.identity.producerId, h.identity.epoch]).toEqual([1000n, 1])
    expect(h.counters.sequenceResets).toBe(resets + 1)
    expect(h.txn.state).toBe('READY')
    h.txn.beginTransaction()
  })

  it('sends offsets with AddOffsetsToTxn to the transaction coordinator, then TxnOffsetCommit v4 to the group coordinator', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    h.txn.beginTransaction()
    await h.txn
      .sendOffsetsToTransaction([{ topic: 'in', partition: 2, offset: 42n, leaderEpoch: 7 }], {
        groupId: 'g',
        generationId: 3,
        memberId: 'm-1',
        groupInstanceId: 'i-1',
      })
      .wait(5000)
    const [addOffsets, commit] = h.io.calls.slice(1)
    expect(addOffsets).toMatchObject({ api: 'AddOffsetsToTxn', coordinator: { type: 'transaction', key: 'tx-1' } })
    expect(addOffsets?.request).toMatchObject({ groupId: 'g', producerId: 1000n, producerEpoch: 0 })
    expect(commit).toMatchObject({ api: 'TxnOffsetCommit', version: 4, coordinator: { type: 'group', key: 'g' } })
    expect(commit?.request).toMatchObject({
      transactionalId: 'tx-1',
      groupId: 'g',
      generationIdOrMemberEpoch: 3,
      memberId: 'm-1',
      groupInstanceId: 'i-1',
      topics: [{ name: 'in', partitions: [{ partitionIndex: 2, committedOffset: 42n, committedLeaderEpoch: 7, committedMetadata: '' }] }],
    })
    await h.txn.beginCommit().wait(5000)
    expect(h.io.apis().at(-1)).toBe('EndTxn')
  })
})

describe('transaction version 2', () => {
  it('partitions join implicitly; EndTxn v5 bumps the epoch and every sequence restarts', async () => {
    const h = await ready()
    expect(h.txn.maxProduceVersion).toBe(Number.POSITIVE_INFINITY)
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(true)
    const resets = h.counters.sequenceResets
    await h.txn.beginCommit().wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId', 'EndTxn'])
    expect(h.io.calls[1]?.version).toBe(5)
    expect([h.identity.producerId, h.identity.epoch]).toEqual([1000n, 1])
    expect(h.counters.sequenceResets).toBe(resets + 1)

    // The next transaction is stamped with the new epoch.
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    await h.txn.beginAbort().wait(5000)
    expect(h.io.calls[2]?.request).toMatchObject({ producerEpoch: 1, committed: false })
    expect(h.identity.epoch).toBe(2)
  })

  it('skips AddOffsetsToTxn and commits offsets with TxnOffsetCommit v5 (v6 would need topic ids); a bare group id commits unfenced', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    await h.txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5n }], { groupId: 'g' }).wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId', 'TxnOffsetCommit'])
    expect(h.io.calls[1]?.version).toBe(5)
    expect(h.io.calls[1]?.request).toMatchObject({ generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null })
    await h.txn.beginCommit().wait(5000)
    expect(h.io.apis().at(-1)).toBe('EndTxn')
  })

  it('a stale group membership makes the commit of offsets abortable', async () => {
    const h = await ready((io) =>
      io.reply('TxnOffsetCommit', { topics: [{ name: 'in', partitions: [{ partitionIndex: 0, errorCode: 22 }] }] }),
    )
    h.txn.beginTransaction()
    const error = await h.txn
      .sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 5n }], { groupId: 'g', generationId: 4, memberId: 'm' })
      .wait(5000)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ errorName: 'ILLEGAL_GENERATION', abortable: true })
    expect(h.txn.state).toBe('ABORTABLE_ERROR')
    await h.txn.beginAbort().wait(5000)
    // Version 2 needs no extra InitProducerId: EndTxn already bumped the epoch.
    expect(h.io.apis()).toEqual(['InitProducerId', 'TxnOffsetCommit', 'EndTxn'])
    expect(h.txn.state).toBe('READY')
  })

  it('switching from version 1 to 2 between transactions bumps the epoch first', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    h.io.transactionVersionLevel = 2
    h.io.featuresEpoch = 2n
    await h.txn.beginCommit().wait(5000)
    expect(h.io.apis()).toEqual(['InitProducerId', 'AddPartitionsToTxn', 'EndTxn', 'InitProducerId'])
    expect(h.io.calls[2]?.version).toBe(4)
    expect(h.txn.isTransactionV2).toBe(true)
    expect(h.identity.epoch).toBe(1)
  })
})

describe('errors', () => {
  it('EndTxn PRODUCER_FENCED is fatal: commit rejects with KafkaFencedError and so does everything after', async () => {
    const h = await ready((io) => io.reply('EndTxn', { errorCode: 90 }))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    const error = await h.txn
      .beginCommit()
      .wait(5000)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaFencedError)
    expect(error).toMatchObject({ code: 90, errorName: 'PRODUCER_FENCED', abortable: false })
    expect(h.txn.state).toBe('FATAL_ERROR')
    expect(h.txn.undrainedBatchError()).toBe(h.txn.lastError)
    expect(h.txn.isSendToPartitionAllowed('orders', 0)).toBe(false)
    expect(() => h.txn.beginAbort()).toThrow(KafkaFencedError)
  })

  it('INVALID_PRODUCER_EPOCH from a coordinator request is fencing too', async () => {
    const h = await ready((io) => {
      io.transactionVersionLevel = 1
      io.reply('AddPartitionsToTxn', {
        resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 47 }] }],
      })
    })
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    await settle(h)
    expect(h.txn.state).toBe('FATAL_ERROR')
    expect(h.txn.lastError).toBeInstanceOf(KafkaFencedError)
    expect(() => h.txn.maybeAddPartition('orders', 1)).toThrow(KafkaFencedError)
  })

  it('classifies produce failures: fenced is fatal, the rest abortable; an abort in progress is not disturbed', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    h.txn.onBatchFailed(new KafkaTransactionError('x', { code: 48, errorName: 'INVALID_TXN_STATE', abortable: true }), true)
    expect(h.txn.state).toBe('ABORTABLE_ERROR')
    let aborting!: () => void
    h.buffers = new Promise((resolve) => (aborting = resolve))
    const abort = h.txn.beginAbort()
    expect(h.txn.undrainedBatchError()).toMatchObject({ errorName: 'TRANSACTION_ABORTED' })
    h.txn.onBatchFailed(new KafkaTimeoutError('late'), true)
    expect(h.txn.state).toBe('ABORTING_TRANSACTION')
    expect(() => h.txn.maybeAddPartition('orders', 0)).toThrow(/aborted before this record was sent/)
    aborting()
    await abort.wait(5000)
    expect(h.txn.state).toBe('READY')

    h.txn.beginTransaction()
    h.txn.onBatchFailed(new KafkaTransactionError('fenced', { code: 90, errorName: 'PRODUCER_FENCED', abortable: false }), true)
    expect(h.txn.state).toBe('FATAL_ERROR')
    expect(h.txn.lastError).toBeInstanceOf(KafkaFencedError)
  })

  it('TRANSACTION_ABORTABLE on EndTxn(commit) is abortable, on EndTxn(abort) fatal', async () => {
    const h = await ready((io) => io.reply('EndTxn', { errorCode: 120 }, { errorCode: 120 }))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    await expect(h.txn.beginCommit().wait(5000)).rejects.toMatchObject({ abortable: true, errorName: 'TRANSACTION_ABORTABLE' })
    expect(h.txn.state).toBe('ABORTABLE_ERROR')
    await expect(h.txn.beginAbort().wait(5000)).rejects.toMatchObject({ abortable: false })
    expect(h.txn.state).toBe('FATAL_ERROR')
  })

  it('a request whose transaction failed meanwhile is not sent', async () => {
    const h = await ready((io) => {
      io.transactionVersionLevel = 1
      io.reply('AddPartitionsToTxn', async () => {
        // The sender reports a failed batch while AddPartitionsToTxn is in flight.
        h.txn.onBatchFailed(new KafkaTimeoutError('expired'), false)
        return {
          resultsByTopicV3AndBelow: [{ name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 51 }] }],
        }
      })
    })
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('orders', 0)
    const offsets = h.txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g' })
    const error = await offsets.wait(5000).catch((e: unknown) => e)
    expect(error).toBe(h.txn.lastError)
    expect(error).toMatchObject({ abortable: true, errorName: 'REQUEST_TIMED_OUT' })
    expect(h.io.apis()).toEqual(['InitProducerId', 'AddPartitionsToTxn'])
  })
})

describe('coordinator requests', () => {
  it('never has two in flight, even when partitions, offsets and the commit are asked for at once', async () => {
    const h = await ready((io) => (io.transactionVersionLevel = 1))
    h.txn.beginTransaction()
    h.txn.maybeAddPartition('a', 0)
    h.txn.maybeAddPartition('b', 0)
    const offsets = h.txn.sendOffsetsToTransaction([{ topic: 'in', partition: 0, offset: 1n }], { groupId: 'g' })
    // While the first AddPartitionsToTxn is in flight, a record for a new partition arrives.
    await new Promise((resolve) => setImmediate(resolve))
    expect(h.io.inFlight).toBe(1)
    h.txn.maybeAddPartition('c', 0)
    const commit = h.txn.beginCommit()
    await Promise.all([offsets.wait(5000), commit.wait(5000)])
    expect(h.io.maxInFlight).toBe(1)
    expect(h.io.apis()).toEqual([
      'InitProducerId',
      'AddPartitionsToTxn',
      'AddOffsetsToTxn',
      'TxnOffsetCommit',
      'AddPartitionsToTxn',
      'EndTxn',
    ])
    expect(h.io.calls[1]?.request).toMatchObject({ v3AndBelowTopics: [{ name: 'a' }, { name: 'b' }] })
    expect(h.io.calls[4]?.request).toMatchObject({ v3AndBelowTopics: [{ name: 'c', partitions: [0] }] })
  })

  it('rejects group metadata with a generation but no member id', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    expect(() => h.txn.sendOffsetsToTransaction([], { groupId: 'g', generationId: 2 })).toThrow(/memberId/)
    expect(() => h.txn.sendOffsetsToTransaction([], { groupId: '' })).toThrow(/groupId/)
  })

  it('stops retrying once closed', async () => {
    const h = harness((io) => {
      for (let i = 0; i < 1000; i++) io.reply('InitProducerId', { errorCode: 51 })
    })
    const init = h.txn.initTransactions()
    while (h.io.calls.length < 3) await new Promise((resolve) => setImmediate(resolve))
    h.txn.close()
    await expect(init.wait(5000)).rejects.toThrow(/closed/)
  })
})
