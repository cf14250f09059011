/**
 * What the consume runner asks a client process to do and what the client reports back, shared by
 * the runner and every Node client.
 */

/** Read `records` records of `recordSize` bytes from the start of a pre-filled topic. */
export interface ThroughputJob {
  mode: 'throughput'
  brokers: string[]
  topic: string
  partitions: number
  records: number
  recordSize: number
  /** A fresh group per run, for clients that can only consume through a group. */
  groupId: string
}

/**
 * Produce `rate` records/s of `recordSize` bytes for `seconds` to an empty topic and consume them in
 * the same process, with the library's own producer and consumer.
 */
export interface LatencyJob {
  mode: 'latency'
  brokers: string[]
  topic: string
  partitions: number
  rate: number
  seconds: number
  recordSize: number
  groupId: string
}

export type ConsumeJob = ThroughputJob | LatencyJob

export interface ThroughputReport {
  mode: 'throughput'
  records: number
  valueBytes: number
  /**
   * From owning the partitions to the last record: from `assign` for manual assignment, from the
   * end of the group join for group clients (ConsumerPerformance: its fetch time).
   */
  elapsedMs: number
  /** From owning the partitions to the first record (unknown for the Java tool). */
  firstRecordMs?: number
  /** From asking for records (subscribe/assign + run) to the last one: group join and first fetch included. */
  totalElapsedMs: number
  /** CPU of the whole process, start-up included (user + system). */
  cpuMicros: number
  /** CPU from asking for records to the last one. */
  windowCpuMicros: number
  maxRssKiB: number
  settings: Record<string, string | number | boolean>
}

export interface LatencyReport {
  mode: 'latency'
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
  cpuMicros: number
  maxRssKiB: number
  settings: Record<string, string | number | boolean>
}

export type ConsumeReport = ThroughputReport | LatencyReport

export interface ClientSkip {
  skipped: string
}

export const RESULT_PREFIX = 'BENCH_RESULT '
