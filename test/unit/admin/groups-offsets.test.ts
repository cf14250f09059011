import { describe, expect, it } from 'vitest'
import type { Cluster } from '../../../src/cluster/cluster.js'
import { MetadataCache, type MetadataSnapshot } from '../../../src/cluster/metadata-cache.js'
import { decodeConsumerAssignment } from '../../../src/admin/consumer-assignment.js'
import { AdminContext } from '../../../src/admin/context.js'
import { GroupState, GroupType, parseGroupState, parseGroupType } from '../../../src/admin/groups.js'
import { specTimestamp } from '../../../src/admin/offsets.js'
import { perPartitionLeader, type LeaderOutcome } from '../../../src/admin/partition-leaders.js'
import { compareTopicPartitions, groupByTopic, partitionKey, type TopicPartition } from '../../../src/admin/topic-partitions.js'
import { KafkaBrokerError, KafkaConfigError, KafkaError, KafkaNetworkError, KafkaProtocolError, KafkaTimeoutError } from '../../../src/errors.js'
import { consumerProtocolAssignmentSchema } from '../../../src/protocol/messages/consumer-protocol-assignment.js'
import { Writer } from '../../../src/protocol/writer.js'

function encodeAssignment(version: number, topics: Array<{ topic: string; partitions: number[] }>, trailer?: Uint8Array): Uint8Array {
  const w = new Writer()
  w.int16(version)
  consumerProtocolAssignmentSchema.encode(
    w,
    { assignedPartitions: topics, userData: null },
    Math.min(version, consumerProtocolAssignmentSchema.maxVersion),
  )
  const body = w.finish()
  return trailer === undefined ? body : Buffer.concat([body, trailer])
}

describe('decodeConsumerAssignment', () => {
  it.each([0, 1, 2, 3])('reads version %i, sorted by topic and partition', (version) => {
    const bytes = encodeAssignment(version, [
      { topic: 'orders', partitions: [2, 0] },
      { topic: 'audit', partitions: [1] },
    ])
    expect(decodeConsumerAssignment(bytes)).toEqual([
      { topic: 'audit', partition: 1 },
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 2 },
    ])
  })

  it('reads a newer version as the newest it knows, ignoring appended fields', () => {
    const bytes = encodeAssignment(7, [{ topic: 't', partitions: [5] }], Uint8Array.of(1, 2, 3))
    expect(decodeConsumerAssignment(bytes)).toEqual([{ topic: 't', partition: 5 }])
  })

  it('gives no partitions for a member not assigned yet', () => {
    expect(decodeConsumerAssignment(new Uint8Array(0))).toEqual([])
  })

  it('rejects a negative version and truncated bytes', () => {
    expect(() => decodeConsumerAssignment(Uint8Array.of(0xff, 0xff, 0, 0, 0, 0))).toThrow(KafkaProtocolError)
    const whole = encodeAssignment(1, [{ topic: 'orders', partitions: [0, 1] }])
    expect(() => decodeConsumerAssignment(whole.subarray(0, whole.length - 3))).toThrow(KafkaProtocolError)
  })
})

describe('group states and types', () => {
  it('parses broker names ignoring case, unknown names as Unknown', () => {
    expect(parseGroupState('Stable')).toBe(GroupState.STABLE)
    expect(parseGroupState('completingrebalance')).toBe(GroupState.COMPLETING_REBALANCE)
    expect(parseGroupState('EMPTY')).toBe(GroupState.EMPTY)
    expect(parseGroupState('Sleeping')).toBe(GroupState.UNKNOWN)
    expect(parseGroupType('consumer')).toBe(GroupType.CONSUMER)
    expect(parseGroupType('Classic')).toBe(GroupType.CLASSIC)
    expect(parseGroupType('mystery')).toBe(GroupType.UNKNOWN)
  })
})

describe('offset specs', () => {
  it('maps specs to the timestamps ListOffsets understands', () => {
    expect(specTimestamp('earliest')).toBe(-2n)
    expect(specTimestamp('latest')).toBe(-1n)
    expect(specTimestamp('maxTimestamp')).toBe(-3n)
    expect(specTimestamp({ timestamp: 1_700_000_000_123 })).toBe(1_700_000_000_123n)
    expect(specTimestamp({ timestamp: 0 })).toBe(0n)
  })

  it('rejects timestamps the broker would read as special values', () => {
    expect(() => specTimestamp({ timestamp: -2 })).toThrow(KafkaConfigError)
    expect(() => specTimestamp({ timestamp: 1.5 })).toThrow(KafkaConfigError)
    expect(() => specTimestamp('newest' as never)).toThrow(/listOffsets/)
  })
})

describe('topic partitions', () => {
  it('names partitions as Java does, unambiguously for dashed topics', () => {
    expect(partitionKey('a-1', 2)).toBe('a-1-2')
    expect(partitionKey('a', 12)).not.toBe(partitionKey('a-1', 2))
  })

  it('groups by topic in first-seen order and sorts by topic then partition', () => {
    const items: TopicPartition[] = [
      { topic: 'b', partition: 1 },
      { topic: 'a', partition: 3 },
      { topic: 'b', partition: 0 },
    ]
    expect([...groupByTopic(items)].map(([t, ps]) => [t, ps.map((p) => p.partition)])).toEqual([
      ['b', [1, 0]],
      ['a', [3]],
    ])
    expect([...items].sort(compareTopicPartitions)).toEqual([
      { topic: 'a', partition: 3 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 1 },
    ])
  })
})

// A cluster that answers Metadata from a script of snapshots, enough for perPartitionLeader.
function fakeContext(snapshots: MetadataSnapshot[], timeoutMs = 2_000): { ctx: AdminContext; metadataCalls: () => number } {
  const metadata = new MetadataCache()
  let calls = 0
  const cluster = {
    metadata,
    options: { retryBackoff: { initialMs: 5, maxMs: 20 } },
    fetchMetadata: async () => snapshots[Math.min(calls++, snapshots.length - 1)] as MetadataSnapshot,
    applyMetadata: (response: MetadataSnapshot, requested: readonly string[] | null) => metadata.apply(response, requested),
  }
  return { ctx: new AdminContext(cluster as unknown as Cluster, timeoutMs), metadataCalls: () => calls }
}

const brokers = [
  { nodeId: 1, host: 'h1', port: 1 },
  { nodeId: 2, host: 'h2', port: 2 },
]

function topic(name: string, leaders: number[]): MetadataSnapshot['topics'][number] {
  return {
    errorCode: 0,
    name,
    partitions: leaders.map((leaderId, partitionIndex) => ({
      errorCode: 0,
      partitionIndex,
      leaderId,
      leaderEpoch: 1,
      replicaNodes: [leaderId],
      isrNodes: [leaderId],
    })),
  }
}

interface Answer {
  readonly topic: string
  readonly partition: number
  readonly leader: number
  readonly error: KafkaError | null
}

const failedAnswer = (p: TopicPartition, error: KafkaError): Answer => ({ ...p, leader: -1, error })

describe('perPartitionLeader', () => {
  it('sends one request per leader and settles missing topics and partitions without asking a leader', async () => {
    const { ctx } = fakeContext([
      { brokers, topics: [topic('t', [1, 2, 1]), { errorCode: 3, name: 'gone', partitions: [] }] },
    ])
    const requests: Array<[number, string[]]> = []
    const results = await perPartitionLeader<TopicPartition, Answer>(
      ctx,
      [
        { topic: 't', partition: 0 },
        { topic: 'gone', partition: 0 },
        { topic: 't', partition: 1 },
        { topic: 't', partition: 2 },
        { topic: 't', partition: 9 },
      ],
      async (leader, items) => {
        requests.push([leader, items.map((i) => partitionKey(i.topic, i.partition))])
        return new Map(
          items.map((i): [string, LeaderOutcome<Answer>] => [
            partitionKey(i.topic, i.partition),
            { code: 0, message: null, result: { ...i, leader, error: null } },
          ]),
        )
      },
      failedAnswer,
      Date.now() + 2_000,
      'Test',
    )
    expect(requests.sort((a, b) => a[0] - b[0])).toEqual([
      [1, ['t-0', 't-2']],
      [2, ['t-1']],
    ])
    expect(results.map((r) => [r.topic, r.partition, r.leader, r.error?.code ?? 0])).toEqual([
      ['t', 0, 1, 0],
      ['gone', 0, -1, 3],
      ['t', 1, 2, 0],
      ['t', 2, 1, 0],
      ['t', 9, -1, 3],
    ])
  })

  it('follows a moved leader after NOT_LEADER_OR_FOLLOWER or a lost connection, refreshing metadata', async () => {
    const { ctx, metadataCalls } = fakeContext([
      { brokers, topics: [topic('t', [1, 1])] },
      { brokers, topics: [topic('t', [2, 2])] },
    ])
    const asked: number[] = []
    const results = await perPartitionLeader<TopicPartition, Answer>(
      ctx,
      [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      async (leader, items) => {
        asked.push(leader)
        if (leader === 1 && asked.length === 1) {
          // Partition 0's leader moved; partition 1 is fine.
          return new Map<string, LeaderOutcome<Answer>>([
            ['t-0', { code: 6, message: null, result: failedAnswer(items[0] as TopicPartition, new KafkaBrokerError(6)) }],
            ['t-1', { code: 0, message: null, result: { topic: 't', partition: 1, leader, error: null } }],
          ])
        }
        if (leader === 1) throw new KafkaNetworkError('connection reset', { broker: 'h1:1' })
        return new Map(items.map((i): [string, LeaderOutcome<Answer>] => [partitionKey(i.topic, i.partition), { code: 0, message: null, result: { ...i, leader, error: null } }]))
      },
      failedAnswer,
      Date.now() + 2_000,
      'Test',
    )
    expect(results.map((r) => [r.partition, r.leader, r.error])).toEqual([
      [0, 2, null],
      [1, 1, null],
    ])
    expect(metadataCalls()).toBe(2)
  })

  it('reports a partition whose leader keeps moving as a timeout at the deadline, and other errors at once', async () => {
    const { ctx } = fakeContext([{ brokers, topics: [topic('t', [1, 1])] }])
    const started = Date.now()
    const results = await perPartitionLeader<TopicPartition, Answer>(
      ctx,
      [
        { topic: 't', partition: 0 },
        { topic: 't', partition: 1 },
      ],
      async (_leader, items) =>
        new Map(
          items.map((i): [string, LeaderOutcome<Answer>] => {
            const code = i.partition === 0 ? 78 : 1 // OFFSET_NOT_AVAILABLE, OFFSET_OUT_OF_RANGE
            return [partitionKey(i.topic, i.partition), { code, message: null, result: failedAnswer(i, new KafkaBrokerError(code)) }]
          }),
        ),
      failedAnswer,
      Date.now() + 300,
      'Test',
    )
    expect(results[0]?.error).toBeInstanceOf(KafkaTimeoutError)
    expect((results[0]?.error?.cause as KafkaBrokerError).errorName).toBe('OFFSET_NOT_AVAILABLE')
    expect(results[1]?.error?.errorName).toBe('OFFSET_OUT_OF_RANGE')
    expect(Date.now() - started).toBeLessThan(2_000)
  })
})
