/**
 * The producer's one error table: what the sender and the transaction manager do on each broker
 * code. Kafka's defaults hold unless a row departs from them; each departure is pinned here.
 */
import { describe, expect, it } from 'vitest'
import { producerErrorAction, type ProducerRequest } from '../../../src/producer/error-policy.js'
import { ErrorCode } from '../../../src/protocol/error-codes.js'

const TRANSACTION_REQUESTS: ProducerRequest[] = [
  'InitProducerId',
  'AddPartitionsToTxn',
  'AddOffsetsToTxn',
  'TxnOffsetCommit',
  'EndTxn(commit)',
  'EndTxn(abort)',
]

describe('Produce', () => {
  it.each([
    ['NONE', 'none'],
    ['DUPLICATE_SEQUENCE_NUMBER', 'none'],
    ['NOT_LEADER_OR_FOLLOWER', 'refresh-metadata'],
    ['UNKNOWN_TOPIC_OR_PARTITION', 'refresh-metadata'],
    ['NOT_ENOUGH_REPLICAS', 'retry'],
    ['REQUEST_TIMED_OUT', 'retry'],
    ['MESSAGE_TOO_LARGE', 'split-batch'],
    ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'reset-sequence'],
    ['UNKNOWN_PRODUCER_ID', 'reset-sequence'],
    ['TOPIC_AUTHORIZATION_FAILED', 'fail'],
    ['PRODUCER_FENCED', 'fail'],
    ['INVALID_RECORD', 'fail'],
  ] as const)('%s → %s', (name, action) => {
    expect(producerErrorAction('Produce', ErrorCode[name])).toBe(action)
  })

  it('a code this client does not know fails the batch', () => {
    expect(producerErrorAction('Produce', 9999)).toBe('fail')
  })
})

describe('a failed batch of a transaction', () => {
  it.each([
    ['PRODUCER_FENCED', 'fenced'],
    ['CLUSTER_AUTHORIZATION_FAILED', 'fatal'],
    ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'fatal'],
    ['UNSUPPORTED_VERSION', 'fatal'],
    ['INVALID_PRODUCER_ID_MAPPING', 'fatal'],
    ['INVALID_PRODUCER_EPOCH', 'abortable'],
    ['TOPIC_AUTHORIZATION_FAILED', 'abortable'],
    ['REQUEST_TIMED_OUT', 'abortable'],
    ['UNKNOWN_SERVER_ERROR', 'abortable'],
  ] as const)('%s → %s', (name, action) => {
    expect(producerErrorAction('Batch', ErrorCode[name])).toBe(action)
  })
})

describe('coordinator requests', () => {
  it('every transaction request looks the coordinator up again on NOT_COORDINATOR and retries CONCURRENT_TRANSACTIONS', () => {
    for (const request of TRANSACTION_REQUESTS) {
      expect(producerErrorAction(request, ErrorCode.NOT_COORDINATOR)).toBe('find-coordinator')
      expect(producerErrorAction(request, ErrorCode.COORDINATOR_NOT_AVAILABLE)).toBe('find-coordinator')
      expect(producerErrorAction(request, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe('retry')
      expect(producerErrorAction(request, ErrorCode.CONCURRENT_TRANSACTIONS)).toBe('retry')
      expect(producerErrorAction(request, ErrorCode.PRODUCER_FENCED)).toBe('fenced')
      expect(producerErrorAction(request, ErrorCode.INVALID_PRODUCER_EPOCH)).toBe('fenced')
      expect(producerErrorAction(request, ErrorCode.INVALID_PRODUCER_ID_MAPPING)).toBe('fatal')
    }
  })

  it('InitProducerId: an authorization failure leaves initTransactions callable again', () => {
    expect(producerErrorAction('InitProducerId', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)).toBe('fail')
    expect(producerErrorAction('InitProducerId', ErrorCode.CLUSTER_AUTHORIZATION_FAILED)).toBe('fail')
    expect(producerErrorAction('InitProducerId', ErrorCode.TRANSACTION_ABORTABLE)).toBe('abortable')
    expect(producerErrorAction('InitProducerId', ErrorCode.UNKNOWN_PRODUCER_ID)).toBe('fatal')
  })

  it('AddPartitionsToTxn: what is not fatal costs only the transaction', () => {
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.TOPIC_AUTHORIZATION_FAILED)).toBe('abortable')
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.OPERATION_NOT_ATTEMPTED)).toBe('abortable')
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.CLUSTER_AUTHORIZATION_FAILED)).toBe('abortable')
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)).toBe('fatal')
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.INVALID_TXN_STATE)).toBe('fatal')
    expect(producerErrorAction('AddPartitionsToTxn', ErrorCode.UNKNOWN_PRODUCER_ID)).toBe('abortable-if-epoch-bump')
  })

  it('TxnOffsetCommit: a stale or fenced membership aborts the transaction (KIP-447); a timeout finds the coordinator', () => {
    for (const name of ['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID', 'GROUP_AUTHORIZATION_FAILED'] as const) {
      expect(producerErrorAction('TxnOffsetCommit', ErrorCode[name])).toBe('abortable')
    }
    expect(producerErrorAction('TxnOffsetCommit', ErrorCode.REQUEST_TIMED_OUT)).toBe('find-coordinator')
    expect(producerErrorAction('AddOffsetsToTxn', ErrorCode.REQUEST_TIMED_OUT)).toBe('retry')
    expect(producerErrorAction('TxnOffsetCommit', ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT)).toBe('fatal')
  })

  it('EndTxn: TRANSACTION_ABORTABLE is abortable on commit and fatal on abort', () => {
    expect(producerErrorAction('EndTxn(commit)', ErrorCode.TRANSACTION_ABORTABLE)).toBe('abortable')
    expect(producerErrorAction('EndTxn(abort)', ErrorCode.TRANSACTION_ABORTABLE)).toBe('fatal')
    expect(producerErrorAction('EndTxn(commit)', ErrorCode.INVALID_TXN_STATE)).toBe('fatal')
  })

  it('FindCoordinator: retriable failures wait and try again; a group the principal may not use aborts', () => {
    expect(producerErrorAction('FindCoordinator', ErrorCode.COORDINATOR_NOT_AVAILABLE)).toBe('retry')
    expect(producerErrorAction('FindCoordinator', ErrorCode.GROUP_AUTHORIZATION_FAILED)).toBe('abortable')
    expect(producerErrorAction('FindCoordinator', ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)).toBe('fatal')
    expect(producerErrorAction('FindCoordinator', ErrorCode.PRODUCER_FENCED)).toBe('fatal')
  })
})
