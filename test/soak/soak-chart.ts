/**
 * The soak samples as a hand-written SVG (no chart library, as in bench/produce/chart.ts): one
 * panel per measure over time, so a leak shows as a rising line.
 */
import type { SoakSample } from './soak-sampler.js'

interface Series {
  readonly label: string
  readonly colour: string
  readonly value: (s: SoakSample) => number
}

interface Panel {
  readonly title: string
  readonly unit: string
  readonly series: readonly Series[]
}

const MB = 1024 * 1024
const PANELS: readonly Panel[] = [
  {
    title: 'Memory',
    unit: 'MiB',
    series: [
      { label: 'RSS', colour: '#4e79a7', value: (s) => s.rss / MB },
      { label: 'heap used (after GC)', colour: '#e15759', value: (s) => s.heapUsed / MB },
    ],
  },
  {
    title: 'Event-loop delay',
    unit: 'ms',
    series: [
      { label: 'p99', colour: '#f28e2b', value: (s) => s.loopDelayP99 },
      { label: 'p50', colour: '#59a14f', value: (s) => s.loopDelayP50 },
    ],
  },
  {
    title: 'Handles',
    unit: 'count',
    series: [
      { label: 'TCP sockets', colour: '#76b7b2', value: (s) => s.sockets },
      { label: 'timers', colour: '#b07aa1', value: (s) => s.timers },
    ],
  },
]

const WIDTH = 820
const LEFT = 64
const RIGHT = 20
const PANEL_HEIGHT = 170
const PANEL_GAP = 46
const TOP = 58

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function niceTop(max: number): number {
  if (!(max > 0)) return 1
  const magnitude = 10 ** Math.floor(Math.log10(max))
  return ([1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((v) => v >= max) ?? 10 * magnitude)
}

/** An SVG chart of the samples; `subtitle` says which run it was. */
export function soakChart(samples: readonly SoakSample[], subtitle: string): string {
  const height = TOP + PANELS.length * (PANEL_HEIGHT + PANEL_GAP)
  const plotWidth = WIDTH - LEFT - RIGHT
  const tMax = Math.max(1, ...samples.map((s) => s.t))
  const x = (t: number): number => LEFT + (t / tMax) * plotWidth
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">kafkats soak</text>`,
    `<text x="${LEFT}" y="40" fill="#555">${escapeXml(subtitle)}</text>`,
  ]
  PANELS.forEach((panel, p) => {
    const top = TOP + p * (PANEL_HEIGHT + PANEL_GAP) + 16
    const bottom = top + PANEL_HEIGHT
    const yMax = niceTop(Math.max(0, ...samples.flatMap((s) => panel.series.map((series) => series.value(s)))))
    const y = (v: number): number => bottom - (v / yMax) * PANEL_HEIGHT
    out.push(`<text x="${LEFT}" y="${top - 6}" font-weight="bold">${escapeXml(`${panel.title} (${panel.unit})`)}</text>`)
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4
      out.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/>`,
        `<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#555">${Number(v.toPrecision(3))}</text>`,
      )
    }
    for (let i = 0; i <= 6; i++) {
      const t = (tMax * i) / 6
      out.push(`<text x="${x(t).toFixed(1)}" y="${bottom + 14}" text-anchor="middle" fill="#555">${(t / 60_000).toFixed(1)} min</text>`)
    }
    panel.series.forEach((series, i) => {
      const points = samples.map((s) => `${x(s.t).toFixed(1)},${y(series.value(s)).toFixed(1)}`).join(' ')
      out.push(`<polyline fill="none" stroke="${series.colour}" stroke-width="1.6" points="${points}"/>`)
      const lx = WIDTH - RIGHT - 170 * (panel.series.length - i)
      out.push(
        `<rect x="${lx}" y="${top - 15}" width="10" height="10" fill="${series.colour}"/>`,
        `<text x="${lx + 14}" y="${top - 6}">${escapeXml(series.label)}</text>`,
      )
    })
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
