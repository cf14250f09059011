/**
 * Producer and transaction state: the producers a partition's leader tracks, the transactions
 * their coordinators hold, and listings of transactions across the cluster. These are the tools for
 * finding hanging transactions (KIP-664).
 */

import { KafkaBrokerError, KafkaError } from '../errors.js'
import { describeProducersApi } from '../protocol/messages/describe-producers.js'
import { describeTransactionsApi } from '../protocol/messages/describe-transactions.js'
import { listTransactionsApi } from '../protocol/messages/list-transactions.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'
import { isCoordinatorMoved } from './group-coordinators.js'
import { partitionKey, type TopicPartition } from '../common/topic-partition.js'
import { sendToLeaders, uniquePartitions, type PartitionOutcome } from './partition-routing.js'
import { ErrorCode } from '../protocol/error-codes.js'

/** States of a transaction at its coordinator (Java `TransactionState`); values are the wire names. */
export const TransactionState = {
  EMPTY: 'Empty',
  ONGOING: 'Ongoing',
  PREPARE_COMMIT: 'PrepareCommit',
  PREPARE_ABORT: 'PrepareAbort',
  COMPLETE_COMMIT: 'CompleteCommit',
  COMPLETE_ABORT: 'CompleteAbort',
  DEAD: 'Dead',
  PREPARE_EPOCH_FENCE: 'PrepareEpochFence',
  /** A state this client does not know (a newer broker's). */
  UNKNOWN: 'Unknown',
} as const
export type TransactionState = (typeof TransactionState)[keyof typeof TransactionState]

const KNOWN_STATES: ReadonlySet<string> = new Set(Object.values(TransactionState))

function transactionState(wire: string): TransactionState {
  return KNOWN_STATES.has(wire) ? (wire as TransactionState) : TransactionState.UNKNOWN
}

/** A producer a partition leader keeps state for. */
export interface ProducerState {
  readonly producerId: bigint
  readonly producerEpoch: number
  /** Sequence number of the producer's last batch, -1 if none. */
  readonly lastSequence: number
  /** Timestamp of the producer's last write, ms since the epoch; -1 if unknown. */
  readonly lastTimestamp: number
  /** Epoch of the transaction coordinator that last wrote a marker for it; null if none. */
  readonly coordinatorEpoch: number | null
  /** First offset of the producer's open transaction; null when it has none. */
  readonly currentTransactionStartOffset: bigint | null
}

/** The active producers of one partition. */
export interface PartitionProducerState extends ResourceError {
  readonly topic: string
  readonly partition: number
  readonly activeProducers: readonly ProducerState[]
}

export interface DescribeProducersOptions extends AdminCallOptions {
  /**
   * Ask this broker instead of each partition's leader (to inspect a follower). Its errors, such as
   * NOT_LEADER_OR_FOLLOWER, are then reported rather than retried elsewhere.
   */
  brokerId?: number
}

/** A transaction as its coordinator describes it. */
export interface TransactionDescription extends ResourceError {
  readonly transactionalId: string
  /** Node id of the coordinator that answered, -1 when none did. */
  readonly coordinatorId: number
  readonly state: TransactionState
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly transactionTimeoutMs: number
  /** When the current (or, once completed, the last) transaction started, ms since the epoch; null if never. */
  readonly transactionStartTimeMs: number | null
  /** Partitions the open transaction has written to, sorted. */
  readonly topicPartitions: readonly TopicPartition[]
}

/** A transaction in a listing. */
export interface TransactionListing {
  readonly transactionalId: string
  readonly producerId: bigint
  readonly state: TransactionState
  /** The broker coordinating it. */
  readonly coordinatorId: number
}

export interface ListTransactionsOptions extends AdminCallOptions {
  /** Only transactions in one of these states. */
  stateFilters?: readonly TransactionState[]
  /** Only transactions of these producer ids. */
  producerIdFilters?: readonly bigint[]
  /** Only transactions running longer than this many ms (Kafka 3.8+, ListTransactions v1). */
  durationFilterMs?: number
  /** Only transactional ids matching this Java regular expression (Kafka 4.1+, ListTransactions v2). */
  transactionalIdPattern?: string
}

/**
 * The producers each partition's leader tracks, in the order asked. A missing topic or partition
 * reports UNKNOWN_TOPIC_OR_PARTITION; a moving leader is followed until the deadline.
 */
export async function describeProducers(
  ctx: AdminContext,
  partitions: readonly TopicPartition[],
  options: DescribeProducersOptions = {},
): Promise<PartitionProducerState[]> {
  const deadline = ctx.deadline(options)
  const unique = uniquePartitions(partitions)
  const failed = (p: TopicPartition, error: KafkaError): PartitionProducerState => ({
    topic: p.topic,
    partition: p.partition,
    activeProducers: [],
    error,
  })
  const results = await sendToLeaders<PartitionProducerState>(
    ctx,
    unique,
    {
      brokerId: options.brokerId,
      failed,
      send: async (nodeId, group) => {
        const byTopic = new Map<string, number[]>()
        for (const p of group) {
          const list = byTopic.get(p.topic)
          if (list === undefined) byTopic.set(p.topic, [p.partition])
          else list.push(p.partition)
        }
        const response = await ctx.cluster.sendTo({ nodeId }, describeProducersApi, () =>
          describeProducersApi.createRequest({
            topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          }),
          { timeoutMs: ctx.remaining(deadline) + 1000 },
        )
        const outcomes = new Map<string, PartitionOutcome<PartitionProducerState>>()
        for (const t of response.topics) {
          for (const p of t.partitions) {
            outcomes.set(partitionKey(t.name, p.partitionIndex), {
              code: p.errorCode,
              message: p.errorMessage,
              result: {
                topic: t.name,
                partition: p.partitionIndex,
                error: resourceError(p.errorCode, p.errorMessage),
                activeProducers: p.activeProducers.map((s) => ({
                  producerId: s.producerId,
                  producerEpoch: s.producerEpoch,
                  lastSequence: s.lastSequence,
                  lastTimestamp: Number(s.lastTimestamp),
                  coordinatorEpoch: s.coordinatorEpoch < 0 ? null : s.coordinatorEpoch,
                  currentTransactionStartOffset: s.currentTxnStartOffset < 0n ? null : s.currentTxnStartOffset,
                })),
              },
            })
          }
        }
        return outcomes
      },
    },
    deadline,
    'DescribeProducers',
  )
  return [...unique.keys()].map(
    (key) => results.get(key) ?? failed(unique.get(key) as TopicPartition, noAnswer(key)),
  )
}

/**
 * Describes transactions, asking each transactional id's coordinator, in the order asked. An id
 * the coordinator does not know reports TRANSACTIONAL_ID_NOT_FOUND.
 */
export async function describeTransactions(
  ctx: AdminContext,
  transactionalIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<TransactionDescription[]> {
  const deadline = ctx.deadline(options)
  const ids = [...new Set(transactionalIds)]
  const failed = (transactionalId: string, error: KafkaError, coordinatorId = -1): TransactionDescription => ({
    transactionalId,
    coordinatorId,
    error,
    state: TransactionState.UNKNOWN,
    producerId: -1n,
    producerEpoch: -1,
    transactionTimeoutMs: -1,
    transactionStartTimeMs: null,
    topicPartitions: [],
  })
  type Outcome = { code: number; message: string | null; result: TransactionDescription }

  const results = await ctx.perResource<string, TransactionDescription>(
    ids,
    async (pending) => {
      const outcomes = new Map<string, Outcome>()
      const byCoordinator = new Map<number, string[]>()
      await Promise.all(
        pending.map(async (id) => {
          try {
            const nodeId = await ctx.cluster.coordinator('transaction', id)
            const group = byCoordinator.get(nodeId)
            if (group === undefined) byCoordinator.set(nodeId, [id])
            else group.push(id)
          } catch (error) {
            outcomes.set(id, asOutcome(id, error, failed))
          }
        }),
      )
      await Promise.all(
        [...byCoordinator].map(async ([nodeId, group]) => {
          let response
          try {
            response = await ctx.cluster.sendTo({ nodeId }, describeTransactionsApi, () =>
              describeTransactionsApi.createRequest({ transactionalIds: group }),
              { timeoutMs: ctx.remaining(deadline) + 1000 },
            )
          } catch (error) {
            for (const id of group) {
              // The coordinator may have died or moved: look it up again next round.
              ctx.cluster.forgetCoordinator('transaction', id)
              outcomes.set(id, asOutcome(id, error, (i, e) => failed(i, e, nodeId)))
            }
            return
          }
          for (const s of response.transactionStates) {
            if (isCoordinatorMoved(s.errorCode)) {
              ctx.cluster.forgetCoordinator('transaction', s.transactionalId)
            }
            const error = resourceError(s.errorCode, null)
            outcomes.set(s.transactionalId, {
              code: s.errorCode,
              message: null,
              result:
                error !== null
                  ? failed(s.transactionalId, error, nodeId)
                  : {
                      transactionalId: s.transactionalId,
                      coordinatorId: nodeId,
                      error: null,
                      state: transactionState(s.transactionState),
                      producerId: s.producerId,
                      producerEpoch: s.producerEpoch,
                      transactionTimeoutMs: s.transactionTimeoutMs,
                      transactionStartTimeMs: s.transactionStartTimeMs < 0n ? null : Number(s.transactionStartTimeMs),
                      topicPartitions: s.topics
                        .flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })))
                        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
                    },
            })
          }
        }),
      )
      return outcomes
    },
    (id, error) => failed(id, error),
    deadline,
    'DescribeTransactions',
  )
  return ids.map((id) => results.get(id) ?? failed(id, noAnswer(id)))
}

/**
 * Lists transactions known to every broker's transaction coordinator, merged and sorted by
 * transactional id. Rejects if a live broker cannot be asked before the deadline, since a listing
 * missing one broker's transactions would look complete.
 */
export async function listTransactions(
  ctx: AdminContext,
  options: ListTransactionsOptions = {},
): Promise<TransactionListing[]> {
  const deadline = ctx.deadline(options)
  const metadata = await ctx.cluster.fetchMetadata([])
  ctx.cluster.applyMetadata(metadata, [])
  const perBroker = await Promise.all(
    metadata.brokers.map(async (broker) => {
      const response = await ctx.send(
        { nodeId: broker.nodeId },
        listTransactionsApi,
        () =>
          listTransactionsApi.createRequest({
            stateFilters: options.stateFilters ?? [],
            producerIdFilters: options.producerIdFilters ?? [],
            // Unset filters keep their defaults, so older brokers accept the request.
            ...(options.durationFilterMs === undefined ? {} : { durationFilter: BigInt(options.durationFilterMs) }),
            ...(options.transactionalIdPattern === undefined
              ? {}
              : { transactionalIdPattern: options.transactionalIdPattern }),
          }),
        deadline,
        (r) => {
          if (r.errorCode !== ErrorCode.NONE) {
            throw new KafkaBrokerError(r.errorCode, `ListTransactions on broker ${broker.nodeId} failed`)
          }
        },
      )
      return response.transactionStates.map((s) => ({
        transactionalId: s.transactionalId,
        producerId: s.producerId,
        state: transactionState(s.transactionState),
        coordinatorId: broker.nodeId,
      }))
    }),
  )
  return perBroker.flat().sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : a.transactionalId > b.transactionalId ? 1 : 0))
}

function asOutcome<R>(
  id: string,
  error: unknown,
  failed: (id: string, error: KafkaError) => R,
): { code: number; message: string | null; result: R } {
  const e = error instanceof KafkaError ? error : new KafkaError(String(error), { cause: error })
  // Retriable failures (connection loss, timeouts) go round again with a fresh coordinator lookup.
  return { code: e.retriable ? ErrorCode.COORDINATOR_NOT_AVAILABLE : e.code === ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : e.code, message: e.message, result: failed(id, e) }
}

function noAnswer(what: string): KafkaError {
  return new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `no broker answered for ${what}`)
}
