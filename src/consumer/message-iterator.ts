/**
 * `for await (const message of consumer)`: messages one at a time from the {@link MessageSource}.
 *
 * A message counts as processed when the loop asks for the next one, so a loop that ends by
 * `break` or a throw hands its last message out again later (at-least-once). The iterator never
 * keeps a partition busy between two `next()` calls: a rebalance or `disconnect()` from inside the
 * loop's body does not wait for the body.
 *
 * An aborted `signal` ends the iteration like `return()` does, except that the `next()` waiting
 * at the abort, or else the next one called, rejects with `signal.reason`, and every later
 * `next()` reports done, as Node's `events.on` iterator does (which rejects with an `AbortError`
 * whose `cause` is the reason; here the reason comes back itself, as from `fetch()`).
 */

import { onAbort, throwIfAborted } from '../util/abort.js'
import type { Chunk, Consumption, MessageSource, Positioned } from './message-source.js'

export interface MessageIteratorDeps<M extends Positioned> {
  readonly source: MessageSource<M>
  /** Starts the consumption (connects, refuses a second one). */
  readonly start: () => Promise<Consumption>
  /** Ends it (moves positions back to what was processed). */
  readonly end: (consumption: Consumption) => void
  readonly signal?: AbortSignal
}

export class MessageIterator<M extends Positioned> implements AsyncIterableIterator<M> {
  readonly #deps: MessageIteratorDeps<M>
  #consumption: Consumption | null = null
  #chunk: Chunk<M> | null = null
  #index = 0
  #done = false
  // The abort not yet reported by a next() call.
  #abortPending = false
  #release: () => void = () => {}

  constructor(deps: MessageIteratorDeps<M>) {
    this.#deps = deps
    if (deps.signal?.aborted === true) {
      // Nothing started: the first next() reports the abort.
      this.#abortPending = true
      this.#done = true
      return
    }
    this.#release = onAbort(deps.signal, () => {
      if (this.#done) return
      this.#abortPending = true
      if (this.#consumption !== null) this.#consumption.stop()
      else this.#finish()
    })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  async next(): Promise<IteratorResult<M>> {
    this.#throwIfAborted()
    if (this.#done) return { value: undefined, done: true }
    if (this.#consumption === null) {
      let consumption: Consumption
      try {
        consumption = await this.#deps.start()
      } catch (error) {
        // Aborted while connecting: this rejection is the abort's report, and the iteration is over.
        if (this.#abortPending) {
          this.#abortPending = false
          this.#finish()
        }
        throw error
      }
      this.#consumption = consumption
      // Stopped from elsewhere (stop(), disconnect(), the signal) while the body runs: let go of the chunk now.
      consumption.onStop(() => this.#finish())
      // Aborted while connecting.
      if (this.#abortPending) consumption.stop()
      this.#throwIfAborted()
    }
    const consumption = this.#consumption
    const { source } = this.#deps
    for (;;) {
      const chunk = this.#chunk
      if (chunk !== null) {
        if (this.#index > 0) source.processed(chunk, chunk.messages[this.#index - 1] as M)
        const state = chunk.state
        const valid = !consumption.stopped && state.generation === chunk.generation && !state.paused && !state.revoking
        if (valid && this.#index < chunk.messages.length) return { value: chunk.messages[this.#index++] as M, done: false }
        this.#chunk = null
        source.release(chunk, this.#index)
      }
      if (this.#done) return { value: undefined, done: true }
      const next = await source.next(consumption)
      if (next === null) {
        const error = consumption.error
        this.#finish()
        if (error !== null) throw error
        this.#throwIfAborted()
        return { value: undefined, done: true }
      }
      // Not busy between next() calls: nobody else takes chunks while this iterator holds one.
      next.state.busy = false
      this.#chunk = next
      this.#index = 0
    }
  }

  async return(): Promise<IteratorResult<M>> {
    this.#finish()
    return { value: undefined, done: true }
  }

  #throwIfAborted(): void {
    if (!this.#abortPending) return
    this.#abortPending = false
    throwIfAborted(this.#deps.signal)
  }

  #finish(): void {
    if (this.#done) return
    this.#done = true
    this.#release()
    const chunk = this.#chunk
    this.#chunk = null
    // The message in the loop's body was not finished: it is handed out again.
    if (chunk !== null) this.#deps.source.release(chunk, 0)
    if (this.#consumption !== null) this.#deps.end(this.#consumption)
  }
}
