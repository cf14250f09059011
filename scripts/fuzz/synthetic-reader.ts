/**
 * Sample messages for fuzzing, built from the generated codecs alone (no schema JSON): a generated
 * decoder is run against a reader that invents every value it is asked for. The decoder's own
 * version checks then decide which fields exist, so the result is a valid message of exactly that
 * API version; encoding it gives a valid frame to mutate.
 *
 * The generated decoders call the reader only through the primitive reads below, `sub()` and
 * `raw()` for tagged fields, and `remaining` (to check a tagged field was read to its end). A
 * tagged-field section appears as `unsignedVarint()` (the count), then per field `unsignedVarint()`
 * (tag), `unsignedVarint()` (size) and `sub(size)` or `raw(size)`: no other read happens on the same
 * reader in between, so a small state machine tells the three varints apart.
 */

import type { Reader, UnknownTaggedField } from '../../src/protocol/reader.js'

/** How a sample fills what the schema leaves open. */
export interface SampleShape {
  /** Elements per array (0 gives empty arrays, so nested structs disappear). */
  readonly arrayLength: number
  /** Answer null to nullable strings, bytes and arrays (arrays fall back when null is refused). */
  readonly nulls: boolean
  /** Put tagged fields (known ones and unknown ones) in every flexible struct. */
  readonly tags: boolean
}

/** Tags offered in a tagged section: the low ones hit the schemas' known tags, the last is unknown. */
const OFFERED_TAGS = [0, 1, 2, 3, 4, 5, 90]
const UNKNOWN_TAG_DATA = Buffer.from('tag!')

/** Shared by a reader and its sub-readers: the counter behind every value, and the refused nulls. */
class Choices {
  calls = 0
  value = 0
  /** Call numbers at which a null was refused by the decoder; answered with a value instead. */
  readonly refusedNulls = new Set<number>()
  lastNullCall = -1
}

type TagState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'tag'; readonly index: number }
  | { readonly kind: 'size'; readonly index: number }
  | { readonly kind: 'content'; readonly index: number }

class SyntheticReader {
  #tagState: TagState = { kind: 'idle' }

  constructor(
    private readonly shape: SampleShape,
    private readonly choices: Choices,
  ) {}

  #n(): number {
    this.choices.calls++
    return ++this.choices.value
  }

  get remaining(): number {
    return 0
  }

  get offset(): number {
    return 0
  }

  int8(): number {
    return (this.#n() % 100) - 50
  }
  uint8(): number {
    return this.#n() % 256
  }
  boolean(): boolean {
    return this.#n() % 2 === 1
  }
  int16(): number {
    const n = this.#n()
    return n % 2 === 0 ? 1000 + (n % 20000) : -1000 - (n % 20000)
  }
  uint16(): number {
    return 60000 + (this.#n() % 5000)
  }
  int32(): number {
    const n = this.#n()
    return n % 2 === 0 ? 100_000 + n : -100_000 - n
  }
  uint32(): number {
    return 4_000_000_000 + this.#n()
  }
  int64(): bigint {
    const n = BigInt(this.#n())
    return n % 2n === 0n ? (1n << 40n) + n : -(1n << 50n) - n
  }
  float64(): number {
    return this.#n() + 0.25
  }
  uuid(): string {
    const bytes = Buffer.alloc(16, this.#n() & 0xff)
    bytes[0] = 0x5a
    return bytes.toString('base64url')
  }

  string(): string {
    return `s${this.#n()}-é`
  }
  compactString(): string {
    return this.string()
  }
  nullableString(): string | null {
    return this.#null() ? null : this.string()
  }
  compactNullableString(): string | null {
    return this.nullableString()
  }
  bytes(): Buffer {
    return Buffer.from([this.#n() & 0xff, 1, 2, 3])
  }
  compactBytes(): Buffer {
    return this.bytes()
  }
  nullableBytes(): Buffer | null {
    return this.#null() ? null : this.bytes()
  }
  compactNullableBytes(): Buffer | null {
    return this.nullableBytes()
  }

  arrayLength(): number {
    return this.#null() ? -1 : this.shape.arrayLength
  }
  compactArrayLength(): number {
    return this.arrayLength()
  }

  #null(): boolean {
    this.#n()
    const call = this.choices.calls
    if (!this.shape.nulls || this.choices.refusedNulls.has(call)) return false
    this.choices.lastNullCall = call
    return true
  }

  taggedFields(): UnknownTaggedField[] | undefined {
    this.#n()
    if (!this.shape.tags) return undefined
    return [
      { tag: 7, data: Buffer.from([0xab]) },
      { tag: 120, data: UNKNOWN_TAG_DATA },
    ]
  }

  unsignedVarint(): number {
    this.#n()
    const state = this.#tagState
    switch (state.kind) {
      case 'idle': {
        const count = this.shape.tags ? OFFERED_TAGS.length : 0
        if (count > 0) this.#tagState = { kind: 'tag', index: 0 }
        return count
      }
      case 'tag':
        this.#tagState = { kind: 'size', index: state.index }
        return OFFERED_TAGS[state.index]!
      case 'size':
        this.#tagState = { kind: 'content', index: state.index }
        return UNKNOWN_TAG_DATA.length
      case 'content':
        throw new Error('synthetic reader: a tagged field was not read through sub() or raw()')
    }
  }

  #contentRead(): void {
    const state = this.#tagState
    if (state.kind !== 'content') throw new Error(`synthetic reader: sub()/raw() outside a tagged field (${state.kind})`)
    this.#tagState = state.index + 1 < OFFERED_TAGS.length ? { kind: 'tag', index: state.index + 1 } : { kind: 'idle' }
  }

  sub(): SyntheticReader {
    this.#contentRead()
    return new SyntheticReader(this.shape, this.choices)
  }

  raw(): Buffer {
    this.#contentRead()
    return UNKNOWN_TAG_DATA
  }
}

/** Most decoder re-runs spent finding which arrays refuse null; schemas have far fewer arrays. */
const MAX_ATTEMPTS = 2_000

/**
 * Runs `decode` against an inventing reader and returns the message it builds. With `nulls`, an
 * array the decoder refuses as null (it throws right after reading the count) is answered with
 * elements on the next run; every run asks the same questions in the same order up to that point.
 */
export function synthesize<T>(decode: (r: Reader) => T, shape: SampleShape): T {
  const refused = new Set<number>()
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const choices = new Choices()
    for (const call of refused) choices.refusedNulls.add(call)
    try {
      return decode(new SyntheticReader(shape, choices) as unknown as Reader)
    } catch (err) {
      if (!shape.nulls || choices.lastNullCall < 0 || refused.has(choices.lastNullCall)) throw err
      refused.add(choices.lastNullCall)
    }
  }
  throw new Error(`synthetic reader: no sample after ${MAX_ATTEMPTS} attempts`)
}
