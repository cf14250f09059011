/**
 * The five coordinator requests of a transactional producer (InitProducerId, AddPartitionsToTxn,
 * AddOffsetsToTxn, TxnOffsetCommit, EndTxn): how each is built, at which versions, and what each
 * error code in its answer does, decided by the producer's error table ({@link producerErrorAction}).
 * The state changes that follow a success are the transaction manager's.
 *
 * Transaction version 2 (KIP-890 part 2, finalized `transaction.version` >= 2) changes three things:
 * Produce v12+ adds partitions to the transaction implicitly (no AddPartitionsToTxn), TxnOffsetCommit
 * v5 adds the offsets (no AddOffsetsToTxn), and EndTxn v5 bumps the epoch and returns the next one.
 * Under version 1 the requests are capped below those versions, as the broker reads the version of
 * the request to tell which protocol the client speaks.
 */

import type { KafkaTransactionError } from '../errors.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import { ErrorCode, errorCodeInfo } from '../protocol/error-codes.js'
import { addOffsetsToTxnApi } from '../protocol/messages/add-offsets-to-txn.js'
import { addPartitionsToTxnApi, type AddPartitionsToTxnResponse } from '../protocol/messages/add-partitions-to-txn.js'
import { endTxnApi, type EndTxnResponse } from '../protocol/messages/end-txn.js'
import { initProducerIdApi, type InitProducerIdResponse } from '../protocol/messages/init-producer-id.js'
import { txnOffsetCommitApi, type TxnOffsetCommitResponse } from '../protocol/messages/txn-offset-commit.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { Retry, type CoordinatorRequests } from './coordinator-requests.js'
import { producerErrorAction, type ProducerErrorAction } from './error-policy.js'
import type { TransactionState } from './transaction-state.js'
import type { ConsumerGroupMetadata, TransactionOffset } from './producer-types.js'
import type { CoordinatorKey, ProducerIdHolder } from './transaction-io.js'

/** EndTxn v5 and TxnOffsetCommit v5 mean transaction version 2 to the broker (as Produce v12 does). */
const LAST_END_TXN_VERSION_BEFORE_TV2 = 4
const LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2 = 4
/**
 * v6 (Kafka 4.4, KIP-1319) names topics by id only; the offsets handed in carry topic names, so
 * the client stays on v5, which every broker with transaction version 2 accepts.
 */
const LAST_TXN_OFFSET_COMMIT_VERSION_BY_NAME = 5
/** Clients use AddPartitionsToTxn v0-3; v4+ batches transactions and is for brokers. */
const MAX_CLIENT_ADD_PARTITIONS_VERSION = 3

/** The previous transaction's markers are usually almost written: retry its first partitions soon. */
const CONCURRENT_TRANSACTIONS_FIRST_ADD_BACKOFF_MS = 20

/** What the requests need of the transaction manager. */
export interface TransactionRpcContext {
  readonly transactionalId: string
  readonly transactionTimeoutMs: number
  readonly identity: ProducerIdHolder
  readonly state: TransactionState
  readonly requests: CoordinatorRequests
  /** The error to throw for a failure the table classed as `action`, once the state has moved. */
  fail(action: ProducerErrorAction, code: number, message: string): KafkaTransactionError
}

function transactionCoordinator(ctx: TransactionRpcContext): CoordinatorKey {
  return { type: 'transaction', key: ctx.transactionalId }
}

/** The common shape of a coordinator answer with one error code. */
function retryOr(action: ProducerErrorAction): Retry | null {
  if (action === 'find-coordinator') return new Retry(true)
  if (action === 'retry') return new Retry(false)
  return null
}

/** Gets a producer id and epoch (a new pair, or the next epoch of the current one: KIP-360). */
export function initProducerId(ctx: TransactionRpcContext, epochBump: boolean): Promise<InitProducerIdResponse> {
  const identity = ctx.identity
  return ctx.requests.request(
    transactionCoordinator(ctx),
    initProducerIdApi,
    () =>
      initProducerIdApi.createRequest({
        transactionalId: ctx.transactionalId,
        transactionTimeoutMs: ctx.transactionTimeoutMs,
        producerId: epochBump ? identity.producerId : -1n,
        producerEpoch: epochBump ? identity.epoch : -1,
      }),
    Number.POSITIVE_INFINITY,
    (r) => {
      const action = producerErrorAction('InitProducerId', r.errorCode)
      if (action === 'none') return r
      const retry = retryOr(action)
      if (retry !== null) return retry
      if (action === 'fail') {
        ctx.state.resetToUninitialized()
        throw ctx.fail(action, r.errorCode, 'InitProducerId was not authorized; fix the ACLs and call initTransactions() again')
      }
      throw ctx.fail(action, r.errorCode, 'InitProducerId failed')
    },
  )
}

/**
 * Adds partitions to the transaction (transaction version 1). `isFirst` tells whether the
 * transaction has no partition yet, when CONCURRENT_TRANSACTIONS is retried sooner.
 */
export async function addPartitionsToTxn(
  ctx: TransactionRpcContext,
  partitions: readonly TopicPartition[],
  isFirst: () => boolean,
): Promise<void> {
  const byTopic = new Map<string, number[]>()
  for (const { topic, partition } of partitions) {
    let list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, (list = []))
    list.push(partition)
  }
  const identity = ctx.identity
  await ctx.requests.request(
    transactionCoordinator(ctx),
    addPartitionsToTxnApi,
    () =>
      addPartitionsToTxnApi.createRequest({
        v3AndBelowTransactionalId: ctx.transactionalId,
        v3AndBelowProducerId: identity.producerId,
        v3AndBelowProducerEpoch: identity.epoch,
        v3AndBelowTopics: [...byTopic].map(([name, list]) => ({ name, partitions: list })),
      }),
    MAX_CLIENT_ADD_PARTITIONS_VERSION,
    (r) => handleAddPartitions(ctx, r, isFirst),
  )
}

// Partitions refused for a reason that costs only the transaction are gathered into one abortable
// error; any other reason ends the request at once.
function handleAddPartitions(ctx: TransactionRpcContext, r: AddPartitionsToTxnResponse, isFirst: () => boolean): true | Retry {
  const unauthorizedTopics = new Set<string>()
  let otherFailure: string | null = null
  for (const topic of r.resultsByTopicV3AndBelow) {
    for (const p of topic.resultsByPartition) {
      const code = p.partitionErrorCode
      const action = producerErrorAction('AddPartitionsToTxn', code)
      if (action === 'none') continue
      if (action === 'retry' && code === ErrorCode.CONCURRENT_TRANSACTIONS) {
        return new Retry(false, isFirst() ? CONCURRENT_TRANSACTIONS_FIRST_ADD_BACKOFF_MS : undefined)
      }
      const retry = retryOr(action)
      if (retry !== null) return retry
      const where = `${topic.name}-${p.partitionIndex}`
      if (action === 'abortable-if-epoch-bump') {
        throw ctx.fail(action, code, 'AddPartitionsToTxn failed: the coordinator has no state for this producer')
      }
      if (action !== 'abortable') throw ctx.fail(action, code, `AddPartitionsToTxn failed for ${where}`)
      if (code === ErrorCode.TRANSACTION_ABORTABLE) throw ctx.fail(action, code, 'AddPartitionsToTxn failed')
      if (code === ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
        unauthorizedTopics.add(topic.name)
      } else if (code !== ErrorCode.OPERATION_NOT_ATTEMPTED) {
        otherFailure = `${where}: ${errorCodeInfo(code).name}`
      } else {
        otherFailure ??= `${where}: OPERATION_NOT_ATTEMPTED`
      }
    }
  }
  if (unauthorizedTopics.size > 0) {
    throw ctx.fail('abortable', ErrorCode.TOPIC_AUTHORIZATION_FAILED, `not authorized to write to ${[...unauthorizedTopics].join(', ')}`)
  }
  if (otherFailure !== null) throw ctx.fail('abortable', -1, `could not add partitions to the transaction: ${otherFailure}`)
  return true
}

/** Tells the transaction coordinator that a group's offsets join the transaction (version 1). */
export async function addOffsetsToTxn(ctx: TransactionRpcContext, groupId: string): Promise<void> {
  const identity = ctx.identity
  await ctx.requests.request(
    transactionCoordinator(ctx),
    addOffsetsToTxnApi,
    () =>
      addOffsetsToTxnApi.createRequest({
        transactionalId: ctx.transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        groupId,
      }),
    Number.POSITIVE_INFINITY,
    (r) => {
      const code = r.errorCode
      const action = producerErrorAction('AddOffsetsToTxn', code)
      if (action === 'none') return true
      const retry = retryOr(action)
      if (retry !== null) return retry
      if (action === 'abortable-if-epoch-bump') {
        throw ctx.fail(action, code, 'AddOffsetsToTxn failed: the coordinator has no state for this producer')
      }
      if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) throw ctx.fail(action, code, `not authorized for group ${groupId}`)
      throw ctx.fail(action, code, 'AddOffsetsToTxn failed')
    },
  )
}

/**
 * Commits offsets to the group coordinator as part of the transaction; `pending` loses each
 * partition the coordinator accepted, so a retry sends only the rest.
 */
export async function txnOffsetCommit(
  ctx: TransactionRpcContext,
  group: Required<ConsumerGroupMetadata>,
  pending: Map<string, TransactionOffset>,
  transactionV2: boolean,
): Promise<void> {
  const identity = ctx.identity
  await ctx.requests.request(
    { type: 'group', key: group.groupId },
    txnOffsetCommitApi,
    () => {
      const byTopic = new Map<string, TransactionOffset[]>()
      for (const o of pending.values()) {
        let list = byTopic.get(o.topic)
        if (list === undefined) byTopic.set(o.topic, (list = []))
        list.push(o)
      }
      return txnOffsetCommitApi.createRequest({
        transactionalId: ctx.transactionalId,
        groupId: group.groupId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        generationIdOrMemberEpoch: group.generationId,
        memberId: group.memberId,
        groupInstanceId: group.groupInstanceId,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          topicId: ZERO_UUID, // v6+ only, which this client does not send
          partitions: list.map((o) => ({
            partitionIndex: o.partition,
            committedOffset: o.offset,
            committedLeaderEpoch: o.leaderEpoch ?? -1,
            committedMetadata: o.metadata === undefined ? '' : o.metadata,
          })),
        })),
      })
    },
    transactionV2 ? LAST_TXN_OFFSET_COMMIT_VERSION_BY_NAME : LAST_TXN_OFFSET_COMMIT_VERSION_BEFORE_TV2,
    (r) => handleTxnOffsetCommit(ctx, r, group.groupId, pending),
  )
}

function handleTxnOffsetCommit(
  ctx: TransactionRpcContext,
  r: TxnOffsetCommitResponse,
  groupId: string,
  pending: Map<string, TransactionOffset>,
): true | Retry {
  let findCoordinator = false
  for (const topic of r.topics) {
    for (const p of topic.partitions) {
      const code = p.errorCode
      const action = producerErrorAction('TxnOffsetCommit', code)
      if (action === 'none') {
        pending.delete(partitionKey(topic.name, p.partitionIndex))
      } else if (action === 'find-coordinator') {
        findCoordinator = true
      } else if (action === 'retry') {
        continue
      } else if (code === ErrorCode.GROUP_AUTHORIZATION_FAILED) {
        throw ctx.fail(action, code, `not authorized for group ${groupId}`)
      } else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION) {
        throw ctx.fail(action, code, `TxnOffsetCommit for group ${groupId} failed: the consumer's group membership is stale`)
      } else {
        throw ctx.fail(action, code, `TxnOffsetCommit for group ${groupId} failed`)
      }
    }
  }
  if (pending.size === 0) return true
  return new Retry(findCoordinator)
}

/**
 * Ends the transaction. Under version 2 (EndTxn v5+) the answer carries the next epoch, or a new
 * producer id when the epoch ran out.
 */
export function endTxn(ctx: TransactionRpcContext, commit: boolean, transactionV2: boolean): Promise<EndTxnResponse> {
  const identity = ctx.identity
  const what = `EndTxn(${commit ? 'commit' : 'abort'})`
  return ctx.requests.request(
    transactionCoordinator(ctx),
    endTxnApi,
    () =>
      endTxnApi.createRequest({
        transactionalId: ctx.transactionalId,
        producerId: identity.producerId,
        producerEpoch: identity.epoch,
        committed: commit,
      }),
    transactionV2 ? Number.POSITIVE_INFINITY : LAST_END_TXN_VERSION_BEFORE_TV2,
    (r) => {
      const code = r.errorCode
      const action = producerErrorAction(commit ? 'EndTxn(commit)' : 'EndTxn(abort)', code)
      if (action === 'none') return r
      const retry = retryOr(action)
      if (retry !== null) return retry
      if (action === 'abortable-if-epoch-bump') throw ctx.fail(action, code, `${what} failed: the coordinator has no state for this producer`)
      if (code === ErrorCode.INVALID_TXN_STATE) {
        throw ctx.fail(
          action,
          code,
          `${what} failed: the coordinator has no such open transaction (it may have run past transactionTimeoutMs and been aborted)`,
        )
      }
      throw ctx.fail(action, code, `${what} failed`)
    },
  )
}
