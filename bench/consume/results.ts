/** The shape of bench/results/consume-*.json, and the table printed from it. */

import type { LatencyReport, ThroughputReport } from './job.js'

export interface ClientInfo {
  id: string
  label: string
}

export interface ThroughputRun {
  recordSize: number
  records: number
  client: string
  attempt: number
  status: 'ok' | 'skipped' | 'failed'
  note?: string
  loadAverage?: number
  recordsPerSec?: number
  mibPerSec?: number
  cpuSeconds?: number
  cpuMicrosPerRecord?: number
  windowCpuMicrosPerRecord?: number
  maxRssMiB?: number
  report?: ThroughputReport
}

export interface LatencyRun {
  client: string
  attempt: number
  status: 'ok' | 'skipped' | 'failed'
  note?: string
  loadAverage?: number
  report?: LatencyReport
}

export interface ConsumeResults {
  kind: 'consume'
  startedAt: string
  finishedAt: string
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; java: string }
  broker: { brokers: string[]; source: string; kafkaVersion: string; partitions: number; note: string }
  settings: { sizes: number[]; recordsBySize: Record<string, number>; prefill: string; repeat: number; latency: { rate: number; seconds: number; recordSize: number; partitions: number; javaRecords: number } }
  clients: ClientInfo[]
  throughput: ThroughputRun[]
  latency: LatencyRun[]
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface ThroughputSummary {
  recordsPerSec: number
  mibPerSec: number
  cpuSeconds: number
  cpuMicrosPerRecord: number
  windowCpuMicrosPerRecord: number
  maxRssMiB: number
}

/** Medians over the successful repetitions of one (size, client), or undefined if none succeeded. */
export function summarizeThroughput(results: ConsumeResults, recordSize: number, client: string): ThroughputSummary | undefined {
  const ok = results.throughput.filter((r) => r.recordSize === recordSize && r.client === client && r.status === 'ok')
  if (ok.length === 0) return undefined
  const m = (pick: (r: ThroughputRun) => number | undefined): number => median(ok.map((r) => pick(r) ?? Number.NaN))!
  return {
    recordsPerSec: m((r) => r.recordsPerSec),
    mibPerSec: m((r) => r.mibPerSec),
    cpuSeconds: m((r) => r.cpuSeconds),
    cpuMicrosPerRecord: m((r) => r.cpuMicrosPerRecord),
    windowCpuMicrosPerRecord: m((r) => r.windowCpuMicrosPerRecord),
    maxRssMiB: m((r) => r.maxRssMiB),
  }
}

export function summarizeLatency(results: ConsumeResults, client: string): { p50Ms: number; p99Ms: number; avgMs: number; rate: number; received: string } | undefined {
  const ok = results.latency.filter((r) => r.client === client && r.status === 'ok' && r.report !== undefined).map((r) => r.report!)
  if (ok.length === 0) return undefined
  return {
    p50Ms: median(ok.map((r) => r.p50Ms))!,
    p99Ms: median(ok.map((r) => r.p99Ms))!,
    avgMs: median(ok.map((r) => r.avgMs))!,
    rate: median(ok.map((r) => r.achievedRate))!,
    received: `${ok.reduce((n, r) => n + r.received, 0)}/${ok.reduce((n, r) => n + r.sent, 0)}`,
  }
}

export function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`
}

function grid(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)))
  return rows.map((row) => '  ' + row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '))
}

/** Throughput per size and latency, each client with its ratio to the Java tool. */
export function formatTable(results: ConsumeResults, baseline: string): string {
  const lines: string[] = []
  const ratio = (value: number, base: number | undefined): string => (base === undefined || !(base > 0) ? 'n/a' : `${(value / base).toFixed(2)}×`)
  for (const size of results.settings.sizes) {
    const base = summarizeThroughput(results, size, baseline)
    const rows = [['client', 'records/s', 'MiB/s', 'CPU s', 'CPU µs/rec', 'consuming', 'RSS MiB', 'vs Java rec/s', 'vs Java CPU/rec']]
    const notes: string[] = []
    for (const client of results.clients) {
      const s = summarizeThroughput(results, size, client.id)
      if (s === undefined) {
        const last = results.throughput.filter((r) => r.recordSize === size && r.client === client.id).pop()
        if (last !== undefined) notes.push(`  ${client.label}: ${last.status}${last.note === undefined ? '' : ` (${last.note.split('\n')[0]})`}`)
        continue
      }
      rows.push([
        client.label,
        Math.round(s.recordsPerSec).toLocaleString('en-US'),
        s.mibPerSec.toFixed(1),
        s.cpuSeconds.toFixed(2),
        s.cpuMicrosPerRecord.toFixed(2),
        s.windowCpuMicrosPerRecord.toFixed(2),
        s.maxRssMiB.toFixed(0),
        ratio(s.recordsPerSec, base?.recordsPerSec),
        ratio(s.cpuMicrosPerRecord, base?.cpuMicrosPerRecord),
      ])
    }
    lines.push(`\nconsume ${sizeLabel(size)} values  (${results.settings.recordsBySize[String(size)]?.toLocaleString('en-US')} records, 6 partitions, from earliest)`)
    lines.push(...grid(rows), ...notes)
  }
  const { latency } = results.settings
  lines.push(`\nend-to-end latency, ${sizeLabel(latency.recordSize)} values, Node: ${latency.rate} records/s for ${latency.seconds} s; Java: EndToEndLatency, one record at a time (${latency.javaRecords} records)`)
  const base = summarizeLatency(results, baseline)
  const rows = [['client', 'p50 ms', 'p99 ms', 'avg ms', 'rate/s', 'received', 'vs Java p50', 'vs Java p99']]
  const notes: string[] = []
  for (const client of results.clients) {
    const s = summarizeLatency(results, client.id)
    if (s === undefined) {
      const last = results.latency.filter((r) => r.client === client.id).pop()
      if (last !== undefined) notes.push(`  ${client.label}: ${last.status}${last.note === undefined ? '' : ` (${last.note.split('\n')[0]})`}`)
      continue
    }
    const runs = results.latency.filter((r) => r.client === client.id)
    const okRuns = runs.filter((r) => r.status === 'ok').length
    if (okRuns < runs.length) notes.push(`  ${client.label}: ${runs.length - okRuns} of ${runs.length} runs failed (${runs.find((r) => r.status !== 'ok')?.note?.split('\n')[0] ?? ''})`)
    rows.push([client.label, s.p50Ms.toFixed(2), s.p99Ms.toFixed(2), s.avgMs.toFixed(2), Math.round(s.rate).toString(), s.received, ratio(s.p50Ms, base?.p50Ms), ratio(s.p99Ms, base?.p99Ms)])
  }
  lines.push(...grid(rows), ...notes)
  return lines.join('\n')
}
