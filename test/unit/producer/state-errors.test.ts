/**
 * A call in the wrong state says what to do: which call is missing, or which one to wait for.
 * Each message is pinned, first on the transaction manager in every state a call can meet, then on
 * the producer (not transactional, disconnected, bad call options).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { KafkaConfigError, KafkaFencedError, KafkaStateError, KafkaTransactionError } from '../../../src/errors.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { closedError } from '../../../src/producer/producer-types.js'
import { wrongStateMessage } from '../../../src/producer/transaction-state.js'
import { harness, ready } from './support/scripted-coordinator.js'

const OFFSETS = [{ topic: 'in', partition: 0, offset: 1n }]
const GROUP = { groupId: 'g' }

function messageOf(call: () => unknown): string {
  try {
    call()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaStateError)
    return (error as Error).message
  }
  throw new Error('expected the call to throw')
}

describe('the transaction manager before initTransactions', () => {
  const h = harness()
  it.each([
    ['beginTransaction', () => h.txn.beginTransaction(), 'beginTransaction() needs initTransactions() first'],
    ['commitTransaction', () => h.txn.beginCommit(), 'commitTransaction() needs initTransactions() and then beginTransaction() first'],
    ['abortTransaction', () => h.txn.beginAbort(), 'abortTransaction() needs initTransactions() and then beginTransaction() first'],
    [
      'sendOffsetsToTransaction',
      () => h.txn.sendOffsetsToTransaction(OFFSETS, GROUP),
      'sendOffsetsToTransaction() needs initTransactions() and then beginTransaction() first',
    ],
    ['send', () => h.txn.failIfNotReadyForSend(), 'send() needs initTransactions() and then beginTransaction() first'],
  ])('%s', (_call, call, message) => {
    expect(messageOf(call)).toBe(message)
    expect(h.txn.state).toBe('UNINITIALIZED')
  })
})

describe('the transaction manager when ready (no transaction open)', () => {
  it.each([
    ['commitTransaction', 'commitTransaction() needs an open transaction: call beginTransaction() first'],
    ['abortTransaction', 'abortTransaction() needs an open transaction: call beginTransaction() first'],
    ['sendOffsetsToTransaction', 'sendOffsetsToTransaction() needs an open transaction: call beginTransaction() first'],
    ['send', 'send() needs an open transaction: call beginTransaction() first'],
    ['initTransactions', 'initTransactions() was already called: the producer is ready, start a transaction with beginTransaction()'],
  ] as const)('%s', async (call, message) => {
    const h = await ready()
    const calls = {
      commitTransaction: () => h.txn.beginCommit(),
      abortTransaction: () => h.txn.beginAbort(),
      sendOffsetsToTransaction: () => h.txn.sendOffsetsToTransaction(OFFSETS, GROUP),
      send: () => h.txn.failIfNotReadyForSend(),
      initTransactions: () => h.txn.initTransactions(),
    }
    expect(messageOf(calls[call])).toBe(message)
    expect(h.txn.state).toBe('READY')
  })
})

describe('the transaction manager inside a transaction', () => {
  it('beginTransaction and initTransactions name the calls that end it', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    expect(messageOf(() => h.txn.beginTransaction())).toBe(
      'beginTransaction(): a transaction is already open; end it with commitTransaction() or abortTransaction() first',
    )
    expect(messageOf(() => h.txn.initTransactions())).toBe(
      'initTransactions() was already called and a transaction is open: end it with commitTransaction() or abortTransaction()',
    )
    expect(h.txn.state).toBe('IN_TRANSACTION')
  })

  it('while a commit waits for its records, other calls say to await it', async () => {
    let delivered!: () => void
    const h = await ready()
    h.buffers = new Promise((resolve) => (delivered = resolve))
    h.txn.beginTransaction()
    const commit = h.txn.beginCommit()
    expect(h.txn.state).toBe('COMMITTING_TRANSACTION')
    expect(messageOf(() => h.txn.beginAbort())).toBe(
      'abortTransaction() cannot run while commitTransaction() is unfinished: await it, or, if its wait timed out or was aborted, call commitTransaction() again to wait for its outcome',
    )
    expect(messageOf(() => h.txn.failIfNotReadyForSend())).toMatch(/^send\(\) cannot run while commitTransaction\(\) is unfinished: await it/)
    delivered()
    await commit.wait(5000)
    expect(h.txn.state).toBe('READY')
  })

  it('while an abort waits for its records, a commit says to await the abort', async () => {
    let delivered!: () => void
    const h = await ready()
    h.buffers = new Promise((resolve) => (delivered = resolve))
    h.txn.beginTransaction()
    const abort = h.txn.beginAbort()
    expect(messageOf(() => h.txn.beginCommit())).toBe(
      'commitTransaction() cannot run while abortTransaction() is unfinished: await it, or, if its wait timed out or was aborted, call abortTransaction() again to wait for its outcome',
    )
    delivered()
    await abort.wait(5000)
  })
})

describe('the transaction manager in an error state', () => {
  it('after an abortable error every call but abortTransaction says to abort first', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    h.txn.onBatchFailed(new KafkaStateError('lost'), true)
    expect(h.txn.state).toBe('ABORTABLE_ERROR')
    for (const [call, run] of [
      ['commitTransaction', () => h.txn.beginCommit()],
      ['beginTransaction', () => h.txn.beginTransaction()],
      ['send', () => h.txn.failIfNotReadyForSend()],
    ] as const) {
      expect(run).toThrow(KafkaTransactionError)
      expect(run).toThrow(`${call}(): the transaction failed; call abortTransaction() first`)
    }
    await h.txn.beginAbort().wait(5000)
    expect(h.txn.state).toBe('READY')
  })

  it('after fencing every call says the producer was fenced and must be disconnected', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    h.txn.onBatchFailed(new KafkaTransactionError('fenced', { code: ErrorCode.PRODUCER_FENCED, errorName: 'PRODUCER_FENCED', abortable: false }), true)
    expect(() => h.txn.beginAbort()).toThrow(KafkaFencedError)
    expect(() => h.txn.beginAbort()).toThrow(/^abortTransaction\(\): producer with transactionalId tx-1 was fenced .*; disconnect this one$/)
  })

  it('after a fatal error calls say to disconnect and create a new producer', async () => {
    const h = await ready()
    h.txn.beginTransaction()
    h.txn.onBatchFailed(
      new KafkaTransactionError('no', { code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, errorName: 'X', abortable: false }),
      true,
    )
    expect(() => h.txn.beginCommit()).toThrow(
      'commitTransaction(): the producer failed and cannot go on; disconnect it and create a new one',
    )
  })
})

describe('wrongStateMessage', () => {
  it('says to await initTransactions while it runs', () => {
    expect(wrongStateMessage('beginTransaction', 'INITIALIZING')).toBe('beginTransaction() needs initTransactions() to finish first: await it')
    expect(wrongStateMessage('send', 'INITIALIZING')).toBe(
      'send() needs initTransactions() to finish first: await it, then call beginTransaction()',
    )
    expect(wrongStateMessage('commitTransaction', 'ABORTING_TRANSACTION')).toBe(
      'commitTransaction(): the transaction is being aborted; await abortTransaction() first',
    )
  })
})

describe('the producer', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })
  // No broker is needed: these calls fail before anything is sent.
  function kafka(): Kafka {
    const k = new Kafka({ brokers: ['127.0.0.1:1'] })
    cleanups.push(() => k.close())
    return k
  }

  it('a producer without a transactionalId says how to get one', async () => {
    const p = kafka().producer()
    const hint = 'this producer is not transactional; create one with kafka.producer({ transactionalId }) to use transactions'
    expect(() => p.beginTransaction()).toThrow(new KafkaStateError(`beginTransaction(): ${hint}`))
    await expect(p.initTransactions()).rejects.toThrow(new KafkaStateError(`initTransactions(): ${hint}`))
    await expect(p.commitTransaction()).rejects.toThrow(new KafkaStateError(`commitTransaction(): ${hint}`))
    await expect(p.abortTransaction()).rejects.toThrow(new KafkaStateError(`abortTransaction(): ${hint}`))
    await expect(p.sendOffsetsToTransaction(OFFSETS, GROUP)).rejects.toThrow(new KafkaStateError(`sendOffsetsToTransaction(): ${hint}`))
  })

  it('a disconnected producer says to create a new one', async () => {
    const p = kafka().producer({ transactionalId: 'tx' })
    await p.disconnect()
    const closed = 'the producer is closed (disconnect() was called); create a new one with kafka.producer()'
    await expect(p.send({ topic: 't', value: 'v' })).rejects.toThrow(new KafkaStateError(`send(): ${closed}`))
    await expect(p.sendBatch([{ topic: 't', value: 'v' }])).rejects.toThrow(new KafkaStateError(`sendBatch(): ${closed}`))
    await expect(p.connect()).rejects.toThrow(new KafkaStateError(`connect(): ${closed}`))
    await expect(p.initTransactions()).rejects.toThrow(new KafkaStateError(`initTransactions(): ${closed}`))
    expect(() => p.beginTransaction()).toThrow(new KafkaStateError(`beginTransaction(): ${closed}`))
  })

  it('a transactional producer sending before initTransactions says which calls come first', async () => {
    const p = kafka().producer({ transactionalId: 'tx' })
    await expect(p.send({ topic: 't', value: 'v' })).rejects.toThrow(
      new KafkaStateError('send() needs initTransactions() and then beginTransaction() first'),
    )
    expect(() => p.beginTransaction()).toThrow(new KafkaStateError('beginTransaction() needs initTransactions() first'))
  })

  it('the messages for a closing producer and a closed client', () => {
    expect(closedError('send', 'closing').message).toBe(
      'send(): the producer is disconnecting; create a new one with kafka.producer() to send more',
    )
    expect(closedError('flush', 'client-closed').message).toBe(
      'flush(): the Kafka client is closed; create a new Kafka client, and a producer from it',
    )
  })

  it('call options must be an object with an AbortSignal', async () => {
    const p = kafka().producer()
    await expect(p.send({ topic: 't', value: 'v' }, { signal: 'soon' as never })).rejects.toThrow(
      new KafkaConfigError('send(): signal must be an AbortSignal, got a string ("soon")'),
    )
    await expect(p.flush(5 as never)).rejects.toThrow(new KafkaConfigError('flush(): options must be an object such as { signal }, got a number (5)'))
  })
})
