/**
 * Producer benchmark: kafkats against kafkajs, @platformatic/kafka, @confluentinc/kafka-javascript
 * and Kafka's own Java ProducerPerformance, on the same broker, one client process at a time.
 *
 *   npm run bench:produce                      # all scenarios, all clients
 *   BENCH_CLIENTS=java,kafkats npm run bench:produce
 *
 * See bench/README.md ("Produce") for the environment variables, the settings of each client and
 * how to read the results. Writes bench/results/produce-<timestamp>.json and .svg.
 */

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kafkaVersion as brokerKafkaVersion } from '../../test/support/kafka.js'
import { acquireBroker, countRecords, TopicManager } from './broker.js'
import { chartSubtitle, renderChart } from './chart.js'
import { killRunning, run, runJavaProducer, tail, type JavaLaunch } from './java.js'
import { RESULT_PREFIX, type Acks, type ClientJob, type ClientReport, type ClientSkip, type Compression, type ProducerTuning } from './job.js'
import { nodeClientArgs } from '../client-launch.js'
import { baselineClient } from '../kafkats-baseline.js'
import { writePayloadFile } from './payload.js'
import { formatTable, type ClientInfo, type ProduceResults, type RunMeasurement, type RunResult, type ScenarioInfo } from './results.js'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = join(here, '..', '..')
const benchDir = join(repoRoot, 'bench')

interface ClientSpec extends ClientInfo {
  /** A Node client file under bench/produce/clients, or the Java tool. */
  kind: 'node' | 'java'
  file?: string
  env?: Record<string, string>
}

const ALL_CLIENTS: ClientSpec[] = [
  { id: 'java', label: 'Java ProducerPerformance', kind: 'java' },
  { id: 'kafkats', label: 'kafkats', kind: 'node', file: 'kafkats.ts' },
  { id: 'kafkajs', label: 'kafkajs', kind: 'node', file: 'kafkajs.ts' },
  { id: 'platformatic', label: '@platformatic/kafka', kind: 'node', file: 'platformatic.ts' },
  { id: 'confluent', label: '@confluentinc/kafka-javascript', kind: 'node', file: 'confluent-native.ts' },
  { id: 'confluent-kafkajs', label: '@confluentinc (KafkaJS API)', kind: 'node', file: 'confluent-kafkajs.ts' },
]
const baseline = baselineClient()
if (baseline !== undefined) ALL_CLIENTS.push({ id: baseline.id, label: baseline.label, kind: 'node', file: 'kafkats.ts', env: baseline.env })
const DEFAULT_CLIENTS = ['java', 'kafkats', ...(baseline === undefined ? [] : [baseline.id]), 'kafkajs', 'platformatic', 'confluent']
const BASELINE = 'java'
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

function scenarioLabel(size: number, acks: Acks, compression: Compression): string {
  return `${size >= 1024 ? `${size / 1024} KiB` : `${size} B`} · acks=${acks} · ${compression}`
}

function buildScenarios(): ScenarioInfo[] {
  const sizes = envList('BENCH_SIZES', ['100', '1024']).map(Number)
  const acksList = envList('BENCH_ACKS', ['1', 'all']) as Acks[]
  const compressions = envList('BENCH_COMPRESSION', ['none', 'lz4']) as Compression[]
  const smallRecords = envNumber('BENCH_RECORDS_100B', 200_000)
  const largeRecords = envNumber('BENCH_RECORDS_1KIB', 50_000)
  for (const acks of acksList) if (acks !== '1' && acks !== 'all') throw new Error(`BENCH_ACKS: "${acks}" is not 1 or all`)
  for (const c of compressions) if (c !== 'none' && c !== 'lz4') throw new Error(`BENCH_COMPRESSION: "${c}" is not none or lz4`)
  const scenarios: ScenarioInfo[] = []
  for (const recordSize of sizes) {
    if (!Number.isInteger(recordSize) || recordSize < 1) throw new Error(`BENCH_SIZES: bad size ${recordSize}`)
    for (const acks of acksList) {
      for (const compression of compressions) {
        const records = recordSize >= 1024 ? largeRecords : smallRecords
        scenarios.push({ recordSize, acks, compression, records, label: scenarioLabel(recordSize, acks, compression) })
      }
    }
  }
  return scenarios
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')
}

function topicName(client: string, scenario: ScenarioInfo, attempt: number, tryNumber: number, stamp: string): string {
  const base = `bench-produce-${stamp.toLowerCase()}-${client}-${scenario.recordSize}-acks${scenario.acks}-${scenario.compression}-${attempt}`
  return tryNumber === 1 ? base : `${base}-try${tryNumber}`
}

/** The kafkats client imports the built package by default; warn when dist/ is older than src/. */
function kafkatsBuildNote(): string | undefined {
  if (process.env.BENCH_KAFKATS_SOURCE === 'src') return undefined
  const dist = join(repoRoot, 'dist', 'index.js')
  if (!existsSync(dist)) return 'dist/ is missing: run `npm run build` (or set BENCH_KAFKATS_SOURCE=src)'
  const built = statSync(dist).mtimeMs
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const path = join(dir, entry.name)
      return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs)
    }, 0)
  return newest(join(repoRoot, 'src')) > built ? 'dist/ is older than src/: the kafkats numbers are for the last build' : undefined
}

async function runNodeClient(spec: ClientSpec, job: ClientJob, timeoutMs: number): Promise<ClientReport | ClientSkip> {
  const file = join(here, 'clients', spec.file!)
  const env = { ...process.env, ...spec.env, BENCH_JOB: JSON.stringify(job), KAFKAJS_NO_PARTITIONER_WARNING: '1' }
  const out = await run(process.execPath, nodeClientArgs(file), repoRoot, timeoutMs, { env })
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX))
  if (out.code !== 0 || line === undefined) {
    throw new Error(`exit ${out.code}: ${tail(out.stderr, 12) || tail(out.stdout, 12)}`)
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ClientReport | ClientSkip
}

function toMeasurement(report: ClientReport, verifiedRecords: number | null): RunMeasurement {
  const seconds = report.elapsedMs / 1000
  const measurement: RunMeasurement = {
    recordsPerSec: report.records / seconds,
    mibPerSec: report.valueBytes / 2 ** 20 / seconds,
    elapsedMs: report.elapsedMs,
    cpuSeconds: report.cpuMicros / 1e6,
    cpuMicrosPerRecord: report.cpuMicros / report.records,
    windowCpuMicrosPerRecord: report.windowCpuMicros / report.records,
    maxRssMiB: report.maxRssKiB / 1024,
    verifiedRecords,
    settings: report.settings,
  }
  if ('latency' in report) measurement.latency = (report as ClientReport & { latency: RunMeasurement['latency'] }).latency
  return measurement
}

function machineInfo(): ProduceResults['machine'] {
  // `java -version` writes to stderr.
  const java = execFileSync('bash', ['-c', 'java -version 2>&1 | head -n 1'], { encoding: 'utf8' }).trim() || 'unknown'
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    java,
  }
}

async function main(): Promise<void> {
  const wanted = envList('BENCH_CLIENTS', DEFAULT_CLIENTS)
  const clients = wanted.map((id) => {
    const spec = ALL_CLIENTS.find((c) => c.id === id)
    if (spec === undefined) throw new Error(`BENCH_CLIENTS: unknown client "${id}" (known: ${ALL_CLIENTS.map((c) => c.id).join(', ')})`)
    return spec
  })
  const scenarios = buildScenarios()
  const repeat = Math.floor(envNumber('BENCH_REPEAT', 1))
  const timeoutMs = envNumber('BENCH_RUN_TIMEOUT_S', 600) * 1000
  const javaLaunch = (process.env.BENCH_JAVA_LAUNCH ?? 'jvm') as JavaLaunch
  if (javaLaunch !== 'jvm' && javaLaunch !== 'tool') throw new Error('BENCH_JAVA_LAUNCH must be jvm or tool')
  const keepTopics = process.env.BENCH_KEEP_TOPICS === '1'
  const retries = Math.floor(Number(process.env.BENCH_RETRIES ?? 1))
  const tuning: ProducerTuning = {
    lingerMs: envNumber('BENCH_LINGER_MS', 5),
    batchBytes: envNumber('BENCH_BATCH_BYTES', 64 * 1024),
    windowBytes: envNumber('BENCH_WINDOW_BYTES', 4 * 2 ** 20),
    callBytes: envNumber('BENCH_CALL_BYTES', 128 * 1024),
  }

  const startedAt = new Date()
  const stamp = timestamp(startedAt)
  const broker = await acquireBroker(repoRoot)
  const workDir = mkdtempSync(join(os.tmpdir(), 'kafkats-bench-produce-'))
  const topics = new TopicManager(broker.brokers)
  // Whatever happens from here on (a failed set-up step, an interrupt), the lease, the admin
  // connection and the scratch directory go.
  let cleaned: Promise<void> | undefined
  const cleanUp = (): Promise<void> =>
    (cleaned ??= (async () => {
      await topics.close().catch(() => undefined)
      await broker.release().catch(() => undefined)
      rmSync(workDir, { recursive: true, force: true })
    })())
  const onSignal = (): void => {
    killRunning()
    void cleanUp().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    await measureAll()
  } finally {
    await cleanUp()
  }

  async function measureAll(): Promise<void> {
    const payloadFiles = new Map<number, string>()
    for (const scenario of scenarios) {
      if (!payloadFiles.has(scenario.recordSize)) payloadFiles.set(scenario.recordSize, writePayloadFile(workDir, scenario.recordSize))
    }
    const classpath = clients.some((c) => c.kind === 'java')
      ? (await run('bash', [join(repoRoot, 'scripts/kafka-local.sh'), 'classpath'], repoRoot, 900_000)).stdout.trim().split('\n').pop() ?? ''
      : ''
    const kafkaVersion = brokerKafkaVersion()
    const buildNote = clients.some((c) => c.id === 'kafkats') ? kafkatsBuildNote() : undefined
    if (buildNote !== undefined) console.log(`note: ${buildNote}`)

    const results: ProduceResults = {
      kind: 'produce',
      startedAt: startedAt.toISOString(),
      finishedAt: '',
      machine: machineInfo(),
      broker: {
        brokers: broker.brokers,
        source: broker.source,
        kafkaVersion: broker.source === 'KAFKA_BROKERS' ? 'unknown' : kafkaVersion,
        partitions: PARTITIONS,
        note: 'The broker runs on the same machine and shares its CPUs with the client under test.',
      },
      settings: { ...tuning, repeat, javaLaunch, kafkatsSource: process.env.BENCH_KAFKATS_SOURCE === 'src' ? 'src' : 'package' },
      clients: clients.map(({ id, label }) => ({ id, label })),
      scenarios,
      runs: [],
    }

    console.log(
      `produce benchmark: ${scenarios.length} scenarios × ${clients.length} clients × ${repeat}, brokers ${broker.brokers.join(',')} (${broker.source}), ` +
        `${results.machine.cpus} CPUs shared with the broker`,
    )
    const runOne = async (client: ClientSpec, scenario: ScenarioInfo, attempt: number, tryNumber: number): Promise<RunResult> => {
      const topic = topicName(client.id, scenario, attempt, tryNumber, stamp)
      const job: ClientJob = { brokers: broker.brokers, topic, scenario, tuning, payloadFile: payloadFiles.get(scenario.recordSize)! }
      const result: RunResult = { scenario: scenario.label, client: client.id, attempt, status: 'failed', topic }
      result.loadAverage = Number(os.loadavg()[0]!.toFixed(2))
      try {
        await topics.create(topic, PARTITIONS)
        const report =
          client.kind === 'java'
            ? await runJavaProducer(job, { repoRoot, workDir, launch: javaLaunch, classpath, timeoutMs })
            : await runNodeClient(client, job, timeoutMs)
        if ('skipped' in report) {
          result.status = 'skipped'
          result.note = report.skipped
        } else {
          const landed = await countRecords(repoRoot, broker.brokers, topic)
          result.measurement = toMeasurement(report, landed)
          if (landed === scenario.records) result.status = 'ok'
          else result.note = `topic holds ${landed} records, expected ${scenario.records}`
        }
      } catch (error) {
        result.note = error instanceof Error ? error.message : String(error)
      } finally {
        if (!keepTopics) await topics.delete(topic).catch(() => undefined)
      }
      return result
    }

    for (const scenario of scenarios) {
      for (let attempt = 1; attempt <= repeat; attempt++) {
        for (const client of clients) {
          process.stdout.write(`${scenario.label.padEnd(24)} ${client.label.padEnd(32)} `)
          let result = await runOne(client, scenario, attempt, 1)
          // The broker is shared with whatever else runs on this machine; one retry on a fresh
          // topic keeps a passing hiccup from costing a whole cell of the table.
          for (let retry = 1; retry <= retries && result.status === 'failed'; retry++) {
            process.stdout.write(`failed (${result.note?.split('\n')[0] ?? ''}), retrying … `)
            result = await runOne(client, scenario, attempt, retry + 1)
            result.note = result.note ?? `succeeded on try ${retry + 1}`
          }
          results.runs.push(result)
          const m = result.measurement
          console.log(
            result.status === 'ok' && m !== undefined
              ? `${Math.round(m.recordsPerSec).toLocaleString('en-US').padStart(10)} rec/s ${m.mibPerSec.toFixed(1).padStart(6)} MiB/s ` +
                  `${m.cpuMicrosPerRecord.toFixed(2).padStart(6)} µs/rec ${m.maxRssMiB.toFixed(0).padStart(4)} MiB`
              : `${result.status}: ${result.note?.split('\n')[0] ?? ''}`,
            `(load ${result.loadAverage ?? '?'})`,
          )
        }
      }
    }

    results.finishedAt = new Date().toISOString()
    const resultsDir = join(benchDir, 'results')
    mkdirSync(resultsDir, { recursive: true })
    const jsonPath = join(resultsDir, `produce-${stamp}.json`)
    const svgPath = join(resultsDir, `produce-${stamp}.svg`)
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`)
    writeFileSync(svgPath, renderChart(results, chartSubtitle(results, stamp)))
    console.log(formatTable(results, BASELINE))
    if (buildNote !== undefined) console.log(`\nnote: ${buildNote}`)
    console.log(`\nwrote ${jsonPath}\nwrote ${svgPath}`)
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
