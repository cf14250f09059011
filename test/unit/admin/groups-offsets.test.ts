import { describe, expect, it } from 'vitest'
import { decodeAssignment as decodeConsumerAssignment } from '../../../src/protocol/consumer-protocol.js'
import { GroupState, GroupType, parseGroupState, parseGroupType } from '../../../src/admin/groups.js'
import { leaderRetryCode, specTimestamp } from '../../../src/admin/offsets.js'
import { groupByTopic } from '../../../src/admin/topic-partitions.js'
import { KafkaConfigError, KafkaProtocolError } from '../../../src/errors.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'
import { consumerProtocolAssignmentSchema } from '../../../src/protocol/messages/consumer-protocol-assignment.js'
import { Writer } from '../../../src/protocol/writer.js'
import { compareTopicPartitions, type TopicPartition } from '../../../src/common/topic-partition.js'

function encodeAssignment(
  version: number,
  topics: Array<{ topic: string; partitions: number[] }>,
  trailer?: Uint8Array,
): Uint8Array {
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

describe('leader routing of partition errors', () => {
  it('sends partitions whose leader is moving or not ready to another round, and settles the rest', () => {
    for (const code of [
      ErrorCode.OFFSET_NOT_AVAILABLE,
      ErrorCode.FENCED_LEADER_EPOCH,
      ErrorCode.UNKNOWN_LEADER_EPOCH,
      ErrorCode.REPLICA_NOT_AVAILABLE,
      ErrorCode.KAFKA_STORAGE_ERROR,
      ErrorCode.REQUEST_TIMED_OUT,
    ]) {
      expect(leaderRetryCode(code)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    }
    for (const code of [0, ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.POLICY_VIOLATION, ErrorCode.TOPIC_AUTHORIZATION_FAILED]) {
      expect(leaderRetryCode(code)).toBe(code)
    }
  })
})
