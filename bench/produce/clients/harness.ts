/**
 * The part every Node benchmark client shares: reading the job, loading payloads, bounding what is
 * in flight, measuring, and reporting to the parent on stdout.
 */

import { readFileSync } from 'node:fs'
import { RESULT_PREFIX, type ClientJob, type ClientReport, type ClientSkip } from '../job.js'

export function readJob(): ClientJob {
  const raw = process.env.BENCH_JOB
  if (raw === undefined) throw new Error('BENCH_JOB is not set: run this client through bench/produce/run.ts')
  return JSON.parse(raw) as ClientJob
}

/** The job's payloads as Buffers, every one exactly the scenario's record size. */
export function loadPayloads(job: ClientJob): Buffer[] {
  const text = readFileSync(job.payloadFile, 'latin1')
  const payloads = text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Buffer.from(line, 'latin1'))
  const size = job.scenario.recordSize
  if (payloads.length === 0 || payloads.some((p) => p.length !== size)) {
    throw new Error(`${job.payloadFile}: expected non-empty lines of exactly ${size} bytes`)
  }
  return payloads
}

/** Records per call for clients that send arrays, and how many such calls may be in flight. */
export function arrayShape(job: ClientJob): { recordsPerCall: number; callsInFlight: number } {
  const recordsPerCall = Math.max(1, Math.floor(job.tuning.callBytes / job.scenario.recordSize))
  const callsInFlight = Math.max(1, Math.floor(job.tuning.windowBytes / job.tuning.callBytes))
  return { recordsPerCall, callsInFlight }
}

/**
 * Bounds the operations in flight. `acquire` resolves at once while there is room and otherwise
 * when enough have finished; a failure of any operation is kept and rethrown by the next
 * `acquire` or by `drain`, so a broken client stops instead of hanging.
 */
export class InFlightWindow {
  readonly #limit: number
  readonly #resumeBelow: number
  #inFlight = 0
  #waiter: (() => void) | undefined
  #failure: unknown
  #drained: (() => void) | undefined

  constructor(limit: number) {
    this.#limit = Math.max(1, limit)
    // Resume at half the window: waking the producer loop for every single completion would cost
    // a promise round trip per record.
    this.#resumeBelow = Math.max(1, Math.floor(this.#limit / 2))
  }

  /** Waits for room if the window is full. */
  acquire(): Promise<void> | undefined {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    this.#inFlight++
    if (this.#inFlight < this.#limit) return undefined
    return new Promise((resolve) => {
      this.#waiter = resolve
    })
  }

  /** Tracks one operation started after `acquire`. */
  track(operation: Promise<unknown>): void {
    operation.then(this.#settle, this.#fail)
  }

  /** Marks one operation finished, for clients whose completions arrive as callbacks or events. */
  readonly release = (): void => {
    this.#settle()
  }

  readonly fail = (error: unknown): void => {
    this.#fail(error)
  }

  /** Resolves when nothing is in flight. */
  drain(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#drained = () => (this.#failure === undefined ? resolve() : reject(this.#failure))
    })
  }

  readonly #settle = (): void => {
    this.#inFlight--
    if (this.#waiter !== undefined && this.#inFlight < this.#resumeBelow) {
      const wake = this.#waiter
      this.#waiter = undefined
      wake()
    }
    if (this.#inFlight === 0 && this.#drained !== undefined) this.#drained()
  }

  readonly #fail = (error: unknown): void => {
    this.#failure ??= error
    // Wake everyone: the producer loop rethrows the failure from its next acquire.
    const wake = this.#waiter
    this.#waiter = undefined
    wake?.()
    this.#settle()
  }
}

/** Starts the measured window; `stop` turns it into the report. */
export function startMeasuring(job: ClientJob): { stop(settings: ClientReport['settings']): ClientReport } {
  const cpuAtStart = process.cpuUsage()
  const startedAt = process.hrtime.bigint()
  return {
    stop(settings) {
      const elapsedNs = process.hrtime.bigint() - startedAt
      const windowCpu = process.cpuUsage(cpuAtStart)
      const totalCpu = process.cpuUsage()
      return {
        records: job.scenario.records,
        valueBytes: job.scenario.records * job.scenario.recordSize,
        elapsedMs: Number(elapsedNs) / 1e6,
        cpuMicros: totalCpu.user + totalCpu.system,
        windowCpuMicros: windowCpu.user + windowCpu.system,
        maxRssKiB: process.resourceUsage().maxRSS,
        settings,
      }
    },
  }
}

export function report(result: ClientReport | ClientSkip): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`)
}

/**
 * Runs a client's main function; a thrown error goes to stderr with exit code 1, and the process
 * exits once the report is written even if a library leaves timers or sockets behind.
 */
export function runClient(main: (job: ClientJob) => Promise<ClientReport | ClientSkip>): void {
  main(readJob()).then(
    (result) => {
      report(result)
      process.exit(0)
    },
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
