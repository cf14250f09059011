/**
 * The hand-off between a transaction operation that runs in the background and the application
 * call waiting for it.
 *
 * initTransactions, commitTransaction and abortTransaction go on when their caller stops waiting
 * (maxBlockMs ran out, or its signal aborted), as in the Java client. Until the application has
 * seen the outcome, the same call picks the same operation up again and any other call is refused
 * (Java's pending transition), so that no outcome goes unnoticed.
 */

import { KafkaStateError, KafkaTimeoutError } from '../errors.js'
import { abortable, throwIfAborted } from '../util/abort.js'
import type { TransactionManagerState } from './transaction-state.js'

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
   * Waits up to `timeoutMs` for the outcome. Throws a KafkaTimeoutError when it is not there yet,
   * or the signal's reason when it aborts first; either way the operation continues, and calling
   * the same operation again waits for it.
   */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal)
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs)
    })
    const finished = this.#outcome.then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error }),
    )
    try {
      const first = await abortable(Promise.race([finished, timedOut]), signal)
      if (first === true) {
        throw new KafkaTimeoutError(
          `${this.operation}() did not finish within ${timeoutMs} ms; it goes on in the background, call ${this.operation}() again to wait for it`,
        )
      }
      this.#acked = true
      if (first.error !== undefined) throw first.error
    } finally {
      clearTimeout(timer)
    }
  }
}

/** The operation that must be called again before any other, while its outcome is unseen. */
export class PendingTransition {
  #pending: { readonly result: TransactionalResult; readonly state: TransactionManagerState } | null = null

  /** The unfinished initTransactions, commitTransaction or abortTransaction, if any. */
  get result(): TransactionalResult | null {
    return this.#pending?.result ?? null
  }

  /** Throws when an earlier operation's outcome has not been seen yet. */
  throwIfPending(call: string): void {
    const pending = this.#pending
    if (pending === null) return
    if (pending.result.acked) {
      this.#pending = null
      return
    }
    throw unfinished(call, pending.result.operation)
  }

  /**
   * The result of the operation moving to `target`: the unfinished one when it is the same
   * operation called again, else a new one from `start`. Another operation still unseen is refused.
   */
  resultFor(call: string, target: TransactionManagerState, start: () => Promise<void>): TransactionalResult {
    const pending = this.#pending
    if (pending !== null) {
      if (pending.result.acked) {
        this.#pending = null
      } else if (pending.state !== target) {
        throw unfinished(call, pending.result.operation)
      } else {
        return pending.result
      }
    }
    const outcome = start()
    outcome.catch(noop)
    const result = new TransactionalResult(call, outcome)
    this.#pending = { result, state: target }
    return result
  }
}

function unfinished(call: string, operation: string): KafkaStateError {
  return new KafkaStateError(
    `${call}() cannot run while ${operation}() is unfinished: await it, or, if its wait timed out or was aborted, call ${operation}() again to wait for its outcome`,
  )
}

function noop(): void {}
