import { describe, expect, it } from 'vitest'
import { Cluster } from '../../../../src/cluster/cluster.js'
import { KafkaAuthenticationError } from '../../../../src/errors.js'
import { createSaslAuthenticator, reauthenticationDelayMs } from '../../../../src/network/sasl/authenticate.js'
import { PlainMechanism } from '../../../../src/network/sasl/plain.js'
import { metadataApi } from '../../../../src/protocol/messages/metadata.js'
import { saslAuthenticateApi } from '../../../../src/protocol/messages/sasl-authenticate.js'
import { saslHandshakeApi } from '../../../../src/protocol/messages/sasl-handshake.js'
import { startFakeBroker } from '../../../support/fake-broker.js'

describe('re-authentication delay (KIP-368)', () => {
  it('falls between 85 % and 95 % of the session lifetime, less the login latency', () => {
    expect(reauthenticationDelayMs(10_000, 0, () => 0)).toBe(8_500)
    expect(reauthenticationDelayMs(10_000, 0, () => 1)).toBe(9_500)
    expect(reauthenticationDelayMs(10_000, 200, () => 0.5)).toBe(8_800)
    for (let i = 0; i < 100; i++) {
      const delay = reauthenticationDelayMs(3_600_000, 50)
      expect(delay).toBeGreaterThanOrEqual(3_600_000 * 0.85 - 50)
      expect(delay).toBeLessThanOrEqual(3_600_000 * 0.95 - 50)
    }
  })

  it('keeps a floor: a second, or half of a shorter lifetime', () => {
    expect(reauthenticationDelayMs(1_100, 900, () => 0)).toBe(550)
    expect(reauthenticationDelayMs(5_000, 4_900, () => 0)).toBe(1_000)
    expect(reauthenticationDelayMs(400, 0, () => 0)).toBe(340)
    expect(reauthenticationDelayMs(400, 390, () => 0)).toBe(200)
  })

  it('never exceeds what a timer can hold', () => {
    expect(reauthenticationDelayMs(Number.MAX_SAFE_INTEGER, 0, () => 1)).toBeLessThanOrEqual(2 ** 31 - 1)
  })
})

describe('re-authentication on a live connection (fake broker)', () => {
  it('runs again before the session ends, with no request interleaved, on the same connection', async () => {
    let metadataHandled = 0
    let inExchange = false
    const violations: string[] = []
    const broker = await startFakeBroker(async ({ api }) => {
      if (api.key === saslHandshakeApi.key) {
        // Every Metadata the client sent so far has been answered in order: none was sent behind the handshake.
        if ((broker.counts.get('Metadata') ?? 0) !== metadataHandled) violations.push('Metadata queued behind SaslHandshake')
        inExchange = true
        return saslHandshakeApi.createResponse({ mechanisms: ['PLAIN'] })
      }
      if (api.key === saslAuthenticateApi.key) {
        if ((broker.counts.get('Metadata') ?? 0) !== metadataHandled) violations.push('Metadata inside the exchange')
        inExchange = false
        return saslAuthenticateApi.createResponse({ sessionLifetimeMs: 400n })
      }
      if (inExchange) violations.push('Metadata between SaslHandshake and SaslAuthenticate')
      await new Promise((resolve) => setTimeout(resolve, 15))
      metadataHandled++
      return metadataApi.createResponse({ brokers: [], topics: [], clusterId: 'fake', controllerId: -1 })
    })
    let reauthentications = 0
    const cluster = new Cluster({
      clientId: 'reauth-unit',
      brokers: [broker.address],
      connectionTimeoutMs: 2_000,
      requestTimeoutMs: 2_000,
      metadataMaxAgeMs: 300_000,
      retryBackoff: { initialMs: 10, maxMs: 50 },
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 50,
      connectionsMaxIdleMs: 0,
      defaultApiTimeoutMs: 2_000,
      softwareName: 'kafkats-test',
      softwareVersion: '0',
      authenticate: createSaslAuthenticator(new PlainMechanism('u', 'p'), {
        clientId: 'reauth-unit',
        requestTimeoutMs: 2_000,
        onReauthenticated: () => reauthentications++,
      }),
    })
    try {
      const endpoint = { host: '127.0.0.1', port: broker.port }
      const connection = await cluster.connectionTo({ endpoint })
      const until = Date.now() + 1_500
      while (Date.now() < until) {
        await Promise.all(
          Array.from({ length: 3 }, () =>
            cluster.sendTo({ endpoint }, metadataApi, () => metadataApi.createRequest({ topics: [], allowAutoTopicCreation: false })),
          ),
        )
      }
      expect(violations).toEqual([])
      expect(reauthentications).toBeGreaterThanOrEqual(3)
      expect(broker.counts.get('SaslHandshake')).toBe(reauthentications + 1)
      expect(connection.isClosed).toBe(false)
      expect(await cluster.connectionTo({ endpoint })).toBe(connection)
    } finally {
      cluster.close()
      await broker.close()
    }
  })

  it('closes the connection with the error when re-authentication is refused', async () => {
    let logins = 0
    const broker = await startFakeBroker(({ api }) => {
      if (api.key === saslHandshakeApi.key) return saslHandshakeApi.createResponse({ mechanisms: ['PLAIN'] })
      if (api.key === saslAuthenticateApi.key) {
        logins++
        return logins === 1
          ? saslAuthenticateApi.createResponse({ sessionLifetimeMs: 300n })
          : saslAuthenticateApi.createResponse({ errorCode: 58, errorMessage: 'credentials revoked' })
      }
      return metadataApi.createResponse({ brokers: [], topics: [], clusterId: 'fake', controllerId: -1 })
    })
    const cluster = new Cluster({
      clientId: 'reauth-unit',
      brokers: [broker.address],
      connectionTimeoutMs: 2_000,
      requestTimeoutMs: 2_000,
      metadataMaxAgeMs: 300_000,
      retryBackoff: { initialMs: 10, maxMs: 50 },
      reconnectBackoffMs: 10,
      reconnectBackoffMaxMs: 50,
      connectionsMaxIdleMs: 0,
      defaultApiTimeoutMs: 2_000,
      softwareName: 'kafkats-test',
      softwareVersion: '0',
      authenticate: createSaslAuthenticator(new PlainMechanism('u', 'p'), { clientId: 'reauth-unit', requestTimeoutMs: 2_000 }),
    })
    try {
      const connection = await cluster.connectionTo({ endpoint: { host: '127.0.0.1', port: broker.port } })
      const closed = await new Promise<Error | undefined>((resolve) => connection.onClose(resolve))
      expect(closed).toBeInstanceOf(KafkaAuthenticationError)
      expect(closed?.message).toContain('credentials revoked')
    } finally {
      cluster.close()
      await broker.close()
    }
  })
})
