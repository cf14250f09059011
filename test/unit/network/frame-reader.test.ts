import { describe, expect, it } from 'vitest'
import { KafkaProtocolError } from '../../../src/errors.js'
import { FrameReader } from '../../../src/network/frame-reader.js'

function frame(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

/**
 * Plays a socket with `onread`: each read writes at most `readSizes[i]` bytes (and never more than
 * the target has room for) of `stream` into the reader's target, then reports them.
 */
function readAll(reader: FrameReader, stream: Buffer, readSizes: (i: number) => number): Buffer[] {
  const frames: Buffer[] = []
  let at = 0
  for (let i = 0; at < stream.length; i++) {
    const target = reader.target()
    expect(target.length, 'the target has room').toBeGreaterThan(0)
    const n = Math.min(readSizes(i), target.length, stream.length - at)
    stream.copy(target, 0, at, at + n)
    at += n
    reader.received(n, (f) => frames.push(f))
  }
  return frames
}

describe('FrameReader', () => {
  it('returns frames that arrive whole, several per read, as copies the next read cannot touch', () => {
    const reader = new FrameReader(1024)
    const first = readAll(reader, Buffer.concat([frame('alpha'), frame(''), frame('gamma')]), () => 1000)
    readAll(reader, frame('overwrites the scratch'), () => 1000)
    expect(first.map(String)).toEqual(['alpha', '', 'gamma'])
    expect(reader.buffered).toBe(0)
  })

  it('reassembles frames split at every byte boundary, size prefixes included', () => {
    const stream = Buffer.concat([frame('first frame'), frame('second'), frame('3')])
    for (let cut = 1; cut < stream.length; cut++) {
      const frames = readAll(new FrameReader(1024), stream, (i) => (i === 0 ? cut : 1000))
      expect(frames.map(String), `cut at ${cut}`).toEqual(['first frame', 'second', '3'])
    }
  })

  it('reads a stream one byte at a time', () => {
    const reader = new FrameReader(1024)
    const frames = readAll(reader, Buffer.concat([frame('one'), frame('two'), frame('three')]), () => 1)
    expect(frames.map(String)).toEqual(['one', 'two', 'three'])
    expect(reader.buffered).toBe(0)
  })

  it('lets the socket write the rest of a large frame in place, never past its end', () => {
    const big = Buffer.alloc(300_000)
    for (let i = 0; i < big.length; i++) big[i] = i % 251
    const reader = new FrameReader(1 << 20, 1024)
    const targets: number[] = []
    const stream = Buffer.concat([frame(big), frame('after')])
    const frames: Buffer[] = []
    let at = 0
    while (at < stream.length) {
      const target = reader.target()
      targets.push(target.length)
      const n = Math.min(target.length, stream.length - at, 70_000)
      stream.copy(target, 0, at, at + n)
      at += n
      reader.received(n, (f) => frames.push(f))
      if (frames.length === 0 && at > 1024) expect(reader.buffered).toBe(at - 4)
    }
    expect(frames).toHaveLength(2)
    expect(frames[0]!.equals(big)).toBe(true)
    expect(String(frames[1])).toBe('after')
    // After the first 1 KiB read the targets are the frame's own remainder, bigger than the scratch.
    expect(targets[1]).toBe(300_000 - (1024 - 4))
  })

  it('keeps a size prefix cut at the end of the scratch buffer', () => {
    const reader = new FrameReader(1024, 16)
    // 12 bytes of frame, then 2 bytes of the next prefix fill the 16-byte scratch... then the rest.
    const stream = Buffer.concat([frame('12345678'), frame('next one'), frame('x')])
    const frames = readAll(reader, stream, (i) => (i === 0 ? 14 : 3))
    expect(frames.map(String)).toEqual(['12345678', 'next one', 'x'])
  })

  it('rejects a size prefix over the limit before allocating', () => {
    const reader = new FrameReader(100)
    const prefix = Buffer.alloc(4)
    prefix.writeInt32BE(101, 0)
    const target = reader.target()
    prefix.copy(target)
    expect(() => reader.received(4, () => {})).toThrow(KafkaProtocolError)
  })

  it('rejects a negative size prefix', () => {
    const reader = new FrameReader(100)
    const target = reader.target()
    Buffer.from([0xff, 0xff, 0xff, 0xfe]).copy(target)
    expect(() => reader.received(4, () => {})).toThrow(/frame size -2/)
  })
})
