/**
 * The latency results as a hand-written SVG: p50, p99 and max per scenario, one bar per client,
 * log scale (colours as in the produce and consume charts).
 */

import { scenarioLabel, summarize, type LatencyResults, type LatencySummary } from './results.js'

const COLOURS: Record<string, string> = { java: '#4e79a7', kafkats: '#e15759', kafkajs: '#f28e2b', platformatic: '#59a14f', confluent: '#76b7b2' }
const BAR = 22
const LEFT = 78
const RIGHT = 24
const PANEL_HEIGHT = 200
const WIDTH = 860
const LOG_FLOOR = 0.1

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function compact(value: number): string {
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`
  if (value >= 10) return value.toFixed(0)
  return value.toFixed(value >= 1 ? 1 : 2)
}

export function renderChart(results: LatencyResults, stamp: string): string {
  const { clients, machine, broker, settings } = results
  const out: string[] = []
  const text = (x: number, y: number, content: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`)
  }
  let y = 26
  text(LEFT, y, 'End-to-end latency: a consumer group with default options, send to receipt', 'font-size="16" font-weight="bold"')
  y += 18
  text(LEFT, y, `${machine.cpus} CPUs (${machine.cpuModel}) shared with a local Kafka ${broker.kafkaVersion} broker · Node ${machine.node} · ${stamp}`, 'font-size="11" fill="#555"')
  y += 14
  text(
    LEFT,
    y,
    `${settings.recordSize} B records for ${settings.seconds} s per run, pseudo-random partitions · Java: EndToEndLatency (one at a time, whole ms, no max)` +
      (settings.repeat > 1 ? ` · median of ${settings.repeat}` : ''),
    'font-size="11" fill="#555"',
  )
  y += 22
  let legendX = LEFT
  for (const client of clients) {
    out.push(`<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${COLOURS[client.id] ?? '#bab0ac'}"/>`)
    text(legendX + 16, y, client.label, 'font-size="12"')
    legendX += 16 + client.label.length * 6.6 + 18
  }
  y += 26

  const panels: Array<{ title: string; pick: (s: LatencySummary) => number }> = [
    { title: 'p50, ms, log scale (lower is better)', pick: (s) => s.p50Ms },
    { title: 'p99, ms, log scale (lower is better)', pick: (s) => s.p99Ms },
    { title: 'max, ms, log scale (lower is better)', pick: (s) => s.maxMs },
  ]
  for (const panel of panels) {
    const groups = settings.scenarios.map((scenario) => ({
      label: scenarioLabel(scenario),
      values: clients.map((c) => {
        const s = summarize(results, scenario.id, c.id)
        return s === undefined ? undefined : panel.pick(s)
      }),
    }))
    const max = Math.max(1, ...groups.flatMap((g) => g.values.map((v) => (v !== undefined && Number.isFinite(v) ? v : 0))))
    const logTop = 10 ** Math.ceil(Math.log10(max * 1.5))
    const scale = (v: number): number => (Math.log10(Math.max(v, LOG_FLOOR) / LOG_FLOOR) / Math.log10(logTop / LOG_FLOOR)) * PANEL_HEIGHT
    const base = y + 18 + PANEL_HEIGHT
    text(LEFT, y, panel.title, 'font-size="13" font-weight="bold"')
    for (let tick = LOG_FLOOR; tick <= logTop * 1.01; tick *= 10) {
      const ty = base - scale(tick)
      out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e3e3e3"/>`)
      text(LEFT - 6, ty + 4, compact(tick), 'font-size="11" text-anchor="end" fill="#444"')
    }
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${base}" y2="${base}" stroke="#888"/>`)
    const groupWidth = (WIDTH - LEFT - RIGHT) / groups.length
    groups.forEach((group, g) => {
      const groupX = LEFT + g * groupWidth + (groupWidth - clients.length * BAR) / 2
      group.values.forEach((value, i) => {
        const x = groupX + i * BAR
        const client = clients[i]!
        if (value === undefined || !Number.isFinite(value)) {
          text(x + BAR / 2, base - 4, 'n/a', 'font-size="9" fill="#999" text-anchor="middle"')
          return
        }
        const h = scale(value)
        out.push(`<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${BAR - 3}" height="${h.toFixed(1)}" fill="${COLOURS[client.id] ?? '#bab0ac'}"><title>${escapeXml(`${client.label}, ${group.label}: ${compact(value)} ms`)}</title></rect>`)
        text(x + (BAR - 3) / 2, base - h - 3, value === 0 ? '<1' : compact(value), 'font-size="9" fill="#333" text-anchor="middle"')
      })
      text(groupX + (clients.length * BAR) / 2, base + 15, group.label, 'font-size="12" text-anchor="middle"')
    })
    y = base + 44
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}
