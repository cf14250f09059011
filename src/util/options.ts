/**
 * Checks shared by the options of every role (the `Kafka` root, producer, consumer, admin): each
 * turns a bad value into a {@link KafkaConfigError} that names the option and says what it got, at
 * construction, rather than a failure later on a socket or a timer. Unknown option names are
 * errors too, with the closest known name as a suggestion: a misspelt option silently ignored is a
 * default the user did not choose.
 */

import { KafkaConfigError } from '../errors.js'

/** The largest value a Kafka int32 setting (and a Node timer) accepts. */
export const MAX_INT32 = 2 ** 31 - 1

/**
 * A short, safe description of a value for error messages: `a number (NaN)`, `a string ("x")`,
 * `a symbol`, `an object`. Never calls the value's own `toString` (which may throw or be absent),
 * and never prints a long string in full.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  switch (typeof value) {
    case 'number':
      return `a number (${String(value)})`
    case 'bigint':
      return `a bigint (${value.toString()}n)`
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`
    case 'boolean':
      return `a boolean (${String(value)})`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (Array.isArray(value)) return 'an array'
      if (value instanceof Uint8Array) return `bytes (${value.length})`
      if (value instanceof Date) return 'a Date'
      return 'an object'
  }
}

/** Checks that `options` is a plain options object (or absent, which means `{}`). */
export function optionsObject<T extends object>(role: string, options: T | undefined): T {
  if (options === undefined) return {} as T
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new KafkaConfigError(`${role} options: expected an object, got ${describeValue(options)}`)
  }
  return options
}

/** Checks that `value` is a whole number of milliseconds in range, or absent; returns it or the default. */
export function durationOption(name: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_INT32) {
    throw new KafkaConfigError(`${name}: expected a whole number of milliseconds from ${min} to ${MAX_INT32}, got ${describeValue(value)}`)
  }
  return value
}

/** Checks that `value` is a whole number (a size in bytes, a count) in range, or absent. */
export function sizeOption(name: string, value: unknown, fallback: number, min: number, max = MAX_INT32): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new KafkaConfigError(`${name}: expected a whole number from ${min} to ${max}, got ${describeValue(value)}`)
  }
  return value
}

/** Checks that `value` is a boolean, or absent. */
export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new KafkaConfigError(`${name}: expected true or false, got ${describeValue(value)}`)
  return value
}

/** Checks that `value` is one of `allowed`, or absent. */
export function oneOf<T extends string | number>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!allowed.includes(value as T)) {
    const list = allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')
    throw new KafkaConfigError(`${name}: expected one of ${list}, got ${describeValue(value)}`)
  }
  return value as T
}

/** Checks that `value` is a non-empty string, or absent (null). */
export function nonEmptyStringOption(name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value === '') {
    throw new KafkaConfigError(`${name}: expected a non-empty string, got ${describeValue(value)}`)
  }
  return value
}

/** Checks that `value` is an object with a method `method` (a serializer, a deserializer), or absent. */
export function pluginOption(name: string, value: unknown, method: string): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new KafkaConfigError(`${name}: expected an object with a ${method}() method, got ${describeValue(value)}`)
  }
}

/**
 * The known option names of a role. A `Record` over the options interface's keys, so that adding
 * an option to the interface without listing it here fails the type check instead of making the
 * new option "unknown" at run time.
 */
export type OptionNames<T> = Readonly<Record<keyof T, true>>

/**
 * Throws for an own property of `options` that is not a known option name, suggesting the
 * closest known one (`lingerMS` → `lingerMs`, `linger.ms` → `lingerMs`), or the kafkats name of a
 * setting known under another client's name (`hints`).
 */
export function checkOptionNames(
  role: string,
  options: object,
  known: OptionNames<object>,
  hints: Readonly<Record<string, string>> = {},
): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(known, name)) continue
    const suggestion = Object.hasOwn(hints, name) ? hints[name] : closestName(name, Object.keys(known))
    throw new KafkaConfigError(
      `${role} options: unknown option ${name}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`,
    )
  }
}

/**
 * The known name closest to `name`, or undefined when none is close enough to be a likely typo.
 * Names are compared without case and punctuation first (Java's `linger.ms`, `LINGER_MS`), then by
 * edit distance, allowing two edits (a dropped `Ms`) or about one per four characters.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = normalize(name)
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of known) {
    const distance = editDistance(wanted, normalize(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  const allowed = Math.max(2, Math.floor(wanted.length / 4))
  return bestDistance <= allowed ? best : undefined
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Levenshtein distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  let before = new Array<number>(b.length + 1).fill(0)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  let current = new Array<number>(b.length + 1).fill(0)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] as number) + 1)
      current[j] = d
    }
    ;[before, previous, current] = [previous, current, before]
  }
  return previous[b.length] as number
}
