/**
 * How the transaction manager talks to coordinators: one request at a time, in the order they
 * were asked for (Java keeps one in flight too), each retried until its handler accepts the
 * answer or throws.
 *
 * Connection trouble and a timed-out request look the coordinator up again; a retriable failure
 * of the lookup itself waits and tries again. While the transaction is in an error state nothing
 * more is sent (Java `maybeTerminateRequestWithError`), and after {@link close} every request
 * fails.
 */

import { isWireFailure, KafkaBrokerError, KafkaError, KafkaStateError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { producerErrorAction } from './error-policy.js'
import type { CoordinatorKey, TransactionIo } from './transaction-io.js'
import type { TransactionState } from './transaction-state.js'

/** A handler's answer: send the request again, after looking the coordinator up if asked to. */
export class Retry {
  constructor(
    readonly findCoordinator: boolean,
    readonly backoffMs?: number,
  ) {}
}

/** Turns a coordinator's response into a result, a {@link Retry}, or a thrown error. */
export type ResponseHandler<Res, T> = (response: Res) => T | Retry

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const noop = (): void => {}

export class CoordinatorRequests {
  readonly #io: TransactionIo
  readonly #state: TransactionState
  readonly #retryBackoffMs: number
  readonly #sleep: (ms: number) => Promise<void>
  // Coordinator requests run one after another on this chain.
  #tail: Promise<unknown> = Promise.resolve()
  #closed = false

  constructor(io: TransactionIo, state: TransactionState, retryBackoffMs: number, sleep?: (ms: number) => Promise<void>) {
    this.#io = io
    this.#state = state
    this.#retryBackoffMs = retryBackoffMs
    this.#sleep = sleep ?? defaultSleep
  }

  /** Runs `task` once every task queued before it has finished, successfully or not. */
  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task)
    this.#tail = run.catch(noop)
    return run
  }

  /** Stops retrying; requests still running fail. */
  close(): void {
    this.#closed = true
  }

  /** Throws once {@link close} was called. */
  assertOpen(): void {
    if (this.#closed) {
      throw new KafkaStateError('the producer was closed (disconnect()) while this transaction call ran; create a new one with kafka.producer()')
    }
  }

  /**
   * Sends one request to a coordinator, at most at `maxVersion`, until `handle` accepts the
   * answer or throws.
   */
  async request<Req, Res, T>(
    coordinator: CoordinatorKey,
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    maxVersion: number,
    handle: ResponseHandler<Res, T>,
  ): Promise<T> {
    const io = this.#io
    const state = this.#state
    for (;;) {
      this.assertOpen()
      if (state.hasError && state.lastError !== null) throw state.lastError
      let response: Res
      try {
        response = await io.request(coordinator, api, build, maxVersion)
      } catch (error) {
        if (isWireFailure(error)) {
          io.forgetCoordinator(coordinator)
          await this.#sleep(this.#retryBackoffMs)
          continue
        }
        if (error instanceof KafkaBrokerError) {
          // The FindCoordinator lookup failed.
          const action = producerErrorAction('FindCoordinator', error.code)
          if (action === 'retry') {
            await this.#sleep(this.#retryBackoffMs)
            continue
          }
          if (action === 'abortable') {
            throw state.abortable(state.error(error.code, true, `not authorized for group ${coordinator.key}`, error))
          }
          throw state.fatal(
            state.error(error.code, false, `could not find the ${coordinator.type} coordinator: ${error.message}`, error),
          )
        }
        const cause = error instanceof KafkaError ? error : new KafkaStateError(String(error), { cause: error })
        throw state.fatal(state.error(cause.code, false, `${api.name} failed: ${cause.message}`, cause))
      }
      const outcome = handle(response)
      if (outcome instanceof Retry) {
        if (outcome.findCoordinator) io.forgetCoordinator(coordinator)
        await this.#sleep(outcome.backoffMs ?? this.#retryBackoffMs)
        continue
      }
      return outcome
    }
  }
}
