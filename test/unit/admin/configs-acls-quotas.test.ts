import { describe, expect, it } from 'vitest'
import { aclFromWire, filterToWire, normalizeAcl } from '../../../src/admin/acls.js'
import { toConfigEntry } from '../../../src/admin/configs.js'
import { entityKey } from '../../../src/admin/quotas.js'
import { KafkaConfigError } from '../../../src/errors.js'
import { createDescribeConfigsResponseResourceResult } from '../../../src/protocol/messages/describe-configs.js'

describe('toConfigEntry', () => {
  // Wire ids of DescribeConfigsResponse's ConfigSource, mapped to Java's public ConfigEntry.ConfigSource.
  it.each([
    [0, 'UNKNOWN'],
    [1, 'DYNAMIC_TOPIC_CONFIG'],
    [2, 'DYNAMIC_BROKER_CONFIG'],
    [3, 'DYNAMIC_DEFAULT_BROKER_CONFIG'],
    [4, 'STATIC_BROKER_CONFIG'],
    [5, 'DEFAULT_CONFIG'],
    [6, 'DYNAMIC_BROKER_LOGGER_CONFIG'],
    [7, 'DYNAMIC_CLIENT_METRICS_CONFIG'],
    [8, 'DYNAMIC_GROUP_CONFIG'],
    [-1, 'UNKNOWN'],
    [42, 'UNKNOWN'],
  ])('maps source id %i to %s, default only for DEFAULT_CONFIG', (id, source) => {
    const entry = toConfigEntry(createDescribeConfigsResponseResourceResult({ name: 'x', configSource: id }))
    expect(entry.source).toBe(source)
    expect(entry.isDefault).toBe(source === 'DEFAULT_CONFIG')
  })

  it('keeps value, flags, type, documentation and synonyms', () => {
    const entry = toConfigEntry(
      createDescribeConfigsResponseResourceResult({
        name: 'ssl.key.password',
        value: null,
        readOnly: true,
        isSensitive: true,
        configSource: 4,
        configType: 9,
        documentation: 'doc',
        synonyms: [
          { name: 'ssl.key.password', value: null, source: 4 },
          { name: 'ssl.key.password', value: null, source: 5 },
        ],
      }),
    )
    expect(entry).toEqual({
      name: 'ssl.key.password',
      value: null,
      source: 'STATIC_BROKER_CONFIG',
      isSensitive: true,
      isReadOnly: true,
      isDefault: false,
      type: 'PASSWORD',
      documentation: 'doc',
      synonyms: [
        { name: 'ssl.key.password', value: null, source: 'STATIC_BROKER_CONFIG' },
        { name: 'ssl.key.password', value: null, source: 'DEFAULT_CONFIG' },
      ],
    })
  })
})

describe('ACL wire forms', () => {
  it('uses Java’s wire ids and defaults an empty filter to match everything', () => {
    expect(filterToWire({})).toEqual({
      resourceTypeFilter: 1,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: null,
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    })
    expect(
      filterToWire({
        resourceType: 'TRANSACTIONAL_ID',
        resourceName: 't',
        patternType: 'MATCH',
        principal: 'User:a',
        host: '*',
        operation: 'IDEMPOTENT_WRITE',
        permissionType: 'ALLOW',
      }),
    ).toEqual({
      resourceTypeFilter: 5,
      resourceNameFilter: 't',
      patternTypeFilter: 2,
      principalFilter: 'User:a',
      hostFilter: '*',
      operation: 12,
      permissionType: 3,
    })
  })

  it('decodes what it encodes, and unknown ids as UNKNOWN', () => {
    const acl = aclFromWire({
      resourceType: 7,
      resourceName: 'alice',
      patternType: 4,
      principal: 'User:bob',
      host: '10.0.0.1',
      operation: 15,
      permissionType: 2,
    })
    expect(acl).toEqual({
      resourceType: 'USER',
      resourceName: 'alice',
      patternType: 'PREFIXED',
      principal: 'User:bob',
      host: '10.0.0.1',
      operation: 'TWO_PHASE_COMMIT',
      permissionType: 'DENY',
    })
    const unknown = aclFromWire({ resourceType: 99, resourceName: 'x', patternType: 99, principal: 'p', host: 'h', operation: 99, permissionType: 99 })
    expect([unknown.resourceType, unknown.patternType, unknown.operation, unknown.permissionType]).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN', 'UNKNOWN'])
  })

  it('fills defaults of a new ACL and rejects filter-only values', () => {
    expect(normalizeAcl({ resourceType: 'TOPIC', resourceName: 't', principal: 'User:a', operation: 'READ', permissionType: 'ALLOW' })).toEqual({
      resourceType: 'TOPIC',
      resourceName: 't',
      patternType: 'LITERAL',
      principal: 'User:a',
      host: '*',
      operation: 'READ',
      permissionType: 'ALLOW',
    })
    const base = { resourceType: 'TOPIC', resourceName: 't', principal: 'User:a', operation: 'READ', permissionType: 'ALLOW' } as const
    expect(() => normalizeAcl({ ...base, resourceType: 'ANY' })).toThrow(KafkaConfigError)
    expect(() => normalizeAcl({ ...base, patternType: 'MATCH' })).toThrow(/patternType/)
    expect(() => normalizeAcl({ ...base, operation: 'ANY' })).toThrow(/operation/)
    expect(() => normalizeAcl({ ...base, permissionType: 'UNKNOWN' })).toThrow(/permissionType/)
  })
})

describe('quota entity keys', () => {
  it('ignore the order of entity types but not names or defaults', () => {
    const a = entityKey([
      { entityType: 'user', entityName: 'alice' },
      { entityType: 'client-id', entityName: null },
    ])
    const b = entityKey([
      { entityType: 'client-id', entityName: null },
      { entityType: 'user', entityName: 'alice' },
    ])
    expect(a).toBe(b)
    expect(entityKey([{ entityType: 'user', entityName: null }])).not.toBe(entityKey([{ entityType: 'user', entityName: 'null' }]))
    expect(entityKey([{ entityType: 'user', entityName: 'a' }])).not.toBe(entityKey([{ entityType: 'client-id', entityName: 'a' }]))
  })
})
