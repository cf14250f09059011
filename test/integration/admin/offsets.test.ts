/**
 * Committed offsets, partition offsets and record deletion against the real broker. Groups are
 * made by kcat's balanced consumer; committed offsets are read back with Kafka's
 * ConsumerGroupCommand, records and their timestamps with kcat.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, Kafka, KafkaBrokerError, KafkaStateError, type GroupDescription } from '../../../src/index.js'
import { negotiateApiVersions } from '../../../src/network/api-versions.js'
import { Connection } from '../../../src/network/connection.js'
import { sendRequest } from '../../../src/network/send-request.js'
import { produceApi } from '../../../src/protocol/messages/produce.js'
import { encodeRecordBatch } from '../../../src/protocol/record-batch.js'
import { bootstrap, kcat, waitFor } from '../../support/kafka.js'
import { committedOffsets } from './consumer-group-command.js'

const kafka = new Kafka({ clientId: 'admin-offsets-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

/** Records written to each partition of the main topic. */
const COUNTS = [10, 20, 5] as const
const TOTAL = COUNTS.reduce((a, b) => a + b, 0)
const topic = unique('offsets')
const missingTopic = unique('offsets-missing')
/** A group that consumed the whole main topic with kcat and left. */
const consumedGroup = unique('consumed')

async function createTopic(name: string, partitions: number): Promise<string> {
  const [created] = await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  return created?.topicId as string
}

async function produceTo(name: string, partition: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `p${partition}-${i}`).join('\n')
  const result = await kcat(['-b', bootstrap(), '-P', '-t', name, '-p', String(partition)], { input: `${lines}\n` })
  expect(result.code, result.stderr).toBe(0)
}

/** Offsets (and timestamps) of a partition's records as kcat reads them from the beginning. */
async function kcatRead(name: string, partition: number): Promise<Array<{ offset: bigint; timestamp: number }>> {
  const args = ['-b', bootstrap(), '-C', '-t', name, '-p', String(partition), '-o', 'beginning', '-e', '-q']
  const result = await kcat([...args, '-f', '%o %T\\n'])
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [offset, timestamp] = line.split(' ')
      return { offset: BigInt(offset as string), timestamp: Number(timestamp) }
    })
}

/** librdkafka's offsetsForTimes, via `kcat -Q`. */
async function kcatOffsetForTime(name: string, timestamp: number): Promise<bigint> {
  const result = await kcat(['-b', bootstrap(), '-Q', '-t', `${name}:0:${timestamp}`])
  expect(result.code, result.stderr).toBe(0)
  const match = / offset (-?\d+)/.exec(result.stdout)
  expect(match, result.stdout).not.toBeNull()
  return BigInt((match as RegExpExecArray)[1] as string)
}

/**
 * Writes batches of records with the given CreateTime timestamps to partition 0, through the
 * codec (kcat cannot set timestamps). kcat reads them back, so the broker's copy is checked.
 */
async function produceWithTimestamps(name: string, topicId: string, batches: ReadonlyArray<readonly number[]>): Promise<void> {
  const address = bootstrap().split(',')[0] as string
  const [host, port] = address.split(':') as [string, string]
  const connection = new Connection({ host, port: Number(port) })
  await connection.connect()
  try {
    const clientId = 'admin-offsets-test'
    const versions = await negotiateApiVersions(connection, { clientId, softwareName: 'kafkats-test', softwareVersion: '0' })
    for (const timestamps of batches) {
      const records = timestamps.map((timestamp) => ({
        timestamp: BigInt(timestamp),
        key: null,
        value: Buffer.from(`at-${timestamp}`),
      }))
      const response = await sendRequest(
        connection,
        produceApi,
        versions.pick(produceApi, address),
        produceApi.createRequest({
          acks: -1,
          timeoutMs: 30_000,
          topicData: [{ name, topicId, partitionData: [{ index: 0, records: await encodeRecordBatch({ records }) }] }],
        }),
        { clientId },
      )
      const result = response.responses[0]?.partitionResponses[0]
      expect(result?.errorCode, result?.errorMessage ?? '').toBe(0)
    }
  } finally {
    connection.close()
  }
}

function offsetsByPartition(
  results: ReadonlyArray<{ topic: string; partition: number; offset: bigint | null }>,
): Map<string, bigint | null> {
  return new Map(results.map((r) => [`${r.topic}-${r.partition}`, r.offset]))
}

beforeAll(async () => {
  await createTopic(topic, 3)
  await Promise.all(COUNTS.map((count, partition) => produceTo(topic, partition, count)))
  // kcat's balanced consumer reads everything, commits on close and leaves the group empty.
  const consumed = await kcat(['-b', bootstrap(), '-G', consumedGroup, '-c', String(TOTAL), '-q', '-o', 'beginning', topic], {
    timeoutMs: 40_000,
  })
  expect(consumed.code, consumed.stderr).toBe(0)
  await waitFor(
    async () => {
      const [d] = await admin.describeGroups([consumedGroup])
      return d?.state === 'Empty'
    },
    { timeoutMs: 20_000, message: `group ${consumedGroup} empty` },
  )
})

describe('Admin committed offsets against the real broker', () => {
  it('lists the offsets kcat’s group committed, as ConsumerGroupCommand shows them', async () => {
    const listed = await admin.listConsumerGroupOffsets(consumedGroup)
    expect(listed.map((o) => [o.partition, o.offset, o.error])).toEqual(COUNTS.map((count, p) => [p, BigInt(count), null]))
    expect(offsetsByPartition(listed)).toEqual(await committedOffsets(consumedGroup))

    // Asked for given partitions: a missing topic and a partition past the topic's count fail alone.
    const some = await admin.listConsumerGroupOffsets(consumedGroup, {
      partitions: [
        { topic, partition: 1 },
        { topic: missingTopic, partition: 0 },
        { topic, partition: 7 },
      ],
    })
    expect(some.find((o) => o.topic === topic && o.partition === 1)).toMatchObject({ offset: BigInt(COUNTS[1]), error: null })
    const missing = some.find((o) => o.topic === missingTopic)
    expect(missing?.error).toBeInstanceOf(KafkaBrokerError)
    expect(missing?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(some.find((o) => o.partition === 7)?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)

    // A group that never committed has no offsets.
    expect(await admin.listConsumerGroupOffsets(unique('never'))).toEqual([])
  })

  it('alters an empty group’s offsets, which ConsumerGroupCommand then shows', async () => {
    const group = unique('altered')
    const results = await admin.alterConsumerGroupOffsets(group, [
      { topic, partition: 0, offset: 3n },
      { topic: missingTopic, partition: 0, offset: 1n },
      { topic, partition: 1, offset: 7n, metadata: 'by-admin' },
      { topic, partition: 2, offset: 0n },
    ])
    expect(results.map((r) => [r.topic === topic, r.partition, r.error?.code ?? 0])).toEqual([
      [true, 0, 0],
      [false, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [true, 1, 0],
      [true, 2, 0],
    ])
    expect(await committedOffsets(group)).toEqual(
      new Map([
        [`${topic}-0`, 3n],
        [`${topic}-1`, 7n],
        [`${topic}-2`, 0n],
      ]),
    )
    const [p1] = await admin.listConsumerGroupOffsets(group, { partitions: [{ topic, partition: 1 }] })
    expect(p1).toMatchObject({ offset: 7n, metadata: 'by-admin', error: null })
  })

  it('resets an empty group to the earliest and latest offsets, as ConsumerGroupCommand then shows', async () => {
    const group = unique('reset')
    const earliest = await admin.resetConsumerGroupOffsets(group, topic, 'earliest')
    expect(earliest.map((r) => [r.partition, r.offset, r.error])).toEqual([
      [0, 0n, null],
      [1, 0n, null],
      [2, 0n, null],
    ])
    expect([...(await committedOffsets(group)).values()]).toEqual([0n, 0n, 0n])

    const latest = await admin.resetConsumerGroupOffsets(group, topic, 'latest', { partitions: [0, 2] })
    expect(latest.map((r) => [r.partition, r.offset, r.error])).toEqual([
      [0, BigInt(COUNTS[0]), null],
      [2, BigInt(COUNTS[2]), null],
    ])
    expect(await committedOffsets(group)).toEqual(
      new Map([
        [`${topic}-0`, BigInt(COUNTS[0])],
        [`${topic}-1`, 0n],
        [`${topic}-2`, BigInt(COUNTS[2])],
      ]),
    )

    await expect(admin.resetConsumerGroupOffsets(group, missingTopic, 'earliest')).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    })
  })

  it('refuses to change the offsets of a group with a live member', async () => {
    const liveTopic = unique('offsets-live')
    await createTopic(liveTopic, 1)
    await produceTo(liveTopic, 0, 2)
    const group = unique('live')
    // Reads the 2 records, then waits for one more before it leaves.
    const consumer = kcat(
      ['-b', bootstrap(), '-G', group, '-c', '3', '-q', '-o', 'beginning', '-X', 'auto.commit.interval.ms=200', liveTopic],
      { timeoutMs: 40_000 },
    )
    await waitFor(
      async () => {
        const [d]: GroupDescription[] = await admin.describeGroups([group])
        const [p0] = await admin.listConsumerGroupOffsets(group)
        // Stable, and the 2 records consumed have been committed.
        return d?.state === 'Stable' && d.members.length === 1 && p0?.offset === 2n
      },
      { timeoutMs: 30_000, intervalMs: 250, message: `group ${group} stable with its offset committed` },
    )

    const [altered] = await admin.alterConsumerGroupOffsets(group, [{ topic: liveTopic, partition: 0, offset: 0n }])
    expect(altered?.error?.code).toBe(ErrorCode.UNKNOWN_MEMBER_ID)
    await expect(admin.resetConsumerGroupOffsets(group, liveTopic, 'earliest')).rejects.toBeInstanceOf(KafkaStateError)
    const [deleted] = await admin.deleteConsumerGroupOffsets(group, [{ topic: liveTopic, partition: 0 }])
    expect(deleted?.error?.code).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC)
    expect(await committedOffsets(group)).toEqual(new Map([[`${liveTopic}-0`, 2n]]))

    await produceTo(liveTopic, 0, 1)
    expect((await consumer).code).toBe(0)
  })

  it('deletes committed offsets, which ConsumerGroupCommand then no longer shows', async () => {
    const group = unique('deleted')
    await admin.alterConsumerGroupOffsets(group, [0, 1, 2].map((partition) => ({ topic, partition, offset: 1n })))
    const results = await admin.deleteConsumerGroupOffsets(group, [
      { topic, partition: 0 },
      { topic, partition: 2 },
    ])
    expect(results.map((r) => r.error)).toEqual([null, null])
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-1`, 1n]]))
    await expect(admin.deleteConsumerGroupOffsets(unique('missing'), [{ topic, partition: 0 }])).rejects.toMatchObject({
      code: ErrorCode.GROUP_ID_NOT_FOUND,
    })
  })
})

describe('Admin partition offsets and records against the real broker', () => {
  // Deliberately out of order, with one largest timestamp, in two batches.
  const base = Date.now() - 60_000
  const written = [
    [100, 500, 300, 900],
    [200, 700, 400],
  ].map((batch) => batch.map((delta) => base + delta))
  const stamped = unique('offsets-time')
  let kcatView: Array<{ offset: bigint; timestamp: number }> = []

  beforeAll(async () => {
    const topicId = await createTopic(stamped, 1)
    await produceWithTimestamps(stamped, topicId, written)
    kcatView = await kcatRead(stamped, 0)
    expect(kcatView.map((r) => r.timestamp)).toEqual(written.flat())
  })

  it('finds offsets by timestamp as kcat’s offsetsForTimes does, and the record with the max timestamp', async () => {
    const targets = [base, base + 250, base + 450, base + 650, base + 850, base + 900, base + 901]
    const results = await admin.listOffsets([
      ...targets.map((timestamp) => ({ topic: stamped, partition: 0, spec: { timestamp } })),
      { topic: stamped, partition: 0, spec: 'maxTimestamp' as const },
      { topic: stamped, partition: 0, spec: 'earliest' as const },
      { topic: stamped, partition: 0, spec: 'latest' as const },
    ])
    for (const [i, target] of targets.entries()) {
      // The first record, in offset order, at or after the target.
      const first = kcatView.find((r) => r.timestamp >= target)
      expect(results[i], `timestamp ${target - base}`).toMatchObject({
        offset: first?.offset ?? -1n,
        timestamp: first?.timestamp ?? -1,
        error: null,
      })
      expect(results[i]?.offset).toBe(await kcatOffsetForTime(stamped, target))
    }
    const newest = kcatView.reduce((a, b) => (b.timestamp > a.timestamp ? b : a))
    expect(results[targets.length]).toMatchObject({ offset: newest.offset, timestamp: newest.timestamp, error: null })
    expect(results[targets.length]?.leaderEpoch).toBeGreaterThanOrEqual(0)
    expect(results.slice(-2).map((r) => r.offset)).toEqual([0n, BigInt(kcatView.length)])

    // Without transactions the last stable offset is the high watermark.
    const [committed] = await admin.listOffsets([{ topic: stamped, partition: 0, spec: 'latest' }], {
      isolationLevel: 'read_committed',
    })
    expect(committed?.offset).toBe(BigInt(kcatView.length))
  })

  it('resets a group to a timestamp, or past the last record when none is that recent, as ConsumerGroupCommand shows', async () => {
    const group = unique('reset-time')
    const target = base + 450
    const expected = kcatView.find((r) => r.timestamp >= target)?.offset
    const [atTime] = await admin.resetConsumerGroupOffsets(group, stamped, { timestamp: target })
    expect(atTime).toMatchObject({ offset: expected, error: null })
    expect(await committedOffsets(group)).toEqual(new Map([[`${stamped}-0`, expected]]))

    const [beyond] = await admin.resetConsumerGroupOffsets(group, stamped, { timestamp: base + 10_000 })
    expect(beyond).toMatchObject({ offset: BigInt(kcatView.length), error: null })
  })

  it('reports a missing topic or partition per partition, the others unaffected', async () => {
    const results = await admin.listOffsets([
      { topic: missingTopic, partition: 0, spec: 'latest' },
      { topic, partition: 1, spec: 'latest' },
      { topic, partition: 3, spec: 'earliest' },
    ])
    expect(results.map((r) => [r.offset, r.error?.code ?? 0])).toEqual([
      [-1n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [BigInt(COUNTS[1]), 0],
      [-1n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ])
    await expect(admin.listOffsets([{ topic, partition: 0, spec: { timestamp: -5 } }])).rejects.toThrow(/listOffsets/)
  })

  it('deletes records: the earliest offset moves and kcat reading from the beginning starts at the new low watermark', async () => {
    const name = unique('offsets-delete')
    await createTopic(name, 2)
    await Promise.all([produceTo(name, 0, 10), produceTo(name, 1, 10)])
    const results = await admin.deleteRecords([
      { topic: name, partition: 0, beforeOffset: 4n },
      { topic: name, partition: 1, beforeOffset: 100n },
      { topic: missingTopic, partition: 0, beforeOffset: 1n },
    ])
    expect(results.map((r) => [r.lowWatermark, r.error?.code ?? 0])).toEqual([
      [4n, 0],
      [-1n, ErrorCode.OFFSET_OUT_OF_RANGE],
      [-1n, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ])
    const earliest = await admin.listOffsets([0, 1].map((partition) => ({ topic: name, partition, spec: 'earliest' as const })))
    expect(earliest.map((r) => r.offset)).toEqual([4n, 0n])
    expect((await kcatRead(name, 0)).map((r) => r.offset)).toEqual([4n, 5n, 6n, 7n, 8n, 9n])

    // -1 deletes up to the high watermark.
    const [all] = await admin.deleteRecords([{ topic: name, partition: 1, beforeOffset: -1n }])
    expect(all).toMatchObject({ lowWatermark: 10n, error: null })
    expect(await kcatRead(name, 1)).toEqual([])
  })
})
