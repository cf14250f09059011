/**
 * `npm run fuzz`: mutates 1,000,000 frames (responses of every version of every API, requests,
 * and record batches in every codec) through kafkats' decoders on worker threads, and fails with a
 * reproducer for anything but a clean decode or a typed error.
 *
 *   npm run fuzz -- [--frames N] [--seed S] [--workers W] [--json out.json] [--no-requests]
 *                   [--time-budget-ms 2000] [--hang-ms 15000] [--heap-limit-mb 1024]
 *   npm run fuzz -- --seed S --replay INDEX      decode one frame again and show what happens
 *
 * Exit code 0 when every frame decoded or threw the typed error, 1 otherwise.
 */

import { writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { allocationBound, framePool, fuzzFrame, mergeSummaries, replayFrame, type FuzzFailure, type FuzzSummary } from './engine.js'
import { allFrames } from './samples.js'
import type { WorkerInput } from './worker.js'

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: String(Math.min(2, availableParallelism())) },
    json: { type: 'string' },
    'no-requests': { type: 'boolean', default: false },
    'time-budget-ms': { type: 'string', default: '2000' },
    'hang-ms': { type: 'string', default: '15000' },
    'heap-limit-mb': { type: 'string', default: '1024' },
    replay: { type: 'string' },
  },
})

const seed = Number(values.seed) >>> 0
const totalFrames = Number(values.frames)
const workerCount = Math.max(1, Number(values.workers))
const requests = !values['no-requests']
const timeBudgetMs = Number(values['time-budget-ms'])
const hangMs = Number(values['hang-ms'])
const heapLimitMb = Number(values['heap-limit-mb'])

function printFailure(f: FuzzFailure): void {
  console.error(
    `FAIL seed=${f.seed} index=${f.index} base="${f.base}" mutation=${f.mutation} checkCrcs=${f.checkCrcs}\n` +
      `  ${f.error}\n` +
      (f.stack === undefined ? '' : `  ${f.stack.split('\n').slice(1, 6).join('\n  ')}\n`) +
      `  frame ${f.hex}\n` +
      `  replay: npm run fuzz -- --seed ${f.seed} --replay ${f.index}`,
  )
}

if (values.replay !== undefined) {
  const index = Number(values.replay)
  const frames = await allFrames({ requests })
  const { base, bytes, mutation, checkCrcs } = fuzzFrame(framePool(frames), seed, index)
  console.log(`seed ${seed} index ${index}: ${base.label}, ${mutation}, checkCrcs ${checkCrcs}, ${bytes.length} bytes\n${bytes.toString('hex')}`)
  try {
    console.log('decoded:', await base.decode(bytes, checkCrcs))
  } catch (err) {
    console.log('threw:', err)
  }
  const summary = await replayFrame(frames, seed, index)
  console.log(`replayed in ${summary.slowestMs.toFixed(2)} ms`)
  for (const f of summary.failures) printFailure(f)
  process.exit(summary.failures.length === 0 ? 0 : 1)
}

interface Running {
  readonly worker: Worker
  readonly progress: Int32Array
  readonly done: Promise<FuzzSummary>
}

const started = performance.now()
const hostFailures: FuzzFailure[] = []
let poolForReproducers: Awaited<ReturnType<typeof allFrames>> | undefined

/** The reproducer of a frame that killed or hung its worker, rebuilt in this thread. */
async function hostFailure(index: number, error: string): Promise<FuzzFailure> {
  if (index < 0) return { seed, index, base: '(before the first frame)', mutation: 'bit-flip', checkCrcs: false, error, hex: '' }
  poolForReproducers ??= await allFrames({ requests })
  const { base, bytes, mutation, checkCrcs } = fuzzFrame(framePool(poolForReproducers), seed, index)
  return { seed, index, base: base.label, mutation, checkCrcs, error, hex: bytes.toString('hex') }
}

function emptySummary(): FuzzSummary {
  return {
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
}

// Workers do not inherit tsx's loader (and `--import tsx` in a worker's execArgv does not apply to
// its entry on Node 20): a small script registers it, then loads the TypeScript worker.
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}) })
  .catch((err) => { throw err })`

const running: Running[] = []
const hung = new Set<number>()
for (let w = 0; w < workerCount; w++) {
  const progressBuffer = new SharedArrayBuffer(8)
  const progress = new Int32Array(progressBuffer)
  progress[0] = -1
  const input: WorkerInput = { seed, start: w, end: totalFrames, stride: workerCount, requests, timeBudgetMs, progress: progressBuffer }
  // The heap limit turns a runaway allocation into a worker error naming the frame, not a dead process.
  const worker = new Worker(WORKER_BOOT, {
    eval: true,
    workerData: input,
    resourceLimits: { maxOldGenerationSizeMb: heapLimitMb },
  })
  const done = new Promise<FuzzSummary>((resolve) => {
    let settled = false
    worker.once('message', (summary: FuzzSummary) => {
      settled = true
      resolve(summary)
    })
    worker.once('error', (err) => {
      settled = true
      void hostFailure(Atomics.load(progress, 0), `worker died: ${err.name}: ${err.message}`).then((f) => {
        hostFailures.push(f)
        resolve(emptySummary())
      })
    })
    worker.once('exit', (code) => {
      // A worker the watchdog terminated has its failure recorded already.
      if (!settled && hung.has(w)) {
        settled = true
        resolve(emptySummary())
      } else if (!settled) {
        settled = true
        void hostFailure(Atomics.load(progress, 0), `worker exited with code ${code} mid-frame`).then((f) => {
          hostFailures.push(f)
          resolve(emptySummary())
        })
      }
    })
  })
  running.push({ worker, progress, done })
}

// Watchdog: a worker whose done-count stops moving for hangMs is stuck in one frame.
const lastCounts = running.map(() => -1)
const lastMoved = running.map(() => performance.now())
let lastReport = performance.now()
const finished = new Set<number>()
running.forEach((r, i) => void r.done.then(() => finished.add(i)))
const watchdog = setInterval(() => {
  const now = performance.now()
  running.forEach((r, i) => {
    if (finished.has(i)) return
    const count = Atomics.load(r.progress, 1)
    // Building the pool (a few seconds) happens before the first frame; only watch once frames run.
    if (count !== lastCounts[i] || count === 0) {
      lastCounts[i] = count
      lastMoved[i] = now
      return
    }
    if (now - lastMoved[i]! > hangMs) {
      finished.add(i)
      hung.add(i)
      const index = Atomics.load(r.progress, 0)
      void hostFailure(index, `hang: no progress for ${hangMs} ms`).then((f) => {
        hostFailures.push(f)
        void r.worker.terminate()
      })
    }
  })
  if (now - lastReport >= 10_000) {
    lastReport = now
    const done = running.reduce((sum, r) => sum + Atomics.load(r.progress, 1), 0)
    console.log(`[fuzz] ${done} / ${totalFrames} frames, ${((now - started) / 1000).toFixed(0)} s`)
  }
}, 250)

let summary = emptySummary()
for (const r of running) summary = mergeSummaries(summary, await r.done)
clearInterval(watchdog)
summary.failures.push(...hostFailures)
summary.durationMs = performance.now() - started

const peakRssBytes = process.resourceUsage().maxRSS * 1024
const { ok, protocolError, compressionError } = summary.outcomes
const failed = summary.failures.length
const mib = (n: number): string => (n / 2 ** 20).toFixed(1)
for (const f of summary.failures) printFailure(f)
console.log(
  `fuzz: ${summary.frames} frames (seed ${seed}, ${workerCount} workers) in ${(summary.durationMs / 1000).toFixed(1)} s: ` +
    `${ok} decoded, ${protocolError} KafkaProtocolError, ${compressionError} KafkaCompressionError, ${failed} failures; ` +
    `slowest ${summary.slowestMs.toFixed(1)} ms (index ${summary.slowestIndex}, ${summary.slowestBase}), largest one-decode allocation ${mib(summary.maxAllocationBytes)} MiB, ` +
    `peak heap+external ${mib(summary.peakHeapBytes)} MiB, peak RSS ${mib(peakRssBytes)} MiB`,
)
if (values.json !== undefined) {
  const report = {
    seed,
    workers: workerCount,
    requests,
    framesRequested: totalFrames,
    ...summary,
    peakRssBytes,
    timeBudgetMs,
    hangMs,
    allocationBound: { responseFor1KiB: allocationBound('response', 1024), recordsFor1KiB: allocationBound('records', 1024) },
    node: process.version,
  }
  writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`)
}
process.exit(failed === 0 && summary.frames >= totalFrames ? 0 : 1)
