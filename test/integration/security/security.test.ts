/**
 * TLS, SASL and ACLs against the secured node of scripts/kafka-local.sh (secure-start): every
 * listener and mechanism carries a producer, a consumer and admin calls; failures are typed and
 * quick; sessions are re-authenticated; ACLs decide what an ordinary user may do; and nothing the
 * client reports carries a secret.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Kafka,
  KafkaAuthenticationError,
  KafkaConfigError,
  KafkaError,
  stringSerde,
  type KafkaOptions,
} from '../../../src/index.js'
import { Cluster, parseBrokerAddress } from '../../../src/cluster/cluster.js'
import { createSaslAuthenticator } from '../../../src/network/sasl/authenticate.js'
import { ScramMechanism } from '../../../src/network/sasl/scram.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { SECURE_USERS, startSecure, stopSecure, waitFor, type SecureKafka } from '../../support/kafka.js'

let secure: SecureKafka
let ca: Buffer
let clientCert: Buffer
let clientKey: Buffer
const roots: Kafka[] = []
// Everything the client told us: errors (with causes), events, inspected objects.
const reported: string[] = []
const WRONG_PASSWORD = `wrong-${randomUUID()}`
const tokens: string[] = []

beforeAll(async () => {
  secure = await startSecure()
  ca = readFileSync(secure.caPem)
  clientCert = readFileSync(secure.clientCertPem)
  clientKey = readFileSync(secure.clientKeyPem)
}, 240_000)

afterAll(async () => {
  await Promise.allSettled(roots.map((k) => k.close()))
  await stopSecure()
}, 120_000)

function record(value: unknown): void {
  reported.push(String(value), inspect(value, { depth: 8, showHidden: true }))
  let cause: unknown = value
  for (let i = 0; i < 8 && cause instanceof Error; i++) {
    reported.push(cause.message, cause.stack ?? '')
    cause = cause.cause
  }
}

function kafka(options: Omit<KafkaOptions, 'clientId'>): Kafka {
  const root = new Kafka({ clientId: 'security-test', defaultApiTimeoutMs: 15_000, ...options })
  roots.push(root)
  reported.push(inspect(root, { depth: 8, showHidden: true }), JSON.stringify(root))
  return root
}

async function expectFailure(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  )
  record(error)
  return error
}

/** An unsecured JWS (alg none), as Kafka's default OAUTHBEARER validator accepts for tests. */
function unsecuredJwt(subject: string, lifetimeSeconds = 3600): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const token = `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + lifetimeSeconds, nonce: randomUUID() })}.`
  tokens.push(token)
  return token
}

type Mechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer'

function saslFor(mechanism: Mechanism, user: keyof typeof SECURE_USERS = 'admin'): KafkaOptions['sasl'] {
  if (mechanism === 'oauthbearer') {
    return { mechanism, oauthBearerProvider: async () => ({ value: unsecuredJwt(user), lifetimeMs: 3_600_000 }) }
  }
  return { mechanism, ...SECURE_USERS[user] }
}

/** Creates a topic, writes three records, reads them back from the beginning. */
async function roundTrip(root: Kafka): Promise<void> {
  const admin = root.admin()
  const topic = `secure-${randomUUID()}`
  const [created] = await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  expect(created?.error ?? null).toBeNull()
  expect(await admin.listTopics()).toContain(topic)
  const producer = root.producer()
  producer.on('deliveryError', (e) => record(e))
  const values = ['a', 'b', 'c'].map((v) => `${v}-${topic}`)
  await producer.sendBatch(values.map((value) => ({ topic, partition: 0, value })))
  await producer.disconnect()
  const consumer = root.consumer<Buffer | null, string | null>({ autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
  consumer.on('error', (e) => record(e))
  consumer.assign([{ topic, partition: 0 }])
  const seen: string[] = []
  await consumer.run({
    eachMessage: async (m) => {
      seen.push(m.value ?? '')
      if (seen.length === values.length) await consumer.stop()
    },
  })
  await consumer.disconnect()
  expect(seen).toEqual(values)
}

/** A TCP relay to a broker that counts connections and the API keys of the requests it forwards. */
interface Relay {
  address: string
  connections: number
  apiKeys: number[][]
  close(): Promise<void>
}

async function relayTo(target: string): Promise<Relay> {
  const [host, port] = target.split(':') as [string, string]
  const sockets = new Set<Socket>()
  const relay: Relay = { address: '', connections: 0, apiKeys: [], close: async () => {} }
  const server: Server = createServer((client) => {
    relay.connections++
    const keys: number[] = []
    relay.apiKeys.push(keys)
    const upstream = createConnection({ host, port: Number(port) })
    sockets.add(client).add(upstream)
    let pending = Buffer.alloc(0)
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 6 && pending.length >= 4 + pending.readInt32BE(0)) {
        keys.push(pending.readInt16BE(4))
        pending = pending.subarray(4 + pending.readInt32BE(0))
      }
      upstream.write(chunk)
    })
    upstream.pipe(client)
    const end = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const bound = server.address()
  if (bound === null || typeof bound === 'string') throw new Error('relay has no port')
  relay.address = `127.0.0.1:${bound.port}`
  relay.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
  return relay
}

describe.each([
  ['SASL_PLAINTEXT', 'plain'],
  ['SASL_PLAINTEXT', 'scram-sha-256'],
  ['SASL_PLAINTEXT', 'scram-sha-512'],
  ['SASL_PLAINTEXT', 'oauthbearer'],
  ['SASL_SSL', 'plain'],
  ['SASL_SSL', 'scram-sha-256'],
  ['SASL_SSL', 'scram-sha-512'],
  ['SASL_SSL', 'oauthbearer'],
] as const)('%s with %s', (listener, mechanism) => {
  it('produces, consumes and administers', async () => {
    const root =
      listener === 'SASL_SSL'
        ? kafka({ brokers: [secure.saslSsl], ssl: { ca }, sasl: saslFor(mechanism) })
        : kafka({ brokers: [secure.saslPlaintext], sasl: saslFor(mechanism) })
    await roundTrip(root)
  }, 60_000)
})

describe('SSL with a client certificate (mTLS)', () => {
  it('produces, consumes and administers as the certificate principal', async () => {
    await roundTrip(kafka({ brokers: [secure.ssl], ssl: { ca, cert: clientCert, key: clientKey } }))
  }, 60_000)

  it('is refused without a client certificate, as a KafkaAuthenticationError', async () => {
    const started = Date.now()
    const error = await expectFailure(kafka({ brokers: [secure.ssl], ssl: { ca } }).admin().listTopics())
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(error).toMatchObject({ mechanism: 'TLS', retriable: false, broker: secure.ssl })
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('rejects a broker certificate that does not name the host asked for', async () => {
    const root = kafka({ brokers: [secure.ssl], ssl: { ca, cert: clientCert, key: clientKey, servername: 'wrong.example' } })
    const error = await expectFailure(root.admin().listTopics())
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect((error as Error).message).toMatch(/wrong\.example/)
  })

  it('rejects a broker certificate from a CA it does not trust', async () => {
    const root = kafka({ brokers: [secure.saslSsl], ssl: true, sasl: saslFor('plain') })
    const error = await expectFailure(root.admin().listTopics())
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(error).toMatchObject({ mechanism: 'TLS' })
  })
})

describe('authentication failures', () => {
  it('a wrong password is a KafkaAuthenticationError, and reconnects follow the backoff', async () => {
    const relay = await relayTo(secure.saslPlaintext)
    try {
      const root = kafka({
        brokers: [relay.address],
        sasl: { mechanism: 'scram-sha-512', username: 'alice', password: WRONG_PASSWORD },
        reconnectBackoffMs: 50,
        reconnectBackoffMaxMs: 1000,
      })
      const admin = root.admin()
      const started = Date.now()
      const first = await expectFailure(admin.listTopics())
      expect(first).toBeInstanceOf(KafkaAuthenticationError)
      expect(first).toMatchObject({ code: 58, errorName: 'SASL_AUTHENTICATION_FAILED', mechanism: 'SCRAM-SHA-512', retriable: false })
      expect((first as Error).message).toContain(relay.address)
      expect(Date.now() - started).toBeLessThan(5_000)
      // Callers that keep trying do not turn into a reconnect storm: 4 s of back-to-back calls
      // open about 7 connections with a 50 ms backoff doubling up to 1 s.
      const until = Date.now() + 4_000
      let calls = 0
      while (Date.now() < until) {
        calls++
        expect(await expectFailure(admin.listTopics())).toBeInstanceOf(KafkaAuthenticationError)
      }
      expect(calls).toBeGreaterThan(2)
      expect(relay.connections).toBeLessThanOrEqual(14)
    } finally {
      await relay.close()
    }
  }, 30_000)

  it('an unknown user over PLAIN and a mechanism the listener lacks are typed too', async () => {
    const plain = kafka({ brokers: [secure.saslSsl], ssl: { ca }, sasl: { mechanism: 'plain', username: 'nobody', password: WRONG_PASSWORD } })
    expect(await expectFailure(plain.admin().listTopics())).toBeInstanceOf(KafkaAuthenticationError)
    const custom = kafka({
      brokers: [secure.saslPlaintext],
      sasl: { name: 'GSSAPI', authenticate: () => ({ initialResponse: new Uint8Array(), challenge: () => ({ done: true }) }) },
    })
    const error = await expectFailure(custom.admin().listTopics())
    expect(error).toBeInstanceOf(KafkaAuthenticationError)
    expect(error).toMatchObject({ code: 33, errorName: 'UNSUPPORTED_SASL_MECHANISM' })
    expect((error as Error).message).toMatch(/PLAIN.*SCRAM-SHA-256.*OAUTHBEARER/)
  })

  it('bad sasl options are KafkaConfigErrors that name the option, not the secret', () => {
    const attempt = (sasl: unknown): unknown => {
      try {
        new Kafka({ brokers: [secure.saslPlaintext], sasl: sasl as KafkaOptions['sasl'] })
        return undefined
      } catch (e) {
        record(e)
        return e
      }
    }
    expect(attempt({ mechanism: 'kerberos', username: 'a', password: WRONG_PASSWORD })).toBeInstanceOf(KafkaConfigError)
    expect(attempt({ mechanism: 'plain', username: '', password: WRONG_PASSWORD })).toMatchObject({ message: /sasl\.username/ })
    expect(attempt({ mechanism: 'scram-sha-256', username: 'a', password: 42 })).toMatchObject({ message: /sasl\.password/ })
    expect(attempt({ mechanism: 'oauthbearer' })).toMatchObject({ message: /sasl\.oauthBearerProvider/ })
  })
})

describe('re-authentication (KIP-368)', () => {
  it('re-authenticates the bootstrap connection in time while producer and consumer traffic runs past the 10 s session limit', async () => {
    const relay = await relayTo(secure.saslPlaintext)
    try {
      let tokenCalls = 0
      const root = kafka({
        brokers: [relay.address],
        sasl: {
          mechanism: 'oauthbearer',
          oauthBearerProvider: async () => {
            tokenCalls++
            // A 6 s token makes the provider be asked again on re-authentication.
            return { value: unsecuredJwt('admin', 60), lifetimeMs: 6_000 }
          },
        },
      })
      const admin = root.admin()
      const topic = `reauth-${randomUUID()}`
      await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
      const producer = root.producer()
      const consumer = root.consumer<Buffer | null, string | null>({ autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
      consumer.assign([{ topic, partition: 0 }])
      const seen: string[] = []
      const running = consumer.run({ eachMessage: (m) => void seen.push(m.value ?? '') })
      const sent: string[] = []
      const until = Date.now() + 23_000
      for (let i = 0; Date.now() < until; i++) {
        await producer.send({ topic, partition: 0, value: `v${i}` })
        sent.push(`v${i}`)
        await admin.listTopics()
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      await waitFor(() => seen.length >= sent.length, { timeoutMs: 20_000, message: 'every record consumed' })
      await consumer.stop()
      await running
      await producer.disconnect()
      expect(seen).toEqual(sent)
      // The relay carries the bootstrap connection only (metadata names the broker's own address).
      // It was never replaced, though the broker closes a connection whose session expired, and
      // it authenticated at least three times (at 0 s and about every 9 s): SaslHandshake is key 17.
      expect(relay.connections).toBe(1)
      expect(relay.apiKeys[0]?.filter((k) => k === 17).length).toBeGreaterThanOrEqual(3)
      // Tokens older than 80 % of their 6 s lifetime were replaced at re-authentication.
      expect(tokenCalls).toBeGreaterThanOrEqual(3)
    } finally {
      await relay.close()
    }
  }, 90_000)
})

describe('re-authentication on a busy connection', () => {
  it('interleaves no request with the exchange and keeps the same connection', async () => {
    let reauthentications = 0
    const cluster = new Cluster({
      clientId: 'security-reauth',
      brokers: [secure.saslPlaintext],
      connectionTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      metadataMaxAgeMs: 300_000,
      retryBackoff: { initialMs: 100, maxMs: 1000 },
      reconnectBackoffMs: 50,
      reconnectBackoffMaxMs: 1000,
      connectionsMaxIdleMs: 540_000,
      defaultApiTimeoutMs: 30_000,
      softwareName: 'kafkats-test',
      softwareVersion: '0',
      authenticate: createSaslAuthenticator(new ScramMechanism('SCRAM-SHA-512', 'alice', SECURE_USERS.alice.password), {
        clientId: 'security-reauth',
        requestTimeoutMs: 30_000,
        onReauthenticated: () => reauthentications++,
      }),
    })
    try {
      const endpoint = parseBrokerAddress(secure.saslPlaintext)
      const connection = await cluster.connectionTo({ endpoint })
      const until = Date.now() + 21_000
      let answered = 0
      while (Date.now() < until) {
        // Several requests in flight at once, so that re-authentication must wait for them to drain.
        const responses = await Promise.all(
          Array.from({ length: 4 }, () =>
            cluster.sendTo({ endpoint }, metadataApi, () => metadataApi.createRequest({ topics: [], allowAutoTopicCreation: false })),
          ),
        )
        answered += responses.length
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(answered).toBeGreaterThan(100)
      expect(reauthentications).toBeGreaterThanOrEqual(2)
      expect(connection.isClosed).toBe(false)
      expect(await cluster.connectionTo({ endpoint })).toBe(connection)
    } finally {
      cluster.close()
    }
  }, 60_000)
})

describe('ACLs (StandardAuthorizer; alice has none to begin with)', () => {
  it('TOPIC and GROUP authorization failures are typed; createAcls grants, deleteAcls takes away', async () => {
    const admin = kafka({ brokers: [secure.saslPlaintext], sasl: saslFor('scram-sha-512') }).admin()
    const alice = kafka({ brokers: [secure.saslSsl], ssl: { ca }, sasl: saslFor('scram-sha-256', 'alice') })
    const aliceAdmin = alice.admin()
    const topic = `acl-${randomUUID()}`
    const group = `acl-group-${randomUUID()}`
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
    const producer = kafka({ brokers: [secure.saslPlaintext], sasl: saslFor('plain') }).producer()
    await producer.send({ topic, partition: 0, value: 'hello' })
    await producer.disconnect()

    const [described] = await aliceAdmin.describeTopics([topic])
    expect(described?.error).toMatchObject({ errorName: 'TOPIC_AUTHORIZATION_FAILED', code: 29 })
    const groupError = await expectFailure(aliceAdmin.listConsumerGroupOffsets(group))
    expect(groupError).toBeInstanceOf(KafkaError)
    expect(groupError).toMatchObject({ errorName: 'GROUP_AUTHORIZATION_FAILED', code: 30 })
    // Producing without WRITE fails at once with the typed error, as Java's producer does.
    const aliceProducer = alice.producer({ maxBlockMs: 30_000 })
    const started = Date.now()
    const sendError = await expectFailure(aliceProducer.send({ topic, value: 'not allowed' }))
    await aliceProducer.disconnect()
    expect(sendError).toMatchObject({ errorName: 'TOPIC_AUTHORIZATION_FAILED', code: 29 })
    expect(Date.now() - started).toBeLessThan(10_000)

    const principal = 'User:alice'
    const acls = [
      { resourceType: 'TOPIC', resourceName: topic, principal, operation: 'READ', permissionType: 'ALLOW' },
      { resourceType: 'TOPIC', resourceName: topic, principal, operation: 'DESCRIBE', permissionType: 'ALLOW' },
      { resourceType: 'GROUP', resourceName: group, principal, operation: 'READ', permissionType: 'ALLOW' },
    ] as const
    const created = await admin.createAcls(acls)
    expect(created.map((r) => r.error ?? null)).toEqual([null, null, null])
    await waitFor(
      async () => (await aliceAdmin.describeTopics([topic]))[0]?.error == null,
      { timeoutMs: 20_000, intervalMs: 200, message: 'the TOPIC ACL to reach the authorizer' },
    )
    const consumer = alice.consumer<Buffer | null, string | null>({ groupId: group, autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    consumer.on('error', (e) => record(e))
    consumer.assign([{ topic, partition: 0 }])
    const seen: string[] = []
    await consumer.run({
      eachMessage: async (m) => {
        seen.push(m.value ?? '')
        await consumer.commit()
        await consumer.stop()
      },
    })
    await consumer.disconnect()
    expect(seen).toEqual(['hello'])
    expect((await aliceAdmin.listConsumerGroupOffsets(group)).map((o) => o.offset)).toEqual([1n])

    await admin.deleteAcls([{ principal, resourceType: 'TOPIC', resourceName: topic }])
    await waitFor(
      async () => (await aliceAdmin.describeTopics([topic]))[0]?.error?.errorName === 'TOPIC_AUTHORIZATION_FAILED',
      { timeoutMs: 20_000, intervalMs: 200, message: 'the TOPIC ACL removal to reach the authorizer' },
    )
    await admin.deleteAcls([{ principal, resourceType: 'GROUP', resourceName: group }])
    await waitFor(
      async () => (await aliceAdmin.listConsumerGroupOffsets(group).then(() => null, (e: unknown) => e)) !== null,
      { timeoutMs: 20_000, intervalMs: 200, message: 'the GROUP ACL removal to reach the authorizer' },
    )
    expect(await expectFailure(aliceAdmin.listConsumerGroupOffsets(group))).toMatchObject({ errorName: 'GROUP_AUTHORIZATION_FAILED' })
  }, 90_000)
})

describe('secrets', () => {
  it('appear in nothing the client reported during these tests', () => {
    const privateKeyBody = clientKey
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 20 && !line.startsWith('-----'))
    const secrets = [SECURE_USERS.admin.password, SECURE_USERS.alice.password, WRONG_PASSWORD, ...tokens, ...privateKeyBody]
    expect(tokens.length).toBeGreaterThan(0)
    expect(reported.length).toBeGreaterThan(20)
    const text = reported.join('\n')
    const leaked = secrets.map((secret, index) => (text.includes(secret) ? index : -1)).filter((i) => i >= 0)
    expect(leaked, 'indexes of secrets that appear in what was reported').toEqual([])
  })
})
