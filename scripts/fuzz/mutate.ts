/**
 * Seeded mutations of a valid frame. Frame `index` of run `seed` always gets the same random stream,
 * so a failure is reproduced from those two numbers alone, in any process and any order.
 */

/** mulberry32 over a seed mixed from the run seed and the frame index. */
export function frameRandom(seed: number, index: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  let a = (h ^ (h >>> 16)) >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export type Random = () => number

const int = (rnd: Random, n: number): number => Math.floor(rnd() * n)

/** Values a length or count field should never be trusted with, in each wire encoding. */
const HOSTILE_LENGTHS: readonly (readonly number[])[] = [
  [0x7f, 0xff, 0xff, 0xff], // int32 max
  [0x80, 0x00, 0x00, 0x00], // int32 min
  [0xff, 0xff, 0xff, 0xff], // int32 -1 (null)
  [0xff, 0xff, 0xff, 0xfe], // int32 -2
  [0x00, 0x10, 0x00, 0x00], // int32 1 MiB
  [0x7f, 0xff], // int16 max
  [0xff, 0xfe], // int16 -2
  [0x80, 0x00], // int16 min
  [0xff, 0xff, 0xff, 0xff, 0x0f], // uvarint 2^32 - 1
  [0xff, 0xff, 0xff, 0xff, 0x07], // uvarint 2^31 - 1
  [0x80, 0x80, 0x80, 0x80, 0x10], // uvarint past 32 bits
  [0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // overlong varint
  [0xfe, 0xff, 0xff, 0xff, 0x0f], // zig-zag varint int32 max
  [0x01], // zig-zag -1
  [0x03], // zig-zag -2
]

const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]

export type MutationName = 'bit-flip' | 'byte-replace' | 'truncate' | 'hostile-length' | 'insert' | 'delete' | 'stacked'

type Mutation = (b: Buffer, rnd: Random, lengthOffsets: readonly number[] | undefined) => Buffer

const MUTATIONS: ReadonlyArray<[Exclude<MutationName, 'stacked'>, Mutation]> = [
  [
    'bit-flip',
    (b, rnd) => {
      const out = Buffer.from(b)
      if (out.length === 0) return out
      for (let i = 1 + int(rnd, 4); i > 0; i--) out[int(rnd, out.length)]! ^= 1 << int(rnd, 8)
      return out
    },
  ],
  [
    'byte-replace',
    (b, rnd) => {
      const out = Buffer.from(b)
      if (out.length === 0) return out
      for (let i = 1 + int(rnd, 3); i > 0; i--) {
        out[int(rnd, out.length)] = rnd() < 0.6 ? INTERESTING_BYTES[int(rnd, INTERESTING_BYTES.length)]! : int(rnd, 256)
      }
      return out
    },
  ],
  [
    'truncate',
    // Half of the cuts near the end, where the last field or batch is.
    (b, rnd) => b.subarray(0, rnd() < 0.5 ? int(rnd, b.length) : Math.max(0, b.length - 1 - int(rnd, 8))),
  ],
  [
    'hostile-length',
    (b, rnd, lengthOffsets) => {
      const value = HOSTILE_LENGTHS[int(rnd, HOSTILE_LENGTHS.length)]!
      const at =
        lengthOffsets !== undefined && lengthOffsets.length > 0 && rnd() < 0.6
          ? lengthOffsets[int(rnd, lengthOffsets.length)]!
          : int(rnd, Math.max(1, b.length))
      const out = Buffer.from(b)
      // Overwrite in place where it fits, else splice it in (the frame grows).
      if (at + value.length <= out.length && rnd() < 0.75) {
        for (let i = 0; i < value.length; i++) out[at + i] = value[i]!
        return out
      }
      return Buffer.concat([b.subarray(0, at), Buffer.from(value), b.subarray(Math.min(b.length, at + value.length))])
    },
  ],
  [
    'insert',
    (b, rnd) => {
      const at = int(rnd, b.length + 1)
      // Random bytes, or a copy of a piece of the frame itself (a repeated struct or batch).
      const junk =
        rnd() < 0.5 || b.length === 0
          ? Buffer.from(Array.from({ length: 1 + int(rnd, 16) }, () => int(rnd, 256)))
          : (() => {
              const from = int(rnd, b.length)
              return b.subarray(from, Math.min(b.length, from + 1 + int(rnd, 64)))
            })()
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)])
    },
  ],
  [
    'delete',
    (b, rnd) => {
      const at = int(rnd, b.length)
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(rnd, 8))])
    },
  ],
]

/** One mutation (four in five) or two to four stacked. */
export function mutate(
  base: Buffer,
  rnd: Random,
  lengthOffsets?: readonly number[],
): { bytes: Buffer; mutation: MutationName } {
  if (rnd() < 0.8) {
    const [name, fn] = MUTATIONS[int(rnd, MUTATIONS.length)]!
    return { bytes: fn(base, rnd, lengthOffsets), mutation: name }
  }
  let bytes = base
  for (let i = 2 + int(rnd, 3); i > 0; i--) bytes = MUTATIONS[int(rnd, MUTATIONS.length)]![1](bytes, rnd, lengthOffsets)
  return { bytes, mutation: 'stacked' }
}
