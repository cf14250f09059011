/**
 * The chaos report as a hand-written SVG (the approach of bench/consume/chart.ts): per scenario,
 * kafkats' and Java's resume time after the last fault, with the bound the test asserts drawn as a
 * dashed mark, and the loss / duplicate counts under each group. A scenario run in several rounds
 * shows the median as the bar and every round as a dot.
 */
import type { ChaosReport, ScenarioResult } from './report.js'

const COLOURS = { java: '#4e79a7', kafkats: '#e15759' } as const
const CLIENTS = ['kafkats', 'java'] as const
const BAR = 26
const LEFT = 64
const RIGHT = 24
const PLOT_HEIGHT = 260
const GROUP_WIDTH = 132

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function niceStep(max: number, ticks = 6): number {
  const raw = Math.max(max, 1) / ticks
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The rounds of one scenario and client, summed up. */
interface Rounds {
  readonly boundMs: number
  /** Resume times of the rounds that resumed; `never` counts those that did not. */
  readonly resumeMs: number[]
  readonly never: number
  readonly lost: number
  readonly duplicates: number | null
}

function roundsOf(results: readonly ScenarioResult[]): Rounds | undefined {
  if (results.length === 0) return undefined
  const resumed = results.flatMap((r) => (r.resumeMs === null ? [] : [r.resumeMs]))
  const duplicates = results.some((r) => r.duplicates === null) ? null : results.reduce((n, r) => n + (r.duplicates ?? 0), 0)
  return {
    boundMs: Math.max(...results.map((r) => r.boundMs)),
    resumeMs: resumed,
    never: results.length - resumed.length,
    lost: results.reduce((n, r) => n + r.lost, 0),
    duplicates,
  }
}

export function renderChaosChart(report: ChaosReport): string {
  const scenarios = [...new Set(report.results.map((r) => r.scenario))]
  const find = (scenario: string, client: string): Rounds | undefined =>
    roundsOf(report.results.filter((r) => r.scenario === scenario && r.client === client))
  const width = Math.max(640, LEFT + RIGHT + scenarios.length * GROUP_WIDTH)
  const out: string[] = []
  const text = (x: number, y: number, content: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`)
  }
  let y = 26
  text(LEFT, y, 'Chaos scenarios: time to resume after the last fault, kafkats and the Java client', 'font-size="16" font-weight="bold"')
  y += 18
  const { machine } = report
  text(LEFT, y, `Kafka ${report.kafkaVersion}, 3 brokers (RF 3, min.insync.replicas 2) and the clients on ${machine.cpus} CPUs (${machine.cpuModel}) · Node ${machine.node} · ${report.form} form · ${report.startedAt}`, 'font-size="11" fill="#555"')
  y += 22
  let legendX = LEFT
  for (const client of CLIENTS) {
    out.push(`<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${COLOURS[client]}"/>`)
    text(legendX + 16, y, client === 'java' ? 'Java (VerifiableConsumer)' : 'kafkats', 'font-size="12"')
    legendX += 190
  }
  out.push(`<line x1="${legendX}" x2="${legendX + 22}" y1="${y - 4}" y2="${y - 4}" stroke="#333" stroke-dasharray="4 3"/>`)
  text(legendX + 28, y, 'asserted bound', 'font-size="12"')
  y += 20
  text(LEFT, y, 'Seconds from the last fault until records flow again (lower is better)', 'font-size="13" font-weight="bold"')

  const max = Math.max(1, ...report.results.flatMap((r) => [r.resumeMs ?? 0, r.boundMs]).map((ms) => ms / 1000))
  const step = niceStep(max * 1.1)
  const top = Math.ceil((max * 1.1) / step) * step
  const plotTop = y + 14
  const base = plotTop + PLOT_HEIGHT
  const scale = (seconds: number): number => (seconds / top) * PLOT_HEIGHT
  for (let t = 0; t <= top + step / 2; t += step) {
    const ty = base - scale(t)
    out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e3e3e3"/>`)
    text(LEFT - 6, ty + 4, String(Math.round(t * 10) / 10), 'font-size="11" text-anchor="end" fill="#444"')
  }
  out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${base}" y2="${base}" stroke="#888"/>`)
  scenarios.forEach((scenario, g) => {
    const groupX = LEFT + g * GROUP_WIDTH + (GROUP_WIDTH - CLIENTS.length * BAR) / 2
    CLIENTS.forEach((client, i) => {
      const x = groupX + i * BAR
      const result = find(scenario, client)
      if (result === undefined) {
        text(x + BAR / 2, base - 4, 'n/a', 'font-size="9" fill="#999" text-anchor="middle"')
        return
      }
      const bound = base - scale(result.boundMs / 1000)
      out.push(`<line x1="${x - 1}" x2="${x + BAR - 2}" y1="${bound.toFixed(1)}" y2="${bound.toFixed(1)}" stroke="#333" stroke-dasharray="4 3"/>`)
      if (result.never > 0 || result.resumeMs.length === 0) {
        text(x + BAR / 2, base - 4, result.never > 1 ? `never ×${result.never}` : 'never', 'font-size="9" fill="#b00" text-anchor="middle"')
        if (result.resumeMs.length === 0) return
      }
      const seconds = median(result.resumeMs) / 1000
      const rounds = result.resumeMs.length
      const h = scale(seconds)
      const label = rounds > 1 ? `median of ${rounds} rounds ${seconds.toFixed(1)} s` : `${seconds.toFixed(1)} s`
      out.push(
        `<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${BAR - 3}" height="${h.toFixed(1)}" fill="${COLOURS[client]}" fill-opacity="${rounds > 1 ? 0.75 : 1}">` +
          `<title>${escapeXml(`${scenario}, ${client}: ${label} (bound ${(result.boundMs / 1000).toFixed(0)} s)`)}</title></rect>`,
      )
      if (rounds > 1) {
        for (const ms of result.resumeMs) {
          out.push(`<circle cx="${(x + (BAR - 3) / 2).toFixed(1)}" cy="${(base - scale(ms / 1000)).toFixed(1)}" r="2" fill="#222" fill-opacity="0.6"/>`)
        }
      }
      text(x + (BAR - 3) / 2, base - h - 3, seconds.toFixed(1), 'font-size="9" fill="#333" text-anchor="middle"')
    })
    const centre = groupX + (CLIENTS.length * BAR) / 2
    text(centre, base + 15, scenario, 'font-size="11" text-anchor="middle"')
    const audit = CLIENTS.map((c) => find(scenario, c))
      .filter((r): r is Rounds => r !== undefined)
      .map((r) => `lost ${r.lost}${r.duplicates === null ? '' : ` dup ${r.duplicates}`}`)
    text(centre, base + 29, audit[0] ?? '', 'font-size="9" fill="#555" text-anchor="middle"')
  })
  y = base + 48
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${y}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}
