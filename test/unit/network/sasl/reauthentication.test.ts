import { describe, expect, it } from 'vitest'
import { reauthenticationDelayMs } from '../../../../src/network/sasl/authenticate.js'

describe('re-authentication delay (KIP-368)', () => {
  it('falls between 85 % and 95 % of the session lifetime, less the login latency', () => {
    expect(reauthenticationDelayMs(10_000, 0, () => 0)).toBe(8_500)
    expect(reauthenticationDelayMs(10_000, 0, () => 1)).toBe(9_500)
    expect(reauthenticationDelayMs(10_000, 200, () => 0.5)).toBe(8_800)
    for (let i = 0; i < 100; i++) {
      const delay = reauthenticationDelayMs(3_600_000, 50)
      expect(delay).toBeGreaterThanOrEqual(3_600_000 * 0.85 - 50)
      expect(delay).toBeLessThanOrEqual(3_600_000 * 0.95 - 50)
    }
  })

  it('keeps a floor: a second, or half of a shorter lifetime', () => {
    expect(reauthenticationDelayMs(1_100, 900, () => 0)).toBe(550)
    expect(reauthenticationDelayMs(5_000, 4_900, () => 0)).toBe(1_000)
    expect(reauthenticationDelayMs(400, 0, () => 0)).toBe(340)
    expect(reauthenticationDelayMs(400, 390, () => 0)).toBe(200)
  })

  it('never exceeds what a timer can hold', () => {
    expect(reauthenticationDelayMs(Number.MAX_SAFE_INTEGER, 0, () => 1)).toBeLessThanOrEqual(2 ** 31 - 1)
  })
})
