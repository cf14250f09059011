/**
 * What every admin operation needs: the shared cluster, the call's deadline and signal, and the
 * two retry shapes admin calls have — a whole request retried, or the resources of a batched
 * request retried one by one so that a failing topic never holds up the others.
 *
 * Cancellation lives here once: each call runs on a context of its own ({@link AdminContext.forCall})
 * that carries the call's `AbortSignal`, and both retry shapes stop at the next attempt once it
 * aborts. The admin facade rejects the call at once with `signal.reason`.
 */

import type { BrokerTarget, Cluster } from '../cluster/cluster.js'
import { retry } from '../cluster/retry.js'
import { KafkaBrokerError, KafkaConfigError, KafkaError, KafkaTimeoutError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { errorCodeInfo, ErrorCode } from '../protocol/error-codes.js'
import { backoffMs } from '../util/backoff.js'
import { checkSignal, throwIfAborted } from '../util/abort.js'
import { describeValue, durationOption } from '../util/options.js'

/** Options every admin call takes. */
export interface AdminCallOptions {
  /** Deadline of the whole call, retries included. Default: the admin's `timeoutMs`. */
  timeoutMs?: number
  /**
   * Abandons the call: it rejects with `signal.reason` at once, and no further request or retry of
   * it is sent. Requests already sent are not called back, so a change they carry (a topic
   * created, offsets altered) may still take effect on the brokers.
   */
  signal?: AbortSignal
}

/** A per-resource outcome: `error` is null on success. */
export interface ResourceError {
  /** The typed error for this resource, or null when it succeeded. */
  readonly error: KafkaError | null
}

export class AdminContext {
  readonly cluster: Cluster
  readonly defaultTimeoutMs: number
  /** The signal of the call this context serves, if any. */
  readonly signal: AbortSignal | undefined

  constructor(cluster: Cluster, defaultTimeoutMs: number, signal?: AbortSignal) {
    this.cluster = cluster
    this.defaultTimeoutMs = defaultTimeoutMs
    this.signal = signal
  }

  /** The context of one call, carrying its `signal` (checked: an AbortSignal or absent). */
  forCall(options: AdminCallOptions | undefined): AdminContext {
    checkCallOptions(options)
    const signal = checkSignal('call options', options?.signal)
    if (signal === undefined) return this
    return new AdminContext(this.cluster, this.defaultTimeoutMs, signal)
  }

  /** Throws the signal's reason once the call has been aborted; loops of their own check it each round. */
  throwIfAborted(): void {
    throwIfAborted(this.signal)
  }

  /** Absolute deadline of a call. */
  deadline(options: AdminCallOptions | undefined): number {
    // Every call starts here: a NaN deadline would never pass, and the call would retry forever.
    checkCallOptions(options)
    return Date.now() + durationOption('timeoutMs', options?.timeoutMs, this.defaultTimeoutMs, 1)
  }

  /** Milliseconds left before a deadline, at least 1, for a request's own timeout field. */
  remaining(deadline: number): number {
    return Math.max(1, deadline - Date.now())
  }

  /**
   * Sends one request to `target`, retrying retriable failures (connection loss, a timeout, a
   * top-level retriable error code thrown by `check`) until the deadline. After a failure that
   * means our view of the cluster is stale, metadata is refreshed before the next try.
   */
  async send<Req, Res>(
    target: BrokerTarget | (() => Promise<BrokerTarget>),
    api: ApiDescriptor<Req, Res>,
    build: (version: number) => Req,
    deadline: number,
    check?: (response: Res) => void,
  ): Promise<Res> {
    return retry(
      async () => {
        throwIfAborted(this.signal)
        const to = typeof target === 'function' ? await target() : target
        const response = await this.cluster.sendTo(to, api, build, { timeoutMs: this.remaining(deadline) + 1000 })
        check?.(response)
        return response
      },
      {
        deadline,
        backoff: this.cluster.options.retryBackoff,
        what: api.name,
        onRetriableError: (error) => this.#afterRetriable(error),
      },
    )
  }

  async #afterRetriable(error: KafkaError): Promise<void> {
    if (error instanceof KafkaBrokerError && error.action === 'refresh-metadata') {
      await this.cluster.refreshMetadata().catch(() => {})
    }
  }

  /**
   * Runs a batched request in rounds: each round sends the resources still pending (`round` uses
   * {@link send}, so a lost connection is retried as a whole), keeps those that got a retriable
   * error code for the next round, and settles the rest. At the deadline, whatever is still pending
   * settles with its last error wrapped in a timeout; a round that fails as a whole settles every
   * pending resource with that error.
   */
  async perResource<K, R extends ResourceError>(
    keys: readonly K[],
    round: (pending: readonly K[]) => Promise<Map<K, { code: number; message: string | null; result: R }>>,
    failed: (key: K, error: KafkaError) => R,
    deadline: number,
    what: string,
  ): Promise<Map<K, R>> {
    const settled = new Map<K, R>()
    let pending = [...keys]
    for (let attempt = 0; pending.length > 0; attempt++) {
      throwIfAborted(this.signal)
      let outcomes: Map<K, { code: number; message: string | null; result: R }>
      try {
        outcomes = await round(pending)
      } catch (error) {
        if (this.signal?.aborted === true) throw this.signal.reason
        const e = error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
        for (const key of pending) settled.set(key, failed(key, e))
        return settled
      }
      const retryLater: K[] = []
      let refresh = false
      for (const key of pending) {
        const outcome = outcomes.get(key)
        if (outcome === undefined) continue
        const { code, message, result } = outcome
        if (RETRY_PER_RESOURCE.has(code)) {
          retryLater.push(key)
          // NOT_CONTROLLER's default action is a refresh too: the controller is looked up again.
          refresh ||= errorCodeInfo(code).action === 'refresh-metadata'
          const delay = backoffMs(attempt, this.cluster.options.retryBackoff)
          if (Date.now() + delay < deadline) continue
          const cause = new KafkaBrokerError(code, message ?? undefined)
          settled.set(key, failed(key, new KafkaTimeoutError(`${what} for ${String(key)}: ${cause.message}`, { cause })))
          retryLater.pop()
          continue
        }
        settled.set(key, result)
      }
      pending = retryLater
      if (pending.length === 0) break
      if (refresh) await this.cluster.refreshMetadata().catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, this.cluster.options.retryBackoff)))
    }
    throwIfAborted(this.signal)
    return settled
  }
}

function checkCallOptions(options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new KafkaConfigError(`call options: expected an object, got ${describeValue(options)}`)
  }
}

/**
 * Per-resource error codes worth another round: the request reached the wrong broker (or one not
 * ready yet) or hit a quota. Other codes, retriable or not in Kafka's table, describe the resource
 * itself (UNKNOWN_TOPIC_OR_PARTITION for a missing topic) and are reported, as Java's admin does.
 */
const RETRY_PER_RESOURCE: ReadonlySet<number> = new Set([
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.THROTTLING_QUOTA_EXCEEDED,
])

/** The typed error for a per-resource error code, or null for 0. */
export function resourceError(code: number, message: string | null | undefined): KafkaBrokerError | null {
  return code === ErrorCode.NONE ? null : new KafkaBrokerError(code, message ?? undefined)
}

