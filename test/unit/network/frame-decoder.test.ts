import { describe, expect, it } from 'vitest'
import { KafkaProtocolError } from '../../../src/errors.js'
import { FrameDecoder } from '../../../src/network/frame-decoder.js'

function frame(payload: string): Buffer {
  const body = Buffer.from(payload)
  const out = Buffer.alloc(4 + body.length)
  out.writeInt32BE(body.length, 0)
  body.copy(out, 4)
  return out
}

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): string[] {
  const frames: string[] = []
  for (const chunk of chunks) decoder.push(chunk, (f) => frames.push(f.toString()))
  return frames
}

describe('FrameDecoder', () => {
  it('returns frames that arrive whole, several per chunk', () => {
    const stream = Buffer.concat([frame('alpha'), frame(''), frame('gamma')])
    expect(decodeAll(new FrameDecoder(1024), [stream])).toEqual(['alpha', '', 'gamma'])
  })

  it('reassembles frames split at every possible byte boundary', () => {
    const stream = Buffer.concat([frame('first frame'), frame('second')])
    for (let cut = 1; cut < stream.length; cut++) {
      const frames = decodeAll(new FrameDecoder(1024), [stream.subarray(0, cut), stream.subarray(cut)])
      expect(frames, `cut at ${cut}`).toEqual(['first frame', 'second'])
    }
  })

  it('reassembles a stream fed one byte at a time', () => {
    const stream = Buffer.concat([frame('one'), frame('two'), frame('three')])
    const chunks = [...stream].map((b) => Buffer.from([b]))
    const decoder = new FrameDecoder(1024)
    expect(decodeAll(decoder, chunks)).toEqual(['one', 'two', 'three'])
    expect(decoder.buffered).toBe(0)
  })

  it('fills a frame spanning many chunks as they arrive, and goes on with the frames after it in the last one', () => {
    const big = 'x'.repeat(200_000)
    const stream = Buffer.concat([frame('head'), frame(big), frame('tail'), frame('')])
    for (const size of [7, 1000, 65_536]) {
      const chunks: Buffer[] = []
      for (let at = 0; at < stream.length; at += size) chunks.push(stream.subarray(at, at + size))
      const decoder = new FrameDecoder(1 << 20)
      const frames: string[] = []
      const pending: number[] = []
      for (const chunk of chunks) {
        decoder.push(chunk, (f) => frames.push(f.toString()))
        pending.push(decoder.buffered)
      }
      expect(frames, `chunks of ${size}`).toEqual(['head', big, 'tail', ''])
      expect(decoder.buffered).toBe(0)
      // Mid-frame, what arrived is counted as held, never more than the stream so far.
      expect(Math.max(...pending)).toBeLessThanOrEqual(4 + big.length)
    }
  })

  it('rejects a size prefix above the limit before allocating', () => {
    const decoder = new FrameDecoder(100)
    const head = Buffer.alloc(4)
    head.writeInt32BE(101, 0)
    expect(() => decoder.push(head, () => {})).toThrow(KafkaProtocolError)
  })

  it('rejects a negative size prefix', () => {
    const head = Buffer.alloc(4)
    head.writeInt32BE(-5, 0)
    expect(() => new FrameDecoder(100).push(head, () => {})).toThrow(KafkaProtocolError)
  })
})
