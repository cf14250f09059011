/**
 * Results of the chaos scenarios. Every scenario records one entry per client; the entries of one
 * vitest run (all files share the parent process) are gathered in a file under the OS temp dir.
 * In the long form (KAFKATS_CHAOS_LONG=1) each file then rewrites the run's report,
 * bench/results/chaos-<UTC stamp>.json, and its chart (.svg): kafkats' and Java's resume times
 * side by side per scenario. Every entry is also printed, so the short form shows the figures too.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { renderChaosChart } from './chart.js'
import { kafkaVersion } from '../../support/kafka.js'
import { LONG } from './cluster.js'

export interface ScenarioResult {
  scenario: string
  client: 'kafkats' | 'java'
  /** Last fault → consumption (or production) flowing again; null when it never resumed. */
  resumeMs: number | null
  /** The bound the test asserts. */
  boundMs: number
  faults: number
  /** Records the independent reader found in the log. */
  records: number
  lost: number
  duplicates: number | null
  outOfOrder: number
  /** Settings that shape the resume time (session timeout, …). */
  settings: Record<string, number | string>
  notes?: string
}

export interface ChaosReport {
  startedAt: string
  form: 'short' | 'long'
  machine: { cpus: number; cpuModel: string; node: string }
  kafkaVersion: string
  results: ScenarioResult[]
}

const RESULTS_DIR = fileURLToPath(new URL('../../../bench/results/', import.meta.url))
// Test files run in workers of one vitest process: its pid names the run.
const RUN_FILE = join(tmpdir(), `kafkats-chaos-run-${process.ppid}.json`)

function load(): ChaosReport {
  if (existsSync(RUN_FILE)) return JSON.parse(readFileSync(RUN_FILE, 'utf8')) as ChaosReport
  return {
    startedAt: new Date().toISOString(),
    form: LONG ? 'long' : 'short',
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version },
    kafkaVersion: kafkaVersion(),
    results: [],
  }
}

/** Adds one scenario's result to the run (replacing an earlier one of the same scenario, client and round). */
export function recordResult(result: ScenarioResult): void {
  const report = load()
  report.results = report.results.filter(
    (r) => !(r.scenario === result.scenario && r.client === result.client && r.settings.round === result.settings.round),
  )
  report.results.push(result)
  writeFileSync(RUN_FILE, JSON.stringify(report, null, 2))
  const resume = result.resumeMs === null ? 'never' : `${(result.resumeMs / 1000).toFixed(1)} s`
  console.log(
    `[chaos] ${result.scenario} / ${result.client}: resumed in ${resume} (bound ${(result.boundMs / 1000).toFixed(0)} s), ` +
      `${result.records} records, lost ${result.lost}, duplicates ${result.duplicates ?? 'n/a'}, out of order ${result.outOfOrder}`,
  )
}

/** Long form: writes bench/results/chaos-<stamp>.json and .svg for the run so far; returns the JSON path. */
export function writeReport(): string | null {
  if (!LONG || !existsSync(RUN_FILE)) return null
  const report = load()
  const stamp = report.startedAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z')
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `chaos-${stamp}.json`)
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(RESULTS_DIR, `chaos-${stamp}.svg`), renderChaosChart(report))
  return path
}
