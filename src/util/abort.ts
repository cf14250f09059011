/**
 * Cancellation with the platform's `AbortSignal`, shared by every role's long calls (send, flush,
 * connect, admin calls, the consumer's run loop and iterator).
 *
 * A call given an aborted signal rejects at once, and a call whose signal aborts while it waits
 * rejects with `signal.reason` itself, as `fetch()` and `signal.throwIfAborted()` do (Node's older
 * APIs, `events.on` and `timers/promises`, wrap it in an `AbortError` instead). The reason is an
 * `AbortError` DOMException unless the caller passed its own to `controller.abort(reason)`. Only the
 * wait is abandoned: work already handed to a broker is not called back, so each call documents
 * what an abort leaves behind.
 */

import { KafkaConfigError } from '../errors.js'
import { describeValue } from './options.js'

/** The options object every long call takes last: `{ signal }`. */
export interface CallOptions {
  /** Abandons the call; it rejects with `signal.reason`. */
  readonly signal?: AbortSignal
}

/**
 * The `signal` of a call's options (absent, or `{ signal }`), checked: a call handed something
 * else fails at once with a KafkaConfigError, rather than never aborting. `call` names the call in
 * the message, as the user wrote it (`'send()'`).
 */
export function callSignal(call: string, options: CallOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) {
    throw new KafkaConfigError(`${call}: options must be an object such as { signal }, got ${describeValue(options)}`)
  }
  return checkSignal(call, options.signal)
}

/** An optional `signal` option, checked to be an AbortSignal. */
export function checkSignal(call: string, signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new KafkaConfigError(`${call}: signal must be an AbortSignal, got ${describeValue(signal)}`)
  }
  return signal as AbortSignal | undefined
}

/** Rejects (throws) with the signal's reason when it has already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw signal.reason
}

/**
 * Waits for `promise`, or rejects with `signal.reason` as soon as the signal aborts. Without a
 * signal it returns `promise` itself, so the common path adds no allocation. The listener is
 * removed when the promise settles, so a long-lived signal shared by many calls does not grow.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) {
    promise.catch(() => {}) // abandoned: its rejection must not go unhandled
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {})
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * Runs `onAbort` once if the signal aborts before the returned `release` is called; for waits that
 * must undo something themselves (take a queued record back, stop a loop) rather than just stop
 * waiting. `release` is idempotent.
 */
export function onAbort(signal: AbortSignal | undefined, onAbort: (reason: unknown) => void): () => void {
  if (signal === undefined) return noop
  if (signal.aborted) {
    onAbort(signal.reason)
    return noop
  }
  const listener = (): void => onAbort(signal.reason)
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}

function noop(): void {}
