/**
 * XXH32, the checksum of the LZ4 frame format: the frame-header checksum byte, optional block
 * checksums and the optional content checksum all use it with seed 0.
 */

const PRIME1 = 0x9e3779b1
const PRIME2 = 0x85ebca77
const PRIME3 = 0xc2b2ae3d
const PRIME4 = 0x27d4eb2f
const PRIME5 = 0x165667b1

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function readU32LE(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

function round(acc: number, lane: number): number {
  return Math.imul(rotl((acc + Math.imul(lane, PRIME2)) | 0, 13), PRIME1)
}

/** XXH32 of `bytes[start, end)`, unsigned. */
export function xxhash32(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): number {
  const length = end - start
  let i = start
  let h: number
  if (length >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0
    let v2 = (seed + PRIME2) | 0
    let v3 = seed | 0
    let v4 = (seed - PRIME1) | 0
    const limit = end - 16
    while (i <= limit) {
      v1 = round(v1, readU32LE(bytes, i))
      v2 = round(v2, readU32LE(bytes, i + 4))
      v3 = round(v3, readU32LE(bytes, i + 8))
      v4 = round(v4, readU32LE(bytes, i + 12))
      i += 16
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0
  } else {
    h = (seed + PRIME5) | 0
  }
  h = (h + length) | 0
  while (i <= end - 4) {
    h = Math.imul(rotl((h + Math.imul(readU32LE(bytes, i), PRIME3)) | 0, 17), PRIME4)
    i += 4
  }
  while (i < end) {
    h = Math.imul(rotl((h + Math.imul(bytes[i]!, PRIME5)) | 0, 11), PRIME1)
    i++
  }
  h ^= h >>> 15
  h = Math.imul(h, PRIME2)
  h ^= h >>> 13
  h = Math.imul(h, PRIME3)
  h ^= h >>> 16
  return h >>> 0
}
