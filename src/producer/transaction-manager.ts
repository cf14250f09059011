/**
 * The transaction state machine of a transactional producer, with the Java client's semantics
 * (`TransactionManager`): states and legal transitions, the coordinator requests of each step, and
 * which broker errors leave the transaction abortable and which end the producer.
 *
 * Coordinator requests run one at a time, in the order they were asked for (Java keeps one in flight
 * too). Each is retried until it succeeds or hits an error that is not retriable: NOT_COORDINATOR
 * and COORDINATOR_NOT_AVAILABLE look the coordinator up again, CONCURRENT_TRANSACTIONS on the first
 * AddPartitionsToTxn of a transaction retries after 20 ms because the previous transaction's markers
 * are usually almost written.
 *
 * Transaction version 2 (KIP-890 part 2, finalized `transaction.version` >= 2) changes three things:
 * Produce v12+ adds partitions to the transaction implicitly (no AddPartitionsToTxn), TxnOffsetCommit
 * v5 adds the offsets (no AddOffsetsToTxn), and EndTxn v5 bumps the epoch and returns the next one.
 * Under version 1 the requests are capped below those versions, as the broker reads the version of
 * the request to tell which protocol the client speaks. The version is read at initTransactions and
 * again when a transaction ends, so one transaction never mixes the two.
 */

import {
  KafkaBrokerError,
  KafkaConfigError,
  KafkaError,
  KafkaFencedError,
  KafkaNetworkError,
  KafkaStateError,
  KafkaTimeoutError,
  KafkaTransactionError,
} from '../errors.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { errorCodeInfo } from '../protocol/error-codes.js'
import { addOffsetsToTxnApi } from '../protocol/messages/add-offsets-to-txn.js'
import { addPartitionsToTxnApi, type AddPartitionsToTxnResponse } from '../protocol/messages/add-partitions-to-txn.js'
import { endTxnApi, type EndTxnResponse } from '../protocol/messages/end-txn.js'
import { initProducerIdApi } from '../protocol/messages/init-producer-id.js'
import { txnOffsetCommitApi, type TxnOffsetCommitResponse } from '../protocol/messages/txn-offset-commit.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import type { CoordinatorKey, TransactionIo } from './transaction-io.js'

/** States of a transactional producer (Java `TransactionManager.State`). */
export type TransactionManagerState =
  | 'UNINITIALIZED'
  | 'INITIALIZING'
  | 'READY'
  | 'IN_TRANSACTION'
  | 'COMMITTING_TRANSACTION'
  | 'ABORTING_TRANSACTION'
  | 'ABORTABLE_ERROR'
  | 'FATAL_ERROR'

/** The consumer's group membership that transactional offsets are committed under (Java `ConsumerGroupMetadata`). */
export interface ConsumerGroupMetadata {
  readonly groupId: string
  /** Generation of the member's group; -1 (default) when unknown, and then the commit is not fenced by generation. */
  readonly generationId?: number
  /** Member id in the group; '' (default) when unknown. */
  readonly memberId?: string
  /** Static member id (KIP-345), if the consumer has one. */
  readonly groupInstanceId?: string | null
}

/** One partition's offset for `Producer.sendOffsetsToTransaction`. */
export interface TransactionOffset {
  readonly topic: string
  readonly partition: number
  /** The next offset the group will consume: the last processed record's offset + 1. */
  readonly offset: bigint
  /** Leader epoch of the last processed record, if known. */
  readonly leaderEpoch?: number
  readonly metadata?: string | null
}

/** Where the producer id and epoch live; the sender stamps batches from it. */
export interface ProducerIdHolder {
  readonly producerId: bigint
  readonly epoch: number
  adopt(producerId: bigint, epoch: number): void
}

export interface TransactionManagerOptions {
  readonly transactionalId: string
  readonly transactionTimeoutMs: number
  readonly retryBackoffMs: number
  readonly io: TransactionIo
  readonly identity: ProducerIdHolder
  /** Resolves once every record accepted so far has been delivered or failed. */
  readonly whenBuffersEmpty: () => Promise<void>
  /** Tells the sender to look again: partitions were added, or batches must be failed. */
  readonly wakeSender: () => void
  /** Every partition's next batch starts a new sequence (the producer id or epoch changed). */
  readonly resetSequences: () => void
  /** Waits between retries; tests replace it. */
  readonly sleep?: (ms: number) => Promise<void>
}

// Broker error codes the transaction handlers tell apart.
const REQUEST_TIMED_OUT = 7
const COORDINATOR_NOT_AVAILABLE = 15
const NOT_COORDINATOR = 16
const ILLEGAL_GENERATION = 22
const UNKNOWN_MEMBER_ID = 25
const TOPIC_AUTHORIZATION_FAILED = 29
const GROUP_AUTHORIZATION_FAILED = 30
const CLUSTER_AUTHORIZATION_FAILED = 31
const UNSUPPORTED_VERSION = 35
const UNSUPPORTED_FOR_MESSAGE_FORMAT = 43
const INVALID_PRODUCER_EPOCH = 47
const INVALID_TXN_STATE = 48
const INVALID_PRODUCER_ID_MAPPING = 49
const CONCURRENT_TRANSACTIONS = 51
const TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53
const OPERATION_NOT_ATTEMPTED = 55
const UNKNOWN_PRODUCER_ID = 59
const FENCED_INSTANCE_ID = 82
const PRODUCER_FENCED = 90
const TRANSACTION_ABORTABLE = 120

/** Produce v12, EndTxn v5 and TxnOffsetCommit v5 mean transaction version 2 to the broker. */
const LAST_PRODUCE_VERSION_BEFORE_TV2 = 11
const LAST_END_TXN_VERSION_BEFORE_TV2 = 4
const LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2 = 4
// v6 (Kafka 4.4, KIP-1319) names topics by id only; the offsets handed in carry topic names, so
// the client stays on v5, which every broker with transaction version 2 accepts.
const LAST_TXN_OFFSET_COMMIT_VERSION_BY_NAME = 5
/** Clients use AddPartitionsToTxn v0-3; v4+ batches transactions and is for brokers. */
const MAX_CLIENT_ADD_PARTITIONS_VERSION = 3
const CONCURRENT_TRANSACTIONS_FIRST_ADD_BACKOFF_MS = 20

const VALID_SOURCES: Record<TransactionManagerState, readonly TransactionManagerState[] | 'any'> = {
  UNINITIALIZED: ['READY', 'ABORTABLE_ERROR'],
  INITIALIZING: ['UNINITIALIZED', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  READY: ['INITIALIZING', 'COMMITTING_TRANSACTION', 'ABORTING_TRANSACTION'],
  IN_TRANSACTION: ['READY'],
  COMMITTING_TRANSACTION: ['IN_TRANSACTION'],
  ABORTING_TRANSACTION: ['IN_TRANSACTION', 'ABORTABLE_ERROR'],
  ABORTABLE_ERROR: ['IN_TRANSACTION', 'COMMITTING_TRANSACTION', 'ABORTABLE_ERROR', 'INITIALIZING'],
  FATAL_ERROR: 'any',
}

const noop = (): void => {}
const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The outcome of initTransactions, commitTransaction, abortTransaction or sendOffsetsToTransaction.
 * The work goes on when a caller stops waiting for it: waiting again picks up the same outcome.
 */
export class TransactionalResult {
  readonly operation: string
  readonly #outcome: Promise<void>
  #settled = false
  #acked = false

  constructor(operation: string, outcome: Promise<void>) {
    this.operation = operation
    this.#outcome = outcome
    outcome.then(
      () => (this.#settled = true),
      () => (this.#settled = true),
    )
  }

  /** True once the operation finished, successfully or not. */
  get settled(): boolean {
    return this.#settled
  }

  /** True once a caller has seen the outcome. */
  get acked(): boolean {
    return this.#acked
  }

  /**
   * Waits up to `timeoutMs` for the outcome. Throws a KafkaTimeoutError when it is not there yet;
   * the operation continues, and calling the same operation again waits for it.
   */
  async wait(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs)
    })
    const finished = this.#outcome.then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error }),
    )
    try {
      const first = await Promise.race([finished, timedOut])
      if (first === true) {
        throw new KafkaTimeoutError(
          `${this.operation} did not finish within ${timeoutMs} ms; it goes on in the background, call ${this.operation} again to wait for it`,
        )
      }
      this.#acked = true
      if (first.error !== undefined) throw first.error
    } finally {
      clearTimeout(timer)
    }
  }
}

class Retry {
  constructor(
    readonly findCoordinator: boolean,
    readonly backoffMs?: number,
  ) {}
}

interface PendingTransition {
  readonly result: TransactionalResult
  readonly state: TransactionManagerState
}


function isRetriableCode(code: number): boolean {
  return errorCodeInfo(code).retriable
}

export class TransactionManager {
  readonly transactionalId: string
  readonly #o: TransactionManagerOptions
  readonly #sleep: (ms: number) => Promise<void>
  #state: TransactionManagerState = 'UNINITIALIZED'
  #lastError: KafkaTransactionError | null = null
  #pending: PendingTransition | null = null
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
  // Coordinator requests run one after another on this chain.
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(options: TransactionManagerOptions) {
    this.transactionalId = options.transactionalId
    this.#o = options
    this.#sleep = options.sleep ?? defaultSleep
  }

  get state(): TransactionManagerState {
    return this.#state
  }

  /** The error that put the producer in ABORTABLE_ERROR or FATAL_ERROR. */
  get lastError(): KafkaTransactionError | null {
    return this.#lastError
  }

  /** Whether the cluster runs transaction version 2 for this producer's transactions. */
  get isTransactionV2(): boolean {
    return this.#transactionV2
  }

  get hasError(): boolean {
    return this.#state === 'ABORTABLE_ERROR' || this.#state === 'FATAL_ERROR'
  }

  get hasFatalError(): boolean {
    return this.#state === 'FATAL_ERROR'
  }

  get isCompleting(): boolean {
    return this.#state === 'COMMITTING_TRANSACTION' || this.#state === 'ABORTING_TRANSACTION'
  }

  /** A transaction was begun and has not ended (it may be failing). */
  get hasOngoingTransaction(): boolean {
    return this.#state === 'IN_TRANSACTION' || this.isCompleting || this.#state === 'ABORTABLE_ERROR'
  }

  /** The unfinished initTransactions, commitTransaction or abortTransaction, if any. */
  get pendingResult(): TransactionalResult | null {
    return this.#pending?.result ?? null
  }

  // -------------------------------------------------------------------------------------------------
  // application calls

  /** Gets a producer id and epoch for the transactional id, fencing older instances. */
  initTransactions(): TransactionalResult {
    this.#maybeFailWithError('initTransactions')
    return this.#cachedResult('initTransactions', 'INITIALIZING', () => {
      this.#transitionTo('INITIALIZING', { byApplication: true })
      return this.#serial(() => this.#initProducerId(false))
    })
  }

  /** Starts a transaction; nothing is sent until a record or offsets join it. */
  beginTransaction(): void {
    this.#throwIfPendingState('beginTransaction')
    this.#maybeFailWithError('beginTransaction')
    this.#transitionTo('IN_TRANSACTION', { byApplication: true })
  }

  /** Sends every buffered record, waits for all of them, then commits. */
  beginCommit(): TransactionalResult {
    return this.#cachedResult('commitTransaction', 'COMMITTING_TRANSACTION', () => {
      this.#maybeFailWithError('commitTransaction')
      this.#transitionTo('COMMITTING_TRANSACTION', { byApplication: true })
      return this.#completeTransaction(true)
    })
  }

  /** Drops records not yet sent, waits for those in flight, then aborts. */
  beginAbort(): TransactionalResult {
    return this.#cachedResult('abortTransaction', 'ABORTING_TRANSACTION', () => {
      if (this.#state !== 'ABORTABLE_ERROR') this.#maybeFailWithError('abortTransaction')
      this.#transitionTo('ABORTING_TRANSACTION', { byApplication: true })
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
    this.#throwIfPendingState('sendOffsetsToTransaction')
    this.#maybeFailWithError('sendOffsetsToTransaction')
    if (this.#state !== 'IN_TRANSACTION') {
      throw new KafkaStateError(`cannot send offsets to a transaction in state ${this.#state}: call beginTransaction() first`)
    }
    const pending = new Map<string, TransactionOffset>()
    for (const o of offsets) pending.set(partitionKey(o.topic, o.partition), o)
    if (pending.size === 0) return new TransactionalResult('sendOffsetsToTransaction', Promise.resolve())
    const transactionV2 = this.#transactionV2
    if (transactionV2) this.#transactionStarted = true
    const done = this.#serial(async () => {
      if (!transactionV2) {
        await this.#addOffsetsToTxn(group.groupId)
        this.#transactionStarted = true
      }
      await this.#txnOffsetCommit(group, pending, transactionV2)
    })
    return new TransactionalResult('sendOffsetsToTransaction', done)
  }

  /** Throws unless a record may be sent now: initialized, inside a transaction, no error. */
  failIfNotReadyForSend(): void {
    this.#throwIfPendingState('send')
    this.#maybeFailWithError('send')
    if (this.#state !== 'IN_TRANSACTION' || this.#o.identity.producerId < 0n) {
      throw new KafkaStateError(
        this.#state === 'UNINITIALIZED' || this.#state === 'INITIALIZING'
          ? 'a transactional producer sends only after initTransactions() and beginTransaction()'
          : `cannot send in state ${this.#state}: a transactional producer sends only inside a transaction (beginTransaction())`,
      )
    }
  }

  /**
   * Called when a record is appended to a partition's batch. Records accepted before a commit began
   * may still arrive while it waits for them.
   */
  maybeAddPartition(topic: string, partition: number): void {
    if (this.hasError) this.#maybeFailWithError('send')
    if (this.#state === 'ABORTING_TRANSACTION' && this.#abortedError !== null) throw this.#abortedError
    if (this.#state !== 'IN_TRANSACTION' && this.#state !== 'COMMITTING_TRANSACTION') {
      throw new KafkaStateError(`cannot add a partition to the transaction in state ${this.#state}`)
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
      this.#serial(() => this.#addPartitionsToTxn()).catch(noop)
    }
  }

  // -------------------------------------------------------------------------------------------------
  // the sender's view

  /** Whether the sender may send this partition's batches: it must be part of the transaction. */
  isSendToPartitionAllowed(topic: string, partition: number): boolean {
    if (this.#state === 'FATAL_ERROR') return false
    return this.#partitionsInTransaction.has(partitionKey(topic, partition))
  }

  /** The error to fail batches not yet sent with, or null while they may be sent. */
  undrainedBatchError(): KafkaError | null {
    if (this.hasError) return this.#lastError
    if (this.#state === 'ABORTING_TRANSACTION') return this.#abortedError
    return null
  }

  /** Produce v12+ means transaction version 2 to the broker. */
  get maxProduceVersion(): number {
    return this.#transactionV2 ? Number.POSITIVE_INFINITY : LAST_PRODUCE_VERSION_BEFORE_TV2
  }

  /**
   * A batch failed for good. Any such failure leaves the transaction abortable (a record is lost);
   * fencing, authorization and version errors end the producer.
   */
  onBatchFailed(error: KafkaError, wasSent: boolean): void {
    if (this.#state === 'FATAL_ERROR') return
    if (error === this.#lastError || error === this.#abortedError) {
      // The batch was dropped because of the transaction's own state; it may still be in the log.
      if (wasSent && this.#needsClientEpochBump()) this.#epochBumpRequired = true
      return
    }
    const code = error.code
    if (code === PRODUCER_FENCED) {
      this.#transitionToFatalError(this.#fenced(code, error))
      return
    }
    if (
      code === CLUSTER_AUTHORIZATION_FAILED ||
      code === TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
      code === UNSUPPORTED_VERSION ||
      code === INVALID_PRODUCER_ID_MAPPING
    ) {
      this.#transitionToFatalError(this.#error(code, false, `a batch failed: ${error.message}`, error))
      return
    }
    if (this.#needsClientEpochBump() && (!this.isCompleting || wasSent)) this.#epochBumpRequired = true
    this.#transitionToAbortableError(this.#error(code, true, `a batch failed: ${error.message}`, error))
  }

  /** Stops retrying; operations still running fail. */
  close(): void {
    this.#closed = true
  }

  // -------------------------------------------------------------------------------------------------
  // transitions and error states

  #transitionTo(target: TransactionManagerState, how: { byApplication?: boolean; error?: KafkaTransactionError } = {}): void {
    const sources = VALID_SOURCES[target]
    if (sources !== 'any' && !sources.includes(this.#state)) {
      const message = `transactionalId ${this.transactionalId}: invalid transition from ${this.#state} to ${target}`
      if (how.byApplication === true) throw new KafkaStateError(message)
      // Found in the background: the state can no longer be trusted (Java KAFKA-14831).
      this.#state = 'FATAL_ERROR'
      this.#lastError = this.#error(-1, false, message)
      throw new KafkaStateError(message)
    }
    this.#lastError = target === 'ABORTABLE_ERROR' || target === 'FATAL_ERROR' ? (how.error ?? null) : null
    this.#state = target
  }

  #transitionToAbortableError(error: KafkaTransactionError): void {
    // An abort is already under way: the error changes nothing.
    if (this.#state === 'ABORTING_TRANSACTION') return
    try {
      this.#transitionTo('ABORTABLE_ERROR', { error })
    } finally {
      this.#o.wakeSender()
    }
  }

  #transitionToFatalError(error: KafkaTransactionError): void {
    this.#transitionTo('FATAL_ERROR', { error })
    this.#o.wakeSender()
  }

  #maybeFailWithError(operation: string): void {
    if (!this.hasError) return
    const last = this.#lastError
    if (last instanceof KafkaFencedError) {
      throw new KafkaFencedError(
        `cannot ${operation}: producer with transactionalId ${this.transactionalId} was fenced by another producer with the same transactionalId`,
        { code: last.code, cause: last },
      )
    }
    const abortable = this.#state === 'ABORTABLE_ERROR'
    throw new KafkaTransactionError(
      `cannot ${operation}: ${abortable ? 'the transaction failed, abort it first' : 'the producer failed and must be closed'}` +
        (last === null ? '' : ` (${last.message})`),
      { code: last?.code ?? -1, errorName: last?.errorName ?? 'UNKNOWN_SERVER_ERROR', abortable, cause: last ?? undefined },
    )
  }

  // A timed-out initTransactions/commitTransaction/abortTransaction must be called again before
  // anything else, so that the application learns its outcome (Java's pending transition).
  #throwIfPendingState(operation: string): void {
    const pending = this.#pending
    if (pending === null) return
    if (pending.result.acked) {
      this.#pending = null
      return
    }
    throw new KafkaStateError(
      `cannot ${operation}: ${pending.result.operation} has not completed; call ${pending.result.operation} again to wait for it`,
    )
  }

  #cachedResult(operation: string, target: TransactionManagerState, start: () => Promise<void>): TransactionalResult {
    const pending = this.#pending
    if (pending !== null) {
      if (pending.result.acked) {
        this.#pending = null
      } else if (pending.state !== target) {
        throw new KafkaStateError(
          `cannot ${operation}: ${pending.result.operation} has not completed; call ${pending.result.operation} again to wait for it`,
        )
      } else {
        return pending.result
      }
    }
    const outcome = start()
    outcome.catch(noop)
    const result = new TransactionalResult(operation, outcome)
    this.#pending = { result, state: target }
    return result
  }

  #needsClientEpochBump(): boolean {
    return !this.#transactionV2 && this.#o.io.coordinatorSupportsEpochBump(this.transactionalId)
  }

  #canHandleAbortableError(): boolean {
    return this.#transactionV2 || this.#o.io.coordinatorSupportsEpochBump(this.transactionalId)
  }

  #error(code: number, abortable: boolean, message: string, cause?: unknown): KafkaTransactionError {
    const name = code === -1 ? 'UNKNOWN_SERVER_ERROR' : errorCodeInfo(code).name
    return new KafkaTransactionError(`transactionalId ${this.transactionalId}: ${message}`, {
      code,
      errorName: name,
      abortable,
      cause: cause ?? (code > 0 ? new KafkaBrokerError(code) : undefined),
    })
  }

  #fenced(code: number, cause?: unknown): KafkaFencedError {
    return new KafkaFencedError(
      `producer with transactionalId ${this.transactionalId} (id ${this.#o.identity.producerId}, epoch ${this.#o.identity.epoch}) was fenced by another producer with the same transactionalId, or by the coordinator after the transaction timed out`,
      { code, cause: cause ?? new KafkaBrokerError(code) },
    )
  }

  /** Moves to FATAL_ERROR and returns the error to throw. */
  #fatal(error: KafkaTransactionError): KafkaTransactionError {
    this.#transitionToFatalError(error)
    return error
  }

  /** Moves to ABORTABLE_ERROR (unless aborting) and returns the error to throw. */
  #abortable(error: KafkaTransactionError): KafkaTransactionError {
    this.#transitionToAbortableError(error)
    return error
  }

  // Without a way to bump the epoch an abortable error cannot be recovered from.
  #abortableIfPossible(code: number, what: string): KafkaTransactionError {
    if (!this.#canHandleAbortableError()) return this.#fatal(this.#error(code, false, what))
    if (this.#needsClientEpochBump()) this.#epochBumpRequired = true
    return this.#abortable(this.#error(code, true, what))
  }

  /** The fatal error for a fencing or other fatal code. */
  #fatalCode(code: number, what: string): KafkaTransactionError {
    if (code === PRODUCER_FENCED || code === INVALID_PRODUCER_EPOCH) return this.#fatal(this.#fenced(code))
    return this.#fatal(this.#error(code, false, what))
  }

  // -------------------------------------------------------------------------------------------------
  // coordinator requests

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task)
    this.#tail = run.catch(noop)
    return run
  }

  #assertOpen(): void {
    if (this.#closed) throw new KafkaStateError('the producer is closed')
  }

  // Sends one request to a coordinator until `handle` accepts the answer or throws. Connection
  // trouble and retriable lookup errors look the coordinator up again; while the transaction is in
  // an error state nothing more is sent (Java maybeTerminateRequestWithError).
  async #request<Req, Res, T>(
    coordinator: CoordinatorKey,
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number,
    handle: (response: Res) => T | Retry,
  ): Promise<T> {
    const io = this.#o.io
    for (;;) {
      this.#assertOpen()
      if (this.hasError && this.#lastError !== null) throw this.#lastError
      let response: Res
      try {
        response = await io.request(coordinator, api, build, maxVersion)
      } catch (error) {
        if (error instanceof KafkaNetworkError || error instanceof KafkaTimeoutError) {
          io.forgetCoordinator(coordinator)
          await this.#sleep(this.#o.retryBackoffMs)
          continue
        }
        if (error instanceof KafkaBrokerError) {
          // The FindCoordinator lookup failed.
          if (error.retriable) {
            await this.#sleep(this.#o.retryBackoffMs)
            continue
          }
          if (error.code === GROUP_AUTHORIZATION_FAILED) {
            throw this.#abortable(this.#error(error.code, true, `not authorized for group ${coordinator.key}`, error))
          }
          throw this.#fatal(this.#error(error.code, false, `could not find the ${coordinator.type} coordinator: ${error.message}`, error))
        }
        const cause = error instanceof KafkaError ? error : new KafkaStateError(String(error), { cause: error })
        throw this.#fatal(this.#error(cause.code, false, `${api.name} failed: ${cause.message}`, cause))
      }
      const outcome = handle(response)
      if (outcome instanceof Retry) {
        if (outcome.findCoordinator) io.forgetCoordinator(coordinator)
        await this.#sleep(outcome.backoffMs ?? this.#o.retryBackoffMs)
        continue
      }
      return outcome
    }
  }

  #transactionCoordinator(): CoordinatorKey {
    return { type: 'transaction', key: this.transactionalId }
  }

  async #initProducerId(epochBump: boolean): Promise<void> {
    const identity = this.#o.identity
    const response = await this.#request(
      this.#transactionCoordinator(),
      initProducerIdApi,
      () =>
        initProducerIdApi.createRequest({
          transactionalId: this.transactionalId,
          transactionTimeoutMs: this.#o.transactionTimeoutMs,
          producerId: epochBump ? identity.producerId : -1n,
          producerEpoch: epochBump ? identity.epoch : -1,
        }),
      Number.POSITIVE_INFINITY,
      (r) => {
        const code = r.errorCode
        if (code === 0) return r
        if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) return new Retry(true)
        if (isRetriableCode(code)) return new Retry(false)
        if (code === TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === CLUSTER_AUTHORIZATION_FAILED) {
          // Java lets initTransactions be called again once the authorization is fixed.
          this.#state = 'UNINITIALIZED'
          this.#lastError = null
          throw this.#error(code, false, 'InitProducerId was not authorized; fix the ACLs and call initTransactions() again')
        }
        if (code === INVALID_PRODUCER_EPOCH || code === PRODUCER_FENCED) throw this.#fatal(this.#fenced(code))
        if (code === TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, true, 'InitProducerId failed'))
        throw this.#fatal(this.#error(code, false, 'InitProducerId failed'))
      },
    )
    identity.adopt(response.producerId, response.producerEpoch)
    this.#o.resetSequences()
    if (!epochBump) this.#refreshTransactionVersion()
    this.#transitionTo('READY')
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
    if (this.#state === 'ABORTING_TRANSACTION') {
      this.#newPartitions.clear()
      return
    }
    const adding = [...this.#newPartitions]
    this.#newPartitions.clear()
    for (const [key] of adding) this.#pendingPartitions.add(key)
    const byTopic = new Map<string, number[]>()
    for (const [, { topic, partition }] of adding) {
      let list = byTopic.get(topic)
      if (list === undefined) byTopic.set(topic, (list = []))
      list.push(partition)
    }
    const identity = this.#o.identity
    try {
      await this.#request(
        this.#transactionCoordinator(),
        addPartitionsToTxnApi,
        () =>
          addPartitionsToTxnApi.createRequest({
            v3AndBelowTransactionalId: this.transactionalId,
            v3AndBelowProducerId: identity.producerId,
            v3AndBelowProducerEpoch: identity.epoch,
            v3AndBelowTopics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
          }),
        MAX_CLIENT_ADD_PARTITIONS_VERSION,
        (r: AddPartitionsToTxnResponse) => this.#handleAddPartitions(r),
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

  #handleAddPartitions(r: AddPartitionsToTxnResponse): true | Retry {
    const unauthorizedTopics = new Set<string>()
    let otherFailure: string | null = null
    const results = r.resultsByTopicV3AndBelow
    for (const topic of results) {
      for (const p of topic.resultsByPartition) {
        const code = p.partitionErrorCode
        if (code === 0) continue
        if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) return new Retry(true)
        if (code === CONCURRENT_TRANSACTIONS) {
          // On the transaction's first partitions this usually means the previous transaction's
          // markers are still being written: retry soon rather than after the usual backoff.
          const first = this.#partitionsInTransaction.size === 0
          return new Retry(false, first ? CONCURRENT_TRANSACTIONS_FIRST_ADD_BACKOFF_MS : undefined)
        }
        if (isRetriableCode(code)) return new Retry(false)
        if (code === INVALID_PRODUCER_EPOCH || code === PRODUCER_FENCED) throw this.#fatal(this.#fenced(code))
        if (code === TRANSACTIONAL_ID_AUTHORIZATION_FAILED || code === INVALID_TXN_STATE || code === INVALID_PRODUCER_ID_MAPPING) {
          throw this.#fatal(this.#error(code, false, `AddPartitionsToTxn failed for ${topic.name}-${p.partitionIndex}`))
        }
        if (code === UNKNOWN_PRODUCER_ID) throw this.#abortableIfPossible(code, 'AddPartitionsToTxn failed: the coordinator has no state for this producer')
        if (code === TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, true, 'AddPartitionsToTxn failed'))
        if (code === TOPIC_AUTHORIZATION_FAILED) {
          unauthorizedTopics.add(topic.name)
        } else if (code !== OPERATION_NOT_ATTEMPTED) {
          otherFailure = `${topic.name}-${p.partitionIndex}: ${errorCodeInfo(code).name}`
        } else {
          otherFailure ??= `${topic.name}-${p.partitionIndex}: OPERATION_NOT_ATTEMPTED`
        }
      }
    }
    if (unauthorizedTopics.size > 0) {
      throw this.#abortable(
        this.#error(TOPIC_AUTHORIZATION_FAILED, true, `not authorized to write to ${[...unauthorizedTopics].join(', ')}`),
      )
    }
    if (otherFailure !== null) {
      throw this.#abortable(this.#error(-1, true, `could not add partitions to the transaction: ${otherFailure}`))
    }
    return true
  }

  async #addOffsetsToTxn(groupId: string): Promise<void> {
    const identity = this.#o.identity
    await this.#request(
      this.#transactionCoordinator(),
      addOffsetsToTxnApi,
      () =>
        addOffsetsToTxnApi.createRequest({
          transactionalId: this.transactionalId,
          producerId: identity.producerId,
          producerEpoch: identity.epoch,
          groupId,
        }),
      Number.POSITIVE_INFINITY,
      (r) => {
        const code = r.errorCode
        if (code === 0) return true
        if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) return new Retry(true)
        if (isRetriableCode(code)) return new Retry(false)
        if (code === UNKNOWN_PRODUCER_ID) throw this.#abortableIfPossible(code, 'AddOffsetsToTxn failed: the coordinator has no state for this producer')
        if (code === GROUP_AUTHORIZATION_FAILED) throw this.#abortable(this.#error(code, true, `not authorized for group ${groupId}`))
        if (code === TRANSACTION_ABORTABLE) throw this.#abortable(this.#error(code, true, 'AddOffsetsToTxn failed'))
        throw this.#fatalCode(code, 'AddOffsetsToTxn failed')
      },
    )
  }

  async #txnOffsetCommit(
    group: Required<ConsumerGroupMetadata>,
    pending: Map<string, TransactionOffset>,
    transactionV2: boolean,
  ): Promise<void> {
    const identity = this.#o.identity
    const coordinator: CoordinatorKey = { type: 'group', key: group.groupId }
    await this.#request(
      coordinator,
      txnOffsetCommitApi,
      () => {
        const byTopic = new Map<string, TransactionOffset[]>()
        for (const o of pending.values()) {
          let list = byTopic.get(o.topic)
          if (list === undefined) byTopic.set(o.topic, (list = []))
          list.push(o)
        }
        return txnOffsetCommitApi.createRequest({
          transactionalId: this.transactionalId,
          groupId: group.groupId,
          producerId: identity.producerId,
          producerEpoch: identity.epoch,
          generationIdOrMemberEpoch: group.generationId,
          memberId: group.memberId,
          groupInstanceId: group.groupInstanceId,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            topicId: ZERO_UUID, // v6+ only, which this client does not send
            partitions: list.map((o) => ({
              partitionIndex: o.partition,
              committedOffset: o.offset,
              committedLeaderEpoch: o.leaderEpoch ?? -1,
              committedMetadata: o.metadata === undefined ? '' : o.metadata,
            })),
          })),
        })
      },
      transactionV2 ? LAST_TXN_OFFSET_COMMIT_VERSION_BY_NAME : LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2,
      (r: TxnOffsetCommitResponse) => this.#handleTxnOffsetCommit(r, group.groupId, pending),
    )
  }

  #handleTxnOffsetCommit(r: TxnOffsetCommitResponse, groupId: string, pending: Map<string, TransactionOffset>): true | Retry {
    let findCoordinator = false
    for (const topic of r.topics) {
      for (const p of topic.partitions) {
        const code = p.errorCode
        const key = partitionKey(topic.name, p.partitionIndex)
        if (code === 0) {
          pending.delete(key)
        } else if (code === COORDINATOR_NOT_AVAILABLE || code === NOT_COORDINATOR || code === REQUEST_TIMED_OUT) {
          findCoordinator = true
        } else if (isRetriableCode(code)) {
          continue
        } else if (code === GROUP_AUTHORIZATION_FAILED) {
          throw this.#abortable(this.#error(code, true, `not authorized for group ${groupId}`))
        } else if (code === FENCED_INSTANCE_ID || code === TRANSACTION_ABORTABLE) {
          throw this.#abortable(this.#error(code, true, `TxnOffsetCommit for group ${groupId} failed`))
        } else if (code === UNKNOWN_MEMBER_ID || code === ILLEGAL_GENERATION) {
          throw this.#abortable(
            this.#error(code, true, `TxnOffsetCommit for group ${groupId} failed: the consumer's group membership is stale`),
          )
        } else if (code === UNSUPPORTED_FOR_MESSAGE_FORMAT) {
          throw this.#fatal(this.#error(code, false, 'TxnOffsetCommit failed'))
        } else {
          throw this.#fatalCode(code, `TxnOffsetCommit for group ${groupId} failed`)
        }
      }
    }
    if (pending.size === 0) return true
    return new Retry(findCoordinator)
  }

  // Waits for every record of the transaction, then ends it with EndTxn (skipped when the
  // coordinator never heard of it), and bumps the epoch when version 1 needs it.
  #completeTransaction(commit: boolean): Promise<void> {
    const transactionV2 = this.#transactionV2
    return (async () => {
      await this.#o.whenBuffersEmpty()
      await this.#serial(async () => {
        this.#assertOpen()
        if (this.hasError && this.#lastError !== null) throw this.#lastError
        if (this.#transactionStarted) {
          const response = await this.#endTxn(commit, transactionV2)
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

  async #endTxn(commit: boolean, transactionV2: boolean): Promise<EndTxnResponse> {
    const identity = this.#o.identity
    return this.#request(
      this.#transactionCoordinator(),
      endTxnApi,
      () =>
        endTxnApi.createRequest({
          transactionalId: this.transactionalId,
          producerId: identity.producerId,
          producerEpoch: identity.epoch,
          committed: commit,
        }),
      transactionV2 ? Number.POSITIVE_INFINITY : LAST_END_TXN_VERSION_BEFORE_TV2,
      (r) => {
        const code = r.errorCode
        if (code === 0) return r
        if (code === NOT_COORDINATOR || code === COORDINATOR_NOT_AVAILABLE) return new Retry(true)
        if (isRetriableCode(code)) return new Retry(false)
        if (code === UNKNOWN_PRODUCER_ID) throw this.#abortableIfPossible(code, 'EndTxn failed: the coordinator has no state for this producer')
        if (code === TRANSACTION_ABORTABLE) {
          // An abort that itself fails as abortable would loop forever.
          if (!commit) throw this.#fatal(this.#error(code, false, 'EndTxn(abort) failed'))
          throw this.#abortable(this.#error(code, true, 'EndTxn(commit) failed'))
        }
        if (code === INVALID_TXN_STATE) {
          throw this.#fatal(
            this.#error(
              code,
              false,
              `EndTxn(${commit ? 'commit' : 'abort'}) failed: the coordinator has no such open transaction (it may have run past transactionTimeoutMs and been aborted)`,
            ),
          )
        }
        throw this.#fatalCode(code, `EndTxn(${commit ? 'commit' : 'abort'}) failed`)
      },
    )
  }

  #resetTransactionState(epochBump: boolean): void {
    this.#transitionTo(epochBump ? 'INITIALIZING' : 'READY')
    this.#epochBumpRequired = false
    this.#transactionStarted = false
    this.#abortedError = null
    this.#newPartitions.clear()
    this.#pendingPartitions.clear()
    this.#partitionsInTransaction.clear()
  }
}

function checkGroupMetadata(group: ConsumerGroupMetadata): Required<ConsumerGroupMetadata> {
  if (typeof group?.groupId !== 'string' || group.groupId === '') {
    throw new KafkaConfigError('groupMetadata.groupId: expected a non-empty string')
  }
  const generationId = group.generationId ?? -1
  const memberId = group.memberId ?? ''
  if (!Number.isInteger(generationId)) throw new KafkaConfigError('groupMetadata.generationId: expected an integer')
  if (generationId > 0 && memberId === '') {
    throw new KafkaConfigError('groupMetadata: a generationId needs the memberId of the same membership')
  }
  return { groupId: group.groupId, generationId, memberId, groupInstanceId: group.groupInstanceId ?? null }
}
