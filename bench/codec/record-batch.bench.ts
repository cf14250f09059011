/**
 * Micro-benchmark of record-batch encoding and decoding, per codec and value size.
 *
 *   npm run bench:codec                 # ~1 s per case (best of 5 rounds)
 *   BENCH_SECONDS=3 npm run bench:codec # longer, steadier
 *
 * Each batch holds 64 KiB of values (640 records of 100 B, or 64 of 1 KiB) with a short key and
 * no headers; values are JSON-like text with random ids, names and amounts, so they compress
 * partly (gzip about 3:1). Throughput counts the uncompressed key and value bytes. Encoding
 * includes compression; decoding includes the CRC check and decompression. Rates are per second of
 * CPU time of this process (see `measure`), best of 5 rounds.
 * Results are printed and written to bench/results/codec-<date>.json.
 */

import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CompressionType, compressionCodec, zstdEncoder } from '../../src/protocol/compression/index.js'
import { decodeRecordBatches, encodeRecordBatch, type RecordInput } from '../../src/protocol/record-batch.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1)
const BATCH_VALUE_BYTES = 64 * 1024
const VALUE_SIZES = [100, 1024]

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 0x100000000
  }
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima']

/** A JSON-like value of exactly `size` bytes: random ids and amounts, repeated field names. */
function jsonValue(rnd: () => number, size: number): Buffer {
  const pick = (): string => WORDS[Math.floor(rnd() * WORDS.length)]!
  let s = JSON.stringify({
    id: Math.floor(rnd() * 2 ** 48).toString(16),
    user: `user-${Math.floor(rnd() * 10_000)}`,
    amount: Math.round(rnd() * 1e6) / 100,
    currency: rnd() < 0.7 ? 'EUR' : 'USD',
    ts: 1_700_000_000_000 + Math.floor(rnd() * 1e9),
  })
  while (s.length < size) s += ` ${pick()}-${Math.floor(rnd() * 1000)}`
  return Buffer.from(s.slice(0, size))
}

function makeRecords(valueSize: number, seed: number): RecordInput[] {
  const rnd = prng(seed)
  const count = Math.floor(BATCH_VALUE_BYTES / valueSize)
  const base = 1_700_000_000_000n
  return Array.from({ length: count }, (_, i) => ({
    timestamp: base + BigInt(i),
    key: Buffer.from(`order-${100_000 + i}`),
    value: jsonValue(rnd, valueSize),
  }))
}

const ROUNDS = 5

/**
 * Runs `fn` for about SECONDS after a short warm-up, in ROUNDS equal rounds, and returns the best
 * round's operations per second of this process's CPU time (user + system, all threads, so the
 * zlib thread pool counts too). On a shared two-core machine wall-clock rates swing with other
 * processes' load; CPU time per operation barely does, and the best round is the least disturbed.
 */
async function measure(fn: () => Promise<unknown>): Promise<number> {
  const warmUntil = performance.now() + Math.min(300, SECONDS * 300)
  while (performance.now() < warmUntil) await fn()
  let best = 0
  for (let round = 0; round < ROUNDS; round++) {
    let ops = 0
    const cpuStart = process.cpuUsage()
    const until = performance.now() + (SECONDS * 1000) / ROUNDS
    while (performance.now() < until) {
      await fn()
      ops++
    }
    const cpu = process.cpuUsage(cpuStart)
    best = Math.max(best, ops / ((cpu.user + cpu.system) / 1e6))
  }
  return best
}

interface Row {
  codec: string
  valueSize: number
  recordsPerBatch: number
  batchBytes: number
  ratio: number
  encodeRecordsPerSec: number
  encodeMBPerSec: number
  decodeRecordsPerSec: number
  decodeMBPerSec: number
}

async function main(): Promise<void> {
  const encoder = await zstdEncoder()
  const codecs = [
    CompressionType.NONE,
    CompressionType.GZIP,
    CompressionType.SNAPPY,
    CompressionType.LZ4,
    ...(encoder === 'none' ? [] : [CompressionType.ZSTD]),
  ]
  const rows: Row[] = []
  for (const valueSize of VALUE_SIZES) {
    const records = makeRecords(valueSize, valueSize)
    const payload = records.reduce((n, r) => n + r.key!.length + r.value!.length, 0)
    for (const compression of codecs) {
      const batch = await encodeRecordBatch({ records, compression })
      const encodeOps = await measure(() => encodeRecordBatch({ records, compression }))
      const decodeOps = await measure(() => decodeRecordBatches(batch))
      const row: Row = {
        codec: compressionCodec(compression).name,
        valueSize,
        recordsPerBatch: records.length,
        batchBytes: batch.length,
        ratio: payload / batch.length,
        encodeRecordsPerSec: encodeOps * records.length,
        encodeMBPerSec: (encodeOps * payload) / 1e6,
        decodeRecordsPerSec: decodeOps * records.length,
        decodeMBPerSec: (decodeOps * payload) / 1e6,
      }
      rows.push(row)
      printRow(row)
    }
  }
  const date = new Date().toISOString().slice(0, 10)
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')
  mkdirSync(resultsDir, { recursive: true })
  const file = process.env.BENCH_OUT ?? join(resultsDir, `codec-${date}.json`)
  const environment = {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    zstdEncoder: encoder,
    secondsPerCase: SECONDS,
    rounds: ROUNDS,
    rate: 'operations per second of process CPU time, best round',
    batchValueBytes: BATCH_VALUE_BYTES,
  }
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), environment, rows }, null, 2)}\n`)
  console.log(`\nwritten to ${file}`)
}

function printRow(r: Row): void {
  const n = (v: number, w: number, d = 0): string => v.toFixed(d).padStart(w)
  if (printRow.first) {
    console.log(
      `record batch encode/decode, ${SECONDS} s per case, 64 KiB of values per batch, per CPU-second, node ${process.version}\n`,
    )
    console.log('codec   value  recs  batch B  ratio | encode rec/s   MB/s | decode rec/s   MB/s')
    printRow.first = false
  }
  console.log(
    `${r.codec.padEnd(7)}${n(r.valueSize, 6)}${n(r.recordsPerBatch, 6)}${n(r.batchBytes, 9)}${n(r.ratio, 7, 2)} |` +
      `${n(r.encodeRecordsPerSec, 13)}${n(r.encodeMBPerSec, 7)} |${n(r.decodeRecordsPerSec, 13)}${n(r.decodeMBPerSec, 7)}`,
  )
}
printRow.first = true

await main()
