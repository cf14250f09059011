/**
 * What the consumer owns and where it stands in each partition.
 *
 * Every assigned partition has a fetch state (Java `SubscriptionState.FetchStates`):
 *
 * - `INITIALIZING`: no position yet; the committed offset (or the reset policy) will give one;
 * - `AWAIT_RESET`: a reset to earliest / latest / a timestamp is pending (ListOffsets);
 * - `AWAIT_VALIDATION`: the position must be checked against the leader's log after a leader
 *   change (KIP-320, OffsetForLeaderEpoch) before fetching goes on;
 * - `FETCHING`: the position is valid and the partition can be fetched.
 *
 * Three offsets move forward per partition: the fetch position (where the next fetch starts when
 * nothing is buffered), the position handed out (next record to give the application, the same
 * number: the position advances when records are handed out), and the processed offset (the next
 * record after the last one the application finished). Auto-commit commits the processed offset
 * only, so a record handed out but not finished is never committed (at-least-once).
 *
 * Any jump of the position (seek, reset, truncation) bumps the partition's `generation`: fetches
 * in flight and buffered data from before the jump are recognised as stale and dropped.
 */

import type { KafkaError } from '../errors.js'
import type { CompletedFetch } from './completed-fetch.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'

export type FetchState = 'INITIALIZING' | 'AWAIT_RESET' | 'FETCHING' | 'AWAIT_VALIDATION'

/** Where a reset moves a partition: its first offset, its end, or the first record at or after a time. */
export type ResetStrategy = 'earliest' | 'latest' | { readonly timestamp: number }

/** An offset to commit, with the leader epoch of the record before it (-1 when unknown). */
export interface OffsetAndEpoch {
  readonly offset: bigint
  readonly leaderEpoch: number
}

export class PartitionState implements TopicPartition {
  readonly topic: string
  readonly partition: number
  readonly key: string
  state: FetchState = 'INITIALIZING'
  /** Next offset to hand to the application (and to fetch, when nothing is buffered); valid in FETCHING and AWAIT_VALIDATION. */
  position = -1n
  /** Leader epoch of the record before `position`; -1 when unknown. */
  positionEpoch = -1
  /** The metadata leader epoch the position was last checked against (KIP-320). */
  validatedLeaderEpoch = -1
  /** The pending reset while AWAIT_RESET. */
  resetStrategy: ResetStrategy | null = null
  /** Next offset after the last record the application finished; -1 before a position exists. */
  processedOffset = -1n
  processedEpoch = -1
  /** The offset this consumer last committed (or found committed) for the partition; -1 if none. */
  committedOffset = -1n
  paused = false
  /** Set while the partition is being revoked: nothing more is handed out. */
  revoking = false
  /** Bumped on every position jump; stale fetches and buffers carry an older value. */
  generation = 0
  /** Part of a Fetch now in flight. */
  inFlight = false
  /** Not fetched or looked up again before this time (ms), after an error. */
  retryAt = 0
  /** Failed for good (out of range with no reset policy, truncation, corrupt data …) until a seek. */
  error: KafkaError | null = null
  /** Fetched data being handed out. */
  buffered: CompletedFetch | null = null
  /**
   * The response after `buffered`, fetched from its end offset while it was handed out; it takes
   * its place once `buffered` is exhausted. Never set while `buffered` is null.
   */
  prefetched: CompletedFetch | null = null
  /** A worker is taking or processing records of this partition. */
  busy = false
  highWatermark = -1n
  lastStableOffset = -1n
  logStartOffset = -1n

  constructor(topic: string, partition: number) {
    this.topic = topic
    this.partition = partition
    this.key = partitionKey(topic, partition)
  }

  get hasPosition(): boolean {
    return this.state === 'FETCHING' || this.state === 'AWAIT_VALIDATION'
  }

  /**
   * Can a Fetch include this partition now? A fetch in flight excludes it, and so does a buffered
   * response with another one behind it already (or one that ends where it began: a truncated
   * batch is fetched again only once it is handed out).
   */
  isFetchable(now: number): boolean {
    return (
      this.state === 'FETCHING' &&
      !this.paused &&
      !this.revoking &&
      !this.inFlight &&
      this.error === null &&
      this.prefetched === null &&
      (this.buffered === null || this.buffered.endOffset > this.buffered.fetchOffset) &&
      this.retryAt <= now
    )
  }

  /** Where the next Fetch of this partition starts: after what is buffered, else the position. */
  get fetchPosition(): bigint {
    return this.buffered === null ? this.position : this.buffered.endOffset
  }

  /** Can buffered records of this partition be handed out now? */
  isConsumable(): boolean {
    return this.buffered !== null && !this.paused && !this.revoking && !this.busy && this.error === null
  }
}

/** Called with a partition whose buffered data was dropped, so its bytes can be released. */
export type DropBuffered = (state: PartitionState, fetch: CompletedFetch) => void

export class SubscriptionState {
  readonly #partitions = new Map<string, PartitionState>()
  readonly #dropBuffered: DropBuffered

  constructor(dropBuffered: DropBuffered = () => {}) {
    this.#dropBuffered = dropBuffered
  }

  get size(): number {
    return this.#partitions.size
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.#partitions.get(partitionKey(topic, partition))
  }

  has(tp: TopicPartition): boolean {
    return this.#partitions.has(partitionKey(tp.topic, tp.partition))
  }

  all(): IterableIterator<PartitionState> {
    return this.#partitions.values()
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map((p) => ({ topic: p.topic, partition: p.partition }))
  }

  topics(): string[] {
    return [...new Set([...this.#partitions.values()].map((p) => p.topic))]
  }

  /** Adds partitions (INITIALIZING); ones already owned keep their state. Returns the new ones. */
  add(partitions: readonly TopicPartition[]): PartitionState[] {
    const added: PartitionState[] = []
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition)
      if (this.#partitions.has(key)) continue
      const state = new PartitionState(tp.topic, tp.partition)
      this.#partitions.set(key, state)
      added.push(state)
    }
    return added
  }

  /** Removes partitions, dropping their buffered data. Returns the removed states. */
  remove(partitions: readonly TopicPartition[]): PartitionState[] {
    const removed: PartitionState[] = []
    for (const tp of partitions) {
      const key = partitionKey(tp.topic, tp.partition)
      const state = this.#partitions.get(key)
      if (state === undefined) continue
      this.#partitions.delete(key)
      state.generation++
      this.#drop(state)
      removed.push(state)
    }
    return removed
  }

  /** Replaces the assignment (manual `assign()`); returns what was added and removed. */
  set(partitions: readonly TopicPartition[]): { added: PartitionState[]; removed: PartitionState[] } {
    const wanted = new Set(partitions.map((tp) => partitionKey(tp.topic, tp.partition)))
    const gone = [...this.#partitions.values()].filter((p) => !wanted.has(p.key))
    const removed = this.remove(gone)
    return { added: this.add(partitions), removed }
  }

  /**
   * Moves the position. With a leader epoch the position is validated against the leader first
   * (AWAIT_VALIDATION), as Java's `seekUnvalidated`; without one fetching starts at once. The
   * processed offset moves too: what lies before a seek counts as done, so it is what auto-commit
   * stores next (as Java commits positions).
   */
  seek(state: PartitionState, offset: bigint, leaderEpoch = -1, validate = leaderEpoch >= 0): void {
    state.generation++
    this.#drop(state)
    state.position = offset
    state.positionEpoch = leaderEpoch
    state.processedOffset = offset
    state.processedEpoch = leaderEpoch
    state.resetStrategy = null
    state.error = null
    state.retryAt = 0
    state.state = validate ? 'AWAIT_VALIDATION' : 'FETCHING'
  }

  /** Asks for a reset (resolved lazily by ListOffsets). */
  requestReset(state: PartitionState, strategy: ResetStrategy): void {
    state.generation++
    this.#drop(state)
    state.resetStrategy = strategy
    state.error = null
    state.retryAt = 0
    state.state = 'AWAIT_RESET'
  }

  /** Puts a partition back to INITIALIZING so its committed offset is looked up again. */
  reinitialize(state: PartitionState): void {
    state.generation++
    this.#drop(state)
    state.resetStrategy = null
    state.error = null
    state.state = 'INITIALIZING'
  }

  /** Completes a reset with the offset ListOffsets found, unless the partition moved meanwhile. */
  completeReset(state: PartitionState, generation: number, offset: bigint, leaderEpoch: number): boolean {
    if (state.generation !== generation || state.state !== 'AWAIT_RESET') return false
    this.seek(state, offset, leaderEpoch, false)
    return true
  }

  /** The position checked out against the leader's log: fetching may go on. */
  completeValidation(state: PartitionState, generation: number, leaderEpoch: number): boolean {
    if (state.generation !== generation || state.state !== 'AWAIT_VALIDATION') return false
    state.validatedLeaderEpoch = leaderEpoch
    state.state = 'FETCHING'
    return true
  }

  /** Stops a partition with an error the application must see; a seek clears it. */
  fail(state: PartitionState, error: KafkaError): void {
    state.generation++
    this.#drop(state)
    state.error = error
  }

  /** Records were handed out: the position moves past them (no generation change). */
  advance(state: PartitionState, offset: bigint, leaderEpoch: number): void {
    state.position = offset
    if (leaderEpoch >= 0) state.positionEpoch = leaderEpoch
  }

  /**
   * The application finished records up to `offset` (exclusive). Ignored when the partition
   * jumped since they were handed out (`generation`) or is no longer owned, and never moves back.
   */
  markProcessed(state: PartitionState, generation: number, offset: bigint, leaderEpoch: number): void {
    if (state.generation !== generation || this.#partitions.get(state.key) !== state) return
    if (offset <= state.processedOffset) return
    state.processedOffset = offset
    if (leaderEpoch >= 0) state.processedEpoch = leaderEpoch
  }

  /**
   * Moves the position back to the processed offset: records handed out but not finished are
   * handed out again (after a stopped run, or a failed handler).
   */
  rewindToProcessed(state: PartitionState): void {
    if (!state.hasPosition || state.processedOffset < 0n) return
    if (state.position === state.processedOffset && state.buffered === null) return
    const epoch = state.processedEpoch
    this.seek(state, state.processedOffset, epoch, false)
  }

  /** Processed offsets not committed yet, for auto-commit and `commit()` without arguments. */
  offsetsToCommit(partitions: Iterable<PartitionState> = this.#partitions.values()): Map<PartitionState, OffsetAndEpoch> {
    const out = new Map<PartitionState, OffsetAndEpoch>()
    for (const p of partitions) {
      if (p.processedOffset >= 0n && p.processedOffset !== p.committedOffset) {
        out.set(p, { offset: p.processedOffset, leaderEpoch: p.processedEpoch })
      }
    }
    return out
  }

  #drop(state: PartitionState): void {
    const fetch = state.buffered
    const next = state.prefetched
    if (fetch === null) return
    state.buffered = null
    state.prefetched = null
    this.#dropBuffered(state, fetch)
    if (next !== null) this.#dropBuffered(state, next)
  }
}
