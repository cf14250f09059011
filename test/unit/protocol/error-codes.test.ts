import { describe, expect, it } from 'vitest'
import {
  ErrorCode,
  errorCodeInfo,
  type ErrorAction,
  type ErrorCodeName,
} from '../../../src/protocol/error-codes.js'
import { KafkaBrokerError, KafkaConfigError, KafkaError, errorFromCode, isRetriable } from '../../../src/errors.js'

// Kafka 4.3's highest error code (SHARE_SESSION_LIMIT_REACHED).
const MAX_CODE = 133

// The codes whose Java exception class extends RetriableException in Kafka 4.3, found by walking the
// `extends` chain of every class Errors.java names (clients/src/main/java/org/apache/kafka/common/errors).
const KAFKA_RETRIABLE_CODES = [
  2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103, 106,
  122, 123, 133,
]

// The codes whose class extends InvalidMetadataException: the Java producer refreshes metadata on them.
const KAFKA_INVALID_METADATA_CODES = [3, 5, 6, 9, 13, 56, 72, 74, 80, 83, 84, 100, 103]

const allCodes = Array.from({ length: MAX_CODE + 2 }, (_, i) => i - 1)

describe('error code table', () => {
  it('has exactly one row for every code from -1 to the highest in Kafka 4.3', () => {
    const values = Object.values(ErrorCode)
    expect([...values].sort((a, b) => a - b)).toEqual(allCodes)
    expect(new Set(values).size).toBe(values.length)
  })

  it('has unique names, and each row agrees with ErrorCode in both directions', () => {
    const names = allCodes.map((code) => errorCodeInfo(code).name)
    expect(new Set(names).size).toBe(allCodes.length)
    for (const code of allCodes) {
      const row = errorCodeInfo(code)
      expect(row.code).toBe(code)
      expect(ErrorCode[row.name]).toBe(code)
    }
  })

  it('maps well-known names to their wire codes', () => {
    expect(ErrorCode.NONE).toBe(0)
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6)
    expect(ErrorCode.NOT_COORDINATOR).toBe(16)
    expect(ErrorCode.PRODUCER_FENCED).toBe(90)
    expect(ErrorCode.UNKNOWN_TOPIC_ID).toBe(100)
    expect(ErrorCode.REBOOTSTRAP_REQUIRED).toBe(129)
  })

  it('marks exactly the codes whose Java exception extends RetriableException as retriable', () => {
    const retriable = allCodes.filter((code) => errorCodeInfo(code).retriable)
    expect(retriable).toEqual(KAFKA_RETRIABLE_CODES)
  })

  it('refreshes metadata on every InvalidMetadataException code', () => {
    for (const code of KAFKA_INVALID_METADATA_CODES) {
      expect(errorCodeInfo(code), errorCodeInfo(code).name).toMatchObject({ retriable: true, action: 'refresh-metadata' })
    }
  })

  it('gives every row a one-line message of its own', () => {
    const messages = allCodes.map((code) => errorCodeInfo(code).message)
    for (const message of messages) {
      expect(message).toMatch(/^\S.*\.$/)
      expect(message).not.toContain('\n')
    }
    expect(new Set(messages).size).toBe(messages.length)
  })

  it('returns the same frozen row on every lookup', () => {
    const row = errorCodeInfo(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(errorCodeInfo(6)).toBe(row)
    expect(Object.isFrozen(row)).toBe(true)
  })
})

describe('retriable classification follows Kafka', () => {
  const cases: ReadonlyArray<[ErrorCodeName, boolean, string]> = [
    ['NOT_LEADER_OR_FOLLOWER', true, 'NotLeaderOrFollowerException extends InvalidMetadataException'],
    ['NETWORK_EXCEPTION', true, 'NetworkException extends InvalidMetadataException'],
    ['CORRUPT_MESSAGE', true, 'CorruptRecordException extends RetriableException'],
    ['REQUEST_TIMED_OUT', true, 'TimeoutException extends RetriableException'],
    ['NOT_COORDINATOR', true, 'NotCoordinatorException extends RefreshRetriableException'],
    ['COORDINATOR_LOAD_IN_PROGRESS', true, 'CoordinatorLoadInProgressException extends RetriableException'],
    ['CONCURRENT_TRANSACTIONS', true, 'ConcurrentTransactionsException extends RetriableException'],
    ['NOT_CONTROLLER', true, 'NotControllerException extends RetriableException'],
    ['OFFSET_NOT_AVAILABLE', true, 'OffsetNotAvailableException extends RetriableException'],
    ['ELECTION_NOT_NEEDED', true, 'ElectionNotNeededException extends InvalidMetadataException'],
    ['SHARE_SESSION_LIMIT_REACHED', true, 'ShareSessionLimitReachedException extends RetriableException'],
    ['UNKNOWN_SERVER_ERROR', false, 'UnknownServerException extends ApiException only'],
    ['BROKER_NOT_AVAILABLE', false, 'BrokerNotAvailableException extends ApiException only'],
    ['OFFSET_OUT_OF_RANGE', false, 'OffsetOutOfRangeException extends InvalidOffsetException, not RetriableException'],
    ['REBALANCE_IN_PROGRESS', false, 'RebalanceInProgressException extends ApiException only'],
    ['UNKNOWN_MEMBER_ID', false, 'UnknownMemberIdException extends ApplicationRecoverableException'],
    ['UNKNOWN_PRODUCER_ID', false, 'UnknownProducerIdException extends OutOfOrderSequenceException'],
    ['DUPLICATE_SEQUENCE_NUMBER', false, 'DuplicateSequenceException extends ApiException only'],
    ['TOPIC_AUTHORIZATION_FAILED', false, 'TopicAuthorizationException extends AuthorizationException'],
    ['STALE_MEMBER_EPOCH', false, 'StaleMemberEpochException extends ApiException only'],
    ['TRANSACTION_ABORTABLE', false, 'TransactionAbortableException extends ApiException only'],
    ['REBOOTSTRAP_REQUIRED', false, 'RebootstrapRequiredException extends ApiException only'],
  ]
  it.each(cases)('%s retriable=%s because %s', (name, retriable) => {
    expect(errorCodeInfo(ErrorCode[name]).retriable).toBe(retriable)
  })
})

describe('default actions', () => {
  const cases: ReadonlyArray<[ErrorCodeName, ErrorAction]> = [
    ['NONE', 'none'],
    ['LEADER_NOT_AVAILABLE', 'refresh-metadata'],
    ['NOT_ENOUGH_REPLICAS', 'retry'],
    ['COORDINATOR_NOT_AVAILABLE', 'find-coordinator'],
    ['NOT_COORDINATOR', 'find-coordinator'],
    ['ILLEGAL_GENERATION', 'rejoin-group'],
    ['MEMBER_ID_REQUIRED', 'rejoin-group'],
    ['FENCED_MEMBER_EPOCH', 'rejoin-group'],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'reset-producer'],
    ['UNKNOWN_PRODUCER_ID', 'reset-producer'],
    ['PRODUCER_FENCED', 'fatal'],
    ['FENCED_INSTANCE_ID', 'fatal'],
    ['SASL_AUTHENTICATION_FAILED', 'fatal'],
    ['TRANSACTION_ABORTABLE', 'abort-transaction'],
    ['TOPIC_ALREADY_EXISTS', 'fail'],
    ['DUPLICATE_SEQUENCE_NUMBER', 'none'],
  ]
  it.each(cases)('%s → %s', (name, action) => {
    expect(errorCodeInfo(ErrorCode[name]).action).toBe(action)
  })

  it('retries a non-retriable code only for STALE_MEMBER_EPOCH, which waits for the next heartbeat', () => {
    const retriedAnyway = allCodes.filter((code) => errorCodeInfo(code).action === 'retry' && !errorCodeInfo(code).retriable)
    expect(retriedAnyway).toEqual([ErrorCode.STALE_MEMBER_EPOCH])
  })
})

describe('unknown codes', () => {
  it.each([MAX_CODE + 1, 9999, -2, 32767, -32768])('code %i keeps its number and is reported as unknown', (code) => {
    const row = errorCodeInfo(code)
    expect(row).toMatchObject({ code, name: 'UNKNOWN_SERVER_ERROR', retriable: false, action: 'fail' })
    expect(row.message).toContain(String(code))
    expect(row.message).toMatch(/not known/)
  })

  it('treats a non-integer as unknown rather than reading outside the table', () => {
    expect(errorCodeInfo(1.5).name).toBe('UNKNOWN_SERVER_ERROR')
    expect(errorCodeInfo(Number.NaN).name).toBe('UNKNOWN_SERVER_ERROR')
  })
})

describe('KafkaBrokerError built from a code', () => {
  it('carries code, name, retriable flag and action from the table', () => {
    const err = new KafkaBrokerError(ErrorCode.NOT_LEADER_OR_FOLLOWER)
    expect(err).toBeInstanceOf(KafkaError)
    expect(err.code).toBe(6)
    expect(err.errorName).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(err.retriable).toBe(true)
    expect(err.action).toBe('refresh-metadata')
    expect(err.message).toBe(`NOT_LEADER_OR_FOLLOWER: ${errorCodeInfo(6).message}`)
  })

  it('keeps the broker-supplied message and still classifies a fatal code', () => {
    const err = errorFromCode(ErrorCode.PRODUCER_FENCED, 'epoch 7 is older than 8')
    expect(err).not.toBeNull()
    expect(err?.message).toBe('epoch 7 is older than 8')
    expect(err).toMatchObject({ code: 90, errorName: 'PRODUCER_FENCED', retriable: false, action: 'fatal' })
  })

  it('returns null for NONE', () => {
    expect(errorFromCode(ErrorCode.NONE)).toBeNull()
  })

  it('keeps an unknown code and fails instead of retrying', () => {
    const err = new KafkaBrokerError(500)
    expect(err).toMatchObject({ code: 500, errorName: 'UNKNOWN_SERVER_ERROR', retriable: false, action: 'fail' })
    expect(err.message).toContain('500')
  })
})

describe('isRetriable', () => {
  it('follows the error code classification of kafkats errors', () => {
    expect(isRetriable(new KafkaBrokerError(ErrorCode.NOT_ENOUGH_REPLICAS))).toBe(true)
    expect(isRetriable(new KafkaBrokerError(ErrorCode.TOPIC_AUTHORIZATION_FAILED))).toBe(false)
    expect(isRetriable(new KafkaConfigError('bad option'))).toBe(false)
  })

  it('is false for anything that is not a kafkats error', () => {
    expect(isRetriable(new Error('boom'))).toBe(false)
    expect(isRetriable({ retriable: true })).toBe(false)
    expect(isRetriable(undefined)).toBe(false)
  })
})
