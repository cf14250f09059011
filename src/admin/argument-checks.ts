/**
 * Checks of admin call arguments that would otherwise reach the wire as something else (a NaN
 * partition count encodes as 0) or fail as a TypeError inside an encoder: each is a
 * {@link KafkaConfigError} naming the call, the resource and what it got, before any request.
 */

import { KafkaConfigError } from '../errors.js'
import { describeValue, sizeOption } from '../util/options.js'

/** Checks a list of resource names (topics, group ids): an array of non-empty strings. */
export function checkNames(what: string, names: unknown, kind = 'name'): asserts names is readonly string[] {
  if (!Array.isArray(names)) {
    throw new KafkaConfigError(`${what}: expected an array of ${kind}s, got ${describeValue(names)}`)
  }
  for (const name of names) {
    if (typeof name !== 'string' || name === '') {
      throw new KafkaConfigError(`${what}: every ${kind} must be a non-empty string, got ${describeValue(name)}`)
    }
  }
}

/** Checks a list of objects, each with a non-empty string under `key`. */
export function checkEntries(what: string, entries: unknown, key: string): asserts entries is ReadonlyArray<Record<string, unknown>> {
  if (!Array.isArray(entries)) {
    throw new KafkaConfigError(`${what}: expected an array, got ${describeValue(entries)}`)
  }
  for (const entry of entries) {
    if (typeof entry !== 'object' || entry === null) {
      throw new KafkaConfigError(`${what}: expected objects with a ${key}, got ${describeValue(entry)}`)
    }
    const name = (entry as Record<string, unknown>)[key]
    if (typeof name !== 'string' || name === '') {
      throw new KafkaConfigError(`${what}: ${key} must be a non-empty string, got ${describeValue(name)}`)
    }
  }
}

/**
 * Checks an optional whole number from `min` to `max`; `sentinel` (such as -1, "the broker's
 * default") is allowed too.
 */
export function checkCount(
  what: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  sentinel?: number,
): void {
  if (sentinel !== undefined && value === sentinel) return
  sizeOption(`${what}: ${field}`, value, min, min, max)
}
