/**
 * What every Node latency client shares: reading the job, the warm-up that proves the group
 * consumer reads every partition, the fixed-rate send loop, and the latency figures.
 *
 * Values: bytes 0-7 hold the send time (performance.now(), ms, float64 LE), bytes 8-11 a sequence
 * number (-1 for warm-up probes) and bytes 12-15 the partition the record was sent to.
 */

import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { RESULT_PREFIX, type ClientSkip, type LatencyJob, type LatencyReport } from '../job.js'

export function readJob(): LatencyJob {
  const raw = process.env.BENCH_JOB
  if (raw === undefined) throw new Error('BENCH_JOB is not set: run this client through bench/latency/run.ts')
  return JSON.parse(raw) as LatencyJob
}

export function runClient(main: (job: LatencyJob) => Promise<LatencyReport | ClientSkip>): void {
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

/** Sends one value to one partition without waiting for it. */
export type Send = (value: Buffer, partition: number) => void

const PROBE = -1
const WARM_UP_LIMIT_MS = 90_000
const STRAGGLER_WAIT_MS = 30_000

/**
 * The partition of record `seq`: xorshift32 from a fixed seed, the same sequence for every client.
 * Not round-robin: consecutive records often share a partition, as with a key hash or a sticky
 * partitioner, which is where a consumer that leaves a just-read partition out of its next fetch
 * shows it.
 */
export function partitionSequence(count: number, partitions: number): Uint8Array {
  const out = new Uint8Array(count)
  let x = 0x9e3779b9 | 0
  for (let i = 0; i < count; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = (x >>> 0) % partitions
  }
  return out
}

export class LatencyProbe {
  readonly #job: LatencyJob
  readonly #total: number
  readonly #latencies: Float64Array
  readonly #seen: Uint8Array
  readonly #probed: Set<number> = new Set()
  #received = 0
  #sent = 0
  #allIn: (() => void) | undefined

  constructor(job: LatencyJob) {
    this.#job = job
    this.#total = Math.round(job.rate * job.seconds)
    this.#latencies = new Float64Array(this.#total)
    this.#seen = new Uint8Array(this.#total)
  }

  #value(seq: number, partition: number): Buffer {
    const buffer = Buffer.alloc(Math.max(16, this.#job.recordSize), 0x61)
    buffer.writeDoubleLE(performance.now(), 0)
    buffer.writeInt32LE(seq, 8)
    buffer.writeInt32LE(partition, 12)
    return buffer
  }

  /** Call with every value the consumer hands out, as soon as it does. */
  readonly onValue = (value: Uint8Array | null | undefined): void => {
    const now = performance.now()
    if (value === null || value === undefined || value.length < 16) return
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
    const seq = view.getInt32(8, true)
    if (seq === PROBE) {
      this.#probed.add(view.getInt32(12, true))
      return
    }
    if (seq < 0 || seq >= this.#total || this.#seen[seq] === 1) return
    this.#seen[seq] = 1
    this.#latencies[seq] = now - view.getFloat64(0, true)
    this.#received++
    if (this.#received === this.#sent && this.#allIn !== undefined) this.#allIn()
  }

  /**
   * Warm-up: probes to every partition until one came back from each (the group has assigned
   * them all and every position is resolved), then the measured phase.
   */
  async run(send: Send): Promise<Omit<LatencyReport, 'settings'>> {
    const { rate, partitions } = this.#job
    const warmUpUntil = performance.now() + WARM_UP_LIMIT_MS
    while (this.#probed.size < partitions) {
      if (performance.now() > warmUpUntil) throw new Error(`warm-up probes came back from ${this.#probed.size} of ${partitions} partitions within ${WARM_UP_LIMIT_MS} ms`)
      for (let p = 0; p < partitions; p++) if (!this.#probed.has(p)) send(this.#value(PROBE, p), p)
      await sleep(200)
    }
    const targets = partitionSequence(this.#total, partitions)
    const cpuAtStart = process.cpuUsage()
    const startedAt = performance.now()
    // Records due by now at `rate`, sent in the tick where they fall due (timers fire every ~1 ms).
    while (this.#sent < this.#total) {
      const due = Math.min(this.#total, Math.floor(((performance.now() - startedAt) * rate) / 1000) + 1)
      while (this.#sent < due) {
        const seq = this.#sent++
        send(this.#value(seq, targets[seq]!), targets[seq]!)
      }
      await sleep(1)
    }
    const sendSeconds = (performance.now() - startedAt) / 1000
    if (this.#received < this.#total) {
      const allIn = new Promise<void>((resolve) => (this.#allIn = resolve))
      await Promise.race([allIn, sleep(STRAGGLER_WAIT_MS)])
    }
    const cpu = process.cpuUsage(cpuAtStart)
    const got: number[] = []
    for (let i = 0; i < this.#total; i++) if (this.#seen[i] === 1) got.push(this.#latencies[i]!)
    got.sort((a, b) => a - b)
    const pick = (q: number): number => got[Math.min(got.length - 1, Math.floor(q * got.length))] ?? Number.NaN
    return {
      sent: this.#total,
      received: got.length,
      achievedRate: this.#total / sendSeconds,
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

/** Rejects after `ms` with `what` in the message, so that a stuck client fails instead of hanging. */
export function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
