/**
 * Retrying an operation within a deadline, as Kafka's clients do for admin calls and metadata:
 * retriable errors are tried again after an exponential backoff, until the deadline (Java's
 * `default.api.timeout.ms`) is spent; anything else fails at once.
 */

import { isRetriable, KafkaTimeoutError, type KafkaError } from '../errors.js'
import { backoffMs, type BackoffOptions } from '../util/backoff.js'

export interface RetryOptions {
  /** Absolute deadline in ms since the epoch. */
  deadline: number
  backoff: BackoffOptions
  /** What is being retried, for the timeout message. */
  what: string
  /** Runs before each retry with the error that caused it (refresh metadata, forget a coordinator…). */
  onRetriableError?: (error: KafkaError, attempt: number) => void | Promise<void>
}

/**
 * Runs `operation` until it succeeds, fails with a non-retriable error, or the deadline passes. At
 * the deadline the last retriable error is the cause of a {@link KafkaTimeoutError}.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation(attempt)
    } catch (error) {
      if (!isRetriable(error)) throw error
      const delay = backoffMs(attempt, options.backoff)
      if (Date.now() + delay >= options.deadline) {
        throw new KafkaTimeoutError(`${options.what} did not succeed before its deadline: ${error.message}`, {
          cause: error,
        })
      }
      await options.onRetriableError?.(error, attempt)
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}
