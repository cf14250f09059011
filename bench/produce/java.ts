/**
 * Kafka's own ProducerPerformance as the reference client. It runs under GNU time (`time -v`),
 * which gives its CPU time and peak RSS; its throughput and latencies come from its last line.
 *
 * Two ways to start the JVM:
 * - `jvm` (default): java with the flags Kafka's kafka-producer-perf-test.sh uses (512 MiB heap,
 *   G1, full JIT), on the jars of `scripts/kafka-local.sh classpath`. This is how Kafka users run
 *   the tool, so it is the fair baseline.
 * - `tool`: `scripts/kafka-local.sh tool ProducerPerformance`, which tunes the JVM for short CLI
 *   runs (C1 only, serial GC, 256 MiB heap) and so understates what the Java client can do.
 */

import { execFileSync, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClientJob, ClientReport } from './job.js'

export type JavaLaunch = 'jvm' | 'tool'

/** Same JVM options as Kafka's bin/kafka-producer-perf-test.sh via kafka-run-class.sh. */
const PERF_TEST_JVM_FLAGS = [
  '-Xmx512M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
]

const PRODUCER_PERFORMANCE = 'org.apache.kafka.tools.ProducerPerformance'

export interface JavaRunContext {
  repoRoot: string
  workDir: string
  launch: JavaLaunch
  /** `scripts/kafka-local.sh classpath`, resolved once by the caller. */
  classpath: string
  timeoutMs: number
}

export interface JavaReport extends ClientReport {
  latency: { avgMs: number; maxMs: number; p50Ms: number; p99Ms: number }
}

/** The producer properties standing for the same tuning the Node clients get. */
export function javaProducerProps(job: ClientJob): Record<string, string> {
  return {
    'bootstrap.servers': job.brokers.join(','),
    acks: job.scenario.acks,
    'compression.type': job.scenario.compression,
    'linger.ms': String(job.tuning.lingerMs),
    'batch.size': String(job.tuning.batchBytes),
    'enable.idempotence': 'false',
  }
}

function writeLogConfig(workDir: string): string[] {
  const log4j2 = join(workDir, 'log4j2-warn.xml')
  writeFileSync(
    log4j2,
    '<?xml version="1.0" encoding="UTF-8"?>\n<Configuration status="WARN"><Appenders><Console name="E" target="SYSTEM_ERR">' +
      '<PatternLayout pattern="%p %m (%c)%n"/></Console></Appenders><Loggers><Root level="WARN"><AppenderRef ref="E"/></Root></Loggers></Configuration>\n',
  )
  const log4j1 = join(workDir, 'log4j-warn.properties')
  writeFileSync(log4j1, 'log4j.rootLogger=WARN, E\nlog4j.appender.E=org.apache.log4j.ConsoleAppender\nlog4j.appender.E.Target=System.err\nlog4j.appender.E.layout=org.apache.log4j.PatternLayout\n')
  return [`-Dlog4j2.configurationFile=${log4j2}`, `-Dlog4j.configuration=file:${log4j1}`]
}

export async function runJavaProducer(job: ClientJob, ctx: JavaRunContext): Promise<JavaReport> {
  const props = javaProducerProps(job)
  const toolArgs = [
    '--topic', job.topic,
    '--num-records', String(job.scenario.records),
    '--throughput', '-1',
    '--payload-file', job.payloadFile,
    '--producer-props', ...Object.entries(props).map(([k, v]) => `${k}=${v}`),
  ]
  const command =
    ctx.launch === 'jvm'
      ? ['java', ...PERF_TEST_JVM_FLAGS, ...writeLogConfig(ctx.workDir), '-cp', ctx.classpath, PRODUCER_PERFORMANCE, ...toolArgs]
      : ['bash', join(ctx.repoRoot, 'scripts/kafka-local.sh'), 'tool', 'ProducerPerformance', ...toolArgs]
  const timeFile = join(ctx.workDir, 'java-time.txt')
  // The tool prints how many payloads it read just before it creates the producer: the JVM's CPU
  // at that moment is its start-up, which the Node clients' window figure leaves out too.
  let startupCpuMicros: number | undefined
  const onStdoutLine = (line: string, timePid: number): void => {
    if (startupCpuMicros === undefined && /^Number of (records|messages) read/.test(line)) {
      startupCpuMicros = childCpuMicros(timePid)
    }
  }
  const { stdout, stderr, code } = await run('/usr/bin/time', ['-v', '-o', timeFile, ...command], ctx.repoRoot, ctx.timeoutMs, { onStdoutLine })
  if (code !== 0) throw new Error(`ProducerPerformance exited with ${code}:\n${tail(stderr)}\n${tail(stdout)}`)

  const summary = parseSummary(stdout)
  const usage = parseGnuTime(readFileSync(timeFile, 'utf8'))
  return {
    records: summary.records,
    valueBytes: summary.records * job.scenario.recordSize,
    elapsedMs: (summary.records / summary.recordsPerSec) * 1000,
    cpuMicros: usage.cpuMicros,
    // Without the start-up sample (no /proc), the process total stands for both.
    windowCpuMicros: usage.cpuMicros - (startupCpuMicros ?? 0),
    maxRssKiB: usage.maxRssKiB,
    settings: { ...props, launch: ctx.launch, startupCpuSeconds: startupCpuMicros === undefined ? 'unknown' : startupCpuMicros / 1e6, jvmFlags: ctx.launch === 'jvm' ? PERF_TEST_JVM_FLAGS.join(' ') : 'kafka-local.sh tool defaults' },
    latency: summary.latency,
  }
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
})()

/**
 * CPU time so far (all threads) of the process GNU time `timePid` runs, read from /proc; undefined
 * where /proc does not say. The JVM is time's only child (`tool` mode execs it from bash).
 */
function childCpuMicros(timePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(/\s+/)
    const pid = children[0]
    if (pid === undefined || pid === '') return undefined
    return parseProcStatCpuMicros(readFileSync(`/proc/${pid}/stat`, 'utf8'), CLOCK_TICKS_PER_SECOND)
  } catch {
    return undefined
  }
}

/** utime + stime of a /proc/<pid>/stat line, in µs. Fields count from after the parenthesised name. */
export function parseProcStatCpuMicros(stat: string, ticksPerSecond: number): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12])
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc stat: ${stat.slice(0, 80)}`)
  return Math.round((ticks / ticksPerSecond) * 1e6)
}

/** Parses ProducerPerformance's final line: "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P ms 50th, …". */
export function parseSummary(stdout: string): { records: number; recordsPerSec: number; latency: JavaReport['latency'] } {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => /records sent, .* ms 50th/.test(l))
  if (line === undefined) throw new Error(`no ProducerPerformance summary in its output:\n${tail(stdout)}`)
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(line)
    if (match === null) throw new Error(`cannot parse ${String(pattern)} from "${line}"`)
    return Number(match[1])
  }
  return {
    records: number(/^(\d+) records sent/),
    recordsPerSec: number(/([\d.]+) records\/sec/),
    latency: {
      avgMs: number(/([\d.]+) ms avg latency/),
      maxMs: number(/([\d.]+) ms max latency/),
      p50Ms: number(/(\d+) ms 50th/),
      p99Ms: number(/(\d+) ms 99th/),
    },
  }
}

/** User + system CPU and peak RSS from GNU time's verbose report. */
export function parseGnuTime(text: string): { cpuMicros: number; maxRssKiB: number } {
  const field = (name: string): number => {
    const match = new RegExp(`${name}: ([\\d.]+)`).exec(text)
    if (match === null) throw new Error(`GNU time output lacks "${name}"`)
    return Number(match[1])
  }
  const seconds = field('User time \\(seconds\\)') + field('System time \\(seconds\\)')
  return { cpuMicros: Math.round(seconds * 1e6), maxRssKiB: field('Maximum resident set size \\(kbytes\\)') }
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv
  /** Called for each complete line of stdout as it arrives, with the command's pid. */
  onStdoutLine?: (line: string, pid: number) => void
}

export interface ProcessOutcome {
  stdout: string
  stderr: string
  code: number | null
}

/** Process groups of the commands running now, so that an interrupted parent can end them. */
const runningGroups = new Set<number>()

/** Ends the commands this process started and that are still running (their whole groups). */
export function killRunning(): void {
  for (const pgid of runningGroups) killGroup(pgid)
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/**
 * Runs a command to completion in its own process group, and kills that group (the command and
 * whatever it started, such as the JVM under GNU time) if it outlives `timeoutMs`.
 */
export function run(command: string, args: string[], cwd: string, timeoutMs: number, options: RunOptions = {}): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    const pgid = child.pid
    if (pgid !== undefined) runningGroups.add(pgid)
    let stdout = ''
    let stderr = ''
    let scanned = 0
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      if (options.onStdoutLine === undefined || pgid === undefined) return
      const end = stdout.lastIndexOf('\n') + 1
      if (end <= scanned) return
      for (const line of stdout.slice(scanned, end - 1).split('\n')) options.onStdoutLine(line, pgid)
      scanned = end
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${timeoutMs} ms`
      if (pgid !== undefined) killGroup(pgid)
    }, timeoutMs)
    const finish = (): void => {
      clearTimeout(timer)
      if (pgid !== undefined) runningGroups.delete(pgid)
    }
    child.on('error', (error) => {
      finish()
      reject(error)
    })
    child.on('close', (code) => {
      finish()
      resolve({ stdout, stderr, code })
    })
  })
}

export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}
