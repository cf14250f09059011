/**
 * The consumer's metrics, named as Java's `consumer-fetch-manager-metrics`: fetch rate and latency,
 * records and bytes consumed, and the lag of each partition (the high watermark, or the last
 * stable offset under read_committed, minus the position), read off the fetch responses the
 * consumer receives anyway: no extra requests.
 */

import { MetricsRegistry, type Metric, type WindowedStat } from '../observability/metrics.js'
import type { FetchBuffer } from './fetch-buffer.js'
import type { PartitionState, SubscriptionState } from './subscription-state.js'

const FETCH_GROUP = 'consumer-fetch-manager-metrics'

export class FetchMetrics {
  readonly registry: MetricsRegistry
  readonly #fetchRate: WindowedStat
  readonly #fetchTotal: WindowedStat
  readonly #fetchLatencyAvg: WindowedStat
  readonly #fetchLatencyMax: WindowedStat
  readonly #fetchSizeAvg: WindowedStat
  readonly #recordsRate: WindowedStat
  readonly #bytesRate: WindowedStat
  readonly #recordsTotal: WindowedStat
  readonly #bytesTotal: WindowedStat

  constructor(clientId: string, subscriptions: SubscriptionState, buffer: FetchBuffer, readCommitted: boolean) {
    const r = (this.registry = new MetricsRegistry({ 'client-id': clientId }))
    this.#fetchRate = r.stat(FETCH_GROUP, 'fetch-rate', 'rate', 'Fetch requests per second')
    this.#fetchTotal = r.stat(FETCH_GROUP, 'fetch-total', 'total', 'Fetch requests answered')
    this.#fetchLatencyAvg = r.stat(FETCH_GROUP, 'fetch-latency-avg', 'avg', 'Average time a Fetch request took (ms)')
    this.#fetchLatencyMax = r.stat(FETCH_GROUP, 'fetch-latency-max', 'max', 'Longest time a Fetch request took (ms)')
    this.#fetchSizeAvg = r.stat(FETCH_GROUP, 'fetch-size-avg', 'avg', 'Average bytes of records per Fetch response')
    this.#recordsRate = r.stat(FETCH_GROUP, 'records-consumed-rate', 'rate', 'Records handed to the application per second')
    this.#bytesRate = r.stat(FETCH_GROUP, 'bytes-consumed-rate', 'rate', 'Bytes of records handed to the application per second')
    this.#recordsTotal = r.stat(FETCH_GROUP, 'records-consumed-total', 'total', 'Records handed to the application')
    this.#bytesTotal = r.stat(FETCH_GROUP, 'bytes-consumed-total', 'total', 'Bytes of records handed to the application')
    // kafkats' own: the fetch buffer (fetchBufferMaxBytes) and what it holds.
    r.gauge(FETCH_GROUP, 'fetch-buffer-bytes', 'Wire bytes fetched and not yet handed out', () => buffer.bufferedBytes)
    r.gauge(FETCH_GROUP, 'fetch-buffer-reserved-bytes', 'Bytes reserved for Fetch requests in flight', () => buffer.reservedBytes)
    r.gauge(FETCH_GROUP, 'fetch-buffer-max-bytes', 'The fetch buffer budget (fetchBufferMaxBytes)', () => buffer.maxBytes)
    const lagOf = (p: PartitionState): number | null => {
      const end = readCommitted ? p.lastStableOffset : p.highWatermark
      if (end < 0n || !p.hasPosition) return null
      return Number(end - p.position)
    }
    r.gauge(FETCH_GROUP, 'records-lag-max', 'Largest lag of an assigned partition (records); NaN before any fetch', () => {
      let max = NaN
      for (const p of subscriptions.all()) {
        const lag = lagOf(p)
        if (lag !== null && !(lag <= max)) max = lag
      }
      return max
    })
    r.dynamic(function* (): Iterable<Metric> {
      for (const p of subscriptions.all()) {
        const lag = lagOf(p)
        if (lag === null) continue
        yield {
          group: FETCH_GROUP,
          name: 'records-lag',
          tags: { topic: p.topic, partition: String(p.partition) },
          description: 'Records between the position and the end of the partition',
          value: lag,
        }
      }
    })
  }

  /** A Fetch answered after `latencyMs` with `bytes` of records. */
  fetched(latencyMs: number, bytes: number, now = Date.now()): void {
    this.#fetchRate.record(1, now)
    this.#fetchTotal.record(1, now)
    this.#fetchLatencyAvg.record(latencyMs, now)
    this.#fetchLatencyMax.record(latencyMs, now)
    this.#fetchSizeAvg.record(bytes, now)
  }

  /** `records` records (`bytes` wire bytes) were handed to the application. */
  consumed(records: number, bytes: number, now = Date.now()): void {
    this.#recordsRate.record(records, now)
    this.#bytesRate.record(bytes, now)
    this.#recordsTotal.record(records, now)
    this.#bytesTotal.record(bytes, now)
  }
}
