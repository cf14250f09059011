/**
 * What the soak test measures every few seconds: memory (heap after a full GC when one can be
 * forced, and RSS), event-loop delay, and the process's live handles by kind (sockets, timers…),
 * plus the statistics that decide whether a run was flat.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface SoakSample {
  /** Milliseconds since the run started. */
  readonly t: number
  readonly rss: number
  /** Heap in use, measured right after a full GC when `gcForced` is true. */
  readonly heapUsed: number
  readonly heapTotal: number
  readonly external: number
  readonly arrayBuffers: number
  /** Event-loop delay over the sampling interval, milliseconds. */
  readonly loopDelayP50: number
  readonly loopDelayP99: number
  readonly loopDelayMax: number
  /** Open TCP sockets (TCPSocketWrap handles). */
  readonly sockets: number
  /** Live timers (Timeout resources). */
  readonly timers: number
  /** Every active resource by kind, as process.getActiveResourcesInfo() names them. */
  readonly resources: Record<string, number>
  readonly produced: number
  readonly consumed: number
  readonly restarts: number
}

export type SampleCounters = Pick<SoakSample, 'produced' | 'consumed' | 'restarts'>

/**
 * A function that runs a full, synchronous GC, or null. `--expose-gc` can be turned on at run time;
 * the `gc` global then exists in contexts created afterwards.
 */
export function forcedGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc
  if (typeof existing === 'function') return existing
  try {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as unknown
    return typeof gc === 'function' ? (gc as () => void) : null
  } catch {
    return null
  }
}

/** Active resources by kind. */
export function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1
  return counts
}

export class SoakSampler {
  readonly samples: SoakSample[] = []
  readonly gcForced: boolean
  readonly #gc: (() => void) | null
  readonly #histogram: IntervalHistogram
  readonly #startedAt: number

  constructor(startedAt: number) {
    this.#gc = forcedGc()
    this.gcForced = this.#gc !== null
    this.#histogram = monitorEventLoopDelay({ resolution: 10 })
    this.#histogram.enable()
    this.#startedAt = startedAt
  }

  sample(counters: SampleCounters): SoakSample {
    const h = this.#histogram
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100
    const loop = { loopDelayP50: ms(h.percentile(50)), loopDelayP99: ms(h.percentile(99)), loopDelayMax: ms(h.max) }
    h.reset()
    this.#gc?.()
    const mem = process.memoryUsage()
    const resources = resourceCounts()
    const sample: SoakSample = {
      t: Date.now() - this.#startedAt,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      ...loop,
      sockets: resources.TCPSocketWrap ?? 0,
      timers: resources.Timeout ?? 0,
      resources,
      ...counters,
    }
    this.samples.push(sample)
    return sample
  }

  stop(): void {
    this.#histogram.disable()
  }
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The samples after warm-up, split into a first and a last third (the middle third is ignored). */
export function thirdsAfterWarmup(
  samples: readonly SoakSample[],
  warmupMs: number,
): { first: SoakSample[]; last: SoakSample[] } {
  const steady = samples.filter((s) => s.t >= warmupMs)
  const third = Math.max(1, Math.floor(steady.length / 3))
  return { first: steady.slice(0, third), last: steady.slice(steady.length - third) }
}

export interface Drift {
  readonly first: number
  readonly last: number
  /** last / first - 1 */
  readonly growth: number
}

export function drift(
  halves: { first: readonly SoakSample[]; last: readonly SoakSample[] },
  pick: (s: SoakSample) => number,
): Drift {
  const first = median(halves.first.map(pick))
  const last = median(halves.last.map(pick))
  return { first, last, growth: first === 0 ? (last === 0 ? 0 : Infinity) : last / first - 1 }
}
