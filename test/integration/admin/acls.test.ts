import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaConfigError, type AclBinding, type NewAclBinding } from '../../../src/index.js'
import { bootstrap, runKafkaTool, waitFor } from '../../support/kafka.js'

// Needs the single node's StandardAuthorizer (scripts/kafka-local.sh); PLAINTEXT clients are super
// users there, so the ACLs made here restrict nobody these tests use.
const kafka = new Kafka({ clientId: 'admin-acls-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const principals: string[] = []
afterAll(async () => {
  // Leave no ACLs behind; a filter per principal of this run.
  await admin.deleteAcls(principals.map((principal) => ({ principal }))).catch(() => {})
  kafka.close()
})

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

function newPrincipal(name: string): string {
  const principal = `User:${unique(name)}`
  principals.push(principal)
  return principal
}

/** One ACL as a comparable string. */
const key = (a: AclBinding): string =>
  `${a.resourceType}:${a.patternType}:${a.resourceName} ${a.principal}@${a.host} ${a.permissionType} ${a.operation}`

/**
 * AclCommand --list output as ACL keys. It prints a header per resource pattern, e.g.
 * "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`:",
 * then one "(principal=User:a, host=*, operation=READ, permissionType=ALLOW)" line per ACL.
 */
function parseAclList(out: string): string[] {
  const keys: string[] = []
  let pattern: RegExpExecArray | null = null
  for (const line of out.split('\n')) {
    const header = /ResourcePattern\(resourceType=(\w+), name=(.*), patternType=(\w+)\)/.exec(line)
    if (header !== null) {
      pattern = header
      continue
    }
    const acl = /\(principal=(.*), host=(.*), operation=(\w+), permissionType=(\w+)\)/.exec(line)
    if (acl !== null && pattern !== null) {
      keys.push(`${pattern[1]}:${pattern[3]}:${pattern[2]} ${acl[1]}@${acl[2]} ${acl[4]} ${acl[3]}`)
    }
  }
  return keys.sort()
}

async function aclCommand(args: readonly string[]): Promise<string> {
  const result = await runKafkaTool('AclCommand', ['--bootstrap-server', bootstrap(), ...args])
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** The ACLs of one principal as AclCommand lists them. */
async function listedFor(principal: string): Promise<string[]> {
  return parseAclList(await aclCommand(['--list', '--principal', principal]))
}

// ACL changes reach the broker's authorizer through its metadata image a moment after the
// controller commits them.
async function eventually(check: () => Promise<void>): Promise<void> {
  await waitFor(async () => {
    await check()
    return true
  }, { timeoutMs: 20_000, intervalMs: 200, message: 'the ACL change to become visible' })
}

describe('Admin ACLs against the real broker', () => {
  it('creates ACLs that AclCommand lists, rejecting a filter-only value locally', async () => {
    const principal = newPrincipal('acl-alice')
    const topic = unique('acl-topic')
    const groupPrefix = `${unique('acl-grp')}-`
    const acls: NewAclBinding[] = [
      { resourceType: 'TOPIC', resourceName: topic, principal, operation: 'READ', permissionType: 'ALLOW' },
      { resourceType: 'TOPIC', resourceName: topic, principal, host: '10.0.0.1', operation: 'WRITE', permissionType: 'DENY' },
      { resourceType: 'GROUP', resourceName: groupPrefix, patternType: 'PREFIXED', principal, operation: 'DESCRIBE', permissionType: 'ALLOW' },
      { resourceType: 'CLUSTER', resourceName: 'kafka-cluster', principal, operation: 'IDEMPOTENT_WRITE', permissionType: 'ALLOW' },
      { resourceType: 'ANY', resourceName: topic, principal, operation: 'READ', permissionType: 'ALLOW' },
    ]
    const results = await admin.createAcls(acls)
    expect(results.slice(0, 4).map((r) => r.error)).toEqual([null, null, null, null])
    expect(results[0]?.acl).toEqual({ ...acls[0], patternType: 'LITERAL', host: '*' })
    expect(results[4]?.error).toBeInstanceOf(KafkaConfigError)

    const expected = results.slice(0, 4).map((r) => key(r.acl)).sort()
    await eventually(async () => expect(await listedFor(principal)).toEqual(expected))
    await eventually(async () => expect((await admin.describeAcls({ principal })).map(key).sort()).toEqual(expected))
  })

  it('finds ACLs that AclCommand added, with literal, prefixed, ANY and MATCH filters', async () => {
    const principal = newPrincipal('acl-carol')
    const topic = unique('acl-lit')
    const prefix = `${unique('acl-pfx')}-`
    await aclCommand(['--add', '--allow-principal', principal, '--operation', 'Read', '--operation', 'Describe', '--topic', topic])
    await aclCommand(['--add', '--allow-principal', principal, '--operation', 'Write', '--topic', prefix, '--resource-pattern-type', 'prefixed'])

    const lit = (operation: AclBinding['operation']): string =>
      key({ resourceType: 'TOPIC', resourceName: topic, patternType: 'LITERAL', principal, host: '*', operation, permissionType: 'ALLOW' })
    const pfx = key({ resourceType: 'TOPIC', resourceName: prefix, patternType: 'PREFIXED', principal, host: '*', operation: 'WRITE', permissionType: 'ALLOW' })
    await eventually(async () => expect((await admin.describeAcls({ principal })).map(key).sort()).toEqual([lit('DESCRIBE'), lit('READ'), pfx].sort()))

    const describe = async (filter: Parameters<typeof admin.describeAcls>[0]): Promise<string[]> =>
      (await admin.describeAcls({ principal, ...filter })).map(key).sort()
    expect(await describe({ resourceType: 'TOPIC', resourceName: topic, patternType: 'LITERAL' })).toEqual([lit('DESCRIBE'), lit('READ')])
    expect(await describe({ resourceType: 'TOPIC', resourceName: topic, operation: 'READ' })).toEqual([lit('READ')])
    expect(await describe({ permissionType: 'DENY' })).toEqual([])
    expect(await describe({ resourceType: 'GROUP' })).toEqual([])
    // ANY: either pattern type, but the name must be equal; MATCH: every ACL that applies to the name.
    const inPrefix = `${prefix}orders`
    expect(await describe({ resourceType: 'TOPIC', resourceName: inPrefix, patternType: 'ANY' })).toEqual([])
    expect(await describe({ resourceType: 'TOPIC', resourceName: prefix, patternType: 'ANY' })).toEqual([pfx])
    expect(await describe({ resourceType: 'TOPIC', resourceName: inPrefix, patternType: 'MATCH' })).toEqual([pfx])
    expect(await describe({ resourceType: 'TOPIC', resourceName: topic, patternType: 'PREFIXED' })).toEqual([])
  })

  it('deletes only the ACLs each filter matches, as AclCommand confirms', async () => {
    const principal = newPrincipal('acl-dan')
    const [a, b, group] = [unique('acl-a'), unique('acl-b'), unique('acl-g')]
    const acl = (resourceType: 'TOPIC' | 'GROUP', resourceName: string, operation: 'READ' | 'WRITE'): NewAclBinding => ({
      resourceType, resourceName, principal, operation, permissionType: 'ALLOW',
    })
    const created = await admin.createAcls([acl('TOPIC', a, 'READ'), acl('TOPIC', a, 'WRITE'), acl('TOPIC', b, 'READ'), acl('GROUP', group, 'READ')])
    expect(created.map((r) => r.error)).toEqual([null, null, null, null])
    await eventually(async () => expect(await admin.describeAcls({ principal })).toHaveLength(4))

    const results = await admin.deleteAcls([
      { resourceType: 'TOPIC', resourceName: a, principal, operation: 'READ' },
      { resourceType: 'GROUP', principal },
      { resourceType: 'TOPIC', resourceName: unique('acl-none') },
      { resourceType: 'TOPIC', operation: 'MATCH' as 'READ' },
    ])
    expect(results[0]?.error).toBeNull()
    expect(results[0]?.matchingAcls.map((m) => [key(m), m.error])).toEqual([[key(created[0]?.acl as AclBinding), null]])
    expect(results[1]?.matchingAcls.map((m) => [key(m), m.error])).toEqual([[key(created[3]?.acl as AclBinding), null]])
    expect(results[2]).toMatchObject({ error: null, matchingAcls: [] })
    expect(results[3]?.error).toBeInstanceOf(KafkaConfigError)

    const remaining = [key(created[1]?.acl as AclBinding), key(created[2]?.acl as AclBinding)].sort()
    await eventually(async () => expect(await listedFor(principal)).toEqual(remaining))
    expect((await admin.describeAcls({ principal })).map(key).sort()).toEqual(remaining)
  })
})
