/**
 * The smoke subset of the compatibility runs (`npm run test:compat -- 3.9 smoke`): what every
 * supported broker must do with this client, from Kafka 3.9 to the default release. Produce with
 * idempotence, consume in a classic group of two members (and a KIP-848 group where the broker
 * has it), a transaction that commits records and group offsets next to one that aborts, and the
 * admin calls most applications use. It decides by what the broker advertises, never by version
 * number, so it runs unchanged against any release.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AlterConfigOpType,
  ConfigResourceType,
  GroupState,
  Kafka,
  stringSerde,
  type Admin,
  type ConsumerMessage,
} from '../../src/index.js'
import { negotiateApiVersions } from '../../src/network/api-versions.js'
import { Connection } from '../../src/network/connection.js'
import { ApiKey } from '../../src/protocol/messages/index.js'
import { bootstrap, waitFor } from '../support/kafka.js'
import { consume } from './consumer/helpers.js'

const brokers = bootstrap().split(',')
const kafka = new Kafka({ clientId: 'compat-smoke', brokers })
const admin = kafka.admin()
let hasConsumerGroupProtocol = false

/**
 * Whether the broker runs KIP-848 consumer groups: it advertises ConsumerGroupHeartbeat and has
 * finalized group.version 1 or higher (3.9 advertises the API but keeps the protocol disabled).
 */
async function offersConsumerGroupProtocol(): Promise<boolean> {
  const [host, port] = (brokers[0] as string).split(':') as [string, string]
  const connection = new Connection({ host, port: Number(port), requestTimeoutMs: 30_000 })
  await connection.connect()
  try {
    const versions = await negotiateApiVersions(connection, { clientId: 'compat-smoke', softwareName: 'kafkats', softwareVersion: '0' })
    return versions.range(ApiKey.ConsumerGroupHeartbeat) !== undefined && versions.feature('group.version') >= 1
  } finally {
    connection.close()
  }
}

async function newTopic(a: Admin, prefix: string, partitions: number): Promise<string> {
  const topic = `compat-${prefix}-${randomUUID()}`
  const [created] = await a.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  expect(created?.error ?? null).toBeNull()
  return topic
}

async function latestOffsets(topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted' = 'read_uncommitted'): Promise<bigint[]> {
  const listed = await admin.listOffsets(
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition, spec: 'latest' as const })),
    { isolationLevel: isolation },
  )
  for (const l of listed) expect(l.error ?? null).toBeNull()
  return listed.sort((a, b) => a.partition - b.partition).map((l) => l.offset)
}

beforeAll(async () => {
  hasConsumerGroupProtocol = await offersConsumerGroupProtocol()
})

afterAll(() => kafka.close())

describe('compatibility smoke', () => {
  it('produces idempotently with acks=all; every record lands once, in order per partition', async () => {
    const topic = await newTopic(admin, 'produce', 3)
    const producer = kafka.producer({ lingerMs: 5 })
    const sent = await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: `key-${i % 17}`, value: `value-${i}` })),
    )
    await producer.disconnect()
    const perPartition = [0, 0, 0]
    for (const meta of sent) {
      expect(meta.offset).toBe(BigInt(perPartition[meta.partition]!))
      perPartition[meta.partition]!++
    }
    expect(await latestOffsets(topic, 3)).toEqual(perPartition.map(BigInt))
  })

  it('consumes in a classic group of two members that split the partitions and commit what they read', async () => {
    const topic = await newTopic(admin, 'classic', 4)
    const producer = kafka.producer()
    await producer.sendBatch(Array.from({ length: 200 }, (_, i) => ({ topic, partition: i % 4, value: `m-${i}` })))
    await producer.disconnect()

    const groupId = `compat-classic-${randomUUID()}`
    const seen: Array<ConsumerMessage<Buffer | null, string | null>> = []
    const members = [0, 1].map(() =>
      kafka.consumer({ groupId, autoOffsetReset: 'earliest', autoCommitIntervalMs: 200, valueDeserializer: stringSerde }),
    )
    for (const m of members) await m.subscribe({ topics: [topic] })
    const runs = members.map((m) => m.run({ eachMessage: async (message) => void seen.push(message) }))
    try {
      // Both members own partitions once the group has settled, and together they read everything once.
      await waitFor(
        async () => {
          const [group] = await admin.describeGroups([groupId])
          return group?.state === GroupState.STABLE && group.members.length === 2 && group.members.every((x) => x.assignment.length === 2)
        },
        { timeoutMs: 60_000, message: 'a stable group of two members with two partitions each' },
      )
      await waitFor(() => seen.length >= 200, { timeoutMs: 60_000, message: 'all 200 records consumed' })
      expect(new Set(seen.map((m) => m.value)).size).toBe(200)
      await waitFor(
        async () => {
          const committed = await admin.listConsumerGroupOffsets(groupId)
          return committed.length === 4 && committed.every((c) => c.offset === 50n)
        },
        { timeoutMs: 30_000, message: 'offset 50 committed on all four partitions' },
      )
    } finally {
      await Promise.all(members.map((m) => m.stop()))
      await Promise.all(runs)
      await Promise.all(members.map((m) => m.disconnect()))
    }
  })

  it('consumes in a KIP-848 consumer group where the broker offers one', async (context) => {
    if (!hasConsumerGroupProtocol) context.skip()
    const topic = await newTopic(admin, 'kip848', 2)
    const producer = kafka.producer()
    await producer.sendBatch(Array.from({ length: 40 }, (_, i) => ({ topic, partition: i % 2, value: `c-${i}` })))
    await producer.disconnect()
    const groupId = `compat-kip848-${randomUUID()}`
    const consumer = kafka.consumer({ groupId, groupProtocol: 'consumer', autoCommit: false, autoOffsetReset: 'earliest' })
    await consumer.subscribe({ topics: [topic] })
    const messages = await consume(consumer, 40)
    await consumer.commit()
    expect(messages).toHaveLength(40)
    const committed = await admin.listConsumerGroupOffsets(groupId)
    expect(committed.map((c) => `${c.partition}:${String(c.offset)}`).sort()).toEqual(['0:20', '1:20'])
    await consumer.disconnect()
  })

  it('commits a transaction with its group offsets and hides an aborted one from read_committed readers', async () => {
    const input = await newTopic(admin, 'txn-in', 1)
    const output = await newTopic(admin, 'txn-out', 2)
    const upstream = kafka.producer()
    await upstream.sendBatch(Array.from({ length: 4 }, (_, i) => ({ topic: input, value: `order-${i}` })))
    await upstream.disconnect()

    const groupId = `compat-txn-${randomUUID()}`
    const worker = kafka.consumer({ groupId, autoCommit: false, autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    await worker.subscribe({ topics: [input] })
    const orders = await consume(worker, 4)

    const producer = kafka.producer({ transactionalId: `compat-txn-${randomUUID()}` })
    await producer.initTransactions()
    producer.beginTransaction()
    for (const order of orders.slice(0, 2)) await producer.send({ topic: output, key: order.value, value: `invoice for ${order.value}` })
    await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 2n }], worker.groupMetadata())
    await producer.commitTransaction()

    producer.beginTransaction()
    for (const order of orders.slice(2)) await producer.send({ topic: output, key: order.value, value: `rejected ${order.value}` })
    await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 4n }], worker.groupMetadata())
    await producer.abortTransaction()

    // A last committed transaction puts a sentinel behind the aborted records on both partitions.
    producer.beginTransaction()
    for (const partition of [0, 1]) await producer.send({ topic: output, partition, value: `sentinel-${partition}` })
    await producer.commitTransaction()
    await producer.disconnect()
    await worker.disconnect()

    // The committed transaction moved the group's offset; the aborted one did not.
    expect((await admin.listConsumerGroupOffsets(groupId)).map((c) => c.offset)).toEqual([2n])

    // Partitions are read in order, so an aborted record delivered would take a sentinel's place.
    const reader = kafka.consumer({ isolationLevel: 'read_committed', autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    reader.assign([{ topic: output, partition: 0 }, { topic: output, partition: 1 }])
    const read = await consume(reader, 4, { timeoutMs: 30_000 })
    await reader.disconnect()
    expect(read.map((m) => m.value).sort()).toEqual(['invoice for order-0', 'invoice for order-1', 'sentinel-0', 'sentinel-1'])

    // The aborted records are in the log: a read_uncommitted reader gets them.
    const dirty = kafka.consumer({ isolationLevel: 'read_uncommitted', autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    dirty.assign([{ topic: output, partition: 0 }, { topic: output, partition: 1 }])
    const everything = await consume(dirty, 6, { timeoutMs: 30_000 })
    await dirty.disconnect()
    expect(everything.map((m) => m.value).filter((v) => v?.startsWith('rejected')).sort()).toEqual(['rejected order-2', 'rejected order-3'])
  })

  it('administers topics, configs and groups', async () => {
    const cluster = await admin.describeCluster()
    expect(cluster.brokers.length).toBeGreaterThan(0)
    expect(cluster.clusterId).not.toBeNull()

    const topic = await newTopic(admin, 'admin', 2)
    const [described] = await admin.describeTopics([topic])
    expect(described?.partitions.map((p) => p.partition)).toEqual([0, 1])
    expect(await admin.listTopics()).toContain(topic)

    const [altered] = await admin.incrementalAlterConfigs([
      { type: ConfigResourceType.TOPIC, name: topic, ops: [{ op: AlterConfigOpType.SET, name: 'retention.ms', value: '3600000' }] },
    ])
    expect(altered?.error ?? null).toBeNull()
    // The controller applies the change; the broker answering describeConfigs sees it a moment later.
    await waitFor(
      async () => {
        const [configs] = await admin.describeConfigs([{ type: ConfigResourceType.TOPIC, name: topic }])
        return configs?.entries.find((e) => e.name === 'retention.ms')?.value === '3600000'
      },
      { timeoutMs: 30_000, message: 'retention.ms=3600000 described' },
    )

    const groupId = `compat-admin-${randomUUID()}`
    const consumer = kafka.consumer({ groupId, autoCommit: false })
    consumer.assign([{ topic, partition: 0 }])
    await consumer.commit([{ topic, partition: 0, offset: 0n }])
    await consumer.disconnect()
    expect((await admin.listGroups()).map((g) => g.groupId)).toContain(groupId)
    const [group] = await admin.describeGroups([groupId])
    expect(group?.state).toBe(GroupState.EMPTY)
    const [deletedGroup] = await admin.deleteGroups([groupId])
    expect(deletedGroup?.error ?? null).toBeNull()

    const [deleted] = await admin.deleteTopics([topic])
    expect(deleted?.error ?? null).toBeNull()
    await waitFor(async () => !(await admin.listTopics()).includes(topic), { timeoutMs: 30_000, message: `${topic} deleted` })
  })
})
