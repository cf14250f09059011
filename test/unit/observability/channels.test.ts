/**
 * diagnostics_channel: kafkats:network:request traces each request with its API, version, broker,
 * correlation id and sizes (start, then asyncEnd with the result, or error), and
 * kafkats:network:connection tells connections opened, closed, lost and refused. Against a fake
 * broker on loopback.
 */
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, describe, expect, it } from 'vitest'
import { ConnectionPool } from '../../../src/network/connection-pool.js'
import { sendRequest } from '../../../src/network/send-request.js'
import type { ConnectionEvent, RequestTrace } from '../../../src/observability/channels.js'
import { metadataApi } from '../../../src/protocol/messages/index.js'
import { waitFor } from '../../support/kafka.js'
import { closedPort, startFakeBroker, type FakeBroker } from '../../support/fake-broker.js'

let broker: FakeBroker | undefined
afterEach(async () => {
  await broker?.close()
  broker = undefined
})

const metadataRequest = { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }

describe('kafkats:network:request', () => {
  it('traces a request from start to its answer, and a failure to its error', async () => {
    let fail = false
    broker = await startFakeBroker(() => (fail ? undefined : metadataApi.createResponse({ brokers: [], topics: [] })))
    const pool = new ConnectionPool({ connectionsMaxIdleMs: 0 })
    const connection = await pool.get({ host: '127.0.0.1', port: broker.port })
    const seen: Array<[string, RequestTrace]> = []
    const channel = tracingChannel<unknown, RequestTrace>('kafkats:network:request')
    const record = (event: string) => (c: RequestTrace) => void seen.push([event, { ...c }])
    const handlers = { start: record('start'), end: () => {}, asyncStart: () => {}, asyncEnd: record('asyncEnd'), error: record('error') }
    channel.subscribe(handlers)
    try {
      await sendRequest(connection, metadataApi, 12, metadataRequest, { clientId: 'traced' })
      expect(seen.map(([event]) => event)).toEqual(['start', 'asyncEnd'])
      const [, started] = seen[0]!
      expect(started).toMatchObject({ api: 'Metadata', apiKey: 3, version: 12, broker: broker.address, expectResponse: true, correlationId: -1 })
      const [, ended] = seen[1]!
      expect(ended.correlationId).toBeGreaterThanOrEqual(0)
      expect(ended.requestBytes).toBeGreaterThan(4)
      expect(ended.responseBytes).toBeGreaterThan(4)
      expect(ended.result).toMatchObject({ brokers: [], topics: [] })

      seen.length = 0
      fail = true
      await expect(sendRequest(connection, metadataApi, 12, metadataRequest, { clientId: 'traced', timeoutMs: 50 })).rejects.toThrow()
      expect(seen.map(([event]) => event)).toContain('error')
      expect(seen.find(([event]) => event === 'error')?.[1].error).toBeInstanceOf(Error)
    } finally {
      channel.unsubscribe(handlers)
      pool.close()
    }
  })
})

describe('kafkats:network:connection', () => {
  it('tells connections opened, closed on purpose, lost and refused', async () => {
    const events: ConnectionEvent[] = []
    const listener = (message: unknown): void => void events.push(message as ConnectionEvent)
    subscribe('kafkats:network:connection', listener)
    const pool = new ConnectionPool({ connectionsMaxIdleMs: 0, reconnectBackoffMs: 1, reconnectBackoffMaxMs: 1 })
    try {
      broker = await startFakeBroker(() => undefined)
      const address = broker.address
      const first = await pool.get({ host: '127.0.0.1', port: broker.port }, 'fetch')
      first.close()
      await pool.get({ host: '127.0.0.1', port: broker.port }, 'group')
      await broker.close()
      broker = undefined
      await waitFor(() => events.some((e) => e.type === 'lost'), { timeoutMs: 5_000, message: 'the loss to be published' })
      const refusedAt = await closedPort()
      await pool.get({ host: '127.0.0.1', port: refusedAt }).catch(() => undefined)
      expect(events.map((e) => [e.type, e.purpose])).toEqual([
        ['opened', 'fetch'],
        ['closed', 'fetch'],
        ['opened', 'group'],
        ['lost', 'group'],
        ['refused', 'default'],
      ])
      expect(events[0]?.broker).toBe(address)
      expect(events[4]?.error).toBeInstanceOf(Error)
    } finally {
      unsubscribe('kafkats:network:connection', listener)
      pool.close()
    }
  })
})
