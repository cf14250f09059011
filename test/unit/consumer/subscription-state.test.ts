import { describe, expect, it } from 'vitest'
import { KafkaBrokerError } from '../../../src/errors.js'
import { CompletedFetch } from '../../../src/consumer/completed-fetch.js'
import { SubscriptionState, type PartitionState } from '../../../src/consumer/subscription-state.js'
import { encodeRecordBatch } from '../../../src/protocol/record-batch.js'
import { FetchBuffer } from '../../../src/consumer/fetch-buffer.js'

const tp = { topic: 'orders', partition: 0 }

function owned(s: SubscriptionState): PartitionState {
  return s.add([tp])[0] ?? (s.get(tp.topic, tp.partition) as PartitionState)
}

/** A fetch of nothing complete (a truncated batch): it ends where it begins. */
function someFetch(generation: number): CompletedFetch {
  return new CompletedFetch({ generation, fetchOffset: 0n, records: truncatedBatch, abortedTransactions: null, checkCrcs: true })
}

/** A fetch of offsets 0-2 (one batch). */
function fetchOfThree(generation: number): CompletedFetch {
  return new CompletedFetch({ generation, fetchOffset: 0n, records: threeRecords, abortedTransactions: null, checkCrcs: true })
}

const threeRecords = await encodeRecordBatch({
  baseOffset: 0n,
  records: [0, 1, 2].map(() => ({ timestamp: 1_700_000_000_000n, key: null, value: Buffer.from('v') })),
})
const truncatedBatch = threeRecords.subarray(0, threeRecords.length - 1)

describe('SubscriptionState fetch states', () => {
  it('starts partitions in INITIALIZING without a position, and keeps the state of partitions already owned', () => {
    const s = new SubscriptionState()
    const [p] = s.add([tp, { topic: 'orders', partition: 1 }])
    expect(p?.state).toBe('INITIALIZING')
    expect(p?.hasPosition).toBe(false)
    s.seek(p as PartitionState, 5n)
    expect(s.add([tp])).toEqual([])
    expect(s.get('orders', 0)?.position).toBe(5n)
    expect(s.assignment()).toEqual([tp, { topic: 'orders', partition: 1 }])
  })

  it('seek without an epoch fetches at once; with an epoch it validates first (KIP-320)', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.seek(p, 10n)
    expect([p.state, p.position, p.positionEpoch]).toEqual(['FETCHING', 10n, -1])
    s.seek(p, 20n, 3)
    expect([p.state, p.position, p.positionEpoch]).toEqual(['AWAIT_VALIDATION', 20n, 3])
    expect(s.completeValidation(p, p.generation, 4)).toBe(true)
    expect([p.state, p.validatedLeaderEpoch]).toEqual(['FETCHING', 4])
  })

  it('completes a reset only for the generation that asked for it', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.requestReset(p, 'earliest')
    expect([p.state, p.resetStrategy]).toEqual(['AWAIT_RESET', 'earliest'])
    const asked = p.generation
    s.requestReset(p, 'latest') // a newer reset supersedes the lookup in flight
    expect(s.completeReset(p, asked, 0n, 0)).toBe(false)
    expect(p.state).toBe('AWAIT_RESET')
    expect(s.completeReset(p, p.generation, 42n, 1)).toBe(true)
    expect([p.state, p.position, p.processedOffset]).toEqual(['FETCHING', 42n, 42n])
    // A stale validation answer is ignored too.
    expect(s.completeValidation(p, asked, 9)).toBe(false)
  })

  it('a failure stops the partition until a seek clears it', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.seek(p, 0n)
    s.fail(p, new KafkaBrokerError(29))
    expect(p.isFetchable(0)).toBe(false)
    s.seek(p, 7n)
    expect(p.error).toBeNull()
    expect(p.isFetchable(0)).toBe(true)
  })

  it('fetchable only when FETCHING, resumed, idle, unbuffered, not revoking and past its backoff', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    expect(p.isFetchable(0)).toBe(false) // INITIALIZING
    s.seek(p, 0n)
    expect(p.isFetchable(0)).toBe(true)
    p.paused = true
    expect(p.isFetchable(0)).toBe(false)
    p.paused = false
    p.inFlight = true
    expect(p.isFetchable(0)).toBe(false)
    p.inFlight = false
    p.retryAt = 1_000
    expect(p.isFetchable(999)).toBe(false)
    expect(p.isFetchable(1_000)).toBe(true)
    // Buffered data that ends where it began: fetched again only once handed out.
    p.buffered = someFetch(p.generation)
    expect(p.isFetchable(1_000)).toBe(false)
    // Buffered data with a known end: the next fetch may start there, once.
    p.buffered = fetchOfThree(p.generation)
    expect(p.isFetchable(1_000)).toBe(true)
    expect(p.fetchPosition).toBe(3n)
    p.prefetched = fetchOfThree(p.generation)
    expect(p.isFetchable(1_000)).toBe(false)
    p.prefetched = null
    p.buffered = null
    expect(p.fetchPosition).toBe(0n)
    p.revoking = true
    expect(p.isFetchable(1_000)).toBe(false)
  })

  it('drops buffered data on every jump and on removal, through the callback', () => {
    const dropped: CompletedFetch[] = []
    const s = new SubscriptionState((_state, fetch) => dropped.push(fetch))
    const p = owned(s)
    s.seek(p, 0n)
    const first = someFetch(p.generation)
    p.buffered = first
    const before = p.generation
    s.seek(p, 3n)
    expect(p.generation).toBe(before + 1)
    expect(p.buffered).toBeNull()
    const second = someFetch(p.generation)
    const third = someFetch(p.generation)
    p.buffered = second
    p.prefetched = third
    s.remove([tp])
    expect(dropped).toEqual([first, second, third])
    expect(p.prefetched).toBeNull()
    expect(s.get(tp.topic, tp.partition)).toBeUndefined()
  })

  it('set() replaces the assignment and reports what changed', () => {
    const s = new SubscriptionState()
    s.add([tp, { topic: 'orders', partition: 1 }])
    const { added, removed } = s.set([{ topic: 'orders', partition: 1 }, { topic: 'audit', partition: 0 }])
    expect(added.map((p) => p.key)).toEqual(['audit:0'])
    expect(removed.map((p) => p.key)).toEqual(['orders:0'])
  })
})

describe('SubscriptionState offsets handed out, processed and committed', () => {
  it('advancing the position leaves the processed offset where the application is', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.seek(p, 100n)
    s.advance(p, 150n, 2)
    expect([p.position, p.positionEpoch, p.processedOffset]).toEqual([150n, 2, 100n])
    s.markProcessed(p, p.generation, 120n, 2)
    expect([p.processedOffset, p.processedEpoch]).toEqual([120n, 2])
  })

  it('never moves the processed offset back, nor for records handed out before a jump', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.seek(p, 0n)
    const handedOutAt = p.generation
    s.markProcessed(p, handedOutAt, 10n, 0)
    s.markProcessed(p, handedOutAt, 5n, 0)
    expect(p.processedOffset).toBe(10n)
    s.seek(p, 500n)
    s.markProcessed(p, handedOutAt, 11n, 0) // finished after the seek: not counted
    expect(p.processedOffset).toBe(500n)
  })

  it('rewinds the position to the processed offset so unfinished records are handed out again', () => {
    const s = new SubscriptionState()
    const p = owned(s)
    s.seek(p, 0n)
    s.advance(p, 50n, 1)
    s.markProcessed(p, p.generation, 20n, 1)
    s.rewindToProcessed(p)
    expect([p.state, p.position, p.positionEpoch, p.processedOffset]).toEqual(['FETCHING', 20n, 1, 20n])
  })

  it('commits only processed offsets that differ from the last commit', () => {
    const s = new SubscriptionState()
    const [a, b, c] = s.add([tp, { topic: 'orders', partition: 1 }, { topic: 'orders', partition: 2 }]) as PartitionState[]
    s.seek(a as PartitionState, 10n)
    s.seek(b as PartitionState, 0n)
    // c has no position yet: nothing to commit for it.
    ;(b as PartitionState).committedOffset = 0n
    s.markProcessed(a as PartitionState, (a as PartitionState).generation, 12n, 4)
    const first = s.offsetsToCommit()
    expect([...first].map(([p, o]) => [p.partition, o.offset, o.leaderEpoch])).toEqual([[0, 12n, 4]])
    ;(a as PartitionState).committedOffset = 12n
    expect(s.offsetsToCommit().size).toBe(0)
    s.markProcessed(b as PartitionState, (b as PartitionState).generation, 3n, 0)
    expect([...s.offsetsToCommit()].map(([p, o]) => [p.partition, o.offset])).toEqual([[1, 3n]])
    expect(c?.processedOffset).toBe(-1n)
  })
})

describe('FetchBuffer: a response fetched behind the buffered one', () => {
  it('waits behind it, takes over once it is exhausted, and counts both in the budget', async () => {
    const buffer = new FetchBuffer(1_000_000, () => {})
    const s = new SubscriptionState((state, fetch) => buffer.dropped(state, fetch))
    const p = owned(s)
    s.seek(p, 0n)
    const first = fetchOfThree(p.generation)
    buffer.add(p, first)
    const next = new CompletedFetch({ generation: p.generation, fetchOffset: p.fetchPosition, records: threeRecords, abortedTransactions: null, checkCrcs: true })
    buffer.add(p, next)
    expect([p.buffered, p.prefetched]).toEqual([first, next])
    expect(buffer.bufferedBytes).toBe(2 * threeRecords.length)
    expect(buffer.nextConsumable()).toBe(p)

    const out: unknown[] = []
    const before = first.bytesLeft
    while (!first.isExhausted) await first.take(10, (r) => r.offset, out)
    buffer.consumed(p, first, before)
    expect(p.buffered).toBe(next)
    expect(p.prefetched).toBeNull()
    expect(buffer.bufferedBytes).toBe(threeRecords.length)
    expect(buffer.nextConsumable()).toBe(p)

    s.seek(p, 10n)
    expect([p.buffered, p.prefetched, buffer.bufferedBytes]).toEqual([null, null, 0])
    expect(buffer.nextConsumable()).toBeUndefined()
  })

  it('a seek drops the prefetched response too, and frees its bytes', () => {
    const buffer = new FetchBuffer(1_000_000, () => {})
    const s = new SubscriptionState((state, fetch) => buffer.dropped(state, fetch))
    const p = owned(s)
    s.seek(p, 0n)
    buffer.add(p, fetchOfThree(p.generation))
    buffer.add(p, fetchOfThree(p.generation))
    s.seek(p, 1n)
    expect([p.buffered, p.prefetched, buffer.bufferedBytes]).toEqual([null, null, 0])
  })
})
