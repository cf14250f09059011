/**
 * The consumer's error table (src/consumer/error-policy.ts): the decisions the fetcher, position
 * resolver, committer and committed-offset lookup share, checked code by code against what the
 * Java consumer does.
 */
import { describe, expect, it } from 'vitest'
import { consumerErrorAction, type ConsumerErrorAction, type ConsumerRequest } from '../../../src/consumer/error-policy.js'
import { ErrorCode, type ErrorCodeName } from '../../../src/protocol/error-codes.js'

type Row = readonly [ErrorCodeName, ConsumerErrorAction]

function check(request: ConsumerRequest, rows: readonly Row[]): void {
  it.each(rows)(`${request}: %s → %s`, (name, action) => {
    expect(consumerErrorAction(request, ErrorCode[name])).toBe(action)
  })
}

describe('partition answers', () => {
  const leaderMoved: Row[] = (
    [
      'UNKNOWN_TOPIC_OR_PARTITION',
      'LEADER_NOT_AVAILABLE',
      'NOT_LEADER_OR_FOLLOWER',
      'REPLICA_NOT_AVAILABLE',
      'KAFKA_STORAGE_ERROR',
      'FENCED_LEADER_EPOCH',
      'OFFSET_NOT_AVAILABLE',
      'UNKNOWN_TOPIC_ID',
      'INCONSISTENT_TOPIC_ID',
    ] as const
  ).map((name) => [name, 'refresh-metadata'])
  const shared: Row[] = [
    ['NONE', 'none'],
    ...leaderMoved,
    ['UNKNOWN_LEADER_EPOCH', 'retry'],
    ['REQUEST_TIMED_OUT', 'retry'],
    ['TOPIC_AUTHORIZATION_FAILED', 'fail'],
    ['UNKNOWN_SERVER_ERROR', 'fail'],
  ]
  check('Fetch', [...shared, ['OFFSET_OUT_OF_RANGE', 'reset-position'], ['CORRUPT_MESSAGE', 'retry']])
  check('ListOffsets', [...shared, ['OFFSET_OUT_OF_RANGE', 'fail']])
  check('OffsetForLeaderEpoch', shared)

  it('a code the table does not know fails the partition', () => {
    expect(consumerErrorAction('Fetch', 31_000)).toBe('fail')
  })
})

describe('coordinator answers', () => {
  const shared: Row[] = [
    ['NONE', 'none'],
    ['NOT_COORDINATOR', 'find-coordinator'],
    ['COORDINATOR_NOT_AVAILABLE', 'find-coordinator'],
    ['REQUEST_TIMED_OUT', 'find-coordinator'],
    ['COORDINATOR_LOAD_IN_PROGRESS', 'retry'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'retry'],
    ['GROUP_AUTHORIZATION_FAILED', 'fail'],
  ]
  check('OffsetCommit', [
    ...shared,
    ['ILLEGAL_GENERATION', 'commit-rejected'],
    ['UNKNOWN_MEMBER_ID', 'commit-rejected'],
    ['REBALANCE_IN_PROGRESS', 'commit-rejected'],
    ['FENCED_INSTANCE_ID', 'commit-rejected'],
    ['FENCED_MEMBER_EPOCH', 'commit-rejected'],
    ['STALE_MEMBER_EPOCH', 'commit-rejected'],
    ['OFFSET_METADATA_TOO_LARGE', 'fail'],
  ])
  check('OffsetFetch', [...shared, ['UNSTABLE_OFFSET_COMMIT', 'retry'], ['UNKNOWN_MEMBER_ID', 'fail'], ['STALE_MEMBER_EPOCH', 'fail']])
})
