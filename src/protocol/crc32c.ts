/**
 * Checksums used by Kafka's record formats.
 *
 * - CRC-32C (Castagnoli) guards record batches of magic 2 (bytes from `attributes` to the end).
 * - CRC-32 (IEEE, as `java.util.zip.CRC32`) guards legacy messages of magic 0 and 1.
 *
 * The batch CRC covers every produced and (with `checkCrcs`) every fetched byte, so it is worth 16 KiB
 * of tables: slicing-by-16 over 32-bit words read through an aligned Int32Array view (2.2 GB/s here,
 * against 1.3 GB/s for slicing-by-8 over single bytes; bench/README.md), with byte-wise slicing-by-8
 * for short inputs, for the unaligned head and tail, and on big-endian machines.
 */

import os from 'node:os'
import zlib from 'node:zlib'

// Reflected Castagnoli polynomial.
const CASTAGNOLI = 0x82f63b78
// Reflected IEEE 802.3 polynomial (zlib, java.util.zip.CRC32).
const IEEE = 0xedb88320

const SLICES = 16
// Word reads through an Int32Array take the platform's byte order; the table layout assumes little-endian.
const LITTLE_ENDIAN = os.endianness() === 'LE'
// Below this many bytes the cost of a typed-array view outweighs the wider loop.
const WORD_PATH_MIN = 64

/** Sixteen tables: table k maps a byte to its CRC contribution k bytes further back in the input. */
function slicingTables(poly: number): Int32Array {
  const t = new Int32Array(SLICES * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number
    for (let k = 1; k < SLICES; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
}

let castagnoliTables: Int32Array | undefined
let ieeeTables: Int32Array | undefined

/** Byte-wise slicing-by-8 from `crc` (pre-inverted) over `bytes[start, end)`; returns the register. */
function updateBytes(t: Int32Array, crc: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start
  // Byte-wise until eight bytes or fewer remain per round; the unrolled body folds eight input bytes
  // into the register with one lookup per byte and no data dependency between the lookups.
  const fastEnd = end - 8
  while (i <= fastEnd) {
    const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))
    const hi = bytes[i + 4]! | (bytes[i + 5]! << 8) | (bytes[i + 6]! << 16) | (bytes[i + 7]! << 24)
    crc =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + (hi & 0xff)]! ^
      t[512 + ((hi >>> 8) & 0xff)]! ^
      t[256 + ((hi >>> 16) & 0xff)]! ^
      t[hi >>> 24]!
    i += 8
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8)
  return crc
}

/** Slicing-by-16 over aligned 32-bit little-endian words; returns the register. */
function updateWords(t: Int32Array, crc: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start
  while (((bytes.byteOffset + i) & 3) !== 0) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8)
  const blocks = (end - i) >>> 4
  const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, blocks * 4)
  for (let j = 0; j < w.length; j += 4) {
    const a = crc ^ w[j]!
    const b = w[j + 1]!
    const c = w[j + 2]!
    const d = w[j + 3]!
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + (b & 0xff)]! ^
      t[2560 + ((b >>> 8) & 0xff)]! ^
      t[2304 + ((b >>> 16) & 0xff)]! ^
      t[2048 + (b >>> 24)]! ^
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + (d & 0xff)]! ^
      t[512 + ((d >>> 8) & 0xff)]! ^
      t[256 + ((d >>> 16) & 0xff)]! ^
      t[d >>> 24]!
  }
  return updateBytes(t, crc, bytes, i + blocks * 16, end)
}

function crcOf(t: Int32Array, bytes: Uint8Array, start: number, end: number): number {
  const crc =
    LITTLE_ENDIAN && end - start >= WORD_PATH_MIN
      ? updateWords(t, ~0, bytes, start, end)
      : updateBytes(t, ~0, bytes, start, end)
  return ~crc >>> 0
}

function checkRange(bytes: Uint8Array, start: number, end: number): void {
  if (!(start >= 0 && start <= end && end <= bytes.length)) {
    throw new RangeError(`checksum range [${start}, ${end}) outside ${bytes.length} bytes`)
  }
}

/**
 * CRC-32C (Castagnoli) of `bytes[start, end)` as an unsigned 32-bit number, as Kafka stores it in
 * the `crc` field of a record batch.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  checkRange(bytes, start, end)
  castagnoliTables ??= slicingTables(CASTAGNOLI)
  return crcOf(castagnoliTables, bytes, start, end)
}

type ZlibCrc32 = (data: Uint8Array, value?: number) => number
// zlib.crc32 arrived in Node 20.15 / 22.2; older 20.x lines fall back to the table.
const nativeCrc32 = (zlib as unknown as { crc32?: ZlibCrc32 }).crc32

/** CRC-32 (IEEE, `java.util.zip.CRC32`) of `bytes[start, end)`, unsigned: the checksum of legacy messages. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  checkRange(bytes, start, end)
  if (nativeCrc32 !== undefined) return nativeCrc32(bytes.subarray(start, end)) >>> 0
  return crc32Portable(bytes, start, end)
}

/** The table-driven CRC-32 used when `zlib.crc32` is missing (exported so tests cover it on every Node). */
export function crc32Portable(bytes: Uint8Array, start = 0, end = bytes.length): number {
  checkRange(bytes, start, end)
  ieeeTables ??= slicingTables(IEEE)
  return crcOf(ieeeTables, bytes, start, end)
}
