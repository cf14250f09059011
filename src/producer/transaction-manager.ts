/**
 * The transaction manager of a transactional producer, with the Java client's semantics
 * (`TransactionManager`). This file is the table of contents: the application's calls, the
 * sender's view of the transaction, and the bookkeeping of one transaction (its partitions, its
 * transaction version, whether it needs a new epoch). The rest has a room of its own:
 *
 * - {@link ./transaction-state.ts}: states, legal moves, error states, and what a wrong call is told;
 * - {@link ./transactional-result.ts}: the outcome a timed-out or aborted call picks up again;
 * - {@link ./coordinator-requests.ts}: one coordinator request at a time, retried;
 * - {@link ./transaction-rpcs.ts}: the five requests, their versions under each protocol, their answers;
 * - {@link ./error-policy.ts}: which broker errors are retried, fatal or abortable (shared with the sender);
 * - {@link ./transaction-io.ts}: what the manager is connected to (coordinators, producer id, buffers);
 * - {@link ./producer-types.ts}: the public types offsets are sent with.
 *
 * The transaction version (KIP-890 part 2) is read at initTransactions and again when a transaction
 * ends, so one transaction never mixes the two protocols.
 */

import { KafkaError, KafkaStateError, KafkaTransactionError } from '../errors.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import { CoordinatorRequests } from './coordinator-requests.js'
import { producerErrorAction, type ProducerErrorAction } from './error-policy.js'
import { PendingTransition, TransactionalResult } from './transactional-result.js'
import * as rpc from './transaction-rpcs.js'
import { TransactionState, wrongStateMessage, type TransactionManagerState } from './transaction-state.js'
import { checkGroupMetadata, type ConsumerGroupMetadata, type TransactionOffset } from './producer-types.js'
import type { TransactionManagerOptions } from './transaction-io.js'

export { TransactionalResult } from './transactional-result.js'
export type { TransactionManagerState } from './transaction-state.js'
export type { ConsumerGroupMetadata, TransactionOffset } from './producer-types.js'
export type { ProducerIdHolder, TransactionManagerOptions } from './transaction-io.js'

/** Produce v12+ means transaction version 2 to the broker. */
const LAST_PRODUCE_VERSION_BEFORE_TV2 = 11

const noop = (): void => {}

export class TransactionManager {
  readonly transactionalId: string
  readonly #o: TransactionManagerOptions
  readonly #state: TransactionState
  readonly #pending = new PendingTransition()
  readonly #requests: CoordinatorRequests
  readonly #rpc: rpc.TransactionRpcContext
  #transactionV2 = false
  #featuresEpoch = -1n
  // Under transaction version 1 an abortable error needs a new epoch once the transaction is aborted
  // (KIP-360): the broker may hold batches the client failed, and their sequences must not be reused.
  #epochBumpRequired = false
  // Whether the coordinator knows of this transaction; EndTxn is skipped when it does not.
  #transactionStarted = false
  readonly #newPartitions = new Map<string, TopicPartition>()
  readonly #pendingPartitions = new Set<string>()
  readonly #partitionsInTransaction = new Set<string>()
  #addPartitionsScheduled = false
  #abortedError: KafkaTransactionError | null = null

  constructor(options: TransactionManagerOptions) {
    this.transactionalId = options.transactionalId
    this.#o = options
    this.#state = new TransactionState(options.transactionalId, options.identity, options.wakeSender)
    this.#requests = new CoordinatorRequests(options.io, this.#state, options.retryBackoffMs, options.sleep)
    this.#rpc = {
      transactionalId: options.transactionalId,
      transactionTimeoutMs: options.transactionTimeoutMs,
      identity: options.identity,
      state: this.#state,
      requests: this.#requests,
      fail: (action, code, message) => this.#fail(action, code, message),
    }
  }

  get state(): TransactionManagerState {
    return this.#state.state
  }

  /** The error that put the producer in ABORTABLE_ERROR or FATAL_ERROR. */
  get lastError(): KafkaTransactionError | null {
    return this.#state.lastError
  }

  /** Whether the cluster runs transaction version 2 for this producer's transactions. */
  get isTransactionV2(): boolean {
    return this.#transactionV2
  }

  get hasError(): boolean {
    return this.#state.hasError
  }

  get hasFatalError(): boolean {
    return this.#state.hasFatalError
  }

  get isCompleting(): boolean {
    return this.#state.isCompleting
  }

  /** A transaction was begun and has not ended (it may be failing). */
  get hasOngoingTransaction(): boolean {
    return this.#state.hasOngoingTransaction
  }

  /** The unfinished initTransactions, commitTransaction or abortTransaction, if any. */
  get pendingResult(): TransactionalResult | null {
    return this.#pending.result
  }

  // -------------------------------------------------------------------------------------------------
  // application calls

  /** Gets a producer id and epoch for the transactional id, fencing older instances. */
  initTransactions(): TransactionalResult {
    this.#state.failIfError('initTransactions')
    return this.#pending.resultFor('initTransactions', 'INITIALIZING', () => {
      this.#state.transitionTo('INITIALIZING', { call: 'initTransactions' })
      return this.#requests.serial(() => this.#initProducerId(false))
    })
  }

  /** Starts a transaction; nothing is sent until a record or offsets join it. */
  beginTransaction(): void {
    this.#pending.throwIfPending('beginTransaction')
    this.#state.failIfError('beginTransaction')
    this.#state.transitionTo('IN_TRANSACTION', { call: 'beginTransaction' })
  }

  /** Sends every buffered record, waits for all of them, then commits. */
  beginCommit(): TransactionalResult {
    return this.#pending.resultFor('commitTransaction', 'COMMITTING_TRANSACTION', () => {
      this.#state.failIfError('commitTransaction')
      this.#state.transitionTo('COMMITTING_TRANSACTION', { call: 'commitTransaction' })
      return this.#completeTransaction(true)
    })
  }

  /** Drops records not yet sent, waits for those in flight, then aborts. */
  beginAbort(): TransactionalResult {
    return this.#pending.resultFor('abortTransaction', 'ABORTING_TRANSACTION', () => {
      if (this.#state.state !== 'ABORTABLE_ERROR') this.#state.failIfError('abortTransaction')
      this.#state.transitionTo('ABORTING_TRANSACTION', { call: 'abortTransaction' })
      this.#newPartitions.clear()
      this.#abortedError = new KafkaTransactionError('the transaction was aborted before this record was sent', {
        code: -1,
        errorName: 'TRANSACTION_ABORTED',
        abortable: true,
      })
      this.#o.wakeSender()
      return this.#completeTransaction(false)
    })
  }

  /** Adds a consumer group's offsets to the transaction (KIP-447): they commit or abort with it. */
  sendOffsetsToTransaction(
    offsets: ReadonlyArray<TransactionOffset>,
    groupMetadata: ConsumerGroupMetadata,
  ): TransactionalResult {
    const group = checkGroupMetadata(groupMetadata)
    this.#pending.throwIfPending('sendOffsetsToTransaction')
    this.#state.failIfError('sendOffsetsToTransaction')
    if (this.#state.state !== 'IN_TRANSACTION') {
      throw new KafkaStateError(wrongStateMessage('sendOffsetsToTransaction', this.#state.state))
    }
    const pending = new Map<string, TransactionOffset>()
    for (const o of offsets) pending.set(partitionKey(o.topic, o.partition), o)
    if (pending.size === 0) return new TransactionalResult('sendOffsetsToTransaction', Promise.resolve())
    const transactionV2 = this.#transactionV2
    if (transactionV2) this.#transactionStarted = true
    const done = this.#requests.serial(async () => {
      if (!transactionV2) {
        await rpc.addOffsetsToTxn(this.#rpc, group.groupId)
        this.#transactionStarted = true
      }
      await rpc.txnOffsetCommit(this.#rpc, group, pending, transactionV2)
    })
    return new TransactionalResult('sendOffsetsToTransaction', done)
  }

  /** Throws unless a record may be sent now: initialized, inside a transaction, no error. */
  failIfNotReadyForSend(): void {
    this.#pending.throwIfPending('send')
    this.#state.failIfError('send')
    const state = this.#state.state
    if (state !== 'IN_TRANSACTION') throw new KafkaStateError(wrongStateMessage('send', state))
    if (this.#o.identity.producerId < 0n) throw new KafkaStateError(wrongStateMessage('send', 'UNINITIALIZED'))
  }

  /**
   * Called when a record is appended to a partition's batch. Records accepted before a commit began
   * may still arrive while it waits for them.
   */
  maybeAddPartition(topic: string, partition: number): void {
    if (this.hasError) this.#state.failIfError('send')
    const state = this.#state.state
    if (state === 'ABORTING_TRANSACTION' && this.#abortedError !== null) throw this.#abortedError
    if (state !== 'IN_TRANSACTION' && state !== 'COMMITTING_TRANSACTION') {
      throw new KafkaStateError(wrongStateMessage('send', state))
    }
    const key = partitionKey(topic, partition)
    if (this.#transactionV2) {
      // Produce v12+ adds the partition on the broker; the coordinator knows of the transaction
      // from the first attempt, so EndTxn must follow even if no batch succeeds.
      this.#partitionsInTransaction.add(key)
      this.#transactionStarted = true
      return
    }
    if (this.#partitionsInTransaction.has(key) || this.#pendingPartitions.has(key) || this.#newPartitions.has(key)) return
    this.#newPartitions.set(key, { topic, partition })
    if (!this.#addPartitionsScheduled) {
      this.#addPartitionsScheduled = true
      this.#requests.serial(() => this.#addPartitionsToTxn()).catch(noop)
    }
  }

  // -------------------------------------------------------------------------------------------------
  // the sender's view

  /** Whether the sender may send this partition's batches: it must be part of the transaction. */
  isSendToPartitionAllowed(topic: string, partition: number): boolean {
    if (this.#state.hasFatalError) return false
    return this.#partitionsInTransaction.has(partitionKey(topic, partition))
  }

  /** The error to fail batches not yet sent with, or null while they may be sent. */
  undrainedBatchError(): KafkaError | null {
    if (this.hasError) return this.#state.lastError
    if (this.#state.state === 'ABORTING_TRANSACTION') return this.#abortedError
    return null
  }

  /** Produce v12+ means transaction version 2 to the broker. */
  get maxProduceVersion(): number {
    return this.#transactionV2 ? Number.POSITIVE_INFINITY : LAST_PRODUCE_VERSION_BEFORE_TV2
  }

  /**
   * A batch failed for good. Any such failure leaves the transaction abortable (a record is lost);
   * fencing, authorization and version errors end the producer (the `Batch` column of the table).
   */
  onBatchFailed(error: KafkaError, wasSent: boolean): void {
    const state = this.#state
    if (state.hasFatalError) return
    if (error === state.lastError || error === this.#abortedError) {
      // The batch was dropped because of the transaction's own state; it may still be in the log.
      if (wasSent && this.#needsClientEpochBump()) this.#epochBumpRequired = true
      return
    }
    const code = error.code
    const action = producerErrorAction('Batch', code)
    if (action === 'fenced') {
      state.fatal(state.fenced(code, error))
    } else if (action === 'fatal') {
      state.fatal(state.error(code, false, `a batch failed: ${error.message}`, error))
    } else {
      if (this.#needsClientEpochBump() && (!this.isCompleting || wasSent)) this.#epochBumpRequired = true
      state.abortable(state.error(code, true, `a batch failed: ${error.message}`, error))
    }
  }

  /** Stops retrying; operations still running fail. */
  close(): void {
    this.#requests.close()
  }

  // -------------------------------------------------------------------------------------------------
  // one transaction's bookkeeping

  // The error for a failure the table classed as `action`, with the state moved accordingly.
  #fail(action: ProducerErrorAction, code: number, message: string): KafkaTransactionError {
    const state = this.#state
    switch (action) {
      case 'fenced':
        return state.fatal(state.fenced(code))
      case 'abortable':
        return state.abortable(state.error(code, true, message))
      case 'abortable-if-epoch-bump':
        // Without a way to bump the epoch an abortable error cannot be recovered from.
        if (!this.#canHandleAbortableError()) return state.fatal(state.error(code, false, message))
        if (this.#needsClientEpochBump()) this.#epochBumpRequired = true
        return state.abortable(state.error(code, true, message))
      case 'fail':
        return state.error(code, false, message)
      default:
        return state.fatal(state.error(code, false, message))
    }
  }

  #needsClientEpochBump(): boolean {
    return !this.#transactionV2 && this.#o.io.coordinatorSupportsEpochBump(this.transactionalId)
  }

  #canHandleAbortableError(): boolean {
    return this.#transactionV2 || this.#o.io.coordinatorSupportsEpochBump(this.transactionalId)
  }

  async #initProducerId(epochBump: boolean): Promise<void> {
    const response = await rpc.initProducerId(this.#rpc, epochBump)
    this.#o.identity.adopt(response.producerId, response.producerEpoch)
    this.#o.resetSequences()
    if (!epochBump) this.#refreshTransactionVersion()
    this.#state.transitionTo('READY')
  }

  // Reads the finalized transaction.version; true when it just went from 1 to 2, which needs a new
  // epoch so that partitions added under version 1 are not taken as part of a version 2 transaction.
  #refreshTransactionVersion(): boolean {
    const reading = this.#o.io.transactionVersion()
    if (reading.epoch <= this.#featuresEpoch) return false
    this.#featuresEpoch = reading.epoch
    const was = this.#transactionV2
    this.#transactionV2 = reading.level >= 2
    return !was && this.#transactionV2
  }

  async #addPartitionsToTxn(): Promise<void> {
    this.#addPartitionsScheduled = false
    if (this.#newPartitions.size === 0) return
    if (this.#state.state === 'ABORTING_TRANSACTION') {
      this.#newPartitions.clear()
      return
    }
    const adding = [...this.#newPartitions]
    this.#newPartitions.clear()
    for (const [key] of adding) this.#pendingPartitions.add(key)
    try {
      await rpc.addPartitionsToTxn(
        this.#rpc,
        adding.map(([, tp]) => tp),
        () => this.#partitionsInTransaction.size === 0,
      )
      for (const [key] of adding) this.#partitionsInTransaction.add(key)
      this.#transactionStarted = true
    } finally {
      // Pending or not, the partitions stop blocking: added ones may be sent, and on failure the
      // transaction is in an error state that fails their batches.
      for (const [key] of adding) this.#pendingPartitions.delete(key)
      this.#o.wakeSender()
    }
  }

  // Waits for every record of the transaction, then ends it with EndTxn (skipped when the
  // coordinator never heard of it), and bumps the epoch when version 1 needs it.
  #completeTransaction(commit: boolean): Promise<void> {
    const transactionV2 = this.#transactionV2
    return (async () => {
      await this.#o.whenBuffersEmpty()
      await this.#requests.serial(async () => {
        this.#requests.assertOpen()
        if (this.hasError && this.lastError !== null) throw this.lastError
        if (this.#transactionStarted) {
          const response = await rpc.endTxn(this.#rpc, commit, transactionV2)
          // EndTxn v5+ (version 2) bumped the epoch, or gave a new producer id when it ran out.
          if (response.producerId >= 0n) {
            this.#o.identity.adopt(response.producerId, response.producerEpoch)
            this.#o.resetSequences()
          }
        }
        const upgraded = this.#refreshTransactionVersion()
        const bump = this.#epochBumpRequired || upgraded
        this.#resetTransactionState(bump)
        if (bump) await this.#initProducerId(true)
      })
    })()
  }

  #resetTransactionState(epochBump: boolean): void {
    this.#state.transitionTo(epochBump ? 'INITIALIZING' : 'READY')
    this.#epochBumpRequired = false
    this.#transactionStarted = false
    this.#abortedError = null
    this.#newPartitions.clear()
    this.#pendingPartitions.clear()
    this.#partitionsInTransaction.clear()
  }
}
