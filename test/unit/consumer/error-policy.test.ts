/**
 * The consumer's error table (src/consumer/error-policy.ts): the decisions the fetcher, position
 * resolver, committer and committed-offset lookup share, checked code by code against what the
 * Java consumer does.
 */
import { describe, expect, it } from 'vitest'
import { coordinatorErrorAction, partitionErrorAction } from '../../../src/consumer/error-policy.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'

describe('partition answers (Fetch, ListOffsets, OffsetForLeaderEpoch)', () => {
  it.each([
    ['NONE', 'none'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'refresh-metadata'],
    ['LEADER_NOT_AVAILABLE', 'refresh-metadata'],
    ['NOT_LEADER_OR_FOLLOWER', 'refresh-metadata'],
    ['REPLICA_NOT_AVAILABLE', 'refresh-metadata'],
    ['KAFKA_STORAGE_ERROR', 'refresh-metadata'],
    ['FENCED_LEADER_EPOCH', 'refresh-metadata'],
    ['OFFSET_NOT_AVAILABLE', 'refresh-metadata'],
    ['UNKNOWN_TOPIC_ID', 'refresh-metadata'],
    ['INCONSISTENT_TOPIC_ID', 'refresh-metadata'],
    ['UNKNOWN_LEADER_EPOCH', 'retry'],
    ['REQUEST_TIMED_OUT', 'retry'],
    ['OFFSET_OUT_OF_RANGE', 'reset-position'],
    ['CORRUPT_MESSAGE', 'retry'],
    ['TOPIC_AUTHORIZATION_FAILED', 'fail'],
    ['UNKNOWN_SERVER_ERROR', 'fail'],
  ] as const)('%s → %s', (name, action) => {
    expect(partitionErrorAction(ErrorCode[name])).toBe(action)
  })

  it('a code the table does not know fails the partition', () => {
    expect(partitionErrorAction(31_000)).toBe('fail')
  })
})

describe('coordinator answers (OffsetCommit, OffsetFetch)', () => {
  it.each([
    ['NONE', 'none'],
    ['NOT_COORDINATOR', 'find-coordinator'],
    ['COORDINATOR_NOT_AVAILABLE', 'find-coordinator'],
    ['REQUEST_TIMED_OUT', 'find-coordinator'],
    ['COORDINATOR_LOAD_IN_PROGRESS', 'retry'],
    ['UNSTABLE_OFFSET_COMMIT', 'retry'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'retry'],
    ['ILLEGAL_GENERATION', 'commit-rejected'],
    ['UNKNOWN_MEMBER_ID', 'commit-rejected'],
    ['REBALANCE_IN_PROGRESS', 'commit-rejected'],
    ['FENCED_INSTANCE_ID', 'commit-rejected'],
    ['FENCED_MEMBER_EPOCH', 'commit-rejected'],
    ['STALE_MEMBER_EPOCH', 'commit-rejected'],
    ['GROUP_AUTHORIZATION_FAILED', 'fail'],
    ['OFFSET_METADATA_TOO_LARGE', 'fail'],
  ] as const)('%s → %s', (name, action) => {
    expect(coordinatorErrorAction(ErrorCode[name])).toBe(action)
  })
})
