/**
 * Big-endian writer for Kafka's wire primitives, over one growable buffer.
 *
 * The buffer doubles when full, so encoding a message costs O(log n) allocations and no per-field
 * garbage. `finish()` hands back a view of the bytes written, not a copy.
 *
 * A writer made with `referenceFrom` keeps raw byte fields of at least that size (record batches)
 * by reference instead of copying them in, and hands the message back as chunks
 * ({@link finishChunks}) for one gathered socket write: a Produce request then costs no copy of its
 * batches, and no buffer of its whole size.
 */

import { uuidToBytes } from './uuid.js'

interface Referenced {
  /** Where in the writer's own buffer the referenced bytes go. */
  readonly at: number
  readonly bytes: Uint8Array
}

export class Writer {
  #buf: Buffer
  #pos = 0
  readonly #referenceFrom: number
  readonly #referenced: Referenced[] = []
  #referencedBytes = 0

  constructor(initialCapacity = 256, options: { referenceFrom?: number } = {}) {
    this.#buf = Buffer.allocUnsafe(initialCapacity)
    this.#referenceFrom = options.referenceFrom ?? Infinity
  }

  /** Bytes written so far, referenced ones included. */
  get length(): number {
    return this.#pos + this.#referencedBytes
  }

  /**
   * A view of the bytes written so far (shares memory with the writer until it next grows); a copy
   * when some were kept by reference.
   */
  finish(): Buffer {
    if (this.#referenced.length > 0) return Buffer.concat(this.finishChunks())
    return this.#buf.subarray(0, this.#pos)
  }

  /**
   * The bytes written so far as chunks to write in order: views of the writer's buffer between the
   * byte fields it kept by reference, and those fields' own buffers.
   */
  finishChunks(): Uint8Array[] {
    const chunks: Uint8Array[] = []
    let from = 0
    for (const r of this.#referenced) {
      if (r.at > from) chunks.push(this.#buf.subarray(from, r.at))
      chunks.push(r.bytes)
      from = r.at
    }
    if (this.#pos > from) chunks.push(this.#buf.subarray(from, this.#pos))
    return chunks
  }

  /** Forgets what was written, keeping the allocated buffer for reuse. */
  reset(): void {
    this.#pos = 0
    this.#referenced.length = 0
    this.#referencedBytes = 0
  }

  #ensure(n: number): void {
    const need = this.#pos + n
    if (need <= this.#buf.length) return
    let size = this.#buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.#buf.copy(next, 0, 0, this.#pos)
    this.#buf = next
  }

  int8(v: number): this {
    if (!Number.isInteger(v)) throw notAnInteger('int8', v)
    this.#ensure(1)
    this.#buf.writeInt8(v, this.#pos)
    this.#pos += 1
    return this
  }

  uint8(v: number): this {
    this.#ensure(1)
    this.#buf[this.#pos++] = v & 0xff
    return this
  }

  boolean(v: boolean): this {
    return this.uint8(v ? 1 : 0)
  }

  int16(v: number): this {
    if (!Number.isInteger(v)) throw notAnInteger('int16', v)
    this.#ensure(2)
    this.#buf.writeInt16BE(v, this.#pos)
    this.#pos += 2
    return this
  }

  uint16(v: number): this {
    this.#ensure(2)
    this.#buf.writeUInt16BE(v, this.#pos)
    this.#pos += 2
    return this
  }

  int32(v: number): this {
    if (!Number.isInteger(v)) throw notAnInteger('int32', v)
    this.#ensure(4)
    this.#buf.writeInt32BE(v, this.#pos)
    this.#pos += 4
    return this
  }

  uint32(v: number): this {
    this.#ensure(4)
    this.#buf.writeUInt32BE(v, this.#pos)
    this.#pos += 4
    return this
  }

  int64(v: bigint): this {
    this.#ensure(8)
    this.#buf.writeBigInt64BE(v, this.#pos)
    this.#pos += 8
    return this
  }

  float64(v: number): this {
    this.#ensure(8)
    this.#buf.writeDoubleBE(v, this.#pos)
    this.#pos += 8
    return this
  }

  /** Base-128 varint of an unsigned 32-bit value. */
  unsignedVarint(v: number): this {
    this.#ensure(5)
    let n = v >>> 0
    const buf = this.#buf
    while (n > 0x7f) {
      buf[this.#pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    buf[this.#pos++] = n
    return this
  }

  /** Zig-zag varint of a signed 32-bit value. */
  varint(v: number): this {
    return this.unsignedVarint((v << 1) ^ (v >> 31))
  }

  /** Zig-zag varint of a signed 64-bit value. */
  varlong(v: bigint): this {
    // Values within int32 range take the cheap number path; only large deltas pay for bigint math.
    if (v >= -0x80000000n && v <= 0x7fffffffn) return this.varint(Number(v))
    this.#ensure(10)
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
    const buf = this.#buf
    while (n > 0x7fn) {
      buf[this.#pos++] = Number(n & 0x7fn) | 0x80
      n >>= 7n
    }
    buf[this.#pos++] = Number(n)
    return this
  }

  /** A UUID in Kafka's text form (22 characters of URL-safe base64), written as 16 bytes. */
  uuid(v: string): this {
    return this.raw(uuidToBytes(v))
  }

  /** Raw bytes with no length prefix. */
  raw(v: Uint8Array): this {
    if (v.length >= this.#referenceFrom) {
      this.#referenced.push({ at: this.#pos, bytes: v })
      this.#referencedBytes += v.length
      return this
    }
    this.#ensure(v.length)
    this.#buf.set(v, this.#pos)
    this.#pos += v.length
    return this
  }

  #utf8(v: string, byteLength: number): void {
    this.#ensure(byteLength)
    this.#buf.write(v, this.#pos, byteLength, 'utf8')
    this.#pos += byteLength
  }

  /** STRING: int16 length, then UTF-8. */
  string(v: string): this {
    const len = Buffer.byteLength(v, 'utf8')
    this.int16(len)
    this.#utf8(v, len)
    return this
  }

  /** NULLABLE_STRING: int16 length (-1 for null), then UTF-8. */
  nullableString(v: string | null): this {
    if (v === null) return this.int16(-1)
    return this.string(v)
  }

  /** COMPACT_STRING: unsigned varint length + 1, then UTF-8. */
  compactString(v: string): this {
    const len = Buffer.byteLength(v, 'utf8')
    this.unsignedVarint(len + 1)
    this.#utf8(v, len)
    return this
  }

  /** COMPACT_NULLABLE_STRING: 0 for null, else length + 1, then UTF-8. */
  compactNullableString(v: string | null): this {
    if (v === null) return this.unsignedVarint(0)
    return this.compactString(v)
  }

  /** BYTES: int32 length, then the bytes. */
  bytes(v: Uint8Array): this {
    this.int32(v.length)
    return this.raw(v)
  }

  /** NULLABLE_BYTES: int32 length (-1 for null), then the bytes. */
  nullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1)
    return this.bytes(v)
  }

  /** COMPACT_BYTES: unsigned varint length + 1, then the bytes. */
  compactBytes(v: Uint8Array): this {
    this.unsignedVarint(v.length + 1)
    return this.raw(v)
  }

  /** COMPACT_NULLABLE_BYTES: 0 for null, else length + 1, then the bytes. */
  compactNullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.unsignedVarint(0)
    return this.compactBytes(v)
  }

  /** ARRAY length: int32 count, -1 for null. */
  arrayLength(count: number): this {
    return this.int32(count)
  }

  /** COMPACT_ARRAY length: unsigned varint count + 1, 0 for null. */
  compactArrayLength(count: number): this {
    return this.unsignedVarint(count + 1)
  }

  /**
   * Writes a tagged-field section. `fields` must be sorted by tag; each entry's bytes are the
   * already-encoded field value.
   */
  taggedFields(fields: ReadonlyArray<{ readonly tag: number; readonly data: Uint8Array }>): this {
    this.unsignedVarint(fields.length)
    for (const f of fields) {
      this.unsignedVarint(f.tag)
      this.unsignedVarint(f.data.length)
      this.raw(f.data)
    }
    return this
  }

  /** Reserves room for an int32 to be filled in later with {@link setInt32}; returns its position. */
  reserveInt32(): number {
    this.#ensure(4)
    const at = this.#pos
    this.#pos += 4
    return at
  }

  /** Overwrites an int32 at a position reserved earlier. */
  setInt32(at: number, v: number): this {
    this.#buf.writeInt32BE(v, at)
    return this
  }

  /** Overwrites a uint32 at a position reserved earlier. */
  setUint32(at: number, v: number): this {
    this.#buf.writeUInt32BE(v, at)
    return this
  }

  /** Overwrites an int16 at a position written earlier. */
  setInt16(at: number, v: number): this {
    this.#buf.writeInt16BE(v, at)
    return this
  }

  /** Skips `n` bytes, leaving them to be overwritten later; returns their position. */
  reserve(n: number): number {
    this.#ensure(n)
    const at = this.#pos
    this.#pos += n
    return at
  }

  /** Overwrites bytes at a reserved position. */
  setBytes(at: number, v: Uint8Array): this {
    this.#buf.set(v, at)
    return this
  }
}

// Buffer writes NaN and fractions as whatever they truncate to (NaN as 0): a NaN partition
// would go out as partition 0. Refuse it; the request path turns this into a typed error.
function notAnInteger(type: string, v: number): RangeError {
  return new RangeError(`${type} field: ${String(v)} is not a whole number`)
}
