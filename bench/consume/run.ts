/**
 * Consumer benchmark: kafkats against kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript
 * and Kafka's ConsumerPerformance, one client process at a time on the same broker; then
 * end-to-end latency at a fixed produce rate (Node clients) and Kafka's EndToEndLatency (Java).
 *
 *   npm run bench:consume
 *   BENCH_CLIENTS=java,kafkats BENCH_SIZES=100 npm run bench:consume
 *
 * See bench/README.md ("Consume"). Writes bench/results/consume-<timestamp>.json and .svg.
 */

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { acquireBroker, countRecords, TopicManager } from '../produce/broker.js'
import { killRunning, run, runJavaProducer, tail } from '../produce/java.js'
import { writePayloadFile } from '../produce/payload.js'
import { nodeClientArgs } from '../client-launch.js'
import { baselineClient } from '../kafkats-baseline.js'
import { renderChart } from './chart.js'
import { runConsumerPerformance, runEndToEndLatency, type JavaContext } from './java.js'
import { RESULT_PREFIX, type ClientSkip, type ConsumeJob, type ConsumeReport, type LatencyJob, type ThroughputJob } from './job.js'
import { kafkaVersion } from '../../test/support/kafka.js'
import { formatTable, sizeLabel, type ClientInfo, type ConsumeResults, type LatencyRun, type ThroughputRun } from './results.js'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '..', '..')

interface ClientSpec extends ClientInfo {
  file?: string
  env?: Record<string, string>
}

const ALL_CLIENTS: ClientSpec[] = [
  { id: 'java', label: 'Java (Kafka tools)' },
  { id: 'kafkats', label: 'kafkats', file: 'kafkats.ts' },
  { id: 'kafkajs', label: 'kafkajs', file: 'kafkajs.ts' },
  { id: 'platformatic', label: '@platformatic/kafka', file: 'platformatic.ts' },
  { id: 'confluent', label: '@confluentinc/kafka-javascript', file: 'confluent.ts' },
]
const baseline = baselineClient()
if (baseline !== undefined) ALL_CLIENTS.splice(2, 0, { id: baseline.id, label: baseline.label, file: 'kafkats.ts', env: baseline.env })
const PARTITIONS = 6

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`)
  return value
}

function envList(name: string, fallback: string[]): string[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')
}

async function runNodeClient(spec: ClientSpec, job: ConsumeJob, timeoutMs: number): Promise<ConsumeReport | ClientSkip> {
  const env = { ...process.env, ...spec.env, BENCH_JOB: JSON.stringify(job), KAFKAJS_NO_PARTITIONER_WARNING: '1' }
  const out = await run(process.execPath, nodeClientArgs(join(here, 'clients', spec.file!)), repoRoot, timeoutMs, { env })
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (out.code !== 0 || line === undefined) {
    // The first error line says what happened; the tail of a stack trace rarely does.
    const headline = out.stderr.split('\n').find((l) => /error|ECONN|timed out/i.test(l))?.trim() ?? ''
    throw new Error(`exit ${out.code}: ${headline}\n${tail(out.stderr, 12) || tail(out.stdout, 12)}`)
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ConsumeReport | ClientSkip
}

function machineInfo(): ConsumeResults['machine'] {
  const java = execFileSync('bash', ['-c', 'java -version 2>&1 | head -n 1'], { encoding: 'utf8' }).trim() || 'unknown'
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, java }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function main(): Promise<void> {
  const clients = envList('BENCH_CLIENTS', ALL_CLIENTS.map((c) => c.id)).map((id) => {
    const spec = ALL_CLIENTS.find((c) => c.id === id)
    if (spec === undefined) throw new Error(`BENCH_CLIENTS: unknown client "${id}" (known: ${ALL_CLIENTS.map((c) => c.id).join(', ')})`)
    return spec
  })
  const sizes = envList('BENCH_SIZES', ['100', '1024']).map(Number)
  const recordsFor = (size: number): number => (size >= 1024 ? envNumber('BENCH_RECORDS_1KIB', 200_000) : envNumber('BENCH_RECORDS_100B', 1_000_000))
  const repeat = Math.floor(envNumber('BENCH_REPEAT', 1))
  const timeoutMs = envNumber('BENCH_RUN_TIMEOUT_S', 600) * 1000
  const phases = envList('BENCH_PHASES', ['throughput', 'latency'])
  const latency = {
    rate: envNumber('BENCH_E2E_RATE', 2000),
    seconds: envNumber('BENCH_E2E_SECONDS', 20),
    recordSize: 100,
    partitions: 1,
    javaRecords: envNumber('BENCH_E2E_JAVA_RECORDS', 5_000),
  }

  const startedAt = new Date()
  const stamp = timestamp(startedAt)
  const workDir = mkdtempSync(join(os.tmpdir(), 'kafkats-bench-consume-'))
  const broker = await acquireBroker(repoRoot)
  const onSignal = (): void => {
    killRunning()
    void broker.release().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const topics = new TopicManager(broker.brokers)
  const classpath = (await run('bash', [join(repoRoot, 'scripts/kafka-local.sh'), 'classpath'], repoRoot, 900_000)).stdout.trim().split('\n').pop() ?? ''
  const javaCtx: JavaContext = { repoRoot, workDir, classpath, timeoutMs }

  const results: ConsumeResults = {
    kind: 'consume',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    machine: machineInfo(),
    broker: {
      brokers: broker.brokers,
      source: broker.source,
      kafkaVersion: broker.source === 'KAFKA_BROKERS' ? 'unknown' : kafkaVersion(),
      partitions: PARTITIONS,
      note: 'The broker runs on the same machine and shares its CPUs with the client under test.',
    },
    settings: {
      sizes,
      recordsBySize: Object.fromEntries(sizes.map((s) => [String(s), recordsFor(s)])),
      prefill: 'ProducerPerformance, acks=1, no compression, linger 5 ms, batch 64 KiB, JSON-like values as in the produce benchmark',
      repeat,
      latency,
    },
    clients: clients.map(({ id, label }) => ({ id, label })),
    throughput: [],
    latency: [],
  }
  console.log(`consume benchmark: ${clients.length} clients, brokers ${broker.brokers.join(',')} (${broker.source}), ${results.machine.cpus} CPUs shared with the broker`)
  const created: string[] = []

  try {
    if (phases.includes('throughput')) {
      for (const size of sizes) {
        const records = recordsFor(size)
        const topic = `bench-consume-${stamp.toLowerCase()}-${size}`
        await topics.create(topic, PARTITIONS)
        created.push(topic)
        process.stdout.write(`filling ${topic} with ${records.toLocaleString('en-US')} × ${sizeLabel(size)} … `)
        const payloadFile = writePayloadFile(workDir, size)
        await runJavaProducer(
          { brokers: broker.brokers, topic, payloadFile, scenario: { recordSize: size, acks: '1', compression: 'none', records }, tuning: { lingerMs: 5, batchBytes: 65536, windowBytes: 4 * 2 ** 20, callBytes: 128 * 1024 } },
          { repoRoot, workDir, launch: 'jvm', classpath, timeoutMs },
        )
        const landed = await countRecords(repoRoot, broker.brokers, topic)
        if (landed !== records) throw new Error(`${topic} holds ${landed} records, expected ${records}`)
        console.log('done')

        for (let attempt = 1; attempt <= repeat; attempt++) {
          for (const client of clients) {
            process.stdout.write(`${sizeLabel(size).padEnd(6)} ${client.label.padEnd(32)} `)
            const job: ThroughputJob = { mode: 'throughput', brokers: broker.brokers, topic, partitions: PARTITIONS, records, recordSize: size, groupId: `bench-consume-${stamp.toLowerCase()}-${client.id}-${size}-${attempt}` }
            const result: ThroughputRun = { recordSize: size, records, client: client.id, attempt, status: 'failed', loadAverage: Number(os.loadavg()[0]!.toFixed(2)) }
            try {
              const report = client.file === undefined ? await runConsumerPerformance(job, javaCtx) : await runNodeClient(client, job, timeoutMs)
              if ('skipped' in report) {
                result.status = 'skipped'
                result.note = report.skipped
              } else if (report.mode !== 'throughput') {
                throw new Error('client answered a throughput job with a latency report')
              } else if (report.records < records) {
                result.note = `consumed ${report.records} of ${records}`
              } else {
                result.status = 'ok'
                result.report = report
                const seconds = report.elapsedMs / 1000
                result.recordsPerSec = report.records / seconds
                result.mibPerSec = report.valueBytes / 2 ** 20 / seconds
                result.cpuSeconds = report.cpuMicros / 1e6
                result.cpuMicrosPerRecord = report.cpuMicros / report.records
                result.windowCpuMicrosPerRecord = report.windowCpuMicros / report.records
                result.maxRssMiB = report.maxRssKiB / 1024
              }
            } catch (error) {
              result.note = errorText(error)
            }
            results.throughput.push(result)
            console.log(
              result.status === 'ok'
                ? `${Math.round(result.recordsPerSec!).toLocaleString('en-US').padStart(10)} rec/s ${result.mibPerSec!.toFixed(1).padStart(6)} MiB/s ${result.cpuMicrosPerRecord!.toFixed(2).padStart(6)} µs/rec ${result.maxRssMiB!.toFixed(0).padStart(4)} MiB`
                : `${result.status}: ${result.note?.split('\n')[0] ?? ''}`,
              `(load ${result.loadAverage})`,
            )
          }
        }
      }
    }

    if (phases.includes('latency')) {
      for (let attempt = 1; attempt <= repeat; attempt++) {
        for (const client of clients) {
          process.stdout.write(`latency ${client.label.padEnd(32)} `)
          const topic = `bench-e2e-${stamp.toLowerCase()}-${client.id}-${attempt}`
          const job: LatencyJob = { mode: 'latency', brokers: broker.brokers, topic, partitions: latency.partitions, rate: latency.rate, seconds: latency.seconds, recordSize: latency.recordSize, groupId: `${topic}-group` }
          const result: LatencyRun = { client: client.id, attempt, status: 'failed', loadAverage: Number(os.loadavg()[0]!.toFixed(2)) }
          try {
            await topics.create(topic, latency.partitions)
            created.push(topic)
            const report = client.file === undefined ? await runEndToEndLatency(job, latency.javaRecords, javaCtx) : await runNodeClient(client, job, timeoutMs)
            if ('skipped' in report) {
              result.status = 'skipped'
              result.note = report.skipped
            } else if (report.mode !== 'latency') {
              throw new Error('client answered a latency job with a throughput report')
            } else {
              result.report = report
              result.status = report.received === report.sent ? 'ok' : 'failed'
              if (report.received !== report.sent) result.note = `received ${report.received} of ${report.sent}`
            }
          } catch (error) {
            result.note = errorText(error)
          }
          results.latency.push(result)
          const r = result.report
          console.log(
            result.status === 'ok' && r !== undefined
              ? `p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  avg ${r.avgMs.toFixed(2)} ms  at ${Math.round(r.achievedRate)}/s`
              : `${result.status}: ${result.note?.split('\n')[0] ?? ''}`,
            `(load ${result.loadAverage})`,
          )
        }
      }
    }
  } finally {
    if (process.env.BENCH_KEEP_TOPICS !== '1') for (const topic of created) await topics.delete(topic).catch(() => undefined)
    await topics.close()
    await broker.release()
    rmSync(workDir, { recursive: true, force: true })
  }

  results.finishedAt = new Date().toISOString()
  const resultsDir = join(repoRoot, 'bench', 'results')
  mkdirSync(resultsDir, { recursive: true })
  const jsonPath = join(resultsDir, `consume-${stamp}.json`)
  const svgPath = join(resultsDir, `consume-${stamp}.svg`)
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(svgPath, renderChart(results, stamp))
  console.log(formatTable(results, 'java'))
  console.log(`\nwrote ${jsonPath}\nwrote ${svgPath}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
