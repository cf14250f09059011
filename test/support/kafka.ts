/**
 * Test helpers around scripts/kafka-local.sh: a real Apache Kafka (from Maven Central jars) on
 * 127.0.0.1, its command-line tools, and kcat.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const SINGLE_BOOTSTRAP = `127.0.0.1:${process.env.KAFKATS_SINGLE_PORT ?? '9092'}`
const CLUSTER_PORT_OFFSET = Number(process.env.KAFKATS_CLUSTER_PORT_OFFSET ?? '0')

/** Broker numbers of the local cluster; broker n has node id n and listens on 127.0.0.1:9092 + 100·n (9192, 9292, 9392). */
export type ClusterBroker = 1 | 2 | 3

export function clusterBrokerAddress(n: ClusterBroker): string {
  return `127.0.0.1:${n * 100 + 9092 + CLUSTER_PORT_OFFSET}`
}

export const CLUSTER_BOOTSTRAP = ([1, 2, 3] as const).map(clusterBrokerAddress).join(',')

export interface CommandResult {
  stdout: string
  stderr: string
  /** Exit code; null when the process ended by a signal (for example after a timeout). */
  code: number | null
  timedOut: boolean
}

export interface CommandOptions {
  /** Written to the process's stdin, which is then closed. */
  input?: string | Uint8Array
  /** The process (and anything it started in its process group) is killed after this long. */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
}

export { waitFor, type WaitForOptions } from './wait-for.js'

const SCRIPT = fileURLToPath(new URL('../../scripts/kafka-local.sh', import.meta.url))

/** The release scripts/kafka-local.sh runs when KAFKA_VERSION is not set, read from the script itself. */
export function defaultKafkaVersion(): string {
  const match = /^readonly KAFKA_VERSION=\$\{KAFKA_VERSION:-(\d+\.\d+\.\d+)\}$/m.exec(readFileSync(SCRIPT, 'utf8'))
  if (match?.[1] === undefined) throw new Error('scripts/kafka-local.sh has no default KAFKA_VERSION line')
  return match[1]
}

/** The Kafka release of the local brokers under test: KAFKA_VERSION, else the script's default. */
export function kafkaVersion(): string {
  const explicit = process.env.KAFKA_VERSION
  return explicit === undefined || explicit === '' ? defaultKafkaVersion() : explicit
}

const DEFAULT_TOOL_TIMEOUT_MS = 60_000
// The script bounds its own waits (start 120 s, stop 30 s + SIGKILL); these only catch a hung script.
const START_TIMEOUT_MS = 240_000
const STOP_TIMEOUT_MS = 90_000

/** Runs a program without a shell and collects its output; never rejects for a non-zero exit. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    // detached: own process group, so a timeout can take down the script and the JVM it runs.
    const child = spawn(command, [...args], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child.pid)
    }, timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code,
        timedOut,
      })
    })
    // A tool that exits before reading all input closes its stdin; that is not our failure.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Runs `scripts/kafka-local.sh <args>`. */
export function runKafkaScript(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return runCommand('bash', [SCRIPT, ...args], options)
}

async function runScriptOrThrow(args: readonly string[], timeoutMs: number): Promise<string> {
  const result = await runKafkaScript(args, { timeoutMs })
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${String(result.code)}`
    throw new Error(`kafka-local.sh ${args.join(' ')} ${why}\n${result.stderr}${result.stdout}`)
  }
  return result.stdout.trim()
}

/** Starts (or finds already running) the single combined broker+controller; returns its bootstrap. */
export async function startSingle(): Promise<string> {
  return lastLine(await runScriptOrThrow(['single-start'], START_TIMEOUT_MS))
}

export async function stopSingle(): Promise<void> {
  await runScriptOrThrow(['single-stop'], STOP_TIMEOUT_MS)
}

/**
 * Starts the single node, or shares the one already running, on behalf of process `ownerPid` (a
 * lease). Concurrent test runs on one machine can so use one node without stopping it under each
 * other. Returns the bootstrap address.
 */
export async function acquireSingle(ownerPid: number = process.pid): Promise<string> {
  return lastLine(await runScriptOrThrow(['single-acquire', String(ownerPid)], START_TIMEOUT_MS))
}

/** Drops the lease; the last lease holder stops the node, if a lease holder had started it. */
export async function releaseSingle(ownerPid: number = process.pid): Promise<void> {
  await runScriptOrThrow(['single-release', String(ownerPid)], STOP_TIMEOUT_MS)
}

/** True when the single node that this repository's script started is running. */
export async function isSingleRunning(): Promise<boolean> {
  return (await runKafkaScript(['status', 'single'], { timeoutMs: 10_000 })).code === 0
}

/** Starts a controller and three brokers with fresh storage; returns the bootstrap of all three. */
export async function startCluster(): Promise<string> {
  return lastLine(await runScriptOrThrow(['cluster-start'], START_TIMEOUT_MS))
}

export async function stopCluster(): Promise<void> {
  await runScriptOrThrow(['cluster-stop'], STOP_TIMEOUT_MS)
}

/** SIGKILLs one cluster broker, as a crash would; resolves once the process is gone. */
export async function killBroker(n: ClusterBroker): Promise<void> {
  await runScriptOrThrow(['cluster-kill', String(n)], 30_000)
}

/** Starts a killed cluster broker again on its existing data; resolves when it is serving. */
export async function restartBroker(n: ClusterBroker): Promise<void> {
  await runScriptOrThrow(['cluster-restart', String(n)], START_TIMEOUT_MS)
}

/**
 * Runs a Kafka command-line class (TopicCommand, ConsoleConsumer, ProducerPerformance…) from the
 * same jars as the broker. Short names are looked up in the jars, so one name works across versions.
 */
export function runKafkaTool(
  mainClass: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  return runKafkaScript(['tool', mainClass, ...args], options)
}

/** Runs kcat (librdkafka's CLI). */
export function kcat(args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return runCommand('kcat', args, { timeoutMs: 30_000, ...options })
}

/** The cluster under test: KAFKA_BROKERS when set, else the local single node. */
export function bootstrap(): string {
  return process.env.KAFKA_BROKERS ?? process.env.KAFKATS_BOOTSTRAP ?? SINGLE_BOOTSTRAP
}

// kcat -L -J output, reduced to what tests look at.
export interface KcatBroker {
  id: number
  name: string
}

export interface KcatPartition {
  partition: number
  leader: number
  replicas: number[]
  isrs: number[]
  error?: string
}

export interface KcatTopic {
  topic: string
  error?: string
  partitions: KcatPartition[]
}

export interface KcatMetadata {
  controllerId: number
  brokers: KcatBroker[]
  topics: KcatTopic[]
}

/** Cluster metadata as librdkafka sees it (`kcat -L -J`), optionally for one topic only. */
export async function kcatMetadata(brokers: string, topic?: string): Promise<KcatMetadata> {
  const args = ['-b', brokers, '-L', '-J', '-m', '10']
  if (topic !== undefined) args.push('-t', topic)
  const result = await kcat(args, { timeoutMs: 20_000 })
  if (result.code !== 0) throw new Error(`kcat -L failed (${String(result.code)}): ${result.stderr}`)
  return parseKcatMetadata(result.stdout)
}

interface RawKcatMetadata {
  controllerid: number
  brokers: KcatBroker[]
  topics: {
    topic: string
    error?: string
    partitions: { partition: number; leader: number; error?: string; replicas: { id: number }[]; isrs: { id: number }[] }[]
  }[]
}

function parseKcatMetadata(json: string): KcatMetadata {
  const raw = JSON.parse(json) as RawKcatMetadata
  return {
    controllerId: raw.controllerid,
    brokers: raw.brokers,
    topics: raw.topics.map((t) => ({
      topic: t.topic,
      ...(t.error === undefined ? {} : { error: t.error }),
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: p.replicas.map((r) => r.id),
        isrs: p.isrs.map((r) => r.id),
        ...(p.error === undefined ? {} : { error: p.error }),
      })),
    })),
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.length > 0)
  const last = lines[lines.length - 1]
  if (last === undefined) throw new Error('kafka-local.sh printed no bootstrap address')
  return last
}

// ---------------------------------------------------------------------------------------------------
// The secured node of scripts/kafka-local.sh (secure-start): SASL_PLAINTEXT, mTLS-only SSL and
// SASL_SSL listeners with the StandardAuthorizer; admin/admin-secret is a super user, alice/alice-secret
// has no ACLs; sessions last at most 10 s (connections.max.reauth.ms).

/** Addresses and PEM files of the secured node. */
export interface SecureKafka {
  saslPlaintext: string
  ssl: string
  saslSsl: string
  /** The test CA that signed the broker's and the client's certificates. */
  caPem: string
  /** A client certificate (CN=admin, mapped to User:admin) and its private key, for mTLS. */
  clientCertPem: string
  clientKeyPem: string
}

export const SECURE_USERS = {
  admin: { username: 'admin', password: 'admin-secret' },
  alice: { username: 'alice', password: 'alice-secret' },
} as const

/** Starts (or finds already running) the secured node. */
export async function startSecure(): Promise<SecureKafka> {
  const out = await runScriptOrThrow(['secure-start'], START_TIMEOUT_MS)
  const values = new Map<string, string>()
  for (const line of out.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1).trim())
  }
  const get = (key: string): string => {
    const value = values.get(key)
    if (value === undefined) throw new Error(`kafka-local.sh secure-start did not print ${key}:\n${out}`)
    return value
  }
  return {
    saslPlaintext: get('SASL_PLAINTEXT'),
    ssl: get('SSL'),
    saslSsl: get('SASL_SSL'),
    caPem: get('CA_PEM'),
    clientCertPem: get('CLIENT_CERT_PEM'),
    clientKeyPem: get('CLIENT_KEY_PEM'),
  }
}

export async function stopSecure(): Promise<void> {
  await runScriptOrThrow(['secure-stop'], STOP_TIMEOUT_MS)
}
