/**
 * The fetched data waiting for the application, and the memory budget it lives in.
 *
 * Bytes are counted from the moment a Fetch is sent (its `maxBytes` is reserved) until the
 * records are handed out, so fetches in flight plus buffered data never exceed
 * `fetchBufferMaxBytes` by more than what a broker may return over a request's limit (one batch,
 * KIP-74). When the budget is spent the fetcher sends nothing until the application drains.
 */

import type { CompletedFetch } from './completed-fetch.js'
import type { PartitionState } from './subscription-state.js'

export class FetchBuffer {
  readonly maxBytes: number
  #buffered = 0
  #reserved = 0
  // Partitions with data in arrival order: the drain side takes them round-robin.
  #ready: PartitionState[] = []
  #waiters: Array<() => void> = []
  readonly #onFreed: () => void

  /** `onFreed` runs when bytes were released (the fetcher may have room to fetch again). */
  constructor(maxBytes: number, onFreed: () => void) {
    this.maxBytes = maxBytes
    this.#onFreed = onFreed
  }

  /** Wire bytes of fetched records not handed out yet. */
  get bufferedBytes(): number {
    return this.#buffered
  }

  /** Bytes reserved for fetches in flight. */
  get reservedBytes(): number {
    return this.#reserved
  }

  /** Bytes a new fetch may ask for now (0: stop fetching). */
  get freeBytes(): number {
    return Math.max(0, this.maxBytes - this.#buffered - this.#reserved)
  }

  reserve(bytes: number): void {
    this.#reserved += bytes
  }

  unreserve(bytes: number): void {
    this.#reserved -= bytes
  }

  /**
   * Buffers a partition's completed fetch and wakes a waiting consumer. A fetch that continues the
   * partition's buffered one (from its end offset) waits behind it.
   */
  add(state: PartitionState, fetch: CompletedFetch): void {
    this.#buffered += fetch.bytesLeft
    if (state.buffered !== null) {
      state.prefetched = fetch
      return
    }
    state.buffered = fetch
    this.#ready.push(state)
    this.notify()
  }

  /**
   * Accounts for bytes a take consumed, and forgets the fetch once it is exhausted. Call after
   * every take with the fetch's `bytesLeft` before it.
   */
  consumed(state: PartitionState, fetch: CompletedFetch, bytesBefore: number): void {
    const freed = bytesBefore - fetch.bytesLeft
    if (fetch.isExhausted && state.buffered === fetch) {
      // The partition's position is now the prefetched fetch's offset: it takes over.
      state.buffered = state.prefetched
      state.prefetched = null
      if (state.buffered === null) this.#forget(state)
    }
    if (freed > 0) {
      this.#buffered -= freed
      this.#onFreed()
    } else if (fetch.isExhausted) {
      this.#onFreed()
    }
  }

  /** A partition's buffered fetch was dropped (seek, revoke, failure). */
  dropped(state: PartitionState, fetch: CompletedFetch): void {
    const left = fetch.bytesLeft
    fetch.discard()
    this.#forget(state)
    this.#buffered -= left
    this.#onFreed()
  }

  /**
   * The next partition whose records can be handed out (`isConsumable`), moved to the back of the
   * queue for fairness; undefined when none.
   */
  nextConsumable(): PartitionState | undefined {
    const ready = this.#ready
    for (let i = 0; i < ready.length; i++) {
      const state = ready[i] as PartitionState
      if (state.buffered === null) {
        ready.splice(i--, 1)
        continue
      }
      if (state.isConsumable()) {
        ready.splice(i, 1)
        ready.push(state)
        return state
      }
    }
    return undefined
  }

  /** Resolves at the next `add` or `notify`, or after `timeoutMs` when given. */
  waitForChange(timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      if (timeoutMs === undefined) {
        this.#waiters.push(resolve)
        return
      }
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(done)
        if (i >= 0) this.#waiters.splice(i, 1)
        resolve()
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        resolve()
      }
      this.#waiters.push(done)
    })
  }

  /** Wakes everything waiting in {@link waitForChange} (data, resume, stop, failure …). */
  notify(): void {
    if (this.#waiters.length === 0) return
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }

  #forget(state: PartitionState): void {
    const i = this.#ready.indexOf(state)
    if (i >= 0) this.#ready.splice(i, 1)
  }
}
