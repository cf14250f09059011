/**
 * Tells the application when a group member has been out of a working generation for too long.
 *
 * A membership keeps retrying by itself (rediscovering the coordinator, re-joining with backoff),
 * so a failed request is not an error the application must act on. A member that stays without an
 * assignment for longer than `limitMs` is another matter: something outside the client (a dead
 * coordinator, a partitioned network, ACLs) stands in the way, and the application should hear of
 * it once per such episode, with the last failure as the cause, while the member goes on trying.
 *
 * Two limits: `limitMs` applies once a request of the rebalance has failed; a rebalance that only
 * waits (a JoinGroup the coordinator holds for a slow member) is reported after `waitLimitMs`.
 */

import { type KafkaError, KafkaTimeoutError } from '../../errors.js'

export class StallWatch {
  readonly #limitMs: number
  readonly #waitLimitMs: number
  readonly #report: (error: KafkaError) => void
  readonly #describe: () => string
  /** When the member last lost (or had not yet reached) a working generation; null while it has one. */
  #since: number | null = null
  #timer: NodeJS.Timeout | undefined
  #lastFailure: unknown

  constructor(limits: { limitMs: number; waitLimitMs: number }, describe: () => string, report: (error: KafkaError) => void) {
    this.#limitMs = limits.limitMs
    this.#waitLimitMs = Math.max(limits.limitMs, limits.waitLimitMs)
    this.#describe = describe
    this.#report = report
  }

  /** The member needs a (new) assignment from now on; a stall already counting keeps its start. */
  begin(): void {
    if (this.#since !== null) return
    this.#since = Date.now()
    this.#arm(this.#limitMs)
  }

  /** The member has a working generation again (or left the group). */
  progressed(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#since = null
    this.#lastFailure = undefined
  }

  /** A request of the rebalance failed: the cause goes with the report if the stall lasts. */
  failed(cause: unknown): void {
    this.#lastFailure = cause
    // Past the first limit already (the timer waits for the longer one): report now.
    if (this.#since !== null && this.#timer !== undefined && Date.now() - this.#since >= this.#limitMs) {
      clearTimeout(this.#timer)
      this.#expired()
    }
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#expired(), ms)
    this.#timer.unref()
  }

  #expired(): void {
    this.#timer = undefined
    if (this.#since === null) return
    const elapsed = Date.now() - this.#since
    if (this.#lastFailure === undefined && elapsed < this.#waitLimitMs) {
      this.#arm(this.#waitLimitMs - elapsed)
      return
    }
    const cause = this.#lastFailure
    const why = cause instanceof Error ? `; last failure: ${cause.message}` : ''
    this.#report(
      new KafkaTimeoutError(
        `${this.#describe()} has had no assignment for ${elapsed} ms and is still trying to rejoin${why}`,
        { cause },
      ),
    )
  }
}
