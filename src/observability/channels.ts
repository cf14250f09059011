/**
 * diagnostics_channel instruments (Node's `node:diagnostics_channel`): tools subscribe by name and
 * kafkats publishes only while someone listens, so an unobserved client pays one boolean check
 * per operation.
 *
 * | channel | kind | context |
 * | --- | --- | --- |
 * | `kafkats:network:request` | TracingChannel | {@link RequestTrace} |
 * | `kafkats:network:connection` | Channel | {@link ConnectionEvent} |
 * | `kafkats:producer:send` | TracingChannel | {@link SendTrace} |
 * | `kafkats:producer:batch` | TracingChannel | {@link ProduceBatchTrace} |
 * | `kafkats:transaction:init` / `:commit` / `:abort` / `:send-offsets` | TracingChannel | {@link TransactionTrace} |
 * | `kafkats:consumer:fetch` | TracingChannel | {@link FetchTrace} |
 * | `kafkats:consumer:process` | TracingChannel | {@link ProcessTrace} |
 * | `kafkats:consumer:commit` | TracingChannel | {@link CommitTrace} |
 * | `kafkats:consumer:lag` | Channel | {@link LagEvent} |
 * | `kafkats:group:join` / `:sync` / `:heartbeat` | TracingChannel | {@link GroupTrace} |
 * | `kafkats:admin:call` | TracingChannel | {@link AdminTrace} |
 *
 * A TracingChannel publishes `start` before the operation, `end` when its synchronous part
 * returns, `asyncStart`/`asyncEnd` when its promise settles and `error` if it fails; the context
 * object is the same in all five, and fields marked "set at the end" are filled in before
 * `asyncStart`. Contexts are live objects: read them in the listener, do not keep them.
 *
 * Subscribe with `diagnostics_channel.tracingChannel('kafkats:network:request').subscribe({ … })`
 * or `diagnostics_channel.subscribe('kafkats:network:connection', listener)`.
 */

import { channel, tracingChannel, type TracingChannel } from 'node:diagnostics_channel'

/** One request on the wire, from the moment it is handed to a connection to its answer. */
export interface RequestTrace {
  /** The API's name, as Kafka's schemas spell it (`Produce`, `Fetch`, `JoinGroup` …). */
  readonly api: string
  readonly apiKey: number
  readonly version: number
  /** `host:port` of the broker. */
  readonly broker: string
  /** False for requests the broker does not answer (Produce with acks=0). */
  readonly expectResponse: boolean
  /** Set once the request is framed (-1 before). */
  correlationId: number
  /** Size of the request frame (its 4-byte size prefix included), set once framed. */
  requestBytes: number
  /** Size of the response frame (size prefix included), set when it arrives (0 for one-way requests). */
  responseBytes: number
  /** Set by the TracingChannel: the decoded response, or the error the request failed with. */
  result?: unknown
  error?: unknown
}

/** A connection opened, closed on purpose, lost, or refused. */
export interface ConnectionEvent {
  readonly type: 'opened' | 'closed' | 'lost' | 'refused'
  readonly broker: string
  /** Which of the client's sockets to the broker (`default`, `produce`, `fetch`, `group` …). */
  readonly purpose: string
  readonly error?: unknown
}

export const requestChannel: TracingChannel<unknown, RequestTrace> = tracingChannel('kafkats:network:request')
export const connectionChannel = channel('kafkats:network:connection')

/** Does anyone listen to a tracing channel? (`TracingChannel#hasSubscribers` is Node ≥ 20.13.) */
export function isTraced(trace: TracingChannel<unknown, object>): boolean {
  return trace.start.hasSubscribers || trace.end.hasSubscribers || trace.asyncStart.hasSubscribers || trace.asyncEnd.hasSubscribers || trace.error.hasSubscribers
}

/** Publishes a connection event when someone listens. */
export function publishConnection(event: ConnectionEvent): void {
  if (connectionChannel.hasSubscribers) connectionChannel.publish(event)
}

// ---------------------------------------------------------------------------------------------
// Producer

/**
 * One record's send, from `send()` (or one record of `sendBatch()`) until the broker acknowledged
 * it or it failed for good. `start` runs before the record is serialized: a listener may add
 * headers (a trace context) to {@link SendTrace.headers}, which the record is then sent with.
 */
export interface SendTrace {
  readonly clientId: string
  readonly transactionalId: string | null
  readonly topic: string
  /** The partition asked for; the partition chosen is in `result`. */
  readonly partition: number | null
  /** The record's key before serialization (what the application passed). */
  readonly key: unknown
  /**
   * The headers the record will be sent with: a copy of the record's own, as an array, which
   * `start` listeners may append to. The application's object is never changed.
   */
  readonly headers: Array<{ key: string; value: string | Uint8Array | null }>
  /** Set at the end: where the record was written (`RecordMetadata`). */
  result?: { readonly topic: string; readonly partition: number; readonly offset: bigint; readonly timestamp: number }
  /** Set at the end when the record's batch went out: the leader's `host:port`. */
  broker?: string
  error?: unknown
}

/**
 * One attempt to send a record batch in a Produce request, from the request's start to the
 * partition's answer (a retry is a new trace, with a higher `attempt`).
 */
export interface ProduceBatchTrace {
  readonly clientId: string
  readonly broker: string
  readonly topic: string
  readonly partition: number
  readonly recordCount: number
  /** Encoded size of the batch (after compression). */
  readonly bytes: number
  /** Size of the records before compression. */
  readonly uncompressedBytes: number
  readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  /** 0 for the first attempt, 1 for the first retry … */
  readonly attempt: number
  /** Set at the end: the batch's first offset (-1n with acks=0). */
  baseOffset?: bigint
  error?: unknown
}

/** A transaction call (`initTransactions`, `commitTransaction`, `abortTransaction`, `sendOffsetsToTransaction`). */
export interface TransactionTrace {
  readonly clientId: string
  readonly transactionalId: string
  /** Set once known (after `init`), else -1n. */
  producerId: bigint
  producerEpoch: number
  /** For `send-offsets`: the group the offsets are committed under. */
  readonly groupId?: string
  error?: unknown
}

// ---------------------------------------------------------------------------------------------
// Consumer

/** One Fetch request to one broker. */
export interface FetchTrace {
  readonly clientId: string
  readonly groupId: string | null
  readonly broker: string
  /** Partitions asked for. */
  readonly partitionCount: number
  /**
   * Set at the end: every partition of the response. `records` is read off the batch headers of
   * the complete batches (control records included), `bytes` is the partition's record bytes.
   */
  partitions?: ReadonlyArray<{
    readonly topic: string
    readonly partition: number
    readonly records: number
    readonly bytes: number
    readonly highWatermark: bigint
    readonly lastStableOffset: bigint
    readonly errorCode: number
  }>
  error?: unknown
}

/**
 * One call of the application's handler in `run()`: `eachMessage` for one message, or `eachBatch`
 * for the messages of one partition. The handler runs inside the trace (`tracePromise`), so a
 * listener that binds an AsyncLocalStorage to `start` sees its store in the handler.
 */
export interface ProcessTrace {
  readonly clientId: string
  readonly groupId: string | null
  readonly topic: string
  readonly partition: number
  /** The message (eachMessage) or the batch's messages (eachBatch), after deserialization. */
  readonly messages: ReadonlyArray<{
    readonly offset: bigint
    readonly key: unknown
    readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Uint8Array | null }>
    readonly timestamp: number
  }>
  readonly mode: 'message' | 'batch'
  error?: unknown
}

/** One OffsetCommit (or the offsets of a transaction, see {@link TransactionTrace}). */
export interface CommitTrace {
  readonly clientId: string
  readonly groupId: string
  /**
   * `auto` for auto-commits and the commit before a rebalance (or of partitions `assign()` dropped);
   * `sync` for the application's `consumer.commit()` (awaited or not: kafkats has one explicit
   * commit call). `async` is not published today; it is kept for a future fire-and-forget call.
   */
  readonly trigger: 'auto' | 'sync' | 'async'
  readonly offsets: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offset: bigint }>
  error?: unknown
}

/**
 * A partition's lag, published as fetch responses arrive (no extra request): how far the
 * consumer's position is behind the high watermark and, for read_committed, the last stable offset.
 */
export interface LagEvent {
  readonly clientId: string
  readonly groupId: string | null
  readonly topic: string
  readonly partition: number
  readonly position: bigint
  readonly highWatermark: bigint
  readonly lastStableOffset: bigint
  /** `highWatermark - position` (read_uncommitted) or `lastStableOffset - position` (read_committed), never below 0n. */
  readonly lag: bigint
}

// ---------------------------------------------------------------------------------------------
// Groups and admin

/**
 * A JoinGroup, SyncGroup, Heartbeat or (KIP-848) ConsumerGroupHeartbeat of a group member (its
 * leave, epoch -1/-2, included), from the moment the coordinator is known to its answer.
 */
export interface GroupTrace {
  readonly clientId: string
  readonly groupId: string
  readonly protocol: 'classic' | 'consumer'
  /** The coordinator's `host:port`. */
  readonly broker: string
  /** As sent ('' before the first join). */
  readonly memberId: string
  /** As sent: the generation (-1 for JoinGroup, which names none), or the member epoch for the consumer protocol. */
  readonly generationId: number
  /** Set at the end: the Kafka error code of the answer (0 for none). */
  errorCode?: number
  error?: unknown
}

/** One admin client call (`createTopics`, `describeGroups` …), across every request it sends. */
export interface AdminTrace {
  readonly clientId: string
  /** The Admin method's name. */
  readonly operation: string
  error?: unknown
}

export const sendChannel: TracingChannel<unknown, SendTrace> = tracingChannel('kafkats:producer:send')
export const produceBatchChannel: TracingChannel<unknown, ProduceBatchTrace> = tracingChannel('kafkats:producer:batch')
export const transactionChannels = {
  init: tracingChannel<unknown, TransactionTrace>('kafkats:transaction:init'),
  commit: tracingChannel<unknown, TransactionTrace>('kafkats:transaction:commit'),
  abort: tracingChannel<unknown, TransactionTrace>('kafkats:transaction:abort'),
  sendOffsets: tracingChannel<unknown, TransactionTrace>('kafkats:transaction:send-offsets'),
} as const
export const fetchChannel: TracingChannel<unknown, FetchTrace> = tracingChannel('kafkats:consumer:fetch')
export const processChannel: TracingChannel<unknown, ProcessTrace> = tracingChannel('kafkats:consumer:process')
export const commitChannel: TracingChannel<unknown, CommitTrace> = tracingChannel('kafkats:consumer:commit')
export const lagChannel = channel('kafkats:consumer:lag')
export const groupChannels = {
  join: tracingChannel<unknown, GroupTrace>('kafkats:group:join'),
  sync: tracingChannel<unknown, GroupTrace>('kafkats:group:sync'),
  heartbeat: tracingChannel<unknown, GroupTrace>('kafkats:group:heartbeat'),
} as const
export const adminChannel: TracingChannel<unknown, AdminTrace> = tracingChannel('kafkats:admin:call')
