import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, Kafka, KafkaConfigError, type ConfigEntry, type ResourceConfigs } from '../../../src/index.js'
import { bootstrap, kcatMetadata, runKafkaTool, waitFor } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'admin-configs-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

async function configCommand(args: readonly string[]): Promise<string> {
  const result = await runKafkaTool('ConfigCommand', ['--bootstrap-server', bootstrap(), ...args])
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

/** The dynamic configs ConfigCommand reports for an entity, as name → value. */
async function dynamicConfigs(entityType: 'topics' | 'brokers', name: string): Promise<Map<string, string>> {
  const out = await configCommand(['--describe', '--entity-type', entityType, '--entity-name', name])
  // Lines look like "  retention.ms=3600000 sensitive=false synonyms={…}".
  const configs = new Map<string, string>()
  for (const line of out.split('\n')) {
    const match = /^\s+([\w.-]+)=(\S*) sensitive=/.exec(line)
    if (match !== null) configs.set(match[1] as string, match[2] as string)
  }
  return configs
}

// Changes go through the controller and reach the broker's metadata image a moment later, so a
// read right after a write may still see the old state.
async function eventually(check: () => Promise<void>): Promise<void> {
  await waitFor(async () => {
    await check()
    return true
  }, { timeoutMs: 20_000, intervalMs: 200, message: 'the change to become visible' })
}

async function newTopic(prefix: string): Promise<string> {
  const topic = unique(prefix)
  const [created] = await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  return topic
}

function entry(entries: readonly ConfigEntry[] | undefined, name: string): ConfigEntry {
  const found = entries?.find((e) => e.name === name)
  if (found === undefined) throw new Error(`no config ${name}`)
  return found
}

let brokerId: string
beforeAll(async () => {
  const metadata = await kcatMetadata(bootstrap())
  brokerId = String(metadata.brokers[0]?.id)
})

describe('Admin configs against the real broker', () => {
  it('alters topic configs with SET, APPEND, SUBTRACT and DELETE, as ConfigCommand then reads them', async () => {
    const topic = await newTopic('configs-alter')
    const [set] = await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name: topic,
        ops: [
          { op: 'SET', name: 'retention.ms', value: '3600000' },
          { op: 'SET', name: 'cleanup.policy', value: 'delete' },
          { op: 'SET', name: 'max.message.bytes', value: '2000000' },
        ],
      },
    ])
    expect(set).toEqual({ type: 'topic', name: topic, error: null })
    await eventually(async () => {
      const seen = await dynamicConfigs('topics', topic)
      expect(seen.get('retention.ms')).toBe('3600000')
      expect(seen.get('cleanup.policy')).toBe('delete')
      expect(seen.get('max.message.bytes')).toBe('2000000')
    })

    const [append] = await admin.incrementalAlterConfigs([
      { type: 'topic', name: topic, ops: [{ op: 'APPEND', name: 'cleanup.policy', value: 'compact' }] },
    ])
    expect(append?.error).toBeNull()
    await eventually(async () => expect((await dynamicConfigs('topics', topic)).get('cleanup.policy')).toBe('delete,compact'))

    const [subtract] = await admin.incrementalAlterConfigs([
      {
        type: 'topic',
        name: topic,
        ops: [
          { op: 'SUBTRACT', name: 'cleanup.policy', value: 'delete' },
          { op: 'DELETE', name: 'max.message.bytes' },
        ],
      },
    ])
    expect(subtract?.error).toBeNull()
    await eventually(async () => {
      const seen = await dynamicConfigs('topics', topic)
      expect(seen.get('cleanup.policy')).toBe('compact')
      expect(seen.has('max.message.bytes')).toBe(false)
      expect(seen.get('retention.ms')).toBe('3600000')
    })

    const [validated] = await admin.incrementalAlterConfigs(
      [{ type: 'topic', name: topic, ops: [{ op: 'SET', name: 'retention.ms', value: '60000' }] }],
      { validateOnly: true },
    )
    expect(validated?.error).toBeNull()
    const [after] = await admin.describeConfigs([{ type: 'topic', name: topic }])
    expect(entry(after?.entries, 'retention.ms').value).toBe('3600000')
  })

  it('describes topic configs that ConfigCommand set, with sources, synonyms, types and documentation', async () => {
    const topic = await newTopic('configs-describe')
    await configCommand(['--alter', '--entity-type', 'topics', '--entity-name', topic, '--add-config', 'retention.bytes=1048576,segment.ms=600000'])
    let described: ResourceConfigs | undefined
    await eventually(async () => {
      ;[described] = await admin.describeConfigs([{ type: 'topic', name: topic }], { includeSynonyms: true, includeDocumentation: true })
      expect(described?.error).toBeNull()
      expect(entry(described?.entries, 'segment.ms').value).toBe('600000')
    })
    expect(described?.type).toBe('topic')
    const retention = entry(described?.entries, 'retention.bytes')
    expect(retention).toMatchObject({ value: '1048576', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false, isReadOnly: false, isSensitive: false, type: 'LONG' })
    expect(retention.documentation).toMatch(/\w+/)
    expect(retention.synonyms[0]).toEqual({ name: 'retention.bytes', value: '1048576', source: 'DYNAMIC_TOPIC_CONFIG' })
    expect(retention.synonyms).toContainEqual({ name: 'log.retention.bytes', value: '-1', source: 'DEFAULT_CONFIG' })
    expect(entry(described?.entries, 'segment.ms')).toMatchObject({ value: '600000', source: 'DYNAMIC_TOPIC_CONFIG' })
    // Neither ConfigCommand nor the broker's properties set this one.
    expect(entry(described?.entries, 'delete.retention.ms')).toMatchObject({ source: 'DEFAULT_CONFIG', isDefault: true })

    // Without the options, no synonyms or documentation come back.
    const [plain] = await admin.describeConfigs([{ type: 'topic', name: topic }])
    expect(entry(plain?.entries, 'retention.bytes')).toMatchObject({ value: '1048576', synonyms: [], documentation: null })
  })

  it('alters a broker config on that broker, which ConfigCommand reads back, then deletes it', async () => {
    const name = 'num.recovery.threads.per.data.dir'
    const [before] = await admin.describeConfigs([{ type: 'broker', name: brokerId }], { includeSynonyms: true })
    expect(before?.error).toBeNull()
    expect(entry(before?.entries, 'node.id')).toMatchObject({ value: brokerId, isReadOnly: true })
    const current = Number(entry(before?.entries, name).value)
    // The broker accepts thread counts between half and twice the current one.
    const next = String(current + 1)
    try {
      const [altered] = await admin.incrementalAlterConfigs([{ type: 'broker', name: brokerId, ops: [{ op: 'SET', name, value: next }] }])
      expect(altered).toEqual({ type: 'broker', name: brokerId, error: null })
      await eventually(async () => expect((await dynamicConfigs('brokers', brokerId)).get(name)).toBe(next))
      const [after] = await admin.describeConfigs([{ type: 'broker', name: brokerId }], { includeSynonyms: true })
      const changed = entry(after?.entries, name)
      expect(changed).toMatchObject({ value: next, source: 'DYNAMIC_BROKER_CONFIG', isDefault: false })
      expect(changed.synonyms.map((s) => s.source)).toContain('DEFAULT_CONFIG')
    } finally {
      const [deleted] = await admin.incrementalAlterConfigs([{ type: 'broker', name: brokerId, ops: [{ op: 'DELETE', name }] }])
      expect(deleted?.error).toBeNull()
    }
    await eventually(async () => expect((await dynamicConfigs('brokers', brokerId)).has(name)).toBe(false))
  })

  it('reads and sets a broker logger’s level on that broker', async () => {
    const logger = 'kafka.authorizer.logger'
    const [before] = await admin.describeConfigs([{ type: 'broker-logger', name: brokerId }])
    expect(before?.error).toBeNull()
    expect(entry(before?.entries, 'root').value).toMatch(/^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF)$/)
    const original = entry(before?.entries, logger)
    expect(original.source).toBe('DYNAMIC_BROKER_LOGGER_CONFIG')
    const level = original.value === 'ERROR' ? 'WARN' : 'ERROR'
    try {
      const [set] = await admin.incrementalAlterConfigs([{ type: 'broker-logger', name: brokerId, ops: [{ op: 'SET', name: logger, value: level }] }])
      expect(set?.error).toBeNull()
      const [after] = await admin.describeConfigs([{ type: 'broker-logger', name: brokerId }])
      expect(entry(after?.entries, logger).value).toBe(level)
    } finally {
      await admin.incrementalAlterConfigs([
        { type: 'broker-logger', name: brokerId, ops: [{ op: 'SET', name: logger, value: original.value ?? 'WARN' }] },
      ])
    }
  })

  it('reports an unknown config and a missing topic per resource without failing the others', async () => {
    const good = await newTopic('configs-good')
    const other = await newTopic('configs-badkey')
    const missing = unique('configs-missing')
    const results = await admin.incrementalAlterConfigs([
      { type: 'topic', name: good, ops: [{ op: 'SET', name: 'retention.ms', value: '7200000' }] },
      { type: 'topic', name: other, ops: [{ op: 'SET', name: 'no.such.config', value: '1' }] },
      { type: 'topic', name: missing, ops: [{ op: 'SET', name: 'retention.ms', value: '1' }] },
      { type: 'broker', name: 'not-a-node', ops: [{ op: 'SET', name: 'num.recovery.threads.per.data.dir', value: '1' }] },
    ])
    expect(results.map((r) => r.name)).toEqual([good, other, missing, 'not-a-node'])
    expect(results[0]?.error).toBeNull()
    expect(results[1]?.error?.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(results[2]?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(results[3]?.error).toBeInstanceOf(KafkaConfigError)
    await eventually(async () => {
      const [ofGood, ofOther] = await Promise.all([dynamicConfigs('topics', good), dynamicConfigs('topics', other)])
      expect(ofGood.get('retention.ms')).toBe('7200000')
      expect(ofOther.size).toBe(0)
    })

    const described = await admin.describeConfigs([
      { type: 'topic', name: missing },
      { type: 'topic', name: good },
      { type: 'broker', name: '987654' },
      { type: 'broker', name: brokerId },
    ])
    expect(described[0]?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(described[0]?.entries).toEqual([])
    expect(entry(described[1]?.entries, 'retention.ms').value).toBe('7200000')
    // A broker that is not in the cluster fails at once instead of at the deadline.
    expect(described[2]?.error?.code).toBe(ErrorCode.BROKER_NOT_AVAILABLE)
    expect(described[3]?.error).toBeNull()
    expect(described[3]?.entries.length).toBeGreaterThan(100)
  })
})
