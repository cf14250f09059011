import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaBrokerError, KafkaConfigError, ErrorCode } from '../../../src/index.js'
import { bootstrap, runKafkaTool } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'admin-topics-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

async function describeWithTopicCommand(topic: string): Promise<string> {
  const result = await runKafkaTool('TopicCommand', ['--bootstrap-server', bootstrap(), '--describe', '--topic', topic])
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

describe('Admin topics against the real broker', () => {
  it('creates a topic with configs that Kafka’s own TopicCommand then describes', async () => {
    const topic = unique('admin-create')
    const [result] = await admin.createTopics([
      {
        topic,
        numPartitions: 4,
        replicationFactor: 1,
        configs: { 'retention.ms': '3600000', 'cleanup.policy': 'compact', 'segment.bytes': '1048576' },
      },
    ])
    expect(result?.error).toBeNull()
    expect(result?.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const described = await describeWithTopicCommand(topic)
    expect(described).toContain(`TopicId: ${result?.topicId}`)
    expect(described).toMatch(/PartitionCount: 4/)
    expect(described).toMatch(/cleanup\.policy=compact/)
    expect(described).toMatch(/retention\.ms=3600000/)
    // Leaders exist as soon as createTopics resolves.
    const [description] = await admin.describeTopics([topic])
    expect(description?.partitions.map((p) => p.leader >= 0)).toEqual([true, true, true, true])
  })

  it('reports a bad topic without failing the good ones in the same call', async () => {
    const good = unique('admin-good')
    const results = await admin.createTopics([
      { topic: good, numPartitions: 1, replicationFactor: 1 },
      { topic: 'bad topic name!', numPartitions: 1, replicationFactor: 1 },
      { topic: unique('admin-rf'), numPartitions: 1, replicationFactor: 9 },
      { topic: unique('admin-cfg'), numPartitions: 1, replicationFactor: 1, configs: { 'no.such.config': '1' } },
    ])
    expect(results[0]?.error).toBeNull()
    expect(results[1]?.error).toBeInstanceOf(KafkaBrokerError)
    expect(results[1]?.error?.code).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION)
    expect(results[2]?.error?.code).toBe(ErrorCode.INVALID_REPLICATION_FACTOR)
    expect(results[3]?.error?.code).toBe(ErrorCode.INVALID_CONFIG)
    expect(await admin.listTopics()).toContain(good)
  })

  it('validates without creating when asked', async () => {
    const topic = unique('admin-validate')
    const [result] = await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }], { validateOnly: true })
    expect(result?.error).toBeNull()
    expect(await admin.listTopics()).not.toContain(topic)
  })

  it('deletes topics, reporting a missing one as UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const topic = unique('admin-delete')
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
    const results = await admin.deleteTopics([topic, unique('admin-missing')])
    expect(results[0]?.error).toBeNull()
    expect(results[1]?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const listed = await runKafkaTool('TopicCommand', ['--bootstrap-server', bootstrap(), '--list'])
    expect(listed.stdout.split('\n')).not.toContain(topic)
  })

  it('adds partitions that TopicCommand sees', async () => {
    const topic = unique('admin-partitions')
    await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
    const [result] = await admin.createPartitions([{ topic, count: 5 }])
    expect(result?.error).toBeNull()
    expect(await describeWithTopicCommand(topic)).toMatch(/PartitionCount: 5/)
    const [shrink] = await admin.createPartitions([{ topic, count: 3 }])
    expect(shrink?.error?.code).toBe(ErrorCode.INVALID_PARTITIONS)
  })

  it('lists topics created by TopicCommand, hiding internal ones by default', async () => {
    const topic = unique('admin-list')
    const created = await runKafkaTool('TopicCommand', [
      '--bootstrap-server', bootstrap(), '--create', '--topic', topic, '--partitions', '1', '--replication-factor', '1',
    ])
    expect(created.code, created.stderr).toBe(0)
    const names = await admin.listTopics()
    expect(names).toContain(topic)
    expect(names).not.toContain('__consumer_offsets')
  })

  it('rejects bad options at construction, naming the option', () => {
    expect(() => new Kafka({ brokers: [] })).toThrow(KafkaConfigError)
    expect(() => new Kafka({ brokers: ['no-port'] })).toThrow(/brokers/)
    expect(() => new Kafka({ brokers: ['h:1'], requestTimeoutMs: -5 })).toThrow(/requestTimeoutMs/)
  })
})
