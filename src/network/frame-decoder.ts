/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload).
 *
 * Chunks are kept as they arrive and only joined when a frame spans several of them, so the common
 * case of a frame inside one chunk costs no copy: the frame is a view of the socket's buffer.
 */

import { KafkaProtocolError } from '../errors.js'

export class FrameDecoder {
  readonly #maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  // Size of the frame being assembled, or -1 while its size prefix has not arrived.
  #frameSize = -1

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered
  }

  /** Feeds a chunk; calls `onFrame` for every complete frame, in order. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.#chunks.push(chunk)
    this.#buffered += chunk.length
    for (;;) {
      if (this.#frameSize < 0) {
        if (this.#buffered < 4) return
        const size = this.#readSizePrefix()
        if (size < 0 || size > this.#maxFrameBytes) {
          throw new KafkaProtocolError(`frame size ${size} outside [0, ${this.#maxFrameBytes}]`)
        }
        this.#frameSize = size
      }
      if (this.#buffered < this.#frameSize) return
      const frame = this.#take(this.#frameSize)
      this.#frameSize = -1
      onFrame(frame)
    }
  }

  #readSizePrefix(): number {
    const head = this.#take(4)
    return head.readInt32BE(0)
  }

  // Removes `n` bytes from the front of the buffered chunks.
  #take(n: number): Buffer {
    const first = this.#chunks[0] as Buffer
    if (first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
      this.#buffered -= n
      return out
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.#chunks[0] as Buffer
      const use = Math.min(chunk.length, n - filled)
      chunk.copy(out, filled, 0, use)
      filled += use
      if (use === chunk.length) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(use)
    }
    this.#buffered -= n
    return out
  }
}
