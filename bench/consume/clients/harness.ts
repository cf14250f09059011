/**
 * What every Node consume client shares: reading the job, counting records against the clock,
 * stamping and timing latency probes, and reporting to the parent on stdout.
 */

import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { RESULT_PREFIX, type ClientSkip, type ConsumeJob, type ConsumeReport, type LatencyJob, type LatencyReport, type ThroughputJob, type ThroughputReport } from '../job.js'

export function readJob(): ConsumeJob {
  const raw = process.env.BENCH_JOB
  if (raw === undefined) throw new Error('BENCH_JOB is not set: run this client through bench/consume/run.ts')
  return JSON.parse(raw) as ConsumeJob
}

/**
 * Counts consumed records until the job's total; `done` resolves at the last one. Clients call
 * `add` once per batch (or per record) with the number of records and value bytes.
 */
export class ThroughputCounter {
  readonly done: Promise<void>
  #resolve!: () => void
  #records = 0
  #bytes = 0
  #firstAt = 0n
  #assignedAt: bigint | undefined
  #lastAt = 0n
  readonly #startedAt = process.hrtime.bigint()
  readonly #cpuAtStart = process.cpuUsage()
  #windowCpu: NodeJS.CpuUsage | undefined

  constructor(readonly job: ThroughputJob) {
    this.done = new Promise((resolve) => (this.#resolve = resolve))
  }

  get finished(): boolean {
    return this.#windowCpu !== undefined
  }

  /**
   * The partitions are this consumer's (a group client's join completed): the throughput clock
   * starts here, as ConsumerPerformance's fetch time does. Clients with manual assignment never
   * call it and are timed from the counter's creation, just before `assign`.
   */
  assigned(): void {
    this.#assignedAt ??= process.hrtime.bigint()
  }

  add(records: number, valueBytes: number): void {
    if (this.#windowCpu !== undefined) return
    if (this.#records === 0) this.#firstAt = process.hrtime.bigint()
    this.#records += records
    this.#bytes += valueBytes
    if (this.#records >= this.job.records) {
      this.#lastAt = process.hrtime.bigint()
      this.#windowCpu = process.cpuUsage(this.#cpuAtStart)
      this.#resolve()
    }
  }

  report(settings: ThroughputReport['settings']): ThroughputReport {
    const windowCpu = this.#windowCpu
    if (windowCpu === undefined) throw new Error(`only ${this.#records} of ${this.job.records} records consumed`)
    const total = process.cpuUsage()
    return {
      mode: 'throughput',
      records: this.#records,
      valueBytes: this.#bytes,
      elapsedMs: Number(this.#lastAt - (this.#assignedAt ?? this.#startedAt)) / 1e6,
      firstRecordMs: Number(this.#firstAt - (this.#assignedAt ?? this.#startedAt)) / 1e6,
      totalElapsedMs: Number(this.#lastAt - this.#startedAt) / 1e6,
      cpuMicros: total.user + total.system,
      windowCpuMicros: windowCpu.user + windowCpu.system,
      maxRssKiB: process.resourceUsage().maxRSS,
      settings,
    }
  }
}

/** Rejects after `ms` with `what` in the message, so that a stuck client fails instead of hanging. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Latency records: bytes 0-7 hold the send time (performance.now(), ms, float64 LE) and bytes 8-11
 * a sequence number, -1 for the warm-up probes that only show the consumer is reading.
 */
const PROBE = -1

/**
 * Runs the latency job: warm-up probes until one comes back (the consumer has its partitions and
 * its position), then `rate` records/s for `seconds`, then waits for the stragglers. Each client
 * supplies `send` (no awaiting per record) and calls `onValue` with every value it receives.
 */
export class LatencyProbe {
  readonly #job: LatencyJob
  readonly #latencies: Float64Array
  readonly #seen: Uint8Array
  #received = 0
  #probeSeen = false
  #allIn: (() => void) | undefined
  #sent = 0

  constructor(job: LatencyJob) {
    this.#job = job
    this.#latencies = new Float64Array(job.rate * job.seconds)
    this.#seen = new Uint8Array(job.rate * job.seconds)
  }

  /** A value to send now: stamped with the current time and `seq`. */
  value(seq: number): Buffer {
    const buffer = Buffer.alloc(this.#job.recordSize, 0x61)
    buffer.writeDoubleLE(performance.now(), 0)
    buffer.writeInt32LE(seq, 8)
    return buffer
  }

  readonly onValue = (value: Uint8Array | null): void => {
    const now = performance.now()
    if (value === null || value.length < 12) return
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
    const seq = view.getInt32(8, true)
    if (seq === PROBE) {
      this.#probeSeen = true
      return
    }
    if (seq < 0 || seq >= this.#seen.length || this.#seen[seq] === 1) return
    this.#seen[seq] = 1
    this.#latencies[seq] = now - view.getFloat64(0, true)
    this.#received++
    if (this.#received === this.#sent && this.#allIn !== undefined) this.#allIn()
  }

  async run(send: (value: Buffer) => void): Promise<Omit<LatencyReport, 'settings'>> {
    const { rate, seconds } = this.#job
    const warmUpUntil = performance.now() + 60_000
    while (!this.#probeSeen) {
      if (performance.now() > warmUpUntil) throw new Error('no warm-up probe came back within 60 s')
      send(this.value(PROBE))
      await sleep(100)
    }
    const total = rate * seconds
    const cpuAtStart = process.cpuUsage()
    const startedAt = performance.now()
    // Records due by now at `rate`, sent in the tick where they fall due (timers fire every ~1 ms).
    while (this.#sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - startedAt) * rate) / 1000) + 1)
      while (this.#sent < due) send(this.value(this.#sent++))
      await sleep(1)
    }
    const sendSeconds = (performance.now() - startedAt) / 1000
    if (this.#received < total) {
      const allIn = new Promise<void>((resolve) => (this.#allIn = resolve))
      await Promise.race([allIn, sleep(30_000)])
    }
    const cpu = process.cpuUsage(cpuAtStart)
    const got: number[] = []
    for (let i = 0; i < total; i++) if (this.#seen[i] === 1) got.push(this.#latencies[i]!)
    got.sort((a, b) => a - b)
    const pick = (q: number): number => got[Math.min(got.length - 1, Math.floor(q * got.length))] ?? Number.NaN
    return {
      mode: 'latency',
      sent: total,
      received: got.length,
      achievedRate: total / sendSeconds,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      p999Ms: pick(0.999),
      maxMs: got[got.length - 1] ?? Number.NaN,
      avgMs: got.reduce((a, b) => a + b, 0) / got.length,
      cpuMicros: cpu.user + cpu.system,
      maxRssKiB: process.resourceUsage().maxRSS,
    }
  }
}

export function runClient(main: (job: ConsumeJob) => Promise<ConsumeReport | ClientSkip>): void {
  main(readJob()).then(
    (result) => {
      process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}

export function partitionsOf(job: ConsumeJob): number[] {
  return Array.from({ length: job.partitions }, (_, i) => i)
}
