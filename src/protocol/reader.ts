/**
 * Bounds-checked big-endian reader for Kafka's wire primitives.
 *
 * Every read checks the bytes it needs against the end of the frame, and every length prefix is
 * checked against what is left before anything is allocated, so a truncated or hostile frame gives a
 * {@link KafkaProtocolError} instead of a crash, a huge allocation or a hang. Byte fields are returned
 * as views into the frame, not copies.
 */

import { KafkaProtocolError } from '../errors.js'
import { uuidFromBytes } from './uuid.js'

/** A tagged field this version of the schema does not know; kept so it is not lost. */
export interface UnknownTaggedField {
  readonly tag: number
  readonly data: Uint8Array
}

export class Reader {
  readonly #buf: Buffer
  #pos: number
  readonly #end: number

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    this.#buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
    if (offset < 0 || end > buf.length || offset > end) {
      throw new KafkaProtocolError(`reader bounds [${offset}, ${end}) outside a buffer of ${buf.length} bytes`)
    }
    this.#pos = offset
    this.#end = end
  }

  /** Current read position in the underlying buffer. */
  get offset(): number {
    return this.#pos
  }

  /** Bytes left before the end of the frame. */
  get remaining(): number {
    return this.#end - this.#pos
  }

  /** The buffer being read (for zero-copy sub-readers). */
  get buffer(): Buffer {
    return this.#buf
  }

  #need(n: number, what: string): void {
    if (this.#end - this.#pos < n) {
      throw new KafkaProtocolError(
        `truncated frame: ${what} needs ${n} byte(s) at offset ${this.#pos}, ${this.#end - this.#pos} left`,
      )
    }
  }

  int8(): number {
    this.#need(1, 'int8')
    return this.#buf.readInt8(this.#pos++)
  }

  uint8(): number {
    this.#need(1, 'uint8')
    return this.#buf[this.#pos++] as number
  }

  boolean(): boolean {
    return this.uint8() !== 0
  }

  int16(): number {
    this.#need(2, 'int16')
    const v = this.#buf.readInt16BE(this.#pos)
    this.#pos += 2
    return v
  }

  uint16(): number {
    this.#need(2, 'uint16')
    const v = this.#buf.readUInt16BE(this.#pos)
    this.#pos += 2
    return v
  }

  int32(): number {
    this.#need(4, 'int32')
    const v = this.#buf.readInt32BE(this.#pos)
    this.#pos += 4
    return v
  }

  uint32(): number {
    this.#need(4, 'uint32')
    const v = this.#buf.readUInt32BE(this.#pos)
    this.#pos += 4
    return v
  }

  int64(): bigint {
    this.#need(8, 'int64')
    const v = this.#buf.readBigInt64BE(this.#pos)
    this.#pos += 8
    return v
  }

  float64(): number {
    this.#need(8, 'float64')
    const v = this.#buf.readDoubleBE(this.#pos)
    this.#pos += 8
    return v
  }

  /** Unsigned base-128 varint of at most 5 bytes (a uint32). */
  unsignedVarint(): number {
    const buf = this.#buf
    let result = 0
    let shift = 0
    for (let i = 0; i < 5; i++) {
      if (this.#pos >= this.#end) throw new KafkaProtocolError(`truncated frame: varint at offset ${this.#pos}`)
      const b = buf[this.#pos++] as number
      if (i === 4 && b > 0x0f) break
      result |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return result >>> 0
      shift += 7
    }
    throw new KafkaProtocolError(`malformed varint at offset ${this.#pos}: more than 32 bits`)
  }

  /** Zig-zag varint (a signed int32). */
  varint(): number {
    const n = this.unsignedVarint()
    return (n >>> 1) ^ -(n & 1)
  }

  /** Zig-zag varlong (a signed int64) of at most 10 bytes. */
  varlong(): bigint {
    const buf = this.#buf
    // Fast path: most varlongs in record batches (timestamp deltas) fit in 28 bits.
    let low = 0
    let shift = 0
    for (let i = 0; i < 4; i++) {
      if (this.#pos >= this.#end) throw new KafkaProtocolError(`truncated frame: varlong at offset ${this.#pos}`)
      const b = buf[this.#pos++] as number
      low |= (b & 0x7f) << shift
      if ((b & 0x80) === 0) return BigInt((low >>> 1) ^ -(low & 1))
      shift += 7
    }
    let n = BigInt(low >>> 0)
    let bigShift = 28n
    for (let i = 4; i < 10; i++) {
      if (this.#pos >= this.#end) throw new KafkaProtocolError(`truncated frame: varlong at offset ${this.#pos}`)
      const b = buf[this.#pos++] as number
      if (i === 9 && b > 0x01) break
      n |= BigInt(b & 0x7f) << bigShift
      if ((b & 0x80) === 0) return (n >> 1n) ^ -(n & 1n)
      bigShift += 7n
    }
    throw new KafkaProtocolError(`malformed varlong at offset ${this.#pos}: more than 64 bits`)
  }

  /** A UUID as Kafka's 22-character text form. */
  uuid(): string {
    this.#need(16, 'uuid')
    const v = uuidFromBytes(this.#buf.subarray(this.#pos, this.#pos + 16))
    this.#pos += 16
    return v
  }

  /** `n` raw bytes, as a view. */
  raw(n: number): Buffer {
    this.#need(n, 'bytes')
    const v = this.#buf.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return v
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.#need(n, 'skip')
    this.#pos += n
  }

  #utf8(n: number): string {
    this.#need(n, 'string')
    const v = this.#buf.toString('utf8', this.#pos, this.#pos + n)
    this.#pos += n
    return v
  }

  string(): string {
    const n = this.int16()
    if (n < 0) throw new KafkaProtocolError(`non-nullable string has length ${n} at offset ${this.#pos - 2}`)
    return this.#utf8(n)
  }

  nullableString(): string | null {
    const n = this.int16()
    if (n < 0) {
      if (n === -1) return null
      throw new KafkaProtocolError(`invalid string length ${n} at offset ${this.#pos - 2}`)
    }
    return this.#utf8(n)
  }

  compactString(): string {
    const n = this.unsignedVarint()
    if (n === 0) throw new KafkaProtocolError(`non-nullable compact string is null at offset ${this.#pos}`)
    return this.#utf8(n - 1)
  }

  compactNullableString(): string | null {
    const n = this.unsignedVarint()
    return n === 0 ? null : this.#utf8(n - 1)
  }

  bytes(): Buffer {
    const n = this.int32()
    if (n < 0) throw new KafkaProtocolError(`non-nullable bytes have length ${n} at offset ${this.#pos - 4}`)
    return this.raw(n)
  }

  nullableBytes(): Buffer | null {
    const n = this.int32()
    if (n < 0) {
      if (n === -1) return null
      throw new KafkaProtocolError(`invalid bytes length ${n} at offset ${this.#pos - 4}`)
    }
    return this.raw(n)
  }

  compactBytes(): Buffer {
    const n = this.unsignedVarint()
    if (n === 0) throw new KafkaProtocolError(`non-nullable compact bytes are null at offset ${this.#pos}`)
    return this.raw(n - 1)
  }

  compactNullableBytes(): Buffer | null {
    const n = this.unsignedVarint()
    return n === 0 ? null : this.raw(n - 1)
  }

  // An element takes at least one byte on the wire, so a count above the bytes left is a lie:
  // rejecting it keeps a hostile count from driving a huge allocation or a long loop.
  #checkCount(count: number, at: number): number {
    if (count > this.#end - this.#pos) {
      throw new KafkaProtocolError(`array count ${count} at offset ${at} exceeds the ${this.#end - this.#pos} bytes left`)
    }
    return count
  }

  /** ARRAY count; -1 means null. */
  arrayLength(): number {
    const at = this.#pos
    const n = this.int32()
    if (n < -1) throw new KafkaProtocolError(`invalid array length ${n} at offset ${at}`)
    return n === -1 ? -1 : this.#checkCount(n, at)
  }

  /** COMPACT_ARRAY count; -1 means null. */
  compactArrayLength(): number {
    const at = this.#pos
    const n = this.unsignedVarint()
    return n === 0 ? -1 : this.#checkCount(n - 1, at)
  }

  /**
   * Reads a tagged-field section. `readKnown(tag, reader)` decodes a tag it knows from a reader
   * bounded to that field and returns true; other tags come back as {@link UnknownTaggedField}s.
   */
  taggedFields(readKnown?: (tag: number, field: Reader) => boolean): UnknownTaggedField[] | undefined {
    const count = this.#checkCount(this.unsignedVarint(), this.#pos)
    let unknown: UnknownTaggedField[] | undefined
    let lastTag = -1
    for (let i = 0; i < count; i++) {
      const tag = this.unsignedVarint()
      if (tag <= lastTag) throw new KafkaProtocolError(`tagged field ${tag} out of order after ${lastTag}`)
      lastTag = tag
      const size = this.unsignedVarint()
      this.#need(size, `tagged field ${tag}`)
      const start = this.#pos
      const field = new Reader(this.#buf, start, start + size)
      if (readKnown !== undefined && readKnown(tag, field)) {
        if (field.remaining !== 0) {
          throw new KafkaProtocolError(`tagged field ${tag} has ${field.remaining} undecoded byte(s)`)
        }
      } else {
        ;(unknown ??= []).push({ tag, data: this.#buf.subarray(start, start + size) })
      }
      this.#pos = start + size
    }
    return unknown
  }

  /** A reader over the next `n` bytes, advancing this reader past them. */
  sub(n: number): Reader {
    this.#need(n, 'sub-reader')
    const r = new Reader(this.#buf, this.#pos, this.#pos + n)
    this.#pos += n
    return r
  }
}
