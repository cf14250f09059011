/**
 * `for await (const message of consumer)`: messages one at a time from the {@link MessageSource}.
 *
 * A message counts as processed when the loop asks for the next one, so a loop that ends by
 * `break` or a throw hands its last message out again later (at-least-once). The iterator never
 * keeps a partition busy between two `next()` calls: a rebalance or `disconnect()` from inside the
 * loop's body does not wait for the body.
 */

import type { Chunk, Consumption, MessageSource, Positioned } from './message-source.js'

export interface MessageIteratorDeps<M extends Positioned> {
  readonly source: MessageSource<M>
  /** Starts the consumption (connects, refuses a second one). */
  readonly start: () => Promise<Consumption>
  /** Ends it (moves positions back to what was processed). */
  readonly end: (consumption: Consumption) => void
}

export class MessageIterator<M extends Positioned> implements AsyncIterator<M> {
  readonly #deps: MessageIteratorDeps<M>
  #consumption: Consumption | null = null
  #chunk: Chunk<M> | null = null
  #index = 0
  #done = false

  constructor(deps: MessageIteratorDeps<M>) {
    this.#deps = deps
  }

  async next(): Promise<IteratorResult<M>> {
    if (this.#done) return { value: undefined, done: true }
    if (this.#consumption === null) {
      this.#consumption = await this.#deps.start()
      // Stopped from elsewhere (stop(), disconnect()) while the body runs: let go of the chunk now.
      this.#consumption.onStop(() => this.#finish())
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

  #finish(): void {
    if (this.#done) return
    this.#done = true
    const chunk = this.#chunk
    this.#chunk = null
    // The message in the loop's body was not finished: it is handed out again.
    if (chunk !== null) this.#deps.source.release(chunk, 0)
    if (this.#consumption !== null) this.#deps.end(this.#consumption)
  }
}
