/**
 * The `kafkats:producer:batch` trace of each attempt to send a record batch: started when its
 * Produce request is built, ended by the partition's answer (or the request's failure).
 *
 * A batch's life is a pair of callbacks in the sender, not one promise, so the trace's events are
 * published by hand in TracingChannel order: `start` and `end` as the request goes out,
 * `asyncStart` and `asyncEnd` with the answer, `error` before them when it failed.
 */

import type { KafkaError } from '../errors.js'
import { isTraced, produceBatchChannel, type ProduceBatchTrace } from '../observability/channels.js'
import type { CompressionName } from '../protocol/compression/index.js'
import type { ProducerBatch } from './producer-batch.js'

/** Starts the traces of the batches going out in one request (no-op while nobody listens). */
export function startBatchTraces(
  batches: readonly ProducerBatch[],
  encoded: readonly Uint8Array[],
  clientId: string,
  broker: string,
  compression: CompressionName,
): void {
  if (!isTraced(produceBatchChannel)) return
  batches.forEach((batch, i) => {
    const trace: ProduceBatchTrace = {
      clientId,
      broker,
      topic: batch.topic,
      partition: batch.partition,
      recordCount: batch.recordCount,
      bytes: (encoded[i] as Uint8Array).length,
      uncompressedBytes: batch.sizeBytes,
      compression,
      // The drain counted this attempt already.
      attempt: batch.attempts - 1,
    }
    batch.trace = trace
    produceBatchChannel.start.publish(trace)
    produceBatchChannel.end.publish(trace)
  })
}

/** The batch was written at `baseOffset` (-1n with acks=0). */
export function endBatchTrace(batch: ProducerBatch, baseOffset: bigint): void {
  const trace = batch.trace
  if (trace === undefined) return
  batch.trace = undefined
  trace.baseOffset = baseOffset
  produceBatchChannel.asyncStart.publish(trace)
  produceBatchChannel.asyncEnd.publish(trace)
}

/** This attempt failed (the batch may be retried: a retry is a new trace). */
export function failBatchTrace(batch: ProducerBatch, error: KafkaError): void {
  const trace = batch.trace
  if (trace === undefined) return
  batch.trace = undefined
  trace.error = error
  produceBatchChannel.error.publish(trace)
  produceBatchChannel.asyncStart.publish(trace)
  produceBatchChannel.asyncEnd.publish(trace)
}
