/**
 * Latency benchmark: how long a record takes from `send()` to the consumer's handler, for a
 * consumer group with default options, at fixed produce rates, on a 1-partition and a 6-partition
 * topic. kafkats against kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript (each client
 * in its own process with its own producer) and Kafka's EndToEndLatency, in the same run, rounds
 * interleaved.
 *
 *   npm run bench:latency
 *   BENCH_CLIENTS=kafkats,confluent BENCH_SCENARIOS=6x5000 BENCH_SECONDS=10 npm run bench:latency
 *
 * See bench/latency/README.md. Writes bench/results/latency-<timestamp>.json and .svg.
 */

import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { acquireBroker, TopicManager } from '../produce/broker.js'
import { killRunning, run, tail } from '../produce/java.js'
import { renderChart } from './chart.js'
import { runJavaEndToEnd, type JavaContext } from './java.js'
import { RESULT_PREFIX, type ClientSkip, type LatencyJob, type LatencyReport } from './job.js'
import { kafkaVersion } from '../../test/support/kafka.js'
import { formatTable, scenarioLabel, type ClientInfo, type LatencyResults, type LatencyRun, type Scenario } from './results.js'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '..', '..')

interface ClientSpec extends ClientInfo {
  file?: string
}

const ALL_CLIENTS: ClientSpec[] = [
  { id: 'java', label: 'Java EndToEndLatency' },
  { id: 'kafkats', label: 'kafkats', file: 'kafkats.ts' },
  { id: 'kafkajs', label: 'kafkajs', file: 'kafkajs.ts' },
  { id: 'platformatic', label: '@platformatic/kafka', file: 'platformatic.ts' },
  { id: 'confluent', label: '@confluentinc/kafka-javascript', file: 'confluent.ts' },
]

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

/** "6x5000": 6 partitions at 5,000 records/s. */
function parseScenario(text: string): Scenario {
  const match = /^(\d+)x(\d+)$/.exec(text)
  if (match === null) throw new Error(`BENCH_SCENARIOS: "${text}" is not <partitions>x<records per second>`)
  return { id: text, partitions: Number(match[1]), rate: Number(match[2]) }
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')
}

async function runNodeClient(spec: ClientSpec, job: LatencyJob, timeoutMs: number): Promise<LatencyReport | ClientSkip> {
  const env = { ...process.env, BENCH_JOB: JSON.stringify(job), KAFKAJS_NO_PARTITIONER_WARNING: '1' }
  const out = await run(process.execPath, ['--import', 'tsx', join(here, 'clients', spec.file!)], repoRoot, timeoutMs, { env })
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (out.code !== 0 || line === undefined) {
    const headline = out.stderr.split('\n').find((l) => /error|ECONN|timed out/i.test(l))?.trim() ?? ''
    throw new Error(`exit ${out.code}: ${headline}\n${tail(out.stderr, 12) || tail(out.stdout, 12)}`)
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as LatencyReport | ClientSkip
}

function machineInfo(): LatencyResults['machine'] {
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
  const scenarios = envList('BENCH_SCENARIOS', ['1x500', '6x500', '6x5000']).map(parseScenario)
  const seconds = envNumber('BENCH_SECONDS', 30)
  const recordSize = envNumber('BENCH_RECORD_SIZE', 100)
  const repeat = Math.floor(envNumber('BENCH_REPEAT', 1))
  const javaRecords = Math.floor(envNumber('BENCH_JAVA_RECORDS', 20_000))
  const timeoutMs = (seconds + envNumber('BENCH_RUN_TIMEOUT_S', 300)) * 1000
  const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(repoRoot, 'bench', 'results')

  const startedAt = new Date()
  const stamp = timestamp(startedAt)
  const workDir = mkdtempSync(join(os.tmpdir(), 'kafkats-bench-latency-'))
  const broker = await acquireBroker(repoRoot)
  const onSignal = (): void => {
    killRunning()
    void broker.release().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const topics = new TopicManager(broker.brokers)
  const javaCtx: JavaContext | undefined = clients.some((c) => c.file === undefined)
    ? { repoRoot, workDir, classpath: (await run('bash', [join(repoRoot, 'scripts/kafka-local.sh'), 'classpath'], repoRoot, 900_000)).stdout.trim().split('\n').pop() ?? '', timeoutMs }
    : undefined

  const results: LatencyResults = {
    kind: 'latency',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    machine: machineInfo(),
    broker: {
      brokers: broker.brokers,
      source: broker.source,
      kafkaVersion: broker.source === 'KAFKA_BROKERS' ? 'unknown' : kafkaVersion(),
      note: 'The broker runs on the same machine and shares its CPUs with the client under test.',
    },
    settings: { seconds, recordSize, repeat, javaRecords, scenarios },
    clients: clients.map(({ id, label }) => ({ id, label })),
    runs: [],
  }
  console.log(`latency benchmark: ${clients.length} clients × ${scenarios.length} scenarios × ${repeat}, ${seconds} s each, brokers ${broker.brokers.join(',')} (${broker.source})`)
  const created: string[] = []
  try {
    for (let attempt = 1; attempt <= repeat; attempt++) {
      for (const scenario of scenarios) {
        for (const client of clients) {
          process.stdout.write(`${scenarioLabel(scenario).padEnd(26)} ${client.label.padEnd(32)} `)
          const topic = `bench-latency-${stamp.toLowerCase()}-${scenario.id}-${client.id}-${attempt}`
          const job: LatencyJob = { brokers: broker.brokers, topic, partitions: scenario.partitions, rate: scenario.rate, seconds, recordSize, groupId: `${topic}-group` }
          const result: LatencyRun = { scenario: scenario.id, client: client.id, attempt, status: 'failed', loadAverage: Number(os.loadavg()[0]!.toFixed(2)) }
          try {
            await topics.create(topic, scenario.partitions)
            created.push(topic)
            const report = client.file === undefined ? await runJavaEndToEnd(job, javaRecords, javaCtx!) : await runNodeClient(client, job, timeoutMs)
            if ('skipped' in report) {
              result.status = 'skipped'
              result.note = report.skipped
            } else {
              result.report = report
              result.status = report.received === report.sent ? 'ok' : 'failed'
              if (report.received !== report.sent) result.note = `received ${report.received} of ${report.sent}`
            }
          } catch (error) {
            result.note = errorText(error)
          }
          results.runs.push(result)
          const r = result.report
          console.log(
            result.status === 'ok' && r !== undefined
              ? `p50 ${r.p50Ms.toFixed(2).padStart(7)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms  max ${r.maxMs.toFixed(1).padStart(7)} ms  at ${Math.round(r.achievedRate)}/s`
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
  mkdirSync(resultsDir, { recursive: true })
  const jsonPath = join(resultsDir, `latency-${stamp}.json`)
  const svgPath = join(resultsDir, `latency-${stamp}.svg`)
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(svgPath, renderChart(results, stamp))
  console.log(formatTable(results))
  console.log(`\nwrote ${jsonPath}\nwrote ${svgPath}`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
