/**
 * One fuzz worker thread: builds the frame pool, runs its share of the frame indices and posts the
 * summary. Before each frame it stores the frame's index in shared memory, so the main thread can
 * name the frame a hung or crashed worker was on.
 */

import { parentPort, workerData } from 'node:worker_threads'
import { runFuzz } from './engine.js'
import { allFrames } from './samples.js'

export interface WorkerInput {
  readonly seed: number
  readonly start: number
  readonly end: number
  readonly stride: number
  readonly requests: boolean
  readonly timeBudgetMs: number
  /** Int32Array view: [0] the index of the frame being decoded, [1] frames done. */
  readonly progress: SharedArrayBuffer
}

const input = workerData as WorkerInput
const progress = new Int32Array(input.progress)
const frames = await allFrames({ requests: input.requests })
const summary = await runFuzz(frames, {
  seed: input.seed,
  start: input.start,
  end: input.end,
  stride: input.stride,
  timeBudgetMs: input.timeBudgetMs,
  onFrame: (index) => {
    Atomics.store(progress, 0, index)
    Atomics.add(progress, 1, 1)
  },
})
parentPort?.postMessage(summary)
