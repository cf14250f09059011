/**
 * Writer and Reader against Kafka's own known answers (ByteUtilsTest vectors, protocol.md §2.5) and
 * the encodings of protocol.md §2.4, plus what a hostile or truncated frame must do: raise a
 * KafkaProtocolError, never crash or allocate what a length prefix claims.
 */
import { describe, expect, it } from 'vitest'
import { KafkaProtocolError } from '../../../src/errors.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { ZERO_UUID } from '../../../src/protocol/uuid.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const written = (f: (w: Writer) => void): string => {
  const w = new Writer(1)
  f(w)
  return w.finish().toString('hex')
}

describe('unsigned varint', () => {
  const vectors: Array<[number, string]> = [
    [0, '00'],
    [1, '01'],
    [63, '3f'],
    [64, '40'],
    [8191, 'ff3f'],
    [8192, '8040'],
    [1048575, 'ffff3f'],
    [1048576, '808040'],
    [2147483647, 'ffffffff07'],
    [0xffffffff, 'ffffffff0f'],
    [0x80000000, '8080808008'],
  ]
  it.each(vectors)('%i ↔ %s', (value, bytes) => {
    expect(written((w) => w.unsignedVarint(value))).toBe(bytes)
    expect(new Reader(hex(bytes)).unsignedVarint()).toBe(value)
  })
})

describe('zig-zag varint and varlong', () => {
  const varints: Array<[number, string]> = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [8191, 'fe7f'],
    [-8192, 'ff7f'],
    [8192, '808001'],
    [-8193, '818001'],
    [134217728, '8080808001'],
    [-134217729, '8180808001'],
    [2147483647, 'feffffff0f'],
    [-2147483648, 'ffffffff0f'],
  ]
  it.each(varints)('varint %i ↔ %s', (value, bytes) => {
    expect(written((w) => w.varint(value))).toBe(bytes)
    expect(new Reader(hex(bytes)).varint()).toBe(value)
  })

  const varlongs: Array<[bigint, string]> = [
    [0n, '00'],
    [-1n, '01'],
    [17179869184n, '808080808001'],
    [-17179869185n, '818080808001'],
    [4611686018427387904n, '80808080808080808001'],
    [9223372036854775807n, 'feffffffffffffffff01'],
    [-9223372036854775808n, 'ffffffffffffffffff01'],
  ]
  it.each(varlongs)('varlong %s ↔ %s', (value, bytes) => {
    expect(written((w) => w.varlong(value))).toBe(bytes)
    expect(new Reader(hex(bytes)).varlong()).toBe(value)
  })

  it('rejects a varint of six bytes and a varlong of eleven', () => {
    expect(() => new Reader(hex('ffffffffff01')).varint()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('ffffffffffffffffffff01')).varlong()).toThrow(KafkaProtocolError)
  })

  it('rejects a varint cut short', () => {
    expect(() => new Reader(hex('ff')).unsignedVarint()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('8080')).varlong()).toThrow(KafkaProtocolError)
  })
})

describe('fixed-width integers', () => {
  it('are big-endian two’s complement', () => {
    expect(written((w) => w.int8(-2).int16(-2).int32(-2).int64(-2n).uint16(65535).uint32(4294967295))).toBe(
      'fe' + 'fffe' + 'fffffffe' + 'fffffffffffffffe' + 'ffff' + 'ffffffff',
    )
    const r = new Reader(hex('fe fffe fffffffe fffffffffffffffe ffff ffffffff 3ff0000000000000 02'))
    expect([r.int8(), r.int16(), r.int32(), r.int64(), r.uint16(), r.uint32(), r.float64(), r.boolean()]).toEqual([
      -2, -2, -2, -2n, 65535, 4294967295, 1, true,
    ])
  })
})

describe('strings, bytes and arrays', () => {
  it('classic and compact strings, with null', () => {
    expect(written((w) => w.string('hé'))).toBe('0003' + '68c3a9')
    expect(written((w) => w.nullableString(null))).toBe('ffff')
    expect(written((w) => w.compactString('hé'))).toBe('04' + '68c3a9')
    expect(written((w) => w.compactNullableString(null))).toBe('00')
    const r = new Reader(hex('0003 68c3a9 ffff 04 68c3a9 00'))
    expect([r.string(), r.nullableString(), r.compactString(), r.compactNullableString()]).toEqual(['hé', null, 'hé', null])
  })

  it('classic and compact bytes, with null', () => {
    expect(written((w) => w.bytes(Buffer.from([1, 2])).nullableBytes(null).compactBytes(Buffer.from([3])).compactNullableBytes(null))).toBe(
      '00000002 0102 ffffffff 02 03 00'.replace(/\s/g, ''),
    )
  })

  it('array lengths: -1 and compact 0 mean null', () => {
    expect(written((w) => w.arrayLength(-1).compactArrayLength(-1).compactArrayLength(2))).toBe('ffffffff' + '00' + '03')
    expect(new Reader(hex('ffffffff')).arrayLength()).toBe(-1)
    expect(new Reader(hex('00')).compactArrayLength()).toBe(-1)
  })

  it('a null where the type forbids one is a protocol error', () => {
    expect(() => new Reader(hex('ffff')).string()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('00')).compactString()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('ffffffff')).bytes()).toThrow(KafkaProtocolError)
  })
})

describe('hostile lengths', () => {
  it('a length prefix beyond the frame fails before allocating', () => {
    expect(() => new Reader(hex('7fffffff 00')).bytes()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('7fff 00')).string()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('ffffffff07')).compactBytes()).toThrow(KafkaProtocolError)
  })

  it('an array count larger than the bytes left is refused', () => {
    expect(() => new Reader(hex('7fffffff 0000')).arrayLength()).toThrow(KafkaProtocolError)
    expect(() => new Reader(hex('ffffffff07')).compactArrayLength()).toThrow(KafkaProtocolError)
  })

  it('every read past the end names what it needed', () => {
    expect(() => new Reader(hex('0001')).int32()).toThrow(/int32 needs 4/)
  })
})

describe('uuid', () => {
  it('travels as 16 bytes and reads back as Kafka’s base64url text', () => {
    const id = 'Ax8D_-ABCDEFGHIJKLMNOA'
    const bytes = written((w) => w.uuid(id))
    expect(bytes).toHaveLength(32)
    expect(new Reader(hex(bytes)).uuid()).toBe(id)
    expect(written((w) => w.uuid(ZERO_UUID))).toBe('00'.repeat(16))
  })

  it('refuses text that is not 16 bytes', () => {
    expect(() => written((w) => w.uuid('short'))).toThrow(KafkaProtocolError)
  })
})

describe('tagged fields', () => {
  it('keeps unknown tags and hands known ones to the decoder', () => {
    const w = new Writer()
    w.taggedFields([
      { tag: 0, data: Buffer.from([7]) },
      { tag: 5, data: Buffer.from('xyz') },
    ])
    const r = new Reader(w.finish())
    const known: number[] = []
    const unknown = r.taggedFields((tag, field) => {
      if (tag !== 0) return false
      known.push(field.int8())
      return true
    })
    expect(known).toEqual([7])
    expect(unknown?.map((u) => [u.tag, Buffer.from(u.data).toString()])).toEqual([[5, 'xyz']])
    expect(r.remaining).toBe(0)
  })

  it('rejects tags out of order', () => {
    const bytes = hex('02 05 00 01 00')
    expect(() => new Reader(bytes).taggedFields()).toThrow(/out of order/)
  })
})
