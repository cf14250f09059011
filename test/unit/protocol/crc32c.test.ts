import { describe, expect, it } from 'vitest'
import { crc32, crc32c, crc32Portable } from '../../../src/protocol/crc32c.js'

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

// The zlib licence text librdkafka's crc32c unit test hashes (src/crc32c.c, unittest_rd_crc32c).
const ZLIB_LICENCE =
  "  This software is provided 'as-is', without any express or implied\n" +
  '  warranty.  In no event will the author be held liable for any damages\n' +
  '  arising from the use of this software.\n' +
  '\n' +
  '  Permission is granted to anyone to use this software for any purpose,\n' +
  '  including commercial applications, and to alter it and redistribute it\n' +
  '  freely, subject to the following restrictions:\n' +
  '\n' +
  '  1. The origin of this software must not be misrepresented; you must not\n' +
  '     claim that you wrote the original software. If you use this software\n' +
  '     in a product, an acknowledgment in the product documentation would be\n' +
  '     appreciated but is not required.\n' +
  '  2. Altered source versions must be plainly marked as such, and must not be\n' +
  '     misrepresented as being the original software.\n' +
  '  3. This notice may not be removed or altered from any source distribution.'

/** Bit-at-a-time reference, independent of the table code under test. */
function crcBitwise(poly: number, bytes: Uint8Array): number {
  let crc = ~0
  for (const b of bytes) {
    crc ^= b
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ poly : crc >>> 1
  }
  return ~crc >>> 0
}

function seededBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

describe('crc32c (Castagnoli)', () => {
  it('matches the catalogue check value and Kafka’s own test value', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283)
    expect(crc32c(ascii('Some String'))).toBe(608512271)
    expect(crc32c(new Uint8Array(0))).toBe(0)
  })

  it('matches librdkafka’s licence-text vector', () => {
    expect(crc32c(ascii(ZLIB_LICENCE))).toBe(0x7dcde113)
  })

  it('agrees with a bitwise reference for every length 0..300 and any alignment', () => {
    const data = seededBytes(400, 7)
    for (let len = 0; len <= 300; len++) {
      const start = len % 11
      expect(crc32c(data, start, start + len)).toBe(crcBitwise(0x82f63b78, data.subarray(start, start + len)))
    }
  })

  it('computes over a range without copying it, like over the subarray', () => {
    const data = seededBytes(10_000, 3)
    expect(crc32c(data, 21, 9_000)).toBe(crc32c(data.subarray(21, 9_000)))
  })

  it('rejects ranges outside the buffer', () => {
    expect(() => crc32c(new Uint8Array(4), 2, 5)).toThrow(RangeError)
    expect(() => crc32c(new Uint8Array(4), 3, 2)).toThrow(RangeError)
  })
})

describe('crc32 (IEEE, legacy messages)', () => {
  it('matches the check value with zlib and with the table fallback', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926)
    expect(crc32Portable(ascii('123456789'))).toBe(0xcbf43926)
  })

  it('fallback agrees with the bitwise reference and zlib on random data', () => {
    const data = seededBytes(5000, 11)
    for (const [s, e] of [[0, 0], [0, 1], [3, 70], [1, 5000], [17, 4099]] as const) {
      const expected = crcBitwise(0xedb88320, data.subarray(s, e))
      expect(crc32Portable(data, s, e)).toBe(expected)
      expect(crc32(data, s, e)).toBe(expected)
    }
  })
})
