/**
 * The fuzz engine: frame `i` of a run is a seeded mutation of a base frame from the pool, decoded
 * as the client would. Each outcome is one of
 *
 * - `ok`: it decoded (a mutation may well give another valid frame);
 * - `protocolError` / `compressionError`: the typed errors a bad frame must produce
 *   (KafkaProtocolError; KafkaCompressionError for compressed record data);
 * - a failure: any other exception, a decode slower than the time budget, or more memory taken by
 *   one decode than the allocation bound allows. A failure carries what reproduces it: seed, frame
 *   index, base frame and the mutated bytes.
 *
 * Hangs that never return cannot be caught from inside the thread; `run.ts` watches each worker's
 * progress counter for that. In one thread, an async decode (record batches) still races a timer.
 */

import { getHeapStatistics } from 'node:v8'
import { KafkaCompressionError, KafkaProtocolError } from '../../src/errors.js'
import { frameRandom, mutate, type MutationName } from './mutate.js'
import type { BaseFrame, FrameKind } from './samples.js'

export type Outcome = 'ok' | 'protocolError' | 'compressionError'

export interface FuzzFailure {
  readonly seed: number
  readonly index: number
  readonly base: string
  readonly mutation: MutationName
  readonly checkCrcs: boolean
  /** `TypeError: …`, `slow: 1234 ms`, `allocation: 300 MiB`… */
  readonly error: string
  readonly stack?: string
  readonly hex: string
}

export interface KindCounts {
  frames: number
  ok: number
  protocolError: number
  compressionError: number
}

export interface FuzzSummary {
  frames: number
  outcomes: Record<Outcome, number>
  byKind: Partial<Record<FrameKind, KindCounts>>
  failures: FuzzFailure[]
  slowestMs: number
  slowestBase: string
  /** The frame index of the slowest decode (replay it with `--replay`). */
  slowestIndex: number
  /** Largest growth of heap + external memory over one decode. */
  maxAllocationBytes: number
  /** Largest heap + external memory seen, and the process's peak RSS (what the OS gave it). */
  peakHeapBytes: number
  durationMs: number
}

export interface FuzzOptions {
  readonly seed: number
  /** Frame indices `start, start + stride, …` below `end` are run. */
  readonly start?: number
  readonly end: number
  readonly stride?: number
  /** A decode taking longer than this is a failure. Default 2000 ms. */
  readonly timeBudgetMs?: number
  /** Failures after which the run stops. Default 20. */
  readonly maxFailures?: number
  /** Called before each frame (a worker stores the index where its watchdog can read it). */
  readonly onFrame?: (index: number) => void
}

/** Share of the frames drawn from each kind of base frame (record batches are few but deep). */
const KIND_WEIGHTS: ReadonlyArray<[FrameKind, number]> = [
  ['response', 0.55],
  ['records', 0.35],
  ['request', 0.1],
]

/**
 * Memory one decode may take: generous for what a frame legitimately decodes to (objects for every
 * field, decompressed records up to Kafka's compression ratios), far below the 256 MiB a trusted
 * length would allow.
 */
export function allocationBound(kind: FrameKind, frameBytes: number): number {
  return kind === 'records' ? 48 * 1024 * 1024 + 1100 * frameBytes : 8 * 1024 * 1024 + 512 * frameBytes
}

/** The pool grouped by kind, for weighted drawing. */
export interface FramePool {
  readonly byKind: ReadonlyArray<[FrameKind, readonly BaseFrame[], number]>
}

export function framePool(frames: readonly BaseFrame[]): FramePool {
  const present = KIND_WEIGHTS.map(([kind, weight]) => [kind, frames.filter((f) => f.kind === kind), weight] as const).filter(
    ([, list]) => list.length > 0,
  )
  const total = present.reduce((sum, [, , w]) => sum + w, 0)
  return { byKind: present.map(([kind, list, w]) => [kind, list, w / total]) }
}

/** The base frame, mutated bytes and CRC setting of frame `index`: the same in every process. */
export function fuzzFrame(
  pool: FramePool,
  seed: number,
  index: number,
): { base: BaseFrame; bytes: Buffer; mutation: MutationName; checkCrcs: boolean } {
  const rnd = frameRandom(seed, index)
  let pick = rnd()
  let list = pool.byKind[pool.byKind.length - 1]![1]
  for (const [, frames, weight] of pool.byKind) {
    if (pick < weight) {
      list = frames
      break
    }
    pick -= weight
  }
  const base = list[Math.floor(rnd() * list.length)]!
  // Record CRCs are checked for one frame in five: with them on, most mutations stop at the CRC.
  const checkCrcs = rnd() < 0.2
  const { bytes, mutation } = mutate(base.bytes, rnd, base.lengthOffsets)
  return { base, bytes, mutation, checkCrcs }
}

function classify(err: unknown): Outcome | null {
  if (err instanceof KafkaProtocolError) return 'protocolError'
  if (err instanceof KafkaCompressionError) return 'compressionError'
  return null
}

const memoryInUse = (): number => {
  const h = getHeapStatistics()
  return h.used_heap_size + h.external_memory
}

class AsyncTimeout {
  constructor(readonly ms: number) {}
}

/** Runs frames `start, start + stride, …` below `end`; never throws for a decoder failure. */
export async function runFuzz(frames: readonly BaseFrame[], options: FuzzOptions): Promise<FuzzSummary> {
  const pool = framePool(frames)
  const stride = options.stride ?? 1
  const budget = options.timeBudgetMs ?? 2000
  const maxFailures = options.maxFailures ?? 20
  const summary: FuzzSummary = {
    frames: 0,
    outcomes: { ok: 0, protocolError: 0, compressionError: 0 },
    byKind: {},
    failures: [],
    slowestMs: 0,
    slowestBase: '',
    slowestIndex: -1,
    maxAllocationBytes: 0,
    peakHeapBytes: 0,
    durationMs: 0,
  }
  const started = performance.now()
  let memoryBefore = memoryInUse()
  for (let index = options.start ?? 0; index < options.end; index += stride) {
    options.onFrame?.(index)
    const { base, bytes, mutation, checkCrcs } = fuzzFrame(pool, options.seed, index)
    const fail = (error: string, stack?: string): void => {
      summary.failures.push({ seed: options.seed, index, base: base.label, mutation, checkCrcs, error, stack, hex: bytes.toString('hex') })
    }
    const t0 = performance.now()
    let outcome: Outcome | null = null
    let retained: unknown
    try {
      const result = base.decode(bytes, checkCrcs)
      if (result instanceof Promise) {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new AsyncTimeout(budget * 5)), budget * 5)
        })
        try {
          retained = await Promise.race([result, timeout])
        } finally {
          clearTimeout(timer)
        }
      } else {
        retained = result
      }
      outcome = 'ok'
    } catch (err) {
      outcome = classify(err)
      if (outcome === null) {
        if (err instanceof AsyncTimeout) fail(`hang: no result after ${err.ms} ms`)
        else fail(err instanceof Error ? `${err.name}: ${err.message}` : `non-error thrown: ${String(err)}`, (err as Error)?.stack)
      }
    }
    const elapsed = performance.now() - t0
    // Measured while the decoded result is still referenced, so what it holds counts.
    const memoryAfter = memoryInUse()
    retained = undefined
    const allocated = memoryAfter - memoryBefore
    memoryBefore = memoryAfter
    if (memoryAfter > summary.peakHeapBytes) summary.peakHeapBytes = memoryAfter
    if (allocated > summary.maxAllocationBytes) summary.maxAllocationBytes = allocated
    if (allocated > allocationBound(base.kind, bytes.length)) {
      fail(`allocation: one decode took ${(allocated / 2 ** 20).toFixed(1)} MiB for a ${bytes.length}-byte frame`)
    }
    if (elapsed > budget) fail(`slow: ${elapsed.toFixed(0)} ms (budget ${budget} ms)`)
    if (elapsed > summary.slowestMs) {
      summary.slowestMs = elapsed
      summary.slowestBase = base.label
      summary.slowestIndex = index
    }
    summary.frames++
    const kind = (summary.byKind[base.kind] ??= { frames: 0, ok: 0, protocolError: 0, compressionError: 0 })
    kind.frames++
    if (outcome !== null) {
      summary.outcomes[outcome]++
      kind[outcome]++
    }
    if (summary.failures.length >= maxFailures) break
  }
  summary.durationMs = performance.now() - started
  return summary
}

/** Adds `b` into `a` (for the summaries of several workers). */
export function mergeSummaries(a: FuzzSummary, b: FuzzSummary): FuzzSummary {
  const byKind: Partial<Record<FrameKind, KindCounts>> = { ...a.byKind }
  for (const [kind, counts] of Object.entries(b.byKind) as Array<[FrameKind, KindCounts]>) {
    const into = (byKind[kind] = { ...(byKind[kind] ?? { frames: 0, ok: 0, protocolError: 0, compressionError: 0 }) })
    into.frames += counts.frames
    into.ok += counts.ok
    into.protocolError += counts.protocolError
    into.compressionError += counts.compressionError
  }
  const slower = b.slowestMs > a.slowestMs ? b : a
  return {
    frames: a.frames + b.frames,
    outcomes: {
      ok: a.outcomes.ok + b.outcomes.ok,
      protocolError: a.outcomes.protocolError + b.outcomes.protocolError,
      compressionError: a.outcomes.compressionError + b.outcomes.compressionError,
    },
    byKind,
    failures: [...a.failures, ...b.failures],
    slowestMs: slower.slowestMs,
    slowestBase: slower.slowestBase,
    slowestIndex: slower.slowestIndex,
    maxAllocationBytes: Math.max(a.maxAllocationBytes, b.maxAllocationBytes),
    peakHeapBytes: Math.max(a.peakHeapBytes, b.peakHeapBytes),
    durationMs: Math.max(a.durationMs, b.durationMs),
  }
}

/** Replays one frame (from a reproducer's seed and index) and says what happens. */
export async function replayFrame(frames: readonly BaseFrame[], seed: number, index: number): Promise<FuzzSummary> {
  return runFuzz(frames, { seed, start: index, end: index + 1 })
}
