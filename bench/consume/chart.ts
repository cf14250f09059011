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
  if (value === 0) return '0'
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
  text(LEFT, y, 'Consumers: kafkats, the Node.js peers and the Java client', 'font-size="16" font-weight="bold"')
  y += 18
  const { machine, broker, settings } = results
  text(LEFT, y, `${machine.cpus} CPUs (${machine.cpuModel}) shared with a local Kafka ${broker.kafkaVersion} broker · Node ${machine.node} · ${stamp}`, 'font-size="11" fill="#555"')
  y += 14
  text(
    LEFT,
    y,
    `${broker.partitions} partitions, from earliest · latency: ${settings.latency.rate} rec/s of ${settings.latency.recordSize} B for ${settings.latency.seconds} s (Java: EndToEndLatency, one at a time, whole ms)` +
      (settings.repeat > 1 ? ` · median of ${settings.repeat}` : ''),
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
  const panels: Array<{ title: string; groups: Group[]; log?: boolean }> = [
    { title: 'Throughput, records/s (higher is better)', groups: bySize((s) => s.recordsPerSec) },
    { title: 'CPU per record, µs of client-process CPU, start-up included (lower is better)', groups: bySize((s) => s.cpuMicrosPerRecord) },
    { title: 'End-to-end latency, ms, log scale (lower is better)', groups: [latency('p50Ms', 'p50'), latency('p99Ms', 'p99')], log: true },
  ]

  for (const panel of panels) {
    const max = Math.max(0, ...panel.groups.flatMap((g) => g.values.map((v) => v ?? 0)))
    const { top, step } = niceScale(max * 1.15)
    // Log panels run from 0.1 to the decade above the largest value; 0 (whole-ms tools) sits at the floor.
    const logFloor = 0.1
    const logTop = 10 ** Math.ceil(Math.log10(Math.max(1, max) * 1.5))
    const scale = (v: number): number =>
      panel.log === true ? (Math.log10(Math.max(v, logFloor) / logFloor) / Math.log10(logTop / logFloor)) * PANEL_HEIGHT : (v / top) * PANEL_HEIGHT
    const ticks: number[] = []
    if (panel.log === true) for (let t = logFloor; t <= logTop * 1.01; t *= 10) ticks.push(t)
    else for (let t = 0; t <= top + step / 2; t += step) ticks.push(t)
    const plotTop = y + 18
    const base = plotTop + PANEL_HEIGHT
    text(LEFT, y, panel.title, 'font-size="13" font-weight="bold"')
    for (const tick of ticks) {
      const ty = base - scale(tick)
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
        const h = scale(value)
        out.push(`<rect x="${x.toFixed(1)}" y="${(base - h).toFixed(1)}" width="${BAR - 3}" height="${h.toFixed(1)}" fill="${COLOURS[client.id] ?? '#bab0ac'}"><title>${escapeXml(`${client.label}, ${group.label}: ${compact(value)}`)}</title></rect>`)
        text(x + (BAR - 3) / 2, base - h - 3, panel.log === true && value === 0 ? '<1' : compact(value), 'font-size="9" fill="#333" text-anchor="middle"')
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
