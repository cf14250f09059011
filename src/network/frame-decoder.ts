/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload).
 *
 * A frame inside one chunk costs no copy: it is a view of the socket's buffer. A frame that spans
 * chunks (a Fetch response of megabytes arrives in 64 KiB reads) gets its own buffer as soon as
 * its size is known, and each later chunk is copied into it on arrival and let go, so a response
 * costs its size once, not its chunks plus the joined copy.
 */

import { KafkaProtocolError } from '../errors.js'

export class FrameDecoder {
  readonly #maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0
  // Size of the frame being assembled, or -1 while its size prefix has not arrived.
  #frameSize = -1
  // The frame being filled chunk by chunk, and how much of it has arrived.
  #assembly: Buffer | null = null
  #filled = 0

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#buffered + this.#filled
  }

  /** Feeds a chunk; calls `onFrame` for every complete frame, in order. */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    const assembly = this.#assembly
    if (assembly !== null) {
      const use = Math.min(chunk.length, assembly.length - this.#filled)
      chunk.copy(assembly, this.#filled, 0, use)
      this.#filled += use
      if (this.#filled < assembly.length) return
      this.#assembly = null
      this.#filled = 0
      this.#frameSize = -1
      onFrame(assembly)
      if (use === chunk.length) return
      chunk = chunk.subarray(use)
    }
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
      if (this.#buffered < this.#frameSize) {
        this.#startAssembly()
        return
      }
      const frame = this.#take(this.#frameSize)
      this.#frameSize = -1
      onFrame(frame)
    }
  }

  // The frame is not complete: what has arrived moves into the frame's own buffer.
  #startAssembly(): void {
    const out = Buffer.allocUnsafe(this.#frameSize)
    let filled = 0
    for (const chunk of this.#chunks) {
      chunk.copy(out, filled)
      filled += chunk.length
    }
    this.#chunks = []
    this.#buffered = 0
    this.#assembly = out
    this.#filled = filled
  }

  #readSizePrefix(): number {
    const head = this.#take(4)
    return head.readInt32BE(0)
  }

  // Removes `n` bytes from the front of the buffered chunks.
  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0)
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
