/** The shape of bench/results/produce-*.json and the summaries made from it. */

import type { Scenario } from './job.js'

export interface ClientInfo {
  id: string
  label: string
}

export interface ScenarioInfo extends Scenario {
  /** "100 B · acks=1 · none" */
  label: string
}

export interface RunMeasurement {
  recordsPerSec: number
  /** MiB of record values per second (2^20 bytes, as ProducerPerformance counts). */
  mibPerSec: number
  elapsedMs: number
  /** CPU of the whole client process, start-up included. */
  cpuSeconds: number
  cpuMicrosPerRecord: number
  /**
   * CPU while sending: Node clients from first send to last acknowledgement; the JVM from the end
   * of its start-up (sampled from /proc when the tool has read its payloads) to its exit.
   */
  windowCpuMicrosPerRecord: number
  maxRssMiB: number
  /** Sum of the topic's end offsets after the run. */
  verifiedRecords: number | null
  settings: Record<string, string | number | boolean>
  latency?: { avgMs: number; maxMs: number; p50Ms: number; p99Ms: number }
}

export interface RunResult {
  scenario: string
  client: string
  /** 1-based repetition. */
  attempt: number
  status: 'ok' | 'skipped' | 'failed'
  note?: string
  topic?: string
  /** The machine's 1-minute load average when the run started: how much else competed for the CPUs. */
  loadAverage?: number
  measurement?: RunMeasurement
}

export interface ProduceResults {
  kind: 'produce'
  startedAt: string
  finishedAt: string
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; java: string }
  broker: { brokers: string[]; source: string; kafkaVersion: string; partitions: number; note: string }
  settings: {
    lingerMs: number
    batchBytes: number
    windowBytes: number
    callBytes: number
    repeat: number
    javaLaunch: string
    kafkatsSource?: string
  }
  clients: ClientInfo[]
  scenarios: ScenarioInfo[]
  runs: RunResult[]
}

/** One number per (scenario, client): the median over repetitions that succeeded. */
export interface Summary {
  status: RunResult['status']
  note?: string
  recordsPerSec: number
  mibPerSec: number
  cpuMicrosPerRecord: number
  windowCpuMicrosPerRecord: number
  maxRssMiB: number
  attempts: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function summarize(results: ProduceResults, scenario: string, client: string): Summary | undefined {
  const runs = results.runs.filter((r) => r.scenario === scenario && r.client === client)
  if (runs.length === 0) return undefined
  const ok = runs.flatMap((r) => (r.status === 'ok' && r.measurement !== undefined ? [r.measurement] : []))
  if (ok.length === 0) {
    const last = runs[runs.length - 1]!
    return {
      status: last.status,
      note: last.note,
      recordsPerSec: 0,
      mibPerSec: 0,
      cpuMicrosPerRecord: 0,
      windowCpuMicrosPerRecord: 0,
      maxRssMiB: 0,
      attempts: runs.length,
    }
  }
  return {
    status: 'ok',
    recordsPerSec: median(ok.map((m) => m.recordsPerSec)),
    mibPerSec: median(ok.map((m) => m.mibPerSec)),
    cpuMicrosPerRecord: median(ok.map((m) => m.cpuMicrosPerRecord)),
    windowCpuMicrosPerRecord: median(ok.map((m) => m.windowCpuMicrosPerRecord)),
    maxRssMiB: median(ok.map((m) => m.maxRssMiB)),
    attempts: runs.length,
  }
}

/** A plain-text table per scenario, with each client's throughput and CPU per record (while sending) relative to Java. */
export function formatTable(results: ProduceResults, baselineClient: string): string {
  const header = ['client', 'records/s', 'MiB/s', 'CPU µs/rec total', 'sending', 'RSS MiB', 'vs Java rec/s', 'vs Java CPU sending']
  const lines: string[] = []
  for (const scenario of results.scenarios) {
    const baseline = summarize(results, scenario.label, baselineClient)
    const rows: string[][] = [header]
    const notes: string[] = []
    for (const client of results.clients) {
      const s = summarize(results, scenario.label, client.id)
      if (s === undefined) continue
      if (s.status !== 'ok') {
        notes.push(`  ${client.label}: ${s.status}${s.note === undefined ? '' : ` (${s.note})`}`)
        continue
      }
      const ratio = (value: number, base: number | undefined): string =>
        base === undefined || base === 0 ? 'n/a' : `${(value / base).toFixed(2)}×`
      const base = baseline?.status === 'ok' ? baseline : undefined
      rows.push([
        client.label,
        Math.round(s.recordsPerSec).toLocaleString('en-US'),
        s.mibPerSec.toFixed(1),
        s.cpuMicrosPerRecord.toFixed(2),
        s.windowCpuMicrosPerRecord.toFixed(2),
        s.maxRssMiB.toFixed(0),
        ratio(s.recordsPerSec, base?.recordsPerSec),
        ratio(s.windowCpuMicrosPerRecord, base?.windowCpuMicrosPerRecord),
      ])
    }
    lines.push(`\n${scenario.label}  (${scenario.records.toLocaleString('en-US')} records)`)
    const widths = header.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length)))
    for (const row of rows) {
      lines.push('  ' + row.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('  '))
    }
    lines.push(...notes)
  }
  return lines.join('\n')
}
