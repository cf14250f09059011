/**
 * The states of a transactional producer and the moves between them, with the Java client's
 * semantics (`TransactionManager.State`), plus the two error states and the errors that put the
 * producer in them.
 *
 * A move the application asks for in the wrong state is refused with a {@link KafkaStateError}
 * that names the call that is missing or the one to wait for, and leaves the state as it was. A
 * wrong move found in the background means the state can no longer be trusted, and is fatal
 * (Java KAFKA-14831).
 */

import { KafkaBrokerError, KafkaFencedError, KafkaStateError, KafkaTransactionError } from '../errors.js'
import { errorCodeInfo } from '../protocol/error-codes.js'
import type { ProducerIdHolder } from './transaction-io.js'

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

/** The application calls that depend on the transaction's state, by their public names. */
export type TransactionCall =
  | 'initTransactions'
  | 'beginTransaction'
  | 'commitTransaction'
  | 'abortTransaction'
  | 'sendOffsetsToTransaction'
  | 'send'

/** The states each state may be entered from. */
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

/**
 * What to tell an application that made `call` in `state`: which call is missing, or which one to
 * wait for. The error states are reported by {@link TransactionState.failIfError} before this.
 */
export function wrongStateMessage(call: TransactionCall, state: TransactionManagerState): string {
  const name = `${call}()`
  switch (state) {
    case 'UNINITIALIZED':
      return call === 'beginTransaction'
        ? `${name} needs initTransactions() first`
        : `${name} needs initTransactions() and then beginTransaction() first`
    case 'INITIALIZING':
      return call === 'beginTransaction'
        ? `${name} needs initTransactions() to finish first: await it`
        : `${name} needs initTransactions() to finish first: await it, then call beginTransaction()`
    case 'READY':
      return call === 'initTransactions'
        ? `${name} was already called: the producer is ready, start a transaction with beginTransaction()`
        : `${name} needs an open transaction: call beginTransaction() first`
    case 'IN_TRANSACTION':
      return call === 'initTransactions'
        ? `${name} was already called and a transaction is open: end it with commitTransaction() or abortTransaction()`
        : `${name}: a transaction is already open; end it with commitTransaction() or abortTransaction() first`
    case 'COMMITTING_TRANSACTION':
      return `${name}: the transaction is being committed; await commitTransaction() first`
    case 'ABORTING_TRANSACTION':
      return `${name}: the transaction is being aborted; await abortTransaction() first`
    case 'ABORTABLE_ERROR':
      return `${name}: the transaction failed; call abortTransaction() first`
    case 'FATAL_ERROR':
      return `${name}: the producer failed and cannot go on; disconnect it and create a new one`
  }
}

export class TransactionState {
  readonly #transactionalId: string
  readonly #identity: ProducerIdHolder
  readonly #wakeSender: () => void
  #state: TransactionManagerState = 'UNINITIALIZED'
  #lastError: KafkaTransactionError | null = null

  constructor(transactionalId: string, identity: ProducerIdHolder, wakeSender: () => void) {
    this.#transactionalId = transactionalId
    this.#identity = identity
    this.#wakeSender = wakeSender
  }

  get state(): TransactionManagerState {
    return this.#state
  }

  /** The error that put the producer in ABORTABLE_ERROR or FATAL_ERROR. */
  get lastError(): KafkaTransactionError | null {
    return this.#lastError
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

  /**
   * Moves to `target`. Asked for by an application `call` in the wrong state, it throws what to do
   * and changes nothing; found in the background, the producer moves to FATAL_ERROR.
   */
  transitionTo(target: TransactionManagerState, how: { call?: TransactionCall; error?: KafkaTransactionError } = {}): void {
    const sources = VALID_SOURCES[target]
    if (sources !== 'any' && !sources.includes(this.#state)) {
      if (how.call !== undefined) throw new KafkaStateError(wrongStateMessage(how.call, this.#state))
      const message = `transactionalId ${this.#transactionalId}: invalid transition from ${this.#state} to ${target}`
      this.#state = 'FATAL_ERROR'
      this.#lastError = this.error(-1, false, message)
      throw new KafkaStateError(message)
    }
    this.#lastError = target === 'ABORTABLE_ERROR' || target === 'FATAL_ERROR' ? (how.error ?? null) : null
    this.#state = target
  }

  /** Back to UNINITIALIZED with no error: initTransactions may be called again (after an authorization failure). */
  resetToUninitialized(): void {
    this.#state = 'UNINITIALIZED'
    this.#lastError = null
  }

  /** Moves to ABORTABLE_ERROR (unless an abort is already under way) and returns the error to throw. */
  abortable(error: KafkaTransactionError): KafkaTransactionError {
    if (this.#state === 'ABORTING_TRANSACTION') return error
    try {
      this.transitionTo('ABORTABLE_ERROR', { error })
    } finally {
      this.#wakeSender()
    }
    return error
  }

  /** Moves to FATAL_ERROR and returns the error to throw. */
  fatal(error: KafkaTransactionError): KafkaTransactionError {
    this.transitionTo('FATAL_ERROR', { error })
    this.#wakeSender()
    return error
  }

  /** Throws when the producer is in an error state, saying what `call` must be preceded by. */
  failIfError(call: TransactionCall): void {
    if (!this.hasError) return
    const last = this.#lastError
    if (last instanceof KafkaFencedError) {
      throw new KafkaFencedError(
        `${call}(): producer with transactionalId ${this.#transactionalId} was fenced by another producer with the same transactionalId; disconnect this one`,
        { code: last.code, cause: last },
      )
    }
    const abortable = this.#state === 'ABORTABLE_ERROR'
    throw new KafkaTransactionError(
      wrongStateMessage(call, this.#state) + (last === null ? '' : ` (${last.message})`),
      { code: last?.code ?? -1, errorName: last?.errorName ?? 'UNKNOWN_SERVER_ERROR', abortable, cause: last ?? undefined },
    )
  }

  /** A transaction error of this producer for a broker code (-1 when none). */
  error(code: number, abortable: boolean, message: string, cause?: unknown): KafkaTransactionError {
    const name = code === -1 ? 'UNKNOWN_SERVER_ERROR' : errorCodeInfo(code).name
    return new KafkaTransactionError(`transactionalId ${this.#transactionalId}: ${message}`, {
      code,
      errorName: name,
      abortable,
      cause: cause ?? (code > 0 ? new KafkaBrokerError(code) : undefined),
    })
  }

  /** The error of a producer another one with the same transactional id has fenced. */
  fenced(code: number, cause?: unknown): KafkaFencedError {
    return new KafkaFencedError(
      `producer with transactionalId ${this.#transactionalId} (id ${this.#identity.producerId}, epoch ${this.#identity.epoch}) was fenced by another producer with the same transactionalId, or by the coordinator after the transaction timed out`,
      { code, cause: cause ?? new KafkaBrokerError(code) },
    )
  }
}
