import { describe, expect, it } from 'vitest'
import { murmur2, toPositive } from '../../../src/producer/murmur2.js'
import { partitionForKey } from '../../../src/producer/partition-for-key.js'
import { KafkaConfigError } from '../../../src/errors.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

// [key, signed murmur2]: the hashes the sources assert (research/protocol.md §4.2).
const STRING_VECTORS: ReadonlyArray<readonly [string, number]> = [
  // apache/kafka UtilsTest.testMurmur2
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  // librdkafka rdmurmur2.c unittest_murmur2
  ['kafka', -798503068],
  ['giberish123456789', -1890243828],
  ['1234', -1614185708],
  ['234', -406844982],
  ['34', -2026295078],
  ['4', 1514888353],
  ['PreAmbleWillBeRemoved,ThePrePartThatIs', 2017611548],
  ['reAmbleWillBeRemoved,ThePrePartThatIs', 1247982455],
  ['eAmbleWillBeRemoved,ThePrePartThatIs', -521871202],
  ['AmbleWillBeRemoved,ThePrePartThatIs', 1656271935],
  ['', 275646681],
  // kafkajs default/murmur2.spec.js, generated with the Java client
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
  ['2097152', 607668903],
  ['4782969', -1182699775],
  ['10000000', -1830336757],
  ['19487171', -1603849305],
  ['35831808', -857013643],
  ['62748517', -1167431028],
  ['105413504', -381294639],
  ['170859375', -1658323481],
  ['100:48069', 1009543857],
]

// Keys with bytes >= 0x80 in the 4-byte body and in every tail position, hashed by kafka-clients 4.3.1
// (Utils.murmur2 through test/fixtures/java/Murmur2Cli.java). They catch sign-extension mistakes.
const NON_ASCII_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['é', 186971271],
  ['€', -1352192002],
  ['😀', 131881617],
  ['kafka€', 1387023413],
  ['日本語キー', 1445825182],
  ['ключ', 2122343024],
  ['Ωmega', 1300230970],
  ['naïve café', 1338837213],
  ['Zürich-Straße-9', 1842556005],
]

const BYTE_VECTORS: ReadonlyArray<readonly [string, number]> = [
  ['ff', -311467685],
  ['ffff', -1642832928],
  ['ffffff', 1548199422],
  ['ffffffff', 644171429],
  ['80', 857690492],
  ['7f80ff00ab', -1295189929],
  ['00', 375494588],
  ['00000000', 850957120],
  ['fffefdfcfbfaf9', -166236347],
]

describe('murmur2', () => {
  it.each(STRING_VECTORS)('hashes %j to %i like the Java client', (key, expected) => {
    expect(murmur2(utf8(key))).toBe(expected)
  })

  it.each(NON_ASCII_VECTORS)('hashes the UTF-8 bytes of %j to %i', (key, expected) => {
    expect(murmur2(utf8(key))).toBe(expected)
  })

  it.each(BYTE_VECTORS)('hashes bytes %s to %i', (bytes, expected) => {
    expect(murmur2(hex(bytes))).toBe(expected)
  })

  it('covers every tail length among the vectors', () => {
    const tails = new Set([...STRING_VECTORS, ...NON_ASCII_VECTORS].map(([key]) => utf8(key).length % 4))
    for (const [bytes] of BYTE_VECTORS) tails.add(bytes.length / 2 % 4)
    expect([...tails].sort()).toEqual([0, 1, 2, 3])
  })

  it('hashes the empty key to the seed mix, as Java and librdkafka do', () => {
    expect(murmur2(new Uint8Array(0))).toBe(0x106e08d9)
  })

  it('returns a signed 32-bit integer', () => {
    const h = murmur2(utf8('23456'))
    expect(h).toBe(-2054326257)
    expect(h | 0).toBe(h)
  })

  it('hashes only the bytes of a view, not the whole buffer behind it', () => {
    const backing = utf8('xxfoobaryy')
    expect(murmur2(backing.subarray(2, 8))).toBe(murmur2(utf8('foobar')))
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536)
  })
})

describe('toPositive', () => {
  it('clears the sign bit instead of negating', () => {
    expect(toPositive(-2054326257)).toBe(0x058d780f)
    expect(toPositive(-2054326257)).not.toBe(Math.abs(-2054326257))
  })

  it('maps the int32 extremes into [0, 2^31)', () => {
    expect(toPositive(-2147483648)).toBe(0)
    expect(toPositive(-1)).toBe(2147483647)
    expect(toPositive(2147483647)).toBe(2147483647)
    expect(toPositive(0)).toBe(0)
  })
})

describe('partitionForKey', () => {
  // librdkafka tests/0048-partitioner.c ("murmur2" partitioner, values from the Java client) for N=7
  // and 17; research/protocol.md §4.2 for N=10 and 100.
  const cases: ReadonlyArray<readonly [string, number, number]> = [
    ['23456', 7, 5],
    ['23456', 17, 9],
    ['23456', 10, 1],
    ['23456', 100, 91],
    ['this is another string with more length to it perhaps', 7, 1],
    ['this is another string with more length to it perhaps', 17, 11],
    ['hejsan', 7, 6],
    ['hejsan', 17, 5],
    ['', 7, 2],
    ['', 17, 11],
    ['', 100, 81],
    ['21', 100, 40],
    ['foobar', 10, 6],
    ['a-little-bit-longer-string', 100, 19],
    ['kafka', 100, 80],
    ['1', 10, 9],
    ['16384', 100, 6],
    ['170859375', 100, 67],
  ]
  it.each(cases)('puts %j on partition %i of %i', (key, n, expected) => {
    expect(partitionForKey(utf8(key), n)).toBe(expected)
  })

  it('matches the Java partitioner for non-ASCII keys', () => {
    // kafka-clients 4.3.1 BuiltInPartitioner.partitionForKey, through Murmur2Cli.java.
    expect(partitionForKey(utf8('€'), 7)).toBe(2)
    expect(partitionForKey(utf8('€'), 100)).toBe(46)
    expect(partitionForKey(utf8('é'), 7)).toBe(4)
    expect(partitionForKey(utf8('😀'), 100)).toBe(17)
  })

  it('always answers 0 for a single partition and stays within range', () => {
    for (const [key] of STRING_VECTORS) {
      expect(partitionForKey(utf8(key), 1)).toBe(0)
      const p = partitionForKey(utf8(key), 3)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThan(3)
    }
  })

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects %s partitions with KafkaConfigError', (n) => {
    expect(() => partitionForKey(utf8('k'), n)).toThrow(KafkaConfigError)
    expect(() => partitionForKey(utf8('k'), n)).toThrow(/numPartitions/)
  })
})
