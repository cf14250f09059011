/**
 * `maxPollIntervalMs`: a member whose application stopped taking records (a handler stuck or far
 * too slow) must leave the group, so that its partitions move to members that make progress. The
 * watchdog fires once per lapse; the next {@link PollWatchdog.polled} arms it again.
 */

export class PollWatchdog {
  readonly #maxPollIntervalMs: number
  readonly #onExpired: () => void
  #lastPoll = Date.now()
  #timer: NodeJS.Timeout | undefined
  #running = false

  constructor(maxPollIntervalMs: number, onExpired: () => void) {
    this.#maxPollIntervalMs = maxPollIntervalMs
    this.#onExpired = onExpired
  }

  /** The application took records (or asked for them). */
  polled(): void {
    this.#lastPoll = Date.now()
    // Re-arming on every poll would cost a timer per record batch; the timer re-checks instead.
    if (this.#running && this.#timer === undefined) this.#arm(this.#maxPollIntervalMs)
  }

  start(): void {
    this.#running = true
    this.#lastPoll = Date.now()
    this.#arm(this.#maxPollIntervalMs)
  }

  stop(): void {
    this.#running = false
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => this.#check(), delayMs)
  }

  #check(): void {
    this.#timer = undefined
    if (!this.#running) return
    const idle = Date.now() - this.#lastPoll
    if (idle < this.#maxPollIntervalMs) {
      this.#arm(this.#maxPollIntervalMs - idle)
      return
    }
    // Disarmed until the next poll.
    this.#onExpired()
  }
}
