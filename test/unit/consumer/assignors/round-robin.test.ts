import { describe, expect, it } from 'vitest'
import { assignRoundRobin } from '../../../../src/consumer/group/assignors/round-robin.js'
import { counts, expectCompleteAndExclusive, input, names } from './helpers.js'

describe('round-robin assignor', () => {
  it('deals all partitions, topics by name, over the members in order', () => {
    const spec = input(
      [
        { id: 'b', topics: ['y', 'x'] },
        { id: 'a', topics: ['x', 'y'] },
      ],
      { y: 2, x: 3 },
    )
    const result = assignRoundRobin(spec)
    expectCompleteAndExclusive(result, spec)
    // x-0 a, x-1 b, x-2 a, y-0 b, y-1 a
    expect(names(result, 'a')).toEqual(['x-0', 'x-2', 'y-1'])
    expect(names(result, 'b')).toEqual(['x-1', 'y-0'])
  })

  it('skips members that do not subscribe to a partition’s topic', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t1'] },
        { id: 'b', topics: ['t1', 't2'] },
        { id: 'c', topics: ['t1', 't2'] },
      ],
      { t1: 3, t2: 3 },
    )
    const result = assignRoundRobin(spec)
    expectCompleteAndExclusive(result, spec)
    expect(names(result, 'a')).toEqual(['t1-0'])
    expect(names(result, 'b')).toEqual(['t1-1', 't2-0', 't2-2'])
    expect(names(result, 'c')).toEqual(['t1-2', 't2-1'])
  })

  it('balances identical subscriptions to within one partition', () => {
    const spec = input(
      Array.from({ length: 4 }, (_, i) => ({ id: `m${i}`, topics: ['a', 'b', 'c'] })),
      { a: 5, b: 3, c: 7 },
    )
    const result = assignRoundRobin(spec)
    expectCompleteAndExclusive(result, spec)
    const c = counts(result)
    expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1)
  })
})
