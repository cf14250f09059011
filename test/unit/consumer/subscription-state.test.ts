import { describe, expect, it } from 'vitest'
import { KafkaBrokerError } from '../../../src/errors.js'
import { CompletedFetch } from '../../../src/consumer/completed-fetch.js'
import { SubscriptionState, type PartitionState } from '../../../src/consumer/subscription-state.js'

const tp = { topic: 'orders', partition: 0 }

function owned(s: SubscriptionState): PartitionState {
  return s.add([tp])[0] ?? (s.get(tp.topic, tp.partition) as PartitionState)
}

function someFetch(generation: number): CompletedFetch {
  return new CompletedFetch({ generation, fetchOffset: 0n, records: new Uint8Array(100), abortedTransactions: null, checkCrcs: true })
}

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
    p.buffered = someFetch(p.generation)
    expect(p.isFetchable(1_000)).toBe(false)
    p.buffered = null
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
    p.buffered = second
    s.remove([tp])
    expect(dropped).toEqual([first, second])
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
