/**
 * The murmur2 hash exactly as the Java client computes it, so that a key lands on the same partition
 * whichever client produced it.
 *
 * @packageDocumentation
 */

// Java's constants (Utils.murmur2). The seed does not fit in an int32 literal; `| 0` makes it the
// same negative int Java uses, so every step below stays in int32 arithmetic.
const SEED = 0x9747b28c | 0
const M = 0x5bd1e995

/**
 * Kafka's murmur2 hash of `key`: the signed 32-bit value Java's
 * `org.apache.kafka.common.utils.Utils.murmur2(byte[])` returns for the same bytes.
 *
 * @param key - the serialized key bytes
 * @returns a signed 32-bit integer
 */
export function murmur2(key: Uint8Array): number {
  const length = key.length
  let h = SEED ^ length
  const bodyEnd = length & ~3

  for (let i = 0; i < bodyEnd; i += 4) {
    // Little-endian word, read byte by byte: no DataView or copy for unaligned keys.
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> 24
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }

  // Java's switch falls through from case 3 to case 1; the nested ifs do the same.
  const tail = length & 3
  if (tail !== 0) {
    if (tail === 3) h ^= key[bodyEnd + 2]! << 16
    if (tail >= 2) h ^= key[bodyEnd + 1]! << 8
    h ^= key[bodyEnd]!
    h = Math.imul(h, M)
  }

  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h | 0
}

/**
 * Java's `Utils.toPositive`: clears the sign bit. Unlike `Math.abs` it maps every int32, including
 * -2147483648, to a value in [0, 2147483647].
 *
 * @param n - a signed 32-bit integer
 * @returns `n & 0x7fffffff`
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}
