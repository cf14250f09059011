/**
 * What the latency runner asks a client process to do and what the client reports back, shared by
 * the runner and every Node client.
 */

/**
 * Join a fresh consumer group on `topic` (default consumer options), then produce `rate` records/s
 * of `recordSize` bytes for `seconds` with the same library's producer, each to a partition drawn
 * from a fixed pseudo-random sequence, and time each record from send to receipt.
 */
export interface LatencyJob {
  brokers: string[]
  topic: string
  partitions: number
  rate: number
  seconds: number
  recordSize: number
  groupId: string
}

export interface LatencyReport {
  /** Records produced in the measured phase. */
  sent: number
  /** Of those, received before the deadline. */
  received: number
  /** Achieved produce rate, records/s. */
  achievedRate: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
  avgMs: number
  /** CPU of the client process during the measured phase (user + system). */
  cpuMicros: number
  maxRssKiB: number
  settings: Record<string, string | number | boolean>
}

export interface ClientSkip {
  skipped: string
}

export const RESULT_PREFIX = 'BENCH_RESULT '
