/**
 * What the producer does on a broker error code: one table for the sender (Produce) and the
 * transaction manager (its coordinator requests, and what a failed batch means for the
 * transaction), so that a decision both take (retry, refresh metadata, find the coordinator,
 * fatal or abortable) is made in one place.
 *
 * Every request starts from Kafka's default for the code ({@link errorCodeInfo}: its retriable
 * flag and its {@link ErrorAction}); {@link DEPARTURES} lists, with the reason, where a producer
 * request does something else. A code added to the generated error table thus gets a sensible
 * action everywhere without touching this file.
 */

import { ErrorCode, errorCodeInfo, type ErrorCodeInfo, type ErrorCodeName } from '../protocol/error-codes.js'

/**
 * The requests (and the one non-request decision, `Batch`) the table answers for.
 *
 * - `Produce`: a partition's answer to the sender.
 * - `Batch`: a batch of a transactional producer failed for good; what that does to the transaction.
 * - `FindCoordinator`: looking up the transaction or group coordinator failed.
 * - the transaction coordinator's and group coordinator's requests, EndTxn split by its outcome.
 */
export type ProducerRequest =
  | 'Produce'
  | 'Batch'
  | 'FindCoordinator'
  | 'InitProducerId'
  | 'AddPartitionsToTxn'
  | 'AddOffsetsToTxn'
  | 'TxnOffsetCommit'
  | 'EndTxn(commit)'
  | 'EndTxn(abort)'

/**
 * - `none`: success (DUPLICATE_SEQUENCE_NUMBER too: the broker already holds the batch).
 * - `retry`: back off and send again.
 * - `refresh-metadata`: the sender looks the partition's leader up again, then retries.
 * - `find-coordinator`: forget the coordinator, look it up again, then retry.
 * - `split-batch`: the sender splits a batch of several records in two and sends both.
 * - `reset-sequence`: the broker lost this producer's sequence for the partition (idempotence).
 * - `fenced`: another producer with the transactional id took over; only closing is left.
 * - `fatal`: the producer cannot go on and must be closed.
 * - `abortable`: the transaction must be aborted; the producer stays usable.
 * - `abortable-if-epoch-bump`: abortable when the producer can bump its epoch (KIP-360, or
 *   transaction version 2), otherwise fatal: only a new epoch makes the broker forget the batches.
 * - `fail`: the call fails and leaves the producer as it was (it may be called again).
 */
export type ProducerErrorAction =
  | 'none'
  | 'retry'
  | 'refresh-metadata'
  | 'find-coordinator'
  | 'split-batch'
  | 'reset-sequence'
  | 'fenced'
  | 'fatal'
  | 'abortable'
  | 'abortable-if-epoch-bump'
  | 'fail'

type CoordinatorRequest = Exclude<ProducerRequest, 'Produce' | 'Batch'>

/** Per request; `coordinator` covers every transaction request (not FindCoordinator) not named on its own. */
type Departure = { readonly [R in ProducerRequest]?: ProducerErrorAction } & {
  readonly coordinator?: ProducerErrorAction
}

/** Where a producer request departs from Kafka's default action, and why. */
const DEPARTURES: { readonly [N in ErrorCodeName]?: Departure } = {
  // One record too large fails; a batch of several is split, as the Java sender does.
  MESSAGE_TOO_LARGE: { Produce: 'split-batch' },
  // Java's TransactionManager turns both into a ProducerFencedException. A produce failing with an
  // old epoch only costs the transaction (the batch is aborted with it).
  PRODUCER_FENCED: { coordinator: 'fenced', Batch: 'fenced' },
  INVALID_PRODUCER_EPOCH: { coordinator: 'fenced' },
  // An abort that itself fails as abortable would loop forever.
  TRANSACTION_ABORTABLE: { 'EndTxn(abort)': 'fatal' },
  // InitProducerId may be called again once the ACLs are fixed; anywhere else the producer is done.
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: { coordinator: 'fatal', InitProducerId: 'fail', Batch: 'fatal' },
  CLUSTER_AUTHORIZATION_FAILED: { InitProducerId: 'fail', Batch: 'fatal' },
  // Versions are negotiated per connection: a produce refused for its version will never pass.
  UNSUPPORTED_VERSION: { Batch: 'fatal' },
  INVALID_PRODUCER_ID_MAPPING: { coordinator: 'fatal', Batch: 'fatal' },
  INVALID_TXN_STATE: { coordinator: 'fatal' },
  // The coordinator dropped this producer's state (it expired): a new epoch recovers, if there is one.
  UNKNOWN_PRODUCER_ID: {
    AddPartitionsToTxn: 'abortable-if-epoch-bump',
    AddOffsetsToTxn: 'abortable-if-epoch-bump',
    'EndTxn(commit)': 'abortable-if-epoch-bump',
    'EndTxn(abort)': 'abortable-if-epoch-bump',
  },
  // The group's offsets cannot join the transaction; the transaction itself may still be aborted.
  GROUP_AUTHORIZATION_FAILED: { AddOffsetsToTxn: 'abortable', TxnOffsetCommit: 'abortable', FindCoordinator: 'abortable' },
  // The consumer's membership is stale (KIP-447 fencing of a zombie member): abort, and the
  // consumer rejoins before it commits again.
  FENCED_INSTANCE_ID: { TxnOffsetCommit: 'abortable' },
  UNKNOWN_MEMBER_ID: { TxnOffsetCommit: 'abortable' },
  ILLEGAL_GENERATION: { TxnOffsetCommit: 'abortable' },
  // A group coordinator that does not answer in time may have moved (Java looks it up again).
  REQUEST_TIMED_OUT: { TxnOffsetCommit: 'find-coordinator' },
}

/** The action of `request` on error `code` (0 is `none`). */
export function producerErrorAction(request: ProducerRequest, code: number): ProducerErrorAction {
  if (code === ErrorCode.NONE) return 'none'
  const info = errorCodeInfo(code)
  const departure = DEPARTURES[info.name]
  if (departure !== undefined) {
    const own = departure[request]
    if (own !== undefined) return own
    const transactionRequest = request !== 'Produce' && request !== 'Batch' && request !== 'FindCoordinator'
    if (transactionRequest && departure.coordinator !== undefined) return departure.coordinator
  }
  if (request === 'Produce') return produceDefault(info)
  // Any other lost batch means a record of the transaction is missing: it cannot commit.
  if (request === 'Batch') return 'abortable'
  return coordinatorDefault(request, info)
}

/**
 * Whether a partition's Produce error comes after the leader appended the batch: with acks=all,
 * REQUEST_TIMED_OUT (the replicas did not confirm within the ack timeout) and
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND leave it in the leader's log, where it may yet be committed. Such
 * a batch may only go again with the stamp it was sent with.
 */
export function produceErrorAfterAppend(code: number): boolean {
  return code === ErrorCode.REQUEST_TIMED_OUT || code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
}

function produceDefault(info: ErrorCodeInfo): ProducerErrorAction {
  if (info.action === 'none') return 'none'
  if (info.action === 'reset-producer') return 'reset-sequence'
  if (!info.retriable) return 'fail'
  return info.action === 'refresh-metadata' ? 'refresh-metadata' : 'retry'
}

function coordinatorDefault(request: CoordinatorRequest, info: ErrorCodeInfo): ProducerErrorAction {
  if (info.retriable) {
    // A failed lookup is retried as it is: there is no coordinator yet to forget.
    if (request === 'FindCoordinator') return 'retry'
    return info.action === 'find-coordinator' ? 'find-coordinator' : 'retry'
  }
  if (request === 'FindCoordinator') return 'fatal'
  if (info.action === 'abort-transaction') return 'abortable'
  // Java: a partition the coordinator refused (other than for the reasons above) costs only the
  // transaction.
  return request === 'AddPartitionsToTxn' ? 'abortable' : 'fatal'
}
