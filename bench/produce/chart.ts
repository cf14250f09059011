/**
 * The results as an SVG: grouped bars of records/s per scenario and client, and below them CPU
 * microseconds per record while sending (RunMeasurement.windowCpuMicrosPerRecord). Hand-written
 * SVG, so no chart library is needed.
 */

import { summarize, type ProduceResults } from './results.js'

// Fixed per client, so that charts of different runs read alike.
const CLIENT_COLOURS: Record<string, string> = {
  java: '#4e79a7',
  kafkats: '#e15759',
  kafkajs: '#f28e2b',
  platformatic: '#59a14f',
  confluent: '#76b7b2',
  'confluent-kafkajs': '#b07aa1',
}
const SPARE_COLOURS = ['#edc948', '#9c755f', '#bab0ac', '#ff9da7']

function colourOf(clientId: string, index: number): string {
  return CLIENT_COLOURS[clientId] ?? SPARE_COLOURS[index % SPARE_COLOURS.length]!
}

const BAR = 15
const GROUP_GAP = 28
const LEFT = 78
const RIGHT = 24
const PANEL_HEIGHTS = [260, 190]
const MIN_WIDTH = 820

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A round axis maximum and tick step at or above `max`. */
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

interface Panel {
  title: string
  value: (s: NonNullable<ReturnType<typeof summarize>>) => number
}

/** One line naming the machine, broker, tuning and repetitions, for under the title. */
export function chartSubtitle(results: ProduceResults, stamp: string): string {
  const { machine, broker, settings } = results
  const repeat = settings.repeat > 1 ? ` · median of ${settings.repeat}` : ''
  return (
    `${machine.cpus} CPUs (${machine.cpuModel}) shared with a local Kafka ${broker.kafkaVersion} broker · Node ${machine.node} · ` +
    `${broker.partitions} partitions · linger ${settings.lingerMs} ms, batch ${settings.batchBytes / 1024} KiB${repeat} · ${stamp}`
  )
}

export function renderChart(results: ProduceResults, subtitle: string): string {
  const clients = results.clients
  const scenarios = results.scenarios
  const width = Math.max(MIN_WIDTH, LEFT + scenarios.length * (clients.length * BAR + GROUP_GAP) + RIGHT)
  // Few scenarios spread over the minimum width instead of huddling on the left.
  const groupWidth = (width - LEFT - RIGHT) / Math.max(1, scenarios.length)
  const panels: Panel[] = [
    { title: 'Throughput, records/s (higher is better)', value: (s) => s.recordsPerSec },
    { title: 'CPU per record while sending, µs of client-process CPU, start-up excluded (lower is better)', value: (s) => s.windowCpuMicrosPerRecord },
  ]

  const out: string[] = []
  const text = (x: number, y: number, content: string, attrs = ''): void => {
    out.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`)
  }

  let y = 26
  text(LEFT, y, 'Producer throughput: kafkats, Node.js peers and the Java client', 'font-size="16" font-weight="bold"')
  y += 18
  text(LEFT, y, subtitle, 'font-size="11" fill="#555"')
  y += 22
  let legendX = LEFT
  clients.forEach((client, i) => {
    // Text width is estimated (no font metrics in plain SVG); wrap before the right edge.
    const itemWidth = 16 + client.label.length * 6.6 + 18
    if (legendX > LEFT && legendX + itemWidth > width - RIGHT) {
      legendX = LEFT
      y += 18
    }
    out.push(`<rect x="${legendX}" y="${y - 10}" width="12" height="12" fill="${colourOf(client.id, i)}"/>`)
    text(legendX + 16, y, client.label, 'font-size="12"')
    legendX += itemWidth
  })
  y += 26

  for (const [index, panel] of panels.entries()) {
    const height = PANEL_HEIGHTS[index]!
    const values = scenarios.flatMap((sc) =>
      clients.map((c) => {
        const s = summarize(results, sc.label, c.id)
        return s?.status === 'ok' ? panel.value(s) : 0
      }),
    )
    // Headroom above the tallest bar for its rotated value label.
    const { top, step } = niceScale(Math.max(0, ...values) * 1.15)
    const plotTop = y + 18
    const base = plotTop + height
    text(LEFT, y, panel.title, 'font-size="13" font-weight="bold"')
    for (let tick = 0; tick <= top + step / 2; tick += step) {
      const ty = base - (tick / top) * height
      out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e3e3e3"/>`)
      text(LEFT - 6, ty + 4, compact(tick), 'font-size="11" text-anchor="end" fill="#444"')
    }
    out.push(`<line x1="${LEFT}" x2="${width - RIGHT}" y1="${base}" y2="${base}" stroke="#888"/>`)

    scenarios.forEach((scenario, g) => {
      const groupX = LEFT + g * groupWidth + (groupWidth - clients.length * BAR) / 2
      clients.forEach((client, i) => {
        const x = groupX + i * BAR
        const s = summarize(results, scenario.label, client.id)
        if (s === undefined) return
        if (s.status !== 'ok') {
          text(x + BAR / 2 + 3, base - 4, s.status, `font-size="9" fill="#999" transform="rotate(-90 ${x + BAR / 2 + 3} ${base - 4})"`)
          return
        }
        const value = panel.value(s)
        const barHeight = (value / top) * height
        const barY = base - barHeight
        out.push(
          `<rect x="${x.toFixed(1)}" y="${barY.toFixed(1)}" width="${BAR - 2}" height="${barHeight.toFixed(1)}" fill="${colourOf(client.id, i)}">` +
            `<title>${escapeXml(`${client.label}, ${scenario.label}: ${compact(value)}`)}</title></rect>`,
        )
        const labelX = x + (BAR - 2) / 2 + 3
        const labelY = barY - 3
        text(labelX, labelY, compact(value), `font-size="9" fill="#333" transform="rotate(-90 ${labelX.toFixed(1)} ${labelY.toFixed(1)})"`)
      })
      const centre = groupX + (clients.length * BAR) / 2
      const [size, acks, compression] = scenario.label.split(' · ')
      text(centre, base + 14, size ?? '', 'font-size="11" text-anchor="middle"')
      text(centre, base + 27, acks ?? '', 'font-size="11" text-anchor="middle" fill="#444"')
      text(centre, base + 40, compression ?? '', 'font-size="11" text-anchor="middle" fill="#444"')
    })
    y = base + 64
  }

  const height = y
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}
