import { describe, expect, it } from 'vitest'
import { backoffMs } from '../../../src/util/backoff.js'

describe('backoffMs', () => {
  const options = { initialMs: 50, maxMs: 1000, multiplier: 2, jitter: 0.2 }

  it('doubles from the initial delay without jitter at the midpoint', () => {
    const mid = (): number => 0.5
    expect([0, 1, 2, 3, 4].map((a) => backoffMs(a, options, mid))).toEqual([50, 100, 200, 400, 800])
  })

  it('caps at the maximum', () => {
    expect(backoffMs(30, options, () => 0.5)).toBe(1000)
  })

  it('spreads each delay by at most the jitter fraction', () => {
    expect(backoffMs(2, options, () => 0)).toBe(160)
    expect(backoffMs(2, options, () => 0.999999)).toBe(240)
  })
})
