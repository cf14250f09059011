import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { renderChart } from '../../../bench/produce/chart.js'
import { arrayShape, InFlightWindow } from '../../../bench/produce/clients/harness.js'
import { parseGnuTime, parseProcStatCpuMicros, parseSummary } from '../../../bench/produce/java.js'
import type { ClientJob } from '../../../bench/produce/job.js'
import { writePayloadFile } from '../../../bench/produce/payload.js'
import { formatTable, summarize, type ProduceResults } from '../../../bench/produce/results.js'

const dir = mkdtempSync(join(os.tmpdir(), 'kafkats-bench-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('payload file', () => {
  it.each([100, 1024, 20])('holds 1000 distinct newline-free values of exactly %i bytes', (size) => {
    const lines = readFileSync(writePayloadFile(dir, size), 'latin1').split('\n').filter((l) => l !== '')
    expect(lines).toHaveLength(1000)
    expect(lines.every((l) => Buffer.byteLength(l, 'latin1') === size)).toBe(true)
    expect(new Set(lines).size).toBeGreaterThan(990)
  })

  it('is the same on every run, so every client and run sends the same bytes', () => {
    const first = readFileSync(writePayloadFile(join(dir, 'a'), 100), 'latin1')
    const second = readFileSync(writePayloadFile(join(dir, 'b'), 100), 'latin1')
    expect(second).toBe(first)
  })
})

describe('ProducerPerformance output', () => {
  // The last line of Kafka 4.3.1's ProducerPerformance, as printed on this machine.
  const output = [
    'Option --producer-props has been deprecated and will be removed in a future version.',
    '101 records sent, 20.2 records/sec (0.00 MB/sec), 2.0 ms avg latency, 9.0 ms max latency.',
    '2000 records sent, 2409.638554 records/sec (0.23 MB/sec), 42.91 ms avg latency, 605.00 ms max latency, 43 ms 50th, 57 ms 95th, 57 ms 99th, 57 ms 99.9th.',
    '',
  ].join('\n')

  it('reads throughput and latencies from the summary line, not from interim lines', () => {
    expect(parseSummary(output)).toEqual({
      records: 2000,
      recordsPerSec: 2409.638554,
      latency: { avgMs: 42.91, maxMs: 605, p50Ms: 43, p99Ms: 57 },
    })
  })

  it('fails loudly when the tool printed no summary', () => {
    expect(() => parseSummary('Exception in thread "main"\n')).toThrow(/no ProducerPerformance summary/)
  })

  it('reads the JVM start-up CPU from /proc/<pid>/stat, whose name field may hold spaces and parentheses', () => {
    const stat = '4242 (java (main) x) S 4241 4242 4241 0 -1 4194560 9000 0 0 0 250 37 0 0 20 0 30 0 1000 0 0'
    expect(parseProcStatCpuMicros(stat, 100)).toBe(2_870_000)
  })

  it('reads CPU and peak RSS from GNU time -v', () => {
    const report = '\tUser time (seconds): 1.12\n\tSystem time (seconds): 0.13\n\tMaximum resident set size (kbytes): 145732\n'
    expect(parseGnuTime(report)).toEqual({ cpuMicros: 1_250_000, maxRssKiB: 145732 })
  })
})

describe('InFlightWindow', () => {
  it('never lets more than its limit run at once and drains at the end', async () => {
    const window = new InFlightWindow(8)
    let running = 0
    let peak = 0
    for (let i = 0; i < 100; i++) {
      const wait = window.acquire()
      if (wait !== undefined) await wait
      running++
      peak = Math.max(peak, running)
      window.track(
        new Promise<void>((resolve) =>
          setImmediate(() => {
            running--
            resolve()
          }),
        ),
      )
    }
    await window.drain()
    expect(running).toBe(0)
    expect(peak).toBeLessThanOrEqual(8)
    expect(peak).toBeGreaterThan(1)
  })

  it('rethrows the first failure from acquire and drain instead of hanging', async () => {
    const window = new InFlightWindow(2)
    window.acquire()
    window.track(Promise.reject(new Error('broker said no')))
    const blocked = window.acquire()
    window.track(new Promise(() => {}))
    await blocked
    await expect(window.acquire() ?? Promise.resolve()).rejects.toThrow('broker said no')
    await expect(window.drain()).rejects.toThrow('broker said no')
  })

  it('turns the window into calls of array-sending clients', () => {
    const job = { scenario: { recordSize: 100 }, tuning: { callBytes: 128 * 1024, windowBytes: 4 * 2 ** 20 } } as ClientJob
    expect(arrayShape(job)).toEqual({ recordsPerCall: 1310, callsInFlight: 32 })
  })
})

describe('results', () => {
  const results: ProduceResults = {
    kind: 'produce',
    startedAt: '2026-01-01T00:00:00Z',
    finishedAt: '2026-01-01T00:01:00Z',
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 4, node: 'v20', platform: 'linux', java: 'openjdk 17' },
    broker: { brokers: ['127.0.0.1:9092'], source: 'test', kafkaVersion: '4.3.1', partitions: 6, note: '' },
    settings: { lingerMs: 5, batchBytes: 65536, windowBytes: 4194304, callBytes: 131072, repeat: 2, javaLaunch: 'jvm' },
    clients: [
      { id: 'java', label: 'Java ProducerPerformance' },
      { id: 'kafkats', label: 'kafkats' },
      { id: 'kafkajs', label: 'kafkajs' },
    ],
    scenarios: [{ recordSize: 100, acks: '1', compression: 'none', records: 1000, label: '100 B · acks=1 · none' }],
    runs: [],
  }
  const measurement = (recordsPerSec: number, cpuMicrosPerRecord: number) => ({
    recordsPerSec,
    mibPerSec: (recordsPerSec * 100) / 2 ** 20,
    elapsedMs: 1000,
    cpuSeconds: 1,
    cpuMicrosPerRecord,
    windowCpuMicrosPerRecord: cpuMicrosPerRecord / 2,
    maxRssMiB: 100,
    verifiedRecords: 1000,
    settings: {},
  })
  const scenario = '100 B · acks=1 · none'
  results.runs.push(
    { scenario, client: 'java', attempt: 1, status: 'ok', measurement: measurement(100_000, 10) },
    { scenario, client: 'java', attempt: 2, status: 'ok', measurement: measurement(120_000, 12) },
    { scenario, client: 'kafkats', attempt: 1, status: 'ok', measurement: measurement(55_000, 5.5) },
    { scenario, client: 'kafkats', attempt: 2, status: 'failed', note: 'broker went away' },
    { scenario, client: 'kafkajs', attempt: 1, status: 'skipped', note: 'not installed' },
  )

  it('summarizes repetitions by their median and ignores failed ones', () => {
    expect(summarize(results, scenario, 'java')?.recordsPerSec).toBe(110_000)
    expect(summarize(results, scenario, 'kafkats')?.recordsPerSec).toBe(55_000)
    expect(summarize(results, scenario, 'kafkajs')).toMatchObject({ status: 'skipped', note: 'not installed' })
  })

  it('prints each client relative to Java', () => {
    const table = formatTable(results, 'java')
    expect(table).toMatch(/kafkats\s+55,000\s.*\s0\.50×\s+0\.50×/)
    expect(table).toContain('kafkajs: skipped (not installed)')
  })

  it('draws one bar per client that ran, in each of the two panels', () => {
    const svg = renderChart(results, 'test')
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.match(/<title>/g)).toHaveLength(4)
    expect(svg).toContain('kafkats, 100 B · acks=1 · none: 55k')
    expect(svg).toContain('>skipped</text>')
  })
})
