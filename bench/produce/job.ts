/**
 * What the parent asks a benchmark client to do, and what the client reports back. Shared by the
 * runner and every Node client so that both sides agree on one shape.
 */

export type Acks = '1' | 'all'
export type Compression = 'none' | 'lz4'

export interface Scenario {
  /** Value size in bytes; records are keyless. */
  recordSize: number
  acks: Acks
  compression: Compression
  /** Records to produce. */
  records: number
}

/** Producer settings every client maps onto its own options, so that all batch alike. */
export interface ProducerTuning {
  /** Time a partially full batch may wait for more records. */
  lingerMs: number
  /** Upper bound of one partition's batch, in bytes. */
  batchBytes: number
  /**
   * Bytes of record values a client may have handed over and not yet seen acknowledged. Clients
   * that send one record per call turn it into a count of calls in flight; clients that send
   * arrays into a count of arrays of {@link callBytes}.
   */
  windowBytes: number
  /** Bytes of values per call for clients whose idiomatic fast path sends arrays of records. */
  callBytes: number
}

/** The whole job, passed to a client process as JSON in the BENCH_JOB environment variable. */
export interface ClientJob {
  brokers: string[]
  topic: string
  scenario: Scenario
  tuning: ProducerTuning
  /** File of newline-separated payloads, each exactly `scenario.recordSize` ASCII bytes. */
  payloadFile: string
}

/** One client run as measured by the client itself. */
export interface ClientReport {
  records: number
  /** Bytes of record values acknowledged (keys are absent, headers none). */
  valueBytes: number
  /** From the first send to the last acknowledgement, connection set-up excluded. */
  elapsedMs: number
  /** CPU time of the whole process, start-up included (user + system). */
  cpuMicros: number
  /** CPU time spent between the first send and the last acknowledgement. */
  windowCpuMicros: number
  /** Peak resident set size in KiB. */
  maxRssKiB: number
  /** Client-specific settings actually used, for the results file. */
  settings: Record<string, string | number | boolean>
}

/** Printed by a client that cannot run (for example an API not written yet), then it exits 0. */
export interface ClientSkip {
  skipped: string
}

export const RESULT_PREFIX = 'BENCH_RESULT '
