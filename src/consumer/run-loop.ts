/**
 * `consumer.run()`: workers that take chunks and await the application's handler on them.
 *
 * Up to `partitionsConsumedConcurrently` partitions are processed at once, each by one worker,
 * so records of a partition are handled one after another in offset order. A message counts as
 * processed when `eachMessage` resolves; with `eachBatch`, when the handler resolves (every
 * message) or through `resolveOffset` (partial progress that survives a throw).
 *
 * A handler that throws stops its partition: the position goes back to the failed record and the
 * partition is paused, so nothing past it is processed or committed; the run then ends with a
 * {@link KafkaHandlerError}. Workers of other partitions finish the message they are on.
 */

import type { KafkaError } from '../errors.js'
import { isTraced, processChannel, type ProcessTrace } from '../observability/channels.js'
import type { RecordHeader } from '../protocol/record.js'
import { KafkaHandlerError } from './errors.js'
import type { Chunk, Consumption, MessageSource, Positioned } from './message-source.js'
import type { SubscriptionState } from './subscription-state.js'

/** The records of one partition given to `eachBatch`. */
export interface ConsumerBatch<M> {
  readonly topic: string
  readonly partition: number
  readonly messages: readonly M[]
  /** The partition's high watermark at the last fetch (-1 before one). */
  readonly highWatermark: bigint
  /**
   * Marks the messages up to and including `offset` as processed before the handler returns, so
   * their progress is kept (and committed) even if the handler throws later.
   */
  resolveOffset(offset: bigint): void
  /**
   * True once the rest of this batch will not count: the partition was revoked, paused or
   * seeked, or the run is stopping. Long handlers may check it and return early.
   */
  isStale(): boolean
}

/** What the run loop needs of a message (the fields past the position are for its trace). */
export type RunMessage = Positioned & {
  readonly topic: string
  readonly partition: number
  readonly key: unknown
  readonly headers: readonly RecordHeader[]
  readonly timestamp: number
}

export type EachMessage<M> = (message: M) => Promise<void> | void
export type EachBatch<M> = (batch: ConsumerBatch<M>) => Promise<void> | void

export type RunHandler<M> = { readonly eachMessage: EachMessage<M> } | { readonly eachBatch: EachBatch<M> }

export interface RunLoopDeps<M extends RunMessage> {
  readonly source: MessageSource<M>
  readonly subscriptions: SubscriptionState
  /** A handler failed: the consumer reports it (error event) before the run ends. */
  readonly onHandlerError: (error: KafkaError) => void
  /** Handlers running now, across workers (the consumer's disconnect looks at it). */
  readonly activity: { handlers: number }
  /** Who is consuming, for the kafkats:consumer:process trace. */
  readonly clientId: string
  readonly groupId: string | null
}

/** Runs `workers` workers until `consumption` stops. */
export async function runLoop<M extends RunMessage>(
  deps: RunLoopDeps<M>,
  consumption: Consumption,
  handler: RunHandler<M>,
  workers: number,
): Promise<void> {
  await Promise.all(Array.from({ length: workers }, () => worker(deps, consumption, handler)))
}

async function worker<M extends RunMessage>(
  deps: RunLoopDeps<M>,
  consumption: Consumption,
  handler: RunHandler<M>,
): Promise<void> {
  const { source } = deps
  for (;;) {
    const chunk = await source.next(consumption)
    if (chunk === null) return
    let handedOut = 0
    try {
      handedOut = 'eachMessage' in handler
        ? await eachMessage(deps, consumption, chunk, handler.eachMessage)
        : await eachBatch(deps, consumption, chunk, handler.eachBatch)
    } finally {
      source.release(chunk, handedOut)
    }
  }
}

function interrupted<M>(consumption: Consumption, chunk: Chunk<M>): boolean {
  const { state } = chunk
  return consumption.stopped || state.generation !== chunk.generation || state.paused || state.revoking
}

/** Returns how many messages were handed out and finished. */
async function eachMessage<M extends RunMessage>(
  deps: RunLoopDeps<M>,
  consumption: Consumption,
  chunk: Chunk<M>,
  handle: EachMessage<M>,
): Promise<number> {
  const messages = chunk.messages
  for (let i = 0; i < messages.length; i++) {
    if (interrupted(consumption, chunk)) return i
    const message = messages[i] as M
    deps.activity.handlers++
    try {
      if (isTraced(processChannel)) await traced(deps, chunk, [message], 'message', handle, message)
      else await handle(message)
    } catch (cause) {
      failed(deps, consumption, chunk, message.offset, cause)
      return i
    } finally {
      deps.activity.handlers--
    }
    deps.source.processed(chunk, message)
  }
  return messages.length
}

async function eachBatch<M extends RunMessage>(
  deps: RunLoopDeps<M>,
  consumption: Consumption,
  chunk: Chunk<M>,
  handle: EachBatch<M>,
): Promise<number> {
  const { state, messages } = chunk
  let resolved = 0
  const batch: ConsumerBatch<M> = {
    topic: state.topic,
    partition: state.partition,
    messages,
    highWatermark: state.highWatermark,
    resolveOffset(offset: bigint): void {
      while (resolved < messages.length && (messages[resolved] as M).offset <= offset) {
        deps.source.processed(chunk, messages[resolved] as M)
        resolved++
      }
    },
    isStale: () => interrupted(consumption, chunk),
  }
  deps.activity.handlers++
  try {
    if (isTraced(processChannel)) await traced(deps, chunk, messages, 'batch', handle, batch)
    else await handle(batch)
  } catch (cause) {
    const offset = resolved < messages.length ? (messages[resolved] as M).offset : state.processedOffset
    failed(deps, consumption, chunk, offset, cause)
    return resolved
  } finally {
    deps.activity.handlers--
  }
  // The handler finished every message, even if the partition was paused meanwhile.
  batch.resolveOffset((messages[messages.length - 1] as M).offset)
  return messages.length
}

// The handler's call under kafkats:consumer:process: it runs inside the trace (stores bound to
// `start` are its async context), and the trace ends when its promise settles.
function traced<M extends RunMessage, A>(
  deps: RunLoopDeps<M>,
  chunk: Chunk<M>,
  messages: readonly M[],
  mode: ProcessTrace['mode'],
  handle: (argument: A) => Promise<void> | void,
  argument: A,
): Promise<void> {
  const context: ProcessTrace = {
    clientId: deps.clientId,
    groupId: deps.groupId,
    topic: chunk.state.topic,
    partition: chunk.state.partition,
    messages,
    mode,
  }
  // tracePromise takes a function returning a promise; a synchronous handler's throw becomes its rejection.
  return processChannel.tracePromise(async () => handle(argument), context)
}

function failed<M extends RunMessage>(
  deps: RunLoopDeps<M>,
  consumption: Consumption,
  chunk: Chunk<M>,
  offset: bigint,
  cause: unknown,
): void {
  const { state } = chunk
  const error = new KafkaHandlerError(state, offset, cause)
  if (state.generation === chunk.generation) {
    // Back to the failed record, and hold the partition there until the application resumes it.
    deps.subscriptions.rewindToProcessed(state)
    state.paused = true
  }
  deps.onHandlerError(error)
  consumption.stop(error)
}
