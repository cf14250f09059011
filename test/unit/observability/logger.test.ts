/**
 * The logger seam: consoleLogger's levels, formats and child bindings; the root's option check and
 * its clientId binding; and what the connection pool logs (opened, lost, refused) against a fake
 * broker on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaConfigError, KafkaNetworkError } from '../../../src/errors.js'
import { Kafka } from '../../../src/kafka.js'
import { ConnectionPool } from '../../../src/network/connection-pool.js'
import { consoleLogger, isLogger } from '../../../src/observability/logger.js'
import { recordingLogger, type LogLine } from '../../support/recording-logger.js'
import { waitFor } from '../../support/kafka.js'
import { closedPort, startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'

describe('consoleLogger', () => {
  it('drops lines below its level and writes the rest as text with fields and bindings', () => {
    const out: string[] = []
    const logger = consoleLogger({ level: 'info', write: (line) => out.push(line) }).child({ clientId: 'app' })
    logger.debug({ broker: 'b:1' }, 'not shown')
    logger.info({ broker: 'b:1', offset: 12n }, 'connection lost')
    logger.error({ error: new KafkaNetworkError('refused', { broker: 'b:1' }) }, 'failed')
    expect(out).toHaveLength(2)
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  connection lost clientId=app broker=b:1 offset=12\n$/)
    expect(out[1]).toContain('error=KafkaNetworkError: refused')
  })

  it('writes JSON lines, and nothing at all when silent', () => {
    const out: string[] = []
    consoleLogger({ format: 'json', level: 'trace', write: (line) => out.push(line) }).child({ role: 'consumer' }).trace({ n: 1n }, 'hello')
    expect(JSON.parse(out[0] as string)).toMatchObject({ level: 'trace', msg: 'hello', role: 'consumer', n: '1' })
    const silent: string[] = []
    const logger = consoleLogger({ level: 'silent', write: (line) => silent.push(line) })
    for (const level of ['trace', 'debug', 'info', 'warn', 'error'] as const) logger[level]({}, 'x')
    expect(silent).toEqual([])
  })

  it('isLogger wants every level method and child', () => {
    expect(isLogger(consoleLogger())).toBe(true)
    expect(isLogger({ info: () => {} })).toBe(false)
    expect(isLogger(console)).toBe(false) // no child(): console is not a structured logger
  })
})

describe('the Kafka root and its logger', () => {
  it('refuses a logger without the methods, naming the option', () => {
    expect(() => new Kafka({ brokers: ['h:1'], logger: { info: () => {} } as never })).toThrow(KafkaConfigError)
    expect(() => new Kafka({ brokers: ['h:1'], logger: { info: () => {} } as never })).toThrow(/^logger: /)
  })

  it('binds clientId to every line: a refused connection is a warning', async () => {
    const lines: LogLine[] = []
    const kafka = new Kafka({ clientId: 'billing', brokers: [`127.0.0.1:${await closedPort()}`], logger: recordingLogger(lines), defaultApiTimeoutMs: 300, retryBackoffMs: 10 })
    try {
      await kafka.admin().listTopics().catch(() => undefined)
      const warning = lines.find((l) => l.level === 'warn')
      expect(warning?.message).toMatch(/could not be established/)
      expect(warning?.fields).toMatchObject({ clientId: 'billing', purpose: 'default' })
    } finally {
      await kafka.close()
    }
  })
})

describe('ConnectionPool logging', () => {
  let broker: FakeBroker | undefined
  afterEach(async () => {
    await broker?.close()
    broker = undefined
  })

  it('logs a connection opened at debug and its loss at info; closing on purpose is debug', async () => {
    broker = await startFakeBroker(() => undefined)
    const lines: LogLine[] = []
    const pool = new ConnectionPool({ logger: recordingLogger(lines), connectionsMaxIdleMs: 0 })
    const endpoint = { host: '127.0.0.1', port: broker.port }
    await pool.get(endpoint, 'fetch')
    expect(lines).toEqual([{ level: 'debug', fields: { broker: broker.address, purpose: 'fetch' }, message: 'connection opened' }])
    await broker.close()
    broker = undefined
    await waitFor(() => lines.some((l) => l.message === 'connection lost'), { timeoutMs: 5_000, message: 'the loss to be logged' })
    expect(lines.find((l) => l.message === 'connection lost')?.level).toBe('info')

    broker = await startFakeBroker(() => undefined)
    lines.length = 0
    const again = await pool.get({ host: '127.0.0.1', port: broker.port }, 'default')
    again.close()
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['debug', 'connection opened'],
      ['debug', 'connection closed'],
    ])
    pool.close()
  })
})
