import { describe, expect, it } from 'vitest'
import { assignRange } from '../../../../src/consumer/group/assignors/range.js'
import { expectCompleteAndExclusive, input, names } from './helpers.js'

describe('range assignor', () => {
  it('cuts each topic into contiguous ranges, the first P mod M members taking one more', () => {
    const spec = input(
      [
        { id: 'c', topics: ['t'] },
        { id: 'a', topics: ['t'] },
        { id: 'b', topics: ['t'] },
      ],
      { t: 7 },
    )
    const result = assignRange(spec)
    expectCompleteAndExclusive(result, spec)
    expect(names(result, 'a')).toEqual(['t-0', 't-1', 't-2'])
    expect(names(result, 'b')).toEqual(['t-3', 't-4'])
    expect(names(result, 'c')).toEqual(['t-5', 't-6'])
  })

  it('gives the same partition numbers of co-partitioned topics to the same member', () => {
    const spec = input(
      [
        { id: 'm1', topics: ['orders', 'payments'] },
        { id: 'm2', topics: ['orders', 'payments'] },
      ],
      { orders: 4, payments: 4 },
    )
    const result = assignRange(spec)
    expect(names(result, 'm1')).toEqual(['orders-0', 'orders-1', 'payments-0', 'payments-1'])
    expect(names(result, 'm2')).toEqual(['orders-2', 'orders-3', 'payments-2', 'payments-3'])
  })

  it('orders static members by instance id ahead of dynamic members, whatever their member ids', () => {
    const spec = input(
      [
        { id: 'aaa-dynamic', topics: ['t'] },
        { id: 'zzz-1', topics: ['t'], instance: 'instance-b' },
        { id: 'mmm-2', topics: ['t'], instance: 'instance-a' },
      ],
      { t: 6 },
    )
    const result = assignRange(spec)
    expect(names(result, 'mmm-2')).toEqual(['t-0', 't-1'])
    expect(names(result, 'zzz-1')).toEqual(['t-2', 't-3'])
    expect(names(result, 'aaa-dynamic')).toEqual(['t-4', 't-5'])
  })

  it('keeps a static member’s partitions when it restarts with a new member id', () => {
    const before = assignRange(
      input(
        [
          { id: 'x-1', topics: ['t'], instance: 'i1' },
          { id: 'x-2', topics: ['t'], instance: 'i2' },
          { id: 'x-3', topics: ['t'], instance: 'i3' },
        ],
        { t: 6 },
      ),
    )
    const after = assignRange(
      input(
        [
          { id: 'x-1', topics: ['t'], instance: 'i1' },
          { id: '0-restarted', topics: ['t'], instance: 'i2' },
          { id: 'x-3', topics: ['t'], instance: 'i3' },
        ],
        { t: 6 },
      ),
    )
    expect(names(after, '0-restarted')).toEqual(names(before, 'x-2'))
    expect(names(after, 'x-1')).toEqual(names(before, 'x-1'))
  })

  it('splits each topic only over the members that subscribe to it, and skips unknown topics', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t1', 'missing'] },
        { id: 'b', topics: ['t1', 't2'] },
        { id: 'c', topics: ['t2'] },
      ],
      { t1: 3, t2: 2 },
    )
    const result = assignRange(spec)
    expectCompleteAndExclusive(result, spec)
    expect(names(result, 'a')).toEqual(['t1-0', 't1-1'])
    expect(names(result, 'b')).toEqual(['t1-2', 't2-0'])
    expect(names(result, 'c')).toEqual(['t2-1'])
  })

  it('leaves members beyond the partition count empty-handed', () => {
    const spec = input(
      [
        { id: 'a', topics: ['t'] },
        { id: 'b', topics: ['t'] },
        { id: 'c', topics: ['t'] },
      ],
      { t: 2 },
    )
    const result = assignRange(spec)
    expect(names(result, 'a')).toEqual(['t-0'])
    expect(names(result, 'b')).toEqual(['t-1'])
    expect(result.get('c')).toEqual([])
  })
})
