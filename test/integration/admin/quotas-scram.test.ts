import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { ErrorCode, Kafka, type ClientQuotaEntity } from '../../../src/index.js'
import { bootstrap, runKafkaTool, waitFor } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'admin-quotas-scram-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

/** ConfigCommand --describe for an entity; `null` names the default entity. */
async function describeEntity(...entities: Array<['users' | 'clients', string | null]>): Promise<string> {
  const args = ['--bootstrap-server', bootstrap(), '--describe']
  for (const [type, name] of entities) {
    args.push('--entity-type', type, ...(name === null ? ['--entity-default'] : ['--entity-name', name]))
  }
  const result = await runKafkaTool('ConfigCommand', args)
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** The `key=value` pairs ConfigCommand prints on its "Quota configs …" line. */
function quotaLine(out: string): Record<string, string> {
  const line = out.split('\n').find((l) => l.startsWith('Quota configs for'))
  if (line === undefined) return {}
  return Object.fromEntries(
    line
      .slice(line.indexOf(' are ') + 5)
      .split(', ')
      .map((pair) => pair.trim().split('=') as [string, string]),
  )
}

/** The mechanisms ConfigCommand lists for a user, as "SCRAM-SHA-256=iterations=8192" items, sorted. */
function scramItems(out: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith('SCRAM credential configs for'))
  return line === undefined ? [] : line.slice(line.indexOf(' are ') + 5).trim().split(', ').sort()
}

// Changes go through the controller and reach the broker's metadata image a moment later, so a
// read right after a write may still see the old state.
async function eventually(check: () => Promise<void>): Promise<void> {
  await waitFor(async () => {
    await check()
    return true
  }, { timeoutMs: 20_000, intervalMs: 200, message: 'the change to become visible' })
}

describe('Admin client quotas against the real broker', () => {
  it('sets quotas for users, client ids and a user’s default client id, as ConfigCommand then reads them', async () => {
    const user = unique('quota-user')
    const client = unique('quota-client')
    const userDefaultClient: ClientQuotaEntity = { user, 'client-id': null }
    try {
      const results = await admin.alterClientQuotas([
        { entity: { user }, ops: [{ key: 'producer_byte_rate', value: 1024 }, { key: 'consumer_byte_rate', value: 2048 }] },
        { entity: { 'client-id': client }, ops: [{ key: 'request_percentage', value: 25 }] },
        { entity: userDefaultClient, ops: [{ key: 'producer_byte_rate', value: 4096 }] },
        { entity: { user: unique('quota-bad') }, ops: [{ key: 'no_such_quota', value: 1 }] },
      ])
      expect(results.map((r) => r.entity)).toEqual([{ user }, { 'client-id': client }, userDefaultClient, results[3]?.entity])
      expect(results.slice(0, 3).map((r) => r.error)).toEqual([null, null, null])
      expect(results[3]?.error?.code).toBe(ErrorCode.INVALID_REQUEST)

      await eventually(async () => {
        const [ofUser, ofClient, ofUserDefaultClient] = await Promise.all([
          describeEntity(['users', user]),
          describeEntity(['clients', client]),
          describeEntity(['users', user], ['clients', null]),
        ])
        expect(quotaLine(ofUser)).toEqual({ consumer_byte_rate: '2048.0', producer_byte_rate: '1024.0' })
        expect(quotaLine(ofClient)).toEqual({ request_percentage: '25.0' })
        expect(quotaLine(ofUserDefaultClient)).toEqual({ producer_byte_rate: '4096.0' })
      })

      // Not strict: every entity naming this user, including the one with the default client id.
      // ConfigCommand saw every change, so this broker's image has them too.
      const loose = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 'EXACT', name: user }] })
      expect(loose).toHaveLength(2)
      expect(loose).toContainEqual({ entity: { user }, quotas: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } })
      expect(loose).toContainEqual({ entity: userDefaultClient, quotas: { producer_byte_rate: 4096 } })
      const strict = await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 'EXACT', name: user }], strict: true })
      expect(strict).toEqual([{ entity: { user }, quotas: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } }])
      const defaults = await admin.describeClientQuotas({
        components: [
          { entityType: 'user', matchType: 'EXACT', name: user },
          { entityType: 'client-id', matchType: 'DEFAULT' },
        ],
      })
      expect(defaults).toEqual([{ entity: userDefaultClient, quotas: { producer_byte_rate: 4096 } }])
      const anyClient = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 'SPECIFIED' }] })
      expect(anyClient).toContainEqual({ entity: { 'client-id': client }, quotas: { request_percentage: 25 } })

      // validateOnly changes nothing; a null value removes one quota and keeps the others.
      const [validated] = await admin.alterClientQuotas([{ entity: { user }, ops: [{ key: 'producer_byte_rate', value: 1 }] }], { validateOnly: true })
      expect(validated?.error).toBeNull()
      const [removed] = await admin.alterClientQuotas([{ entity: { user }, ops: [{ key: 'producer_byte_rate', value: null }] }])
      expect(removed?.error).toBeNull()
      await eventually(async () => expect(quotaLine(await describeEntity(['users', user]))).toEqual({ consumer_byte_rate: '2048.0' }))
    } finally {
      await admin.alterClientQuotas([
        { entity: { user }, ops: [{ key: 'producer_byte_rate', value: null }, { key: 'consumer_byte_rate', value: null }] },
        { entity: { 'client-id': client }, ops: [{ key: 'request_percentage', value: null }] },
        { entity: userDefaultClient, ops: [{ key: 'producer_byte_rate', value: null }] },
      ])
    }
    await eventually(async () =>
      expect(await admin.describeClientQuotas({ components: [{ entityType: 'user', matchType: 'EXACT', name: user }] })).toEqual([]),
    )
  })

  it('reads quotas that ConfigCommand set', async () => {
    const client = unique('quota-cc')
    const set = await runKafkaTool('ConfigCommand', [
      '--bootstrap-server', bootstrap(), '--alter', '--entity-type', 'clients', '--entity-name', client,
      '--add-config', 'consumer_byte_rate=3000,request_percentage=12.5',
    ])
    expect(set.code, set.stderr).toBe(0)
    try {
      await eventually(async () => {
        const entries = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 'EXACT', name: client }] })
        expect(entries).toEqual([{ entity: { 'client-id': client }, quotas: { consumer_byte_rate: 3000, request_percentage: 12.5 } }])
      })
    } finally {
      await admin.alterClientQuotas([
        { entity: { 'client-id': client }, ops: [{ key: 'consumer_byte_rate', value: null }, { key: 'request_percentage', value: null }] },
      ])
    }
  })
})

describe('Admin SCRAM credentials against the real broker', () => {
  it('upserts credentials that describeUserScramCredentials and ConfigCommand list, then deletes them', async () => {
    const user = unique('scram-user')
    const weak = unique('scram-weak')
    const secret = `pw-${randomUUID()}`
    const results = await admin.alterUserScramCredentials([
      { op: 'upsert', user, mechanism: 'SCRAM-SHA-256', iterations: 8192, password: secret },
      // Below Kafka's minimum of 4096: the broker refuses it, for this user only.
      { op: 'upsert', user: weak, mechanism: 'SCRAM-SHA-256', iterations: 1000, password: secret },
    ])
    expect(results.map((r) => r.user)).toEqual([user, weak])
    expect(results[0]?.error).toBeNull()
    expect(results[1]?.error?.code).toBe(ErrorCode.UNACCEPTABLE_CREDENTIAL)
    expect(results[1]?.error?.message).not.toContain(secret)
    // The broker takes one alteration per user and request.
    const [twice] = await admin.alterUserScramCredentials([
      { op: 'upsert', user, mechanism: 'SCRAM-SHA-512', password: secret },
      { op: 'delete', user, mechanism: 'SCRAM-SHA-256' },
    ])
    expect(twice?.error?.code).toBe(ErrorCode.DUPLICATE_RESOURCE)
    const [second] = await admin.alterUserScramCredentials([{ op: 'upsert', user, mechanism: 'SCRAM-SHA-512', password: secret }])
    expect(second).toEqual({ user, error: null })

    await eventually(async () => {
      const [described] = await admin.describeUserScramCredentials([user])
      expect(described?.error).toBeNull()
      expect([...(described?.credentials ?? [])].sort((a, b) => a.mechanism.localeCompare(b.mechanism))).toEqual([
        { mechanism: 'SCRAM-SHA-256', iterations: 8192 },
        { mechanism: 'SCRAM-SHA-512', iterations: 4096 },
      ])
    })
    const all = await admin.describeUserScramCredentials()
    expect(all.map((d) => d.user)).toContain(user)
    expect(all.map((d) => d.user)).not.toContain(weak)
    expect(scramItems(await describeEntity(['users', user]))).toEqual(['SCRAM-SHA-256=iterations=8192', 'SCRAM-SHA-512=iterations=4096'])

    const [deleted256] = await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-256' }])
    expect(deleted256?.error).toBeNull()
    await eventually(async () =>
      expect((await admin.describeUserScramCredentials([user]))[0]?.credentials).toEqual([{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]),
    )

    const [deleted512] = await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-512' }])
    expect(deleted512?.error).toBeNull()
    await eventually(async () => {
      const [gone] = await admin.describeUserScramCredentials([user])
      expect(gone?.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
      expect(gone?.credentials).toEqual([])
    })
    expect(scramItems(await describeEntity(['users', user]))).toEqual([])
    // Deleting what is not there is reported for that user.
    const [again] = await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-512' }])
    expect(again?.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
  })

  it('describes credentials that ConfigCommand created', async () => {
    const user = unique('scram-cc')
    const added = await runKafkaTool('ConfigCommand', [
      '--bootstrap-server', bootstrap(), '--alter', '--entity-type', 'users', '--entity-name', user,
      '--add-config', 'SCRAM-SHA-512=[iterations=5000,password=cc-secret]',
    ])
    expect(added.code, added.stderr).toBe(0)
    await eventually(async () => {
      const [described, missing] = await admin.describeUserScramCredentials([user, unique('scram-none')])
      expect(described).toEqual({ user, error: null, credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 5000 }] })
      expect(missing?.error?.code).toBe(ErrorCode.RESOURCE_NOT_FOUND)
    })
    const [deleted] = await admin.alterUserScramCredentials([{ op: 'delete', user, mechanism: 'SCRAM-SHA-512' }])
    expect(deleted?.error).toBeNull()
  })
})
