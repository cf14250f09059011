/**
 * The consume results as a hand-written SVG: records/s and CPU µs per record per value size, and
 * end-to-end latency p50 / p99, one bar per client, colours as in the produce chart.
 */

import { sizeLabel, summarizeLatency, summarizeThroughput, type ConsumeResults } from './results.js'

const COLOURS: Record<string, string> = { java: '#4e79a7', kafkats: '#e15759', kafkajs: '#f28e2b', platformatic: '#59a14f', confluent: '#76b7b2' }
const BAR = 22
const LEFT = 78
const RIGHT = 24
const PANEL_HEIGHT = 200
const WIDTH = 860

interface Group {
  label: string
  values: Array<number | undefined>
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 }
  const raw = max / ticks
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude
  return { top: Math.ceil(max / step) * step, step }
}

function compact(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(value >= 1e7 ? 0 : 1)}M`
  if (value >= 1e3) return `${(value / 1e3).toFixed(value >= 1e4 ? 0 : 1)}k`
  if (value >= 10) return value.toFixed(0)
  return value.toFixed(value >= 1 ? 1 : 2)
}

export function renderChart(results: ConsumeResults, stamp: string): string {
  const clients = results.clients
  const out: string[] = []
  const text = (x: number, y: number, content: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`)
  }
  let y = 26
  text(LEFT, y, 'Consumer throughput and end-to-end latency: kafkats, Node.js peers and the Java client', 'font-size="16" font-weight="bold"')
  y += 18
  const { machine, broker, settings } = results
  text(
    LEFT,
    y,
    `${machine.cpus} CPUs (${machine.cpuModel}) shared with a local Kafka ${broker.kafkaVersion} broker · Node ${machine.node} · ${broker.partitions} partitions · ` +
      `latency at ${settings.latency.rate} rec/s (Java: one at a time) · ${stamp}`,
    'font-size="11" fill="#555"',
  )
  y += 22
  let legendX = LEFT
  clients.forEach((client) => {
    out.push(`<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${COLOURS[client.id] ?? '#bab0ac'}"/>`)
    text(legendX + 16, y, client.label, 'font-size="12"')
    legendX += 16 + client.label.length * 6.6 + 18
  })
  y += 26

  const bySize = (pick: (s: NonNullable<ReturnType<typeof summarizeThroughput>>) => number): Group[] =>
    settings.sizes.map((size) => ({ label: sizeLabel(size), values: clients.map((c) => { const s = summarizeThroughput(results, size, c.id); return s === undefined ? undefined : pick(s) }) }))
  const latency = (pick: 'p50Ms' | 'p99Ms', label: string): Group => ({
    label,
    values: clients.map((c) => summarizeLatency(results, c.id)?.[pick]),
  })
  const panels: Array<{ title: string; groups: Group[] }> = [
    { title: 'Throughput, records/s (higher is better)', groups: bySize((s) => s.recordsPerSec) },
    { title: 'CPU per record, µs of client-process CPU, start-up included (lower is better)', groups: bySize((s) => s.cpuMicrosPerRecord) },
    { title: 'End-to-end latency, ms (lower is better)', groups: [latency('p50Ms', 'p50'), latency('p99Ms', 'p99')] },
  ]

  for (const panel of panels) {
    const { top, step } = niceScale(Math.max(0, ...panel.groups.flatMap((g) => g.values.map((v) => v ?? 0))) * 1.15)
    const plotTop = y + 18
    const base = plotTop + PANEL_HEIGHT
    text(LEFT, y, panel.title, 'font-size="13" font-weight="bold"')
    for (let tick = 0; tick <= top + step / 2; tick += step) {
      const ty = base - (tick / top) * PANEL_HEIGHT
      out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e3e3e3"/>`)
      text(LEFT - 6, ty + 4, compact(tick), 'font-size="11" text-anchor="end" fill="#444"')
    }
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${base}" y2="${base}" stroke="#888"/>`)
    const groupWidth = (WIDTH - LEFT - RIGHT) / panel.groups.length
    panel.groups.forEach((group, g) => {
      const groupX = LEFT + g * groupWidth + (groupWidth - clients.length * BAR) / 2
      group.values.forEach((value, i) => {
        const x = groupX + i * BAR
        const client = clients[i]!
        if (value === undefined || !Number.isFinite(value)) {
          text(x + BAR / 2, base - 4, 'n/a', `font-size="9" fill="#999" text-anchor="middle"`)
          return
        }
        const h = (value / top) * PANEL_HEIGHT
        out.push(`<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${BAR - 3}" height="${h.toFixed(1)}" fill="${COLOURS[client.id] ?? '#bab0ac'}"><title>${escapeXml(`${client.label}, ${group.label}: ${compact(value)}`)}</title></rect>`)
        text(x + (BAR - 3) / 2, base - h - 3, compact(value), 'font-size="9" fill="#333" text-anchor="middle"')
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
