/**
 * CI's share of `npm run fuzz` (scripts/fuzz): the same engine and frame pool, 20,000 frames in
 * this thread instead of 1,000,000 on workers. Every frame must decode or throw KafkaProtocolError /
 * KafkaCompressionError, within the time budget and the allocation bound; a failure message carries
 * the seed and index that `npm run fuzz -- --seed S --replay I` reproduces.
 */
import { describe, expect, it } from 'vitest'
import { runFuzz, type FuzzFailure } from '../../../scripts/fuzz/engine.js'
import { allFrames } from '../../../scripts/fuzz/samples.js'
import { apiByKey } from '../../../src/protocol/messages/index.js'

const FRAMES = Number(process.env.KAFKATS_FUZZ_FRAMES ?? 20_000)
const SEED = Number(process.env.KAFKATS_FUZZ_SEED ?? 0x5eed)

const frames = await allFrames({ requests: true })

function describeFailure(f: FuzzFailure): string {
  return `seed ${f.seed} index ${f.index} (${f.base}, ${f.mutation}): ${f.error}\n  frame ${f.hex.slice(0, 400)}`
}

describe('fuzzing the decoders at scale (short form)', () => {
  it('the pool holds a valid response of every version of every API and record batches in every codec', async () => {
    const responses = new Set(frames.filter((f) => f.kind === 'response').map((f) => f.label.replace(/ \(.*\)$/, '')))
    let versions = 0
    for (const api of apiByKey.values()) versions += api.maxVersion - api.minVersion + 1
    expect(responses.size).toBe(versions)
    const records = frames.filter((f) => f.kind === 'records').map((f) => f.label)
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      expect(records.some((label) => label.startsWith(`records ${codec}:`)), codec).toBe(true)
    }
    for (const f of frames) await expect(Promise.resolve().then(() => f.decode(f.bytes, true)), f.label).resolves.toBeDefined()
  })

  it(`${FRAMES} mutated frames: only typed errors, no slow decode, bounded allocation`, async () => {
    const summary = await runFuzz(frames, { seed: SEED, end: FRAMES })
    expect(summary.failures.map(describeFailure)).toEqual([])
    expect(summary.frames).toBe(FRAMES)
    const { ok, protocolError, compressionError } = summary.outcomes
    expect(ok + protocolError + compressionError).toBe(FRAMES)
    // The mutations must reach the error paths, and some still decode (mutations of values).
    expect(protocolError).toBeGreaterThan(FRAMES / 3)
    expect(compressionError).toBeGreaterThan(0)
    expect(ok).toBeGreaterThan(FRAMES / 20)
    for (const kind of ['response', 'request', 'records'] as const) expect(summary.byKind[kind]?.frames ?? 0).toBeGreaterThan(FRAMES / 20)
    console.log(
      `[fuzz] ${summary.frames} frames in ${(summary.durationMs / 1000).toFixed(1)} s: ${ok} decoded, ${protocolError} protocol, ` +
        `${compressionError} compression errors; slowest ${summary.slowestMs.toFixed(1)} ms, ` +
        `largest allocation ${(summary.maxAllocationBytes / 2 ** 20).toFixed(1)} MiB`,
    )
  }, 180_000)
})
