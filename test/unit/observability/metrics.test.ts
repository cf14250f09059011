/** Windowed stats as Java's: rates over the elapsed window (at least one full sample window), averages and maxima of the samples still in the window, totals since start. */
import { describe, expect, it } from 'vitest'
import { MetricsRegistry, metricValue, SAMPLE_WINDOW_MS, WindowedStat } from '../../../src/observability/metrics.js'

describe('WindowedStat', () => {
  it('a rate counts over at least one full window, then over the time the samples span', () => {
    const t0 = 1_000_000
    const rate = new WindowedStat('rate', t0)
    for (let i = 0; i < 300; i++) rate.record(1, t0 + i * 10)
    // 300 events in 3 s read as 300 per 30 s, not 100 per second.
    expect(rate.value(t0 + 3_000)).toBeCloseTo(10, 5)
    // 45 s in: the window spans 45 s.
    expect(rate.value(t0 + 45_000)).toBeCloseTo(300 / 45, 5)
    // Two windows later, the old samples no longer count.
    expect(rate.value(t0 + 2 * SAMPLE_WINDOW_MS + 1)).toBe(0)
  })

  it('average and maximum of the recent samples; NaN with none', () => {
    const t0 = 5_000_000
    const avg = new WindowedStat('avg', t0)
    const max = new WindowedStat('max', t0)
    expect(avg.value(t0)).toBeNaN()
    expect(max.value(t0)).toBeNaN()
    for (const v of [10, 30, 20]) {
      avg.record(v, t0 + 1)
      max.record(v, t0 + 1)
    }
    expect(avg.value(t0 + 2)).toBe(20)
    expect(max.value(t0 + 2)).toBe(30)
    // A new sample window starts; the old one still counts until it is two windows old.
    avg.record(40, t0 + SAMPLE_WINDOW_MS + 5)
    max.record(5, t0 + SAMPLE_WINDOW_MS + 5)
    expect(avg.value(t0 + SAMPLE_WINDOW_MS + 6)).toBe(25)
    expect(max.value(t0 + SAMPLE_WINDOW_MS + 6)).toBe(30)
    expect(max.value(t0 + 2 * SAMPLE_WINDOW_MS + 10)).toBe(5)
  })

  it('a total sums everything since start', () => {
    const total = new WindowedStat('total', 0)
    total.record(3, 0)
    total.record(4, 10 * SAMPLE_WINDOW_MS)
    expect(total.value(100 * SAMPLE_WINDOW_MS)).toBe(7)
  })
})

describe('MetricsRegistry', () => {
  it('snapshots stats, gauges and per-partition metrics with the base tags', () => {
    const r = new MetricsRegistry({ 'client-id': 'c1' })
    r.stat('g', 'events-total', 'total', 'events').record(2)
    r.gauge('g', 'answer', 'a gauge', () => 42)
    r.dynamic(() => [{ group: 'g', name: 'lag', tags: { partition: '3' }, description: 'lag', value: 7 }])
    const snapshot = r.snapshot()
    expect(metricValue(snapshot, 'events-total')).toBe(2)
    expect(metricValue(snapshot, 'answer')).toBe(42)
    expect(metricValue(snapshot, 'lag', { partition: '3' })).toBe(7)
    expect(metricValue(snapshot, 'lag', { partition: '4' })).toBeUndefined()
    expect(snapshot.every((m) => m.tags['client-id'] === 'c1')).toBe(true)
  })
})
