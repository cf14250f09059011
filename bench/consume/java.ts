/**
 * Kafka's own tools as the Java reference: ConsumerPerformance for throughput and EndToEndLatency
 * for latency, each under GNU time (`time -v`) for CPU time and peak RSS, with the JVM flags Kafka's
 * kafka-consumer-perf-test.sh starts them with (via kafka-run-class.sh), on the jars of
 * `scripts/kafka-local.sh classpath`.
 */

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseGnuTime, run, tail } from '../produce/java.js'
import type { LatencyJob, LatencyReport, ThroughputJob, ThroughputReport } from './job.js'

const JVM_FLAGS = [
  '-Xmx512M',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
]

export interface JavaContext {
  repoRoot: string
  workDir: string
  classpath: string
  timeoutMs: number
}

function logFlags(workDir: string): string[] {
  const path = join(workDir, 'log4j2-consume.xml')
  writeFileSync(
    path,
    '<?xml version="1.0" encoding="UTF-8"?>\n<Configuration status="WARN"><Appenders><Console name="E" target="SYSTEM_ERR">' +
      '<PatternLayout pattern="%p %m (%c)%n"/></Console></Appenders><Loggers><Root level="WARN"><AppenderRef ref="E"/></Root></Loggers></Configuration>\n',
  )
  return [`-Dlog4j2.configurationFile=${path}`]
}

async function runTool(ctx: JavaContext, mainClass: string, args: string[]): Promise<{ stdout: string; usage: { cpuMicros: number; maxRssKiB: number } }> {
  const timeFile = join(ctx.workDir, 'java-consume-time.txt')
  const command = ['java', ...JVM_FLAGS, ...logFlags(ctx.workDir), '-cp', ctx.classpath, mainClass, ...args]
  const out = await run('/usr/bin/time', ['-v', '-o', timeFile, ...command], ctx.repoRoot, ctx.timeoutMs)
  if (out.code !== 0) throw new Error(`${mainClass} exited with ${out.code}:\n${tail(out.stderr)}\n${tail(out.stdout)}`)
  return { stdout: out.stdout, usage: parseGnuTime(readFileSync(timeFile, 'utf8')) }
}

/**
 * ConsumerPerformance's summary line: start.time, end.time, data.consumed.in.MB, MB.sec,
 * data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec.
 */
export function parseConsumerPerformance(stdout: string): { records: number; megabytes: number; totalMs: number; rebalanceMs: number; fetchMs: number } {
  const line = stdout
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => /^\d{4}-\d\d-\d\d /.test(l) && l.split(', ').length >= 10)
  if (line === undefined) throw new Error(`no ConsumerPerformance summary in its output:\n${tail(stdout)}`)
  const fields = line.split(', ')
  const number = (index: number): number => Number(fields[index])
  const megabytes = number(2)
  const records = number(4)
  const recordsPerSec = number(5)
  return { records, megabytes, totalMs: (records / recordsPerSec) * 1000, rebalanceMs: number(6), fetchMs: number(7) }
}

export async function runConsumerPerformance(job: ThroughputJob, ctx: JavaContext): Promise<ThroughputReport> {
  const args = ['--bootstrap-server', job.brokers.join(','), '--topic', job.topic, '--num-records', String(job.records), '--group', job.groupId, '--timeout', '30000']
  const { stdout, usage } = await runTool(ctx, 'org.apache.kafka.tools.ConsumerPerformance', args)
  const summary = parseConsumerPerformance(stdout)
  return {
    mode: 'throughput',
    records: summary.records,
    valueBytes: summary.records * job.recordSize,
    // Its fetch time starts when the group has assigned the partitions: the nearest to the Node
    // clients' first-record-to-last window.
    elapsedMs: summary.fetchMs,
    totalElapsedMs: summary.totalMs,
    cpuMicros: usage.cpuMicros,
    // The JVM's CPU cannot be split from its start-up here.
    windowCpuMicros: usage.cpuMicros,
    maxRssKiB: usage.maxRssKiB,
    settings: { tool: 'ConsumerPerformance', group: 'fresh group per run (subscribe)', rebalanceMs: summary.rebalanceMs, jvmFlags: JVM_FLAGS.join(' ') },
  }
}

/** EndToEndLatency: "Avg latency: X ms" and "Percentiles: 50th = a, 99th = b, 99.9th = c" (whole ms). */
export function parseEndToEndLatency(stdout: string): { avgMs: number; p50Ms: number; p99Ms: number; p999Ms: number } {
  const avg = /Avg latency: ([\d.]+) ms/.exec(stdout)
  const pct = /Percentiles: 50th = ([\d.]+), 99th = ([\d.]+), 99\.9th = ([\d.]+)/.exec(stdout)
  if (avg === null || pct === null) throw new Error(`no EndToEndLatency summary in its output:\n${tail(stdout)}`)
  return { avgMs: Number(avg[1]), p50Ms: Number(pct[1]), p99Ms: Number(pct[2]), p999Ms: Number(pct[3]) }
}

/**
 * EndToEndLatency sends one record, waits until its consumer has it, and only then sends the next:
 * a ping-pong, not a fixed rate, so it measures one record at a time on an idle pipeline.
 */
export async function runEndToEndLatency(job: LatencyJob, records: number, ctx: JavaContext): Promise<LatencyReport> {
  const args = ['--bootstrap-server', job.brokers.join(','), '--topic', job.topic, '--num-records', String(records), '--producer-acks', '1', '--record-size', String(job.recordSize)]
  const startedAt = Date.now()
  const { stdout, usage } = await runTool(ctx, 'org.apache.kafka.tools.EndToEndLatency', args)
  const elapsedS = (Date.now() - startedAt) / 1000
  const summary = parseEndToEndLatency(stdout)
  return {
    mode: 'latency',
    sent: records,
    received: records,
    achievedRate: records / elapsedS,
    ...summary,
    maxMs: Number.NaN,
    cpuMicros: usage.cpuMicros,
    maxRssKiB: usage.maxRssKiB,
    settings: { tool: 'EndToEndLatency', style: 'one record at a time (send, wait for receipt, repeat)', resolution: 'whole ms percentiles', rateNote: 'achievedRate includes JVM start-up' },
  }
}
