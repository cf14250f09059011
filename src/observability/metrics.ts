/**
 * Metrics as Java's client keeps them: named values in groups (`consumer-fetch-manager-metrics` …)
 * with tags (`client-id`, `topic`, `partition`), where rates, averages and maxima are computed over
 * a sliding window of samples (Java `metrics.sample.window.ms` 30 s × `metrics.num.samples` 2), so
 * a figure says what happened recently, not since start.
 *
 * Recording is a few arithmetic operations on preallocated samples: roles record per request or
 * per batch of records, never allocate per record.
 */

/** One metric's value at snapshot time. */
export interface Metric {
  readonly group: string
  /** Java's metric name (`records-lag-max`, `fetch-rate` …). */
  readonly name: string
  readonly tags: Readonly<Record<string, string>>
  readonly description: string
  /** NaN when there is nothing to say yet (an average of no samples), as Java reports. */
  readonly value: number
}

/** How a windowed stat folds its samples. */
export type StatKind = 'rate' | 'avg' | 'max' | 'total'

export const SAMPLE_WINDOW_MS = 30_000
export const SAMPLES = 2

/**
 * A stat over the last `SAMPLES` windows of `SAMPLE_WINDOW_MS`: the rate per second of the values
 * recorded, their average, their maximum, or (total) their sum since start.
 */
export class WindowedStat {
  readonly kind: StatKind
  readonly #sums = new Float64Array(SAMPLES)
  readonly #counts = new Float64Array(SAMPLES)
  readonly #maxima = new Float64Array(SAMPLES).fill(-Infinity)
  readonly #starts = new Float64Array(SAMPLES)
  #current = 0
  #total = 0

  constructor(kind: StatKind, now = Date.now()) {
    this.kind = kind
    this.#starts.fill(now)
  }

  record(value: number, now = Date.now()): void {
    this.#total += value
    let i = this.#current
    if (now - (this.#starts[i] as number) >= SAMPLE_WINDOW_MS) {
      i = this.#current = (i + 1) % SAMPLES
      this.#sums[i] = 0
      this.#counts[i] = 0
      this.#maxima[i] = -Infinity
      this.#starts[i] = now
    }
    this.#sums[i] = (this.#sums[i] as number) + value
    this.#counts[i] = (this.#counts[i] as number) + 1
    if (value > (this.#maxima[i] as number)) this.#maxima[i] = value
  }

  value(now = Date.now()): number {
    if (this.kind === 'total') return this.#total
    let sum = 0
    let count = 0
    let max = -Infinity
    let oldest = now
    for (let i = 0; i < SAMPLES; i++) {
      const start = this.#starts[i] as number
      // Samples older than the whole window no longer count.
      if (now - start >= SAMPLE_WINDOW_MS * SAMPLES) continue
      sum += this.#sums[i] as number
      count += this.#counts[i] as number
      max = Math.max(max, this.#maxima[i] as number)
      oldest = Math.min(oldest, start)
    }
    switch (this.kind) {
      case 'rate': {
        // As Java's Rate: over the window elapsed so far, but at least (samples - 1) full windows,
        // so a first burst does not read as an enormous rate.
        const elapsedMs = Math.max(now - oldest, SAMPLE_WINDOW_MS * (SAMPLES - 1))
        return (sum * 1000) / elapsedMs
      }
      case 'avg':
        return count === 0 ? NaN : sum / count
      case 'max':
        return count === 0 ? NaN : max
    }
  }
}

/** A metric to be read: a windowed stat, or a value computed at snapshot time (a gauge). */
export interface MetricSource {
  readonly group: string
  readonly name: string
  readonly description: string
  readonly tags?: Readonly<Record<string, string>>
  read(now: number): number
}

/** The metrics of one role: sources registered once, read together by {@link snapshot}. */
export class MetricsRegistry {
  readonly #baseTags: Readonly<Record<string, string>>
  readonly #sources: MetricSource[] = []
  readonly #dynamic: Array<(now: number) => Iterable<Metric>> = []

  constructor(baseTags: Readonly<Record<string, string>>) {
    this.#baseTags = baseTags
  }

  /** Registers a windowed stat under `name` and returns it for recording. */
  stat(group: string, name: string, kind: StatKind, description: string): WindowedStat {
    const stat = new WindowedStat(kind)
    this.#sources.push({ group, name, description, read: (now) => stat.value(now) })
    return stat
  }

  /** Registers a value read when a snapshot is taken. */
  gauge(group: string, name: string, description: string, read: (now: number) => number): void {
    this.#sources.push({ group, name, description, read })
  }

  /** Registers metrics whose set changes (per partition): produced anew at every snapshot. */
  dynamic(produce: (now: number) => Iterable<Metric>): void {
    this.#dynamic.push(produce)
  }

  get baseTags(): Readonly<Record<string, string>> {
    return this.#baseTags
  }

  snapshot(now = Date.now()): Metric[] {
    const out: Metric[] = []
    for (const s of this.#sources) {
      out.push({ group: s.group, name: s.name, tags: { ...this.#baseTags, ...s.tags }, description: s.description, value: s.read(now) })
    }
    for (const produce of this.#dynamic) for (const m of produce(now)) out.push({ ...m, tags: { ...this.#baseTags, ...m.tags } })
    return out
  }
}

/**
 * The value of the metric called `name` in a snapshot (the first whose tags include `tags`);
 * undefined when there is none.
 */
export function metricValue(metrics: readonly Metric[], name: string, tags: Readonly<Record<string, string>> = {}): number | undefined {
  for (const m of metrics) {
    if (m.name !== name) continue
    if (Object.entries(tags).every(([key, value]) => m.tags[key] === value)) return m.value
  }
  return undefined
}
