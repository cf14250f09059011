/**
 * The checks of the consumer's call arguments (partitions, subscriptions, commit offsets, run
 * handlers): a wrong type is a {@link KafkaConfigError} that names the call and what it got, at
 * the call, rather than a TypeError from deep inside or a value written to the wire as something
 * else (a NaN partition encodes as partition 0).
 */

import { KafkaConfigError } from '../errors.js'
import { checkSignal } from '../util/abort.js'
import { describeValue, sizeOption } from '../util/options.js'
import type { SubscribeOptions } from './consumer-types.js'
import type { Subscription } from './membership.js'

/** Checks one `{ topic, partition }`. */
export function checkTopicPartition(what: string, tp: unknown): void {
  if (typeof tp !== 'object' || tp === null) {
    throw new KafkaConfigError(`${what}: expected { topic, partition }, got ${describeValue(tp)}`)
  }
  const { topic, partition } = tp as { topic?: unknown; partition?: unknown }
  if (typeof topic !== 'string' || topic === '') {
    throw new KafkaConfigError(`${what}: topic must be a non-empty string, got ${describeValue(topic)}`)
  }
  if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0 || partition > 0x7fffffff) {
    throw new KafkaConfigError(`${what}: partition of ${topic} must be a whole number >= 0, got ${describeValue(partition)}`)
  }
}

/** Checks a list of `{ topic, partition }`. */
export function checkTopicPartitions(what: string, list: unknown): void {
  if (!Array.isArray(list)) {
    throw new KafkaConfigError(`${what}: expected an array of { topic, partition }, got ${describeValue(list)}`)
  }
  for (const tp of list) checkTopicPartition(what, tp)
}

/** Checks the argument of `subscribe` is an object before its fields are read. */
export function checkSubscribeArgument(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const hint = typeof options === 'string' || Array.isArray(options) ? ` (wrap the topics: subscribe({ topics: [...] }))` : ''
    throw new KafkaConfigError(`subscribe: expected { topics: [names] } or { pattern: RegExp }, got ${describeValue(options)}${hint}`)
  }
}

/** Checks the offsets given to `commit`: a list of `{ topic, partition, offset }`, offsets bigints >= 0. */
export function checkCommitOffsets(offsets: unknown): void {
  if (!Array.isArray(offsets)) return
  for (const o of offsets) {
    checkTopicPartition('commit', o)
    const { topic, partition, offset, leaderEpoch, metadata } = o as Record<string, unknown>
    if (typeof offset !== 'bigint' || offset < 0n) {
      throw new KafkaConfigError(`commit: offset of ${String(topic)}-${String(partition)} must be a bigint >= 0, got ${describeValue(offset)}`)
    }
    if (leaderEpoch !== undefined && (typeof leaderEpoch !== 'number' || !Number.isInteger(leaderEpoch) || leaderEpoch < -1)) {
      throw new KafkaConfigError(`commit: leaderEpoch of ${String(topic)}-${String(partition)} must be a whole number >= -1, got ${describeValue(leaderEpoch)}`)
    }
    if (metadata !== undefined && metadata !== null && typeof metadata !== 'string') {
      throw new KafkaConfigError(`commit: metadata of ${String(topic)}-${String(partition)} must be a string or null, got ${describeValue(metadata)}`)
    }
  }
}

/** Checks that what `commit` got is a message or a list of offsets. */
export function checkCommitArgument(offsets: unknown): void {
  if (offsets === undefined || Array.isArray(offsets)) return
  const message = offsets as { topic?: unknown; partition?: unknown; offset?: unknown } | null
  if (typeof message !== 'object' || message === null || typeof message.offset !== 'bigint') {
    throw new KafkaConfigError(`commit: expected a message or a list of { topic, partition, offset }, got ${describeValue(offsets)}`)
  }
  checkTopicPartition('commit', message)
}

/** Checks the argument of `run` is an object before its fields are read. */
export function checkRunArgument(options: unknown): void {
  if (typeof options !== 'object' || options === null) {
    throw new KafkaConfigError(`run: expected { eachMessage } or { eachBatch }, got ${describeValue(options)}`)
  }
}

/** The handler and worker count of `run`, checked. */
export function runHandler<H extends { eachMessage: unknown } | { eachBatch: unknown }>(
  options: H & { readonly partitionsConsumedConcurrently?: number; readonly signal?: unknown },
): { handler: H; workers: number } {
  checkRunArgument(options)
  const workers = sizeOption('partitionsConsumedConcurrently', options.partitionsConsumedConcurrently, 1, 1)
  const handler = ('eachMessage' in options ? { eachMessage: options.eachMessage } : { eachBatch: options.eachBatch }) as H
  if (typeof ('eachMessage' in handler ? handler.eachMessage : handler.eachBatch) !== 'function') {
    throw new KafkaConfigError('run: eachMessage or eachBatch must be a function')
  }
  checkSignal('run()', options.signal)
  return { handler, workers }
}

/** The subscription `subscribe` was given: a RegExp, or a non-empty list of topic names (deduplicated). */
export function toSubscription(options: SubscribeOptions): Subscription {
  if ('pattern' in options && options.pattern !== undefined) {
    if (!(options.pattern instanceof RegExp)) throw new KafkaConfigError('subscribe: pattern must be a RegExp')
    return { pattern: options.pattern }
  }
  const topics = 'topics' in options ? options.topics : undefined
  if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string' || t === '')) {
    throw new KafkaConfigError('subscribe: expected { topics: [non-empty names] } or { pattern: RegExp }')
  }
  return { topics: [...new Set(topics as string[])] }
}

/** Checks a seek target: an offset (bigint or safe integer) >= 0, `'earliest'`, `'latest'` or `{ timestamp }`. */
export function checkSeekTarget(what: string, target: unknown): void {
  if (target === 'earliest' || target === 'latest') return
  if (typeof target === 'bigint' && target >= 0n) return
  if (typeof target === 'number' && Number.isSafeInteger(target) && target >= 0) return
  if (typeof target === 'object' && target !== null && !Array.isArray(target)) {
    const timestamp = (target as { timestamp?: unknown }).timestamp
    if (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) return
    throw new KafkaConfigError(`${what}: timestamp must be a whole number of ms >= 0, got ${describeValue(timestamp)}`)
  }
  throw new KafkaConfigError(`${what}: expected an offset >= 0 (bigint or whole number), 'earliest', 'latest' or { timestamp }, got ${describeValue(target)}`)
}
