/**
 * The background sender: moves ready batches from the accumulator to their partition leaders, one
 * Produce request per broker carrying at most one batch per partition, and settles each batch from
 * the broker's answer (complete, retry, split, or fail).
 *
 * Scheduling follows franz-go's "start a worker if none runs, loop again if work arrived": `wake()`
 * coalesces into one pass on the next tick, each broker has at most one request being built, and
 * response handling is synchronous, in the order the connection delivers responses.
 *
 * Idempotence rules kept here (see ../../DESIGN notes in reference-design §2):
 * - a batch is stamped with producer id, epoch and sequence the first time it is sent, and a retry
 *   re-sends the same stamp, so the broker can recognise a duplicate; a batch the broker may hold
 *   (no definite answer yet) is never stamped anew, neither by a new epoch (a partition takes the
 *   producer's new epoch only once none of its batches is in that state) nor to close a gap;
 * - a sequence refusal is a gap only for the batch the broker should take next: one behind a
 *   batch still to land is retried as it is (Java's TransactionManager.canRetry);
 * - a partition sends one request at a time until the broker acknowledged a batch of the current
 *   epoch, and never has requests in flight to two brokers at once;
 * - a batch whose outcome is unknown (timeout, lost connection) is not failed by the delivery
 *   timeout while idempotence can still retry it in order.
 */

import { isTraced, produceBatchChannel } from '../observability/channels.js'
import { endBatchTrace, failBatchTrace, startBatchTraces } from './batch-trace.js'
import { partitionKey } from '../common/topic-partition.js'
import type { Cluster } from '../cluster/cluster.js'
import { KafkaBrokerError, KafkaError, KafkaStateError, KafkaTimeoutError } from '../errors.js'
import { ErrorCode, errorCodeInfo } from '../protocol/error-codes.js'
import { produceApi, type ProduceRequest, type ProduceResponse, type ProduceResponsePartitionProduceResponse } from '../protocol/messages/produce.js'
import { ZERO_UUID } from '../protocol/uuid.js'
import { backoffMs } from '../util/backoff.js'
import { recordSize, type Accumulator, type PartitionQueue } from './accumulator.js'
import type { ProducerIdentity } from './producer-identity.js'
import type { ProducerBatch } from './producer-batch.js'
import type { ResolvedProducerOptions } from './options.js'
import { produceErrorAfterAppend, producerErrorAction, type ProducerErrorAction } from './error-policy.js'

// Batches at least this large are written from their own buffers; smaller ones cost less to copy
// than a chunk of their own.
const REFERENCE_BATCHES_FROM = 4096

/** What the sender needs to know of a transactional producer's transaction. */
export interface SenderTransactionGate {
  /** Whether the partition is part of the transaction yet (AddPartitionsToTxn done, or implicit). */
  isSendToPartitionAllowed(topic: string, partition: number): boolean
  /** The error that fails batches not yet sent (the transaction aborts or failed); null to send them. */
  undrainedBatchError(): KafkaError | null
  /** Highest Produce version for the transaction version in use. */
  readonly maxProduceVersion: number
}

interface SenderDeps {
  readonly cluster: Cluster
  readonly accumulator: Accumulator
  readonly options: ResolvedProducerOptions
  /** Producer id and epoch, for idempotent and transactional producers; null otherwise. */
  readonly identity: ProducerIdentity | null
  /** Called when a batch fails for good, after its records were rejected. */
  readonly onBatchFailed: (batch: ProducerBatch, error: KafkaError) => void
  /** The transaction of a transactional producer; absent otherwise. */
  readonly transactions?: SenderTransactionGate | null
}

interface Drained {
  readonly queue: PartitionQueue
  readonly batch: ProducerBatch
}

export class Sender {
  readonly #deps: SenderDeps
  // Produce requests in flight per broker node.
  readonly #inFlight = new Map<number, number>()
  // Brokers for which a request is being built (one at a time per broker keeps sends in order).
  readonly #building = new Set<number>()
  // A broker we failed to reach is left alone until then.
  readonly #nodeRetryAt = new Map<number, number>()
  #scheduled = false
  #timer: NodeJS.Timeout | undefined
  #timerAt = Infinity
  #flushes = 0
  #closing = false
  #metadataRefreshWanted = false

  constructor(deps: SenderDeps) {
    this.#deps = deps
  }

  /** Makes every batch sendable now, ignoring linger, until {@link endFlush}. */
  beginFlush(): void {
    this.#flushes++
    this.wake()
  }

  endFlush(): void {
    this.#flushes--
  }

  /** From now on every batch is sent without waiting for linger. */
  beginClose(): void {
    this.#closing = true
    this.wake()
  }

  /** Stops timers. Batches still buffered are the producer's to fail. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
  }

  /** Schedules one pass over the accumulator on the next tick; repeated calls coalesce. */
  wake(): void {
    if (this.#scheduled) return
    this.#scheduled = true
    setImmediate(() => {
      this.#scheduled = false
      this.#pass()
    })
  }

  #scheduleAt(at: number): void {
    if (at >= this.#timerAt) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#timerAt = Infinity
      this.#pass()
    }, Math.max(0, at - Date.now()))
  }

  // One look at every partition: expire what is overdue, find which brokers have something to send,
  // start building a request for each, and set a timer for the next batch that will become ready.
  #pass(): void {
    const now = Date.now()
    const { cluster, accumulator } = this.#deps
    const identity = this.#deps.identity
    const undrainedError = this.#deps.transactions?.undrainedBatchError() ?? null
    if (undrainedError !== null) this.#failAll(undrainedError)
    if (identity !== null && !identity.ready) {
      // initTransactions obtains a transactional producer's id; nothing is buffered before it.
      if (identity.transactional) return
      identity.ensure().then(
        () => this.wake(),
        (error: unknown) => this.#failAll(error instanceof KafkaError ? error : new KafkaStateError(String(error))),
      )
      return
    }
    let nextAt = Infinity
    const readyNodes = new Set<number>()
    for (const q of accumulator.nonEmptyQueues()) {
      this.#expire(q, now)
      const batch = q.nextToSend()
      if (batch === undefined) continue
      const leader = cluster.metadata.partition(q.topic, q.partition)?.leader ?? -1
      if (leader < 0) {
        this.#metadataRefreshWanted = true
        nextAt = Math.min(nextAt, now + this.#deps.options.retryBackoffMs)
        continue
      }
      const at = this.#readyAt(q, batch, leader, now)
      if (at <= now) readyNodes.add(leader)
      else nextAt = Math.min(nextAt, at)
    }
    if (this.#metadataRefreshWanted) {
      this.#metadataRefreshWanted = false
      // Name the topics this producer has records for: the cluster refreshes only its topics of
      // interest, and a topic whose partitions were already cached (an admin on the same Kafka
      // described it) was never added to them, so a dead leader would never be replaced.
      const topics = new Set<string>()
      for (const q of accumulator.nonEmptyQueues()) topics.add(q.topic)
      cluster.refreshMetadata(topics).then(
        () => this.wake(),
        () => this.wake(),
      )
    }
    for (const node of readyNodes) {
      const retryAt = this.#nodeRetryAt.get(node) ?? 0
      if (retryAt > now) {
        nextAt = Math.min(nextAt, retryAt)
        continue
      }
      if (this.#building.has(node)) continue
      if ((this.#inFlight.get(node) ?? 0) >= this.#deps.options.maxInFlightRequestsPerConnection) continue
      void this.#sendTo(node)
    }
    if (nextAt !== Infinity) this.#scheduleAt(nextAt)
  }

  // When the head batch of a partition may go; Infinity while something else must happen first.
  #readyAt(q: PartitionQueue, batch: ProducerBatch, leader: number, now: number): number {
    const o = this.#deps.options
    // A transaction's partition waits for AddPartitionsToTxn; the transaction manager wakes us.
    if (this.#deps.transactions?.isSendToPartitionAllowed(q.topic, q.partition) === false) return Infinity
    if (q.inFlight > 0) {
      // Responses are ordered per connection only: never split a partition across two brokers.
      if (q.inFlightNode !== leader) return Infinity
      if (q.inFlight >= o.maxInFlightRequestsPerConnection) return Infinity
      if (this.#deps.identity !== null) {
        if (!q.ackedInEpoch) return Infinity
        if (q.sequenceEpoch !== this.#deps.identity.epoch) return Infinity
      }
    } else if (this.#deps.identity !== null && batch.baseSequence < 0 && q.sequenceEpoch !== this.#deps.identity.epoch) {
      // Not stamped anew until the partition's batches the broker may hold are answered.
      if (this.#holdsUnresolved(q)) return Infinity
    }
    if (batch.retryAt > now) return batch.retryAt
    if (batch.closed || batch.attempts > 0 || this.#flushes > 0 || this.#closing || this.#deps.accumulator.memoryExhausted) {
      return now
    }
    return batch.createdAt + o.lingerMs
  }

  // Fails batches that waited longer than the delivery timeout. An idempotent batch already sent
  // with an unknown outcome stays: failing it could leave a gap or a duplicate in the partition.
  #expire(q: PartitionQueue, now: number): void {
    const deadline = this.#deps.options.deliveryTimeoutMs
    for (let i = q.batches.length - 1; i >= 0; i--) {
      const batch = q.batches[i] as ProducerBatch
      if (batch.inFlight || now - batch.createdAt < deadline) continue
      if (this.#deps.identity !== null && batch.ambiguous) continue
      this.#fail(
        q,
        batch,
        new KafkaTimeoutError(
          `${batch.recordCount} record(s) for ${batch.topic}-${batch.partition} not delivered within deliveryTimeoutMs (${deadline} ms)`,
        ),
      )
    }
  }

  // One Produce request to `node`, through the cluster's door. The batches are taken off their
  // queues only once the connection is ready (inside the build), so a broker that cannot be
  // reached strands none of them; the request counts as in flight from then on, and the next one
  // to this broker is built only once this one is queued on the connection, in drain order.
  async #sendTo(node: number): Promise<void> {
    const { cluster, options } = this.#deps
    this.#building.add(node)
    let drained: Drained[] = []
    let counted = false
    let version = -1
    const build = (v: number): Promise<ProduceRequest> | null => {
      version = v
      drained = this.#drain(node, Date.now())
      if (drained.length === 0) return null
      if (options.acks !== 0) {
        this.#inFlight.set(node, (this.#inFlight.get(node) ?? 0) + 1)
        counted = true
      }
      return this.#produceRequest(drained, v, node)
    }
    const sendOptions = {
      purpose: 'produce' as const,
      maxVersion: this.#deps.transactions?.maxProduceVersion,
      // The client gives up when the broker's own ack timeout (the same requestTimeoutMs) runs out,
      // as Java's Sender does: a response lost on the way (a silent connection) is retried after
      // one request timeout, not later.
      timeoutMs: options.requestTimeoutMs,
      // The batches' bytes go to the socket as they are: a request of 6 batches of 64 KiB would
      // otherwise cost a 384 KiB frame (and the buffers it doubles through) to copy them into.
      referenceFrom: REFERENCE_BATCHES_FROM,
    }
    try {
      if (options.acks === 0) {
        if (await cluster.sendOneWayTo({ nodeId: node }, produceApi, build, sendOptions)) {
          for (const d of drained) this.#onBatchDone(d.queue, d.batch, -1n, -1n)
        }
        return
      }
      const pipelined = await cluster.pipelineTo({ nodeId: node }, produceApi, build, sendOptions)
      if (pipelined === null) return
      // Not awaited: the next request to this broker may be built while this one is answered.
      const sent = drained
      pipelined.response
        .then(
          (response) => this.#onResponse(sent, response, version),
          (error: unknown) => this.#onRequestError(sent, error),
        )
        .finally(() => this.#answered(node))
    } catch (error) {
      if (counted) this.#answered(node)
      if (drained.length === 0) {
        // Could not even reach the broker: leave its partitions alone for a while and look again
        // at the metadata, which may name a new leader.
        this.#nodeRetryAt.set(node, Date.now() + options.retryBackoffMs)
        this.#metadataRefreshWanted = true
      } else {
        this.#onRequestError(drained, error)
      }
    } finally {
      this.#building.delete(node)
      this.wake()
    }
  }

  #answered(node: number): void {
    this.#inFlight.set(node, (this.#inFlight.get(node) ?? 1) - 1)
    this.wake()
  }

  // The request failed as a whole (encoding, the connection, the timeout): the broker may hold it.
  #onRequestError(drained: readonly Drained[], error: unknown): void {
    const e = error instanceof KafkaError ? error : new KafkaStateError(String(error), { cause: error })
    for (const d of drained) this.#onBatchError(d.queue, d.batch, e, true)
  }

  // Picks one batch per partition led by `node`, up to maxRequestSize, and marks them in flight.
  #drain(node: number, now: number): Drained[] {
    const { cluster, accumulator, options, identity } = this.#deps
    const drained: Drained[] = []
    let size = 0
    for (const q of accumulator.nonEmptyQueues()) {
      if ((cluster.metadata.partition(q.topic, q.partition)?.leader ?? -1) !== node) continue
      const batch = q.nextToSend()
      if (batch === undefined || this.#readyAt(q, batch, node, now) > now) continue
      if (drained.length > 0 && size + batch.sizeBytes > options.maxRequestSize) continue
      if (identity !== null) {
        if (q.inFlight === 0 && q.sequenceEpoch !== identity.epoch && !this.#holdsUnresolved(q)) {
          this.#resetSequences(q, identity.epoch)
        }
        // A batch still stamped goes with that stamp, even of an older epoch: the broker may hold it.
        if (batch.baseSequence < 0) {
          batch.stamp(identity.producerId, identity.epoch, q.nextSequence, identity.transactional)
          q.nextSequence = (q.nextSequence + batch.recordCount) & 0x7fffffff
        }
      }
      batch.closed = true
      batch.inFlight = true
      batch.attempts++
      q.inFlight++
      q.inFlightNode = node
      size += batch.sizeBytes
      drained.push({ queue: q, batch })
    }
    return drained
  }

  // Re-stamps every batch of the partition. Only once nothing of it is in flight and the broker
  // can hold none of them ({@link #holdsUnresolved}), so nothing can be duplicated. In a new epoch
  // (KIP-360 bump) sequences restart at 0; in the same epoch (a batch failed and left a gap) they
  // continue after the last acknowledged batch, or after a failed batch the broker may hold.
  #resetSequences(q: PartitionQueue, epoch: number): void {
    const newEpoch = q.lastStampedEpoch !== epoch
    q.sequenceEpoch = epoch
    q.lastStampedEpoch = epoch
    if (newEpoch) {
      q.ackedNextSequence = 0
      q.ackedInEpoch = false
      q.unresolvedEnd = -1
    }
    q.nextSequence = q.unresolvedEnd >= 0 ? q.unresolvedEnd : q.ackedNextSequence
    for (const batch of q.batches) {
      batch.baseSequence = -1
      batch.ambiguous = false
      batch.stampLost = false
    }
  }

  // Whether the broker may hold a batch of the partition under its current stamp: one sent
  // without a definite answer, not since proven absent.
  #holdsUnresolved(q: PartitionQueue): boolean {
    const batches = q.batches
    for (let i = 0; i < batches.length; i++) {
      const b = batches[i] as ProducerBatch
      if (b.ambiguous && !b.stampLost && b.baseSequence >= 0) return true
    }
    return false
  }

  // The batch the broker should take next in the partition: right after the last acknowledged
  // one, or after a failed batch it may hold (a refusal of this one then proves that one absent).
  #isNextExpected(q: PartitionQueue, batch: ProducerBatch): boolean {
    if (batch.baseSequence < 0 || batch.producerEpoch !== q.lastStampedEpoch) return false
    return batch.baseSequence === (q.unresolvedEnd >= 0 ? q.unresolvedEnd : q.ackedNextSequence)
  }

  // The broker proved `batch` absent from the log, so no batch stamped after it in the same epoch
  // can be there either (sequences are taken in order): their stamps are void, whatever the
  // answers to attempts already made, and the partition is stamped anew once nothing is in flight.
  #loseFrom(q: PartitionQueue, batch: ProducerBatch): void {
    const batches = q.batches
    for (let i = Math.max(0, batches.indexOf(batch)); i < batches.length; i++) {
      const b = batches[i] as ProducerBatch
      if (b.baseSequence >= 0 && b.producerEpoch === batch.producerEpoch) {
        b.ambiguous = false
        b.stampLost = true
      }
    }
    this.#rewind(q)
  }

  async #produceRequest(drained: readonly Drained[], version: number, node: number): Promise<ProduceRequest> {
    const { cluster, options, identity } = this.#deps
    const encoded = await Promise.all(drained.map((d) => d.batch.encode(options.compressionType)))
    if (isTraced(produceBatchChannel)) {
      const broker = cluster.metadata.broker(node)
      const address = broker === undefined ? `node ${node}` : `${broker.host}:${broker.port}`
      startBatchTraces(drained.map((d) => d.batch), encoded, cluster.options.clientId, address, options.compressionType)
    }
    const byTopic = new Map<string, Array<{ index: number; records: Uint8Array }>>()
    drained.forEach((d, i) => {
      let list = byTopic.get(d.batch.topic)
      if (list === undefined) {
        list = []
        byTopic.set(d.batch.topic, list)
      }
      list.push({ index: d.batch.partition, records: encoded[i] as Buffer })
    })
    return produceApi.createRequest({
      transactionalId: identity?.transactionalId ?? null,
      acks: options.acks,
      timeoutMs: options.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({
        name: version >= 13 ? '' : name,
        topicId: version >= 13 ? (cluster.metadata.topic(name)?.topicId ?? ZERO_UUID) : ZERO_UUID,
        partitionData,
      })),
    })
  }

  #onResponse(drained: readonly Drained[], response: ProduceResponse, version: number): void {
    const results = new Map<string, ProduceResponsePartitionProduceResponse>()
    const topicNames = new Map<string, string>()
    if (version >= 13) {
      for (const d of drained) topicNames.set(this.#deps.cluster.metadata.topic(d.batch.topic)?.topicId ?? '', d.batch.topic)
    }
    for (const t of response.responses) {
      const topic = version >= 13 ? (topicNames.get(t.topicId) ?? '') : t.name
      for (const p of t.partitionResponses) results.set(partitionKey(topic, p.index), p)
    }
    for (const ep of response.nodeEndpoints) {
      this.#deps.cluster.metadata.addBroker({ nodeId: ep.nodeId, host: ep.host, port: ep.port, rack: ep.rack })
    }
    for (const d of drained) {
      const p = results.get(partitionKey(d.batch.topic, d.batch.partition))
      if (p === undefined) {
        this.#onBatchError(d.queue, d.batch, new KafkaBrokerError(-1, 'the broker left this partition out of its answer'), true)
      } else if (producerErrorAction('Produce', p.errorCode) === 'none') {
        // DUPLICATE_SEQUENCE_NUMBER: the broker already holds the batch, at an offset it does not say.
        const known = p.errorCode === ErrorCode.NONE
        this.#onBatchDone(d.queue, d.batch, known ? p.baseOffset : -1n, p.logAppendTimeMs)
      } else {
        if (p.currentLeader.leaderId >= 0) {
          this.#deps.cluster.metadata.updateLeader(d.batch.topic, d.batch.partition, p.currentLeader.leaderId, p.currentLeader.leaderEpoch)
        }
        const detail = p.recordErrors.length > 0 ? p.recordErrors.map((e) => `record ${e.batchIndex}: ${e.batchIndexErrorMessage ?? ''}`).join('; ') : null
        const message = [p.errorMessage, detail].filter((m) => m !== null && m !== '').join(' — ')
        const error = new KafkaBrokerError(
          p.errorCode,
          `${errorCodeInfo(p.errorCode).name} for ${d.batch.topic}-${d.batch.partition}${message === '' ? '' : `: ${message}`}`,
        )
        this.#onBatchError(d.queue, d.batch, error, produceErrorAfterAppend(p.errorCode))
      }
    }
  }

  #landed(q: PartitionQueue, batch: ProducerBatch): void {
    batch.inFlight = false
    q.inFlight--
    if (q.inFlight === 0) q.inFlightNode = -1
  }

  #onBatchDone(q: PartitionQueue, batch: ProducerBatch, baseOffset: bigint, logAppendTimeMs: bigint): void {
    this.#landed(q, batch)
    if (batch.trace !== undefined) endBatchTrace(batch, baseOffset)
    if (this.#deps.identity !== null && batch.producerEpoch === q.lastStampedEpoch && batch.baseSequence >= 0) {
      q.ackedInEpoch = true
      q.ackedNextSequence = (batch.baseSequence + batch.recordCount) & 0x7fffffff
      // A batch taken at or after the unresolved one's end: the broker held that one.
      if (q.unresolvedEnd >= 0 && ((batch.baseSequence - q.unresolvedEnd) & 0x7fffffff) < 0x40000000) q.unresolvedEnd = -1
    }
    this.#deps.accumulator.remove(q, batch)
    this.#deps.accumulator.release(batch.recordBytes)
    batch.complete(baseOffset, logAppendTimeMs)
  }

  // `ambiguous`: the request may have reached the broker (timeout, connection lost), never got a
  // per-partition answer, or was answered after the leader appended it; the batch might be in the log.
  #onBatchError(q: PartitionQueue, batch: ProducerBatch, error: KafkaError, ambiguous: boolean): void {
    if (batch.inFlight) this.#landed(q, batch)
    if (batch.trace !== undefined) failBatchTrace(batch, error)
    if (batch.done) return
    if (ambiguous && !batch.stampLost) batch.ambiguous = true
    const { options, identity, cluster } = this.#deps
    const now = Date.now()
    const action = errorAction(error)

    // A batch the broker may hold is never split: its parts would be new records to it.
    if (action === 'split-batch' && batch.recordCount > 1 && !batch.ambiguous) {
      this.#split(q, batch, now)
      return
    }
    if (identity !== null && action === 'reset-sequence') {
      if (batch.stampLost || !this.#isNextExpected(q, batch)) {
        // A batch before this one is still to land (in flight, or refused and retried first), or
        // this one is to be stamped anew: the refusal is that batch's gap, not a lost state.
        this.#scheduleRetry(batch, now)
        return
      }
      // The broker refused the batch it should have taken next: it lost this producer's sequence
      // for the partition (state expired, truncation), and holds neither this batch nor any
      // stamped after it.
      this.#loseFrom(q, batch)
      if (identity.transactional) {
        // Inside a transaction the epoch cannot move: the batch fails and the transaction must
        // abort. Later batches are retried behind it.
        this.#fail(q, batch, error)
        return
      }
      // A new epoch (KIP-360) restarts the partition's sequences at 0; other partitions take it
      // once the broker can hold none of their batches. The batch itself is retried.
      identity.bumpEpoch()
      this.#scheduleRetry(batch, now)
      return
    }
    const retriable = (action === 'retry' || action === 'refresh-metadata') && batch.attempts <= options.retries
    const withinDeadline = now - batch.createdAt < options.deliveryTimeoutMs || (identity !== null && batch.ambiguous)
    if (retriable && withinDeadline && !(this.#closing && cluster.isClosed)) {
      if (action === 'refresh-metadata') this.#metadataRefreshWanted = true
      this.#scheduleRetry(batch, now)
      return
    }
    this.#fail(q, batch, error)
  }

  #scheduleRetry(batch: ProducerBatch, now: number): void {
    const o = this.#deps.options
    batch.retryAt = now + backoffMs(batch.attempts - 1, { initialMs: o.retryBackoffMs, maxMs: o.retryBackoffMaxMs })
    this.#scheduleAt(batch.retryAt)
  }

  #split(q: PartitionQueue, batch: ProducerBatch, now: number): void {
    const sizes = batch.records.map((r) => recordSize(r.key, r.value, r.headers))
    const parts = batch.split(Math.max(1, Math.floor(batch.sizeBytes / 2)), sizes, now)
    // The parts take the batch's records, and so their reserved memory, between them.
    const before = batch.recordBytes
    const after = parts.reduce((n, p) => n + p.recordBytes, 0)
    // The refused batch's sequences are free, and no batch stamped after it is in the log:
    // restamp behind it once nothing is in flight. The parts are new batches.
    if (this.#deps.identity !== null) this.#loseFrom(q, batch)
    const i = q.batches.indexOf(batch)
    q.batches.splice(i, 1, ...parts)
    batch.retireInto(parts)
    this.#deps.accumulator.release(before - after)
  }

  #fail(q: PartitionQueue, batch: ProducerBatch, error: KafkaError): void {
    if (batch.inFlight) this.#landed(q, batch)
    if (this.#deps.identity !== null && batch.baseSequence >= 0) {
      if (!batch.ambiguous) {
        // The broker never appended this batch, so its sequence numbers are free again: later
        // batches must be re-stamped to close the gap, or the broker would reject them as out of order.
        this.#loseFrom(q, batch)
      } else if (batch.producerEpoch === q.lastStampedEpoch) {
        // It may be in the log: its sequences stay taken, and the batches behind keep their stamps.
        q.unresolvedEnd = (batch.baseSequence + batch.recordCount) & 0x7fffffff
      }
    }
    this.#deps.accumulator.remove(q, batch)
    this.#deps.accumulator.release(batch.recordBytes)
    batch.fail(error)
    this.#deps.onBatchFailed(batch, error)
  }

  // Forces a sequence reset for the partition once nothing of it is in flight.
  #rewind(q: PartitionQueue): void {
    q.sequenceEpoch = -1
  }

  #failAll(error: KafkaError): void {
    for (const q of this.#deps.accumulator.nonEmptyQueues()) {
      for (const batch of [...q.batches]) if (!batch.inFlight) this.#fail(q, batch, error)
    }
  }
}

// The table decides for a broker's answer; an error of the client's own (a lost connection, a
// timeout) may mean the leader moved, so a retry looks it up again.
function errorAction(error: KafkaError): ProducerErrorAction {
  if (error instanceof KafkaBrokerError) return producerErrorAction('Produce', error.code)
  return error.retriable ? 'refresh-metadata' : 'fail'
}
