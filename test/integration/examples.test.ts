/**
 * Every file in examples/ runs here, as a user would run it (`tsx examples/<name>.ts` with
 * KAFKA_BROKERS), against the real broker, and what it prints or writes is checked, so the
 * examples cannot rot. They share one fresh topic (TOPIC) and run in the order a reader meets
 * them: the producers first, then the consumers read what they wrote.
 */
import { randomUUID } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { bootstrap, kcat, runCommand, type CommandResult } from '../support/kafka.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSX = `${ROOT}node_modules/.bin/tsx`
const topic = `examples-${randomUUID().slice(0, 8)}`

async function runExample(name: string, env: Record<string, string> = {}): Promise<CommandResult> {
  const result = await runCommand(TSX, [`${ROOT}examples/${name}.ts`], {
    env: { ...process.env, KAFKA_BROKERS: bootstrap(), TOPIC: topic, ...env },
    timeoutMs: 120_000,
  })
  expect(result.timedOut, `${name} timed out\n${result.stderr}`).toBe(false)
  expect(result.code, `${name} exited with ${String(result.code)}\n${result.stderr}`).toBe(0)
  return result
}

const lines = (text: string, pattern: RegExp): string[] => text.split('\n').filter((line) => pattern.test(line))

describe('examples/', () => {
  const tested = ['produce-sync', 'produce-fire-and-forget', 'produce-async', 'consume-manual-commit', 'consume-auto-commit', 'transactions', 'demo']

  it('has a test for every example file', () => {
    const files = readdirSync(`${ROOT}examples`).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
    expect(files.sort()).toEqual([...tested].sort())
  })

  it('produce-sync: five awaited sends, each with its partition and offset', async () => {
    const { stdout } = await runExample('produce-sync')
    expect(lines(stdout, /^order-\d → partition [0-2], offset \d+$/)).toHaveLength(5)
  })

  it('produce-fire-and-forget: 1000 records flushed, the record for partition 42 reported by the listener', async () => {
    const { stdout, stderr } = await runExample('produce-fire-and-forget')
    expect(stdout).toContain('flushed 1000 records')
    expect(stderr).toMatch(new RegExp(`could not deliver to ${topic}: \\w+`))
  })

  it('produce-async: 10,000 sends in flight, all delivered', async () => {
    const { stdout } = await runExample('produce-async')
    expect(stdout).toMatch(/^10000 delivered, 0 failed, in \d+ ms$/m)
    expect(lines(stdout, /^event \d+ stored at [0-2]\/\d+$/)).toHaveLength(4)
  })

  it('consume-manual-commit: processes 100 records and commits them', async () => {
    const { stdout } = await runExample('consume-manual-commit')
    expect(lines(stdout, /^processing /)).toHaveLength(100)
    const committed = /committed: (\[[\s\S]*\])/.exec(stdout)?.[1] ?? ''
    const offsets = [...committed.matchAll(/offset: (\d+)n/g)].map((m) => Number(m[1]))
    expect(offsets.reduce((a, b) => a + b, 0)).toBe(100)
  })

  it('consume-auto-commit: reads every record the producers wrote, then stops when idle', async () => {
    const { stdout, stderr } = await runExample('consume-auto-commit')
    expect(stderr).not.toContain('auto-commit failed')
    expect(lines(stdout, /^assigned: /).length).toBeGreaterThanOrEqual(1)
    const records = lines(stdout, /^[0-2]\/\d+ /)
    expect(records).toHaveLength(5 + 1000 + 10_000)
    expect(new Set(records).size).toBe(records.length)
  })

  it('transactions: two orders become invoices, the negative one is aborted and never visible', async () => {
    const { stdout } = await runExample('transactions')
    expect(lines(stdout, /^order-\d: /)).toEqual([
      'order-0: invoice committed',
      'order-1: aborted (order-1 has a negative amount)',
      'order-2: invoice committed',
    ])
    const read = await kcat(
      ['-C', '-b', bootstrap(), '-t', `${topic}-invoices`, '-o', 'beginning', '-e', '-q', '-f', '%k\n', '-X', 'isolation.level=read_committed'],
      { timeoutMs: 60_000 },
    )
    expect(read.code, read.stderr).toBe(0)
    expect(read.stdout.split('\n').filter((l) => l !== '').sort()).toEqual(['order-0', 'order-2'])
  })

  it('demo: runs every step against the broker in KAFKA_BROKERS', async () => {
    const { stdout } = await runExample('demo')
    expect(stdout).toContain('Using the Kafka cluster in KAFKA_BROKERS')
    expect(stdout).toMatch(/300 delivered, 0 failed/)
    expect(stdout).toMatch(/delivery failed: \w+/)
    expect(stdout).toMatch(/processed 200 of 403 records/)
    expect(stdout).toMatch(/processed the other 203/)
    expect(stdout).toContain('Done. Everything above ran against a real Kafka.')
  })
})
