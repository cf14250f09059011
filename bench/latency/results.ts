/** The shape of bench/results/latency-*.json, and the table printed from it. */

import type { LatencyReport } from './job.js'

export interface ClientInfo {
  id: string
  label: string
}

/** One load: a topic of `partitions` partitions fed at `rate` records/s. */
export interface Scenario {
  id: string
  partitions: number
  rate: number
}

export interface LatencyRun {
  scenario: string
  client: string
  attempt: number
  status: 'ok' | 'skipped' | 'failed'
  note?: string
  loadAverage?: number
  report?: LatencyReport
}

export interface LatencyResults {
  kind: 'latency'
  startedAt: string
  finishedAt: string
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; java: string }
  broker: { brokers: string[]; source: string; kafkaVersion: string; note: string }
  settings: { seconds: number; recordSize: number; repeat: number; javaRecords: number; scenarios: Scenario[] }
  clients: ClientInfo[]
  runs: LatencyRun[]
}

export function scenarioLabel(s: Scenario): string {
  return `${s.partitions} partition${s.partitions === 1 ? '' : 's'}, ${s.rate.toLocaleString('en-US')} rec/s`
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export interface LatencySummary {
  p50Ms: number
  p99Ms: number
  maxMs: number
  avgMs: number
  rate: number
  cpuMicrosPerRecord: number
  runs: number
}

/** Medians over the successful repetitions of one (scenario, client), or undefined if none succeeded. */
export function summarize(results: LatencyResults, scenario: string, client: string): LatencySummary | undefined {
  const ok = results.runs.filter((r) => r.scenario === scenario && r.client === client && r.status === 'ok' && r.report !== undefined).map((r) => r.report!)
  if (ok.length === 0) return undefined
  const m = (pick: (r: LatencyReport) => number): number => median(ok.map(pick))!
  return {
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    maxMs: m((r) => r.maxMs),
    avgMs: m((r) => r.avgMs),
    rate: m((r) => r.achievedRate),
    cpuMicrosPerRecord: m((r) => r.cpuMicros / r.sent),
    runs: ok.length,
  }
}

function grid(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '))
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a')

export function formatTable(results: LatencyResults): string {
  const lines: string[] = []
  for (const scenario of results.settings.scenarios) {
    lines.push('', `${scenarioLabel(scenario)} (${results.settings.recordSize} B, ${results.settings.seconds} s; median of successful runs)`)
    const rows: string[][] = [['client', 'p50 ms', 'p99 ms', 'max ms', 'avg ms', 'rate/s', 'CPU µs/rec', 'runs']]
    const notes: string[] = []
    for (const client of results.clients) {
      const runs = results.runs.filter((r) => r.scenario === scenario.id && r.client === client.id)
      const failed = runs.filter((r) => r.status !== 'ok')
      if (failed.length > 0) notes.push(`  ${client.label}: ${failed.length} of ${runs.length} runs ${failed[0]!.status} (${failed[0]!.note?.split('\n')[0] ?? ''})`)
      const s = summarize(results, scenario.id, client.id)
      if (s === undefined) {
        rows.push([client.label, 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', 'n/a', `0/${runs.length}`])
        continue
      }
      rows.push([client.label, ms(s.p50Ms), ms(s.p99Ms), ms(s.maxMs), ms(s.avgMs), Math.round(s.rate).toString(), s.cpuMicrosPerRecord.toFixed(1), `${s.runs}/${runs.length}`])
    }
    lines.push(...grid(rows), ...notes)
  }
  lines.push('', 'Java = EndToEndLatency: one record at a time (send, wait for receipt, repeat), acks 1, whole-ms percentiles, no max; its rate is what the ping-pong reached.')
  return lines.join('\n')
}
