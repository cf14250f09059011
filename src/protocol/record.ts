/**
 * Records inside a v2 record batch: their types, exact encoded size, and the encoder and decoder
 * of the records region.
 *
 * ```
 * length varint | attributes int8 | timestampDelta varlong | offsetDelta varint
 * | keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value
 * | headerCount varint | [keyLength varint | key UTF-8 | valueLength varint (-1 = null) | value]*
 * ```
 *
 * Encoding sizes every record arithmetically first and then writes into one buffer of exactly
 * the right size, so a batch costs a single allocation however many records it holds.
 */

import { bufferView } from './buffer-view.js'
import { KafkaProtocolError } from '../errors.js'

/** One record header. Keys are UTF-8 strings; values are bytes or null. */
export interface RecordHeader {
  readonly key: string
  readonly value: Uint8Array | null
}

/**
 * A record as decoded from a batch. `key`, `value` and header values are views into the fetched
 * (or decompressed) bytes, not copies.
 */
export interface KafkaRecord {
  /** Absolute offset: the batch's base offset plus the record's offset delta. */
  readonly offset: bigint
  /**
   * Milliseconds since the epoch: CreateTime as the producer set it, or the broker's LogAppendTime.
   * A number (exact up to 2^53 ms, year 287,396): decoding makes no BigInt per record for it.
   */
  readonly timestamp: number
  /** A view of the fetched bytes (decoded records carry `Buffer`s sharing the batch's memory). */
  readonly key: Uint8Array | null
  /** As `key`. */
  readonly value: Uint8Array | null
  readonly headers: readonly RecordHeader[]
}

/** What the encoder needs of a record. */
export interface RecordInput {
  /** Milliseconds since the epoch. */
  readonly timestamp: bigint
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly headers?: readonly RecordHeader[]
  /** Offset relative to the batch's base offset; defaults to the record's index in the batch. */
  readonly offsetDelta?: number
}

/** The fewest bytes a record can take: seven one-byte fields. */
export const MIN_RECORD_SIZE = 7

function uvarintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5
}

function varintSize(v: number): number {
  return uvarintSize(((v << 1) ^ (v >> 31)) >>> 0)
}

function varlongSize(v: bigint): number {
  if (v >= -0x80000000n && v <= 0x7fffffffn) return varintSize(Number(v))
  let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
  let size = 1
  while (n > 0x7fn) {
    n >>= 7n
    size++
  }
  return size
}

function writeUvarint(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  buf[pos++] = n
  return pos
}

function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  return writeUvarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0)
}

function writeVarlong(buf: Uint8Array, pos: number, v: bigint): number {
  if (v >= -0x80000000n && v <= 0x7fffffffn) return writeVarint(buf, pos, Number(v))
  let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
  while (n > 0x7fn) {
    buf[pos++] = Number(n & 0x7fn) | 0x80
    n >>= 7n
  }
  buf[pos++] = Number(n)
  return pos
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array): number {
  const n = bytes.length
  // Copying a handful of bytes in JS beats the native call behind `set`.
  if (n < 48) {
    for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]!
  } else {
    buf.set(bytes, pos)
  }
  return pos + n
}

/**
 * The sizes of a records region, measured once so the writer needs no second look at lengths
 * (header keys are UTF-8 encoded lengths, which are not free to compute).
 */
export interface RecordsLayout {
  /** Total bytes of the records region. */
  readonly size: number
  /** Per record: the body length (the value of its leading length varint). */
  readonly bodySizes: Int32Array
  /** UTF-8 byte lengths of every header key, in record then header order. */
  readonly headerKeySizes: Int32Array
  /** Per record: timestamp - baseTimestamp when it fits in an int32, else NaN (written as a bigint). */
  readonly timestampDeltas: Float64Array
}

/** Measures the records region for `records` relative to `baseTimestamp`. */
export function measureRecords(records: readonly RecordInput[], baseTimestamp: bigint): RecordsLayout {
  const bodySizes = new Int32Array(records.length)
  const timestampDeltas = new Float64Array(records.length)
  let headerCount = 0
  for (const r of records) headerCount += r.headers?.length ?? 0
  const headerKeySizes = new Int32Array(headerCount)
  let h = 0
  let total = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    const delta = r.timestamp - baseTimestamp
    let size = 1 + varintSize(r.offsetDelta ?? i)
    if (delta >= -0x80000000n && delta <= 0x7fffffffn) {
      const d = Number(delta)
      timestampDeltas[i] = d
      size += varintSize(d)
    } else {
      timestampDeltas[i] = Number.NaN
      size += varlongSize(delta)
    }
    size += r.key === null ? 1 : varintSize(r.key.length) + r.key.length
    size += r.value === null ? 1 : varintSize(r.value.length) + r.value.length
    const headers = r.headers
    if (headers === undefined || headers.length === 0) {
      size += 1
    } else {
      size += varintSize(headers.length)
      for (const header of headers) {
        const keySize = Buffer.byteLength(header.key, 'utf8')
        headerKeySizes[h++] = keySize
        size += varintSize(keySize) + keySize
        size += header.value === null ? 1 : varintSize(header.value.length) + header.value.length
      }
    }
    bodySizes[i] = size
    total += varintSize(size) + size
  }
  return { size: total, bodySizes, headerKeySizes, timestampDeltas }
}

/** Writes the records region measured by {@link measureRecords} at `buf[pos]`; returns the end. */
export function writeRecords(
  buf: Buffer,
  pos: number,
  records: readonly RecordInput[],
  baseTimestamp: bigint,
  layout: RecordsLayout,
): number {
  const { bodySizes, headerKeySizes, timestampDeltas } = layout
  let h = 0
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!
    pos = writeVarint(buf, pos, bodySizes[i]!)
    buf[pos++] = 0 // attributes: none defined for records
    const delta = timestampDeltas[i]!
    pos = Number.isNaN(delta) ? writeVarlong(buf, pos, r.timestamp - baseTimestamp) : writeVarint(buf, pos, delta)
    pos = writeVarint(buf, pos, r.offsetDelta ?? i)
    if (r.key === null) {
      buf[pos++] = 1 // zig-zag -1
    } else {
      pos = writeBytes(buf, writeVarint(buf, pos, r.key.length), r.key)
    }
    if (r.value === null) {
      buf[pos++] = 1
    } else {
      pos = writeBytes(buf, writeVarint(buf, pos, r.value.length), r.value)
    }
    const headers = r.headers
    if (headers === undefined || headers.length === 0) {
      buf[pos++] = 0
      continue
    }
    pos = writeVarint(buf, pos, headers.length)
    for (const header of headers) {
      const keySize = headerKeySizes[h++]!
      pos = writeVarint(buf, pos, keySize)
      pos += buf.write(header.key, pos, keySize, 'utf8')
      if (header.value === null) {
        buf[pos++] = 1
      } else {
        pos = writeBytes(buf, writeVarint(buf, pos, header.value.length), header.value)
      }
    }
  }
  return pos
}

// ---------------------------------------------------------------------------------------------
// Decoding. A small cursor instead of the general Reader: records are the one hot loop of a
// consumer, and every field here is a varint or a length-prefixed view.

function truncated(what: string, at: number): KafkaProtocolError {
  return new KafkaProtocolError(`truncated record: ${what} at offset ${at}`)
}

class RecordCursor {
  pos: number
  end: number

  constructor(
    readonly buf: Buffer,
    pos: number,
    end: number,
  ) {
    this.pos = pos
    this.end = end
  }

  varint(what: string): number {
    const buf = this.buf
    let result = 0
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw truncated(what, this.pos)
      const b = buf[this.pos++]!
      if (shift === 28 && b > 0x0f) break
      result |= (b & 0x7f) << shift
      if (b < 0x80) return (result >>> 1) ^ -(result & 1)
    }
    throw new KafkaProtocolError(`malformed record: ${what} varint longer than 5 bytes at offset ${this.pos}`)
  }

  /**
   * A varlong as a number: exact below 2^53, which every millisecond timestamp delta is. Deltas
   * nearly always fit in 28 bits and stay in int32 arithmetic; a wider one goes through BigInt.
   */
  varlongNumber(what: string): number {
    const buf = this.buf
    const start = this.pos
    let low = 0
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= this.end) throw truncated(what, this.pos)
      const b = buf[this.pos++]!
      low |= (b & 0x7f) << shift
      if (b < 0x80) return (low >>> 1) ^ -(low & 1)
    }
    this.pos = start
    return Number(this.#wideVarlong(what))
  }

  // Up to 10 bytes in BigInt arithmetic: the rare delta past 28 bits.
  #wideVarlong(what: string): bigint {
    const buf = this.buf
    let n = 0n
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw truncated(what, this.pos)
      const b = buf[this.pos++]!
      if (i === 9 && b > 0x01) break
      n |= BigInt(b & 0x7f) << BigInt(7 * i)
      if (b < 0x80) return (n >> 1n) ^ -(n & 1n)
    }
    throw new KafkaProtocolError(`malformed record: ${what} varlong longer than 10 bytes at offset ${this.pos}`)
  }

  /** Reads a length prefix (-1 = null) and checks the bytes are there; returns the length. */
  #length(what: string): number {
    const at = this.pos
    const n = this.varint(what)
    if (n < -1) throw new KafkaProtocolError(`malformed record: ${what} length ${n} at offset ${at}`)
    if (this.end - this.pos < n) throw truncated(`${what} of ${n} bytes`, this.pos)
    return n
  }

  /**
   * A length-prefixed byte field as a view (a `Buffer` sharing the batch's memory); -1 is null.
   * See buffer-view.ts for why it is not made with `Buffer#subarray`: a consumer makes two per record.
   */
  nullableBytes(what: string): Uint8Array | null {
    const n = this.#length(what)
    if (n < 0) return null
    const v = bufferView(this.buf.buffer, this.buf.byteOffset + this.pos, n)
    this.pos += n
    return v
  }

  /** A length-prefixed UTF-8 string (header keys); null is refused. */
  string(what: string): string {
    const n = this.#length(what)
    if (n < 0) throw new KafkaProtocolError(`malformed record: null ${what} at offset ${this.pos}`)
    const v = this.buf.toString('utf8', this.pos, this.pos + n)
    this.pos += n
    return v
  }
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([])

/**
 * Decodes the `count` records of `buf[start, end)` and checks that they fill the region exactly.
 * Every length is checked against the bytes left before it is used. `logAppendTime`, when set,
 * replaces every record's timestamp (the batch's maxTimestamp under LogAppendTime).
 */
export function decodeRecords(
  buf: Buffer,
  start: number,
  end: number,
  count: number,
  baseOffset: bigint,
  baseTimestamp: number,
  logAppendTime: number | null,
): KafkaRecord[] {
  if (count < 0 || count > (end - start) / MIN_RECORD_SIZE) {
    throw new KafkaProtocolError(`record count ${count} does not fit in a records region of ${end - start} bytes`)
  }
  const records = new Array<KafkaRecord>(count)
  const cur = new RecordCursor(buf, start, end)
  for (let i = 0; i < count; i++) {
    const at = cur.pos
    const length = cur.varint('record length')
    if (length < MIN_RECORD_SIZE - 1 || length > end - cur.pos) {
      throw new KafkaProtocolError(`record ${i} at offset ${at} has invalid length ${length} (${end - cur.pos} bytes left)`)
    }
    const recordEnd = cur.pos + length
    cur.end = recordEnd
    cur.pos++ // attributes: unused
    const timestampDelta = cur.varlongNumber('timestamp delta')
    const offsetDelta = cur.varint('offset delta')
    const key = cur.nullableBytes('key')
    const value = cur.nullableBytes('value')
    const headerCount = cur.varint('header count')
    let headers: RecordHeader[] | readonly RecordHeader[] = NO_HEADERS
    if (headerCount !== 0) {
      if (headerCount < 0 || headerCount > (recordEnd - cur.pos) / 2) {
        throw new KafkaProtocolError(`record ${i} has invalid header count ${headerCount}`)
      }
      const list = new Array<RecordHeader>(headerCount)
      for (let j = 0; j < headerCount; j++) {
        const headerKey = cur.string('header key')
        list[j] = { key: headerKey, value: cur.nullableBytes('header value') }
      }
      headers = list
    }
    if (cur.pos !== recordEnd) {
      throw new KafkaProtocolError(`record ${i} at offset ${at} declares ${length} bytes but its fields take ${cur.pos - (recordEnd - length)}`)
    }
    cur.end = end
    records[i] = {
      offset: baseOffset + BigInt(offsetDelta),
      timestamp: logAppendTime ?? baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    }
  }
  if (cur.pos !== end) {
    throw new KafkaProtocolError(`${end - cur.pos} byte(s) left after the batch's ${count} record(s)`)
  }
  return records
}
