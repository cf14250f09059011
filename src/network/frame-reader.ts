/**
 * Reads Kafka frames (int32 size + payload) from a plain TCP socket straight into buffers chosen
 * here, through the `onread` option of `net.connect`: the socket asks {@link FrameReader.target}
 * where to put the next bytes, then reports how many it wrote.
 *
 * Why: with `'data'` events Node allocates a fresh 64 KiB buffer per read and a frame that spans
 * reads must be copied together from them (a 1 MiB Fetch response: 16 allocations and 1 MiB
 * copied). Here, once a frame's size is known, its own buffer is allocated and the kernel writes
 * the rest of the frame into it in place; only the bytes of the read that revealed the size are
 * copied. Frames that arrive whole within one read are copied out of the reusable scratch buffer,
 * which the next read overwrites. TLS sockets have no `onread`; they keep {@link FrameDecoder}.
 */

import { KafkaProtocolError } from '../errors.js'

const SCRATCH_BYTES = 64 * 1024

export class FrameReader {
  readonly #maxFrameBytes: number
  readonly #scratch: Buffer
  // Unconsumed bytes of the scratch buffer are [#start, #end).
  #start = 0
  #end = 0
  // The frame being filled in place, and how much of it has arrived.
  #assembly: Buffer | null = null
  #filled = 0

  constructor(maxFrameBytes: number, scratchBytes = SCRATCH_BYTES) {
    this.#maxFrameBytes = maxFrameBytes
    this.#scratch = Buffer.allocUnsafe(scratchBytes)
  }

  /** Bytes received but not yet returned as frames. */
  get buffered(): number {
    return this.#end - this.#start + this.#filled
  }

  /** Where the next read writes: the rest of the frame being assembled, or free scratch space. */
  target(): Uint8Array {
    const assembly = this.#assembly
    if (assembly !== null) return assembly.subarray(this.#filled)
    if (this.#start === this.#end) {
      this.#start = 0
      this.#end = 0
    } else if (this.#start > 0) {
      // Fewer than 4 bytes (a size prefix cut by the read) wait at the end: move them to the front.
      this.#scratch.copyWithin(0, this.#start, this.#end)
      this.#end -= this.#start
      this.#start = 0
    }
    return this.#scratch.subarray(this.#end)
  }

  /** The last read wrote `bytes` bytes into the last {@link target}; calls `onFrame` per complete frame. */
  received(bytes: number, onFrame: (frame: Buffer) => void): void {
    const assembly = this.#assembly
    if (assembly !== null) {
      this.#filled += bytes
      if (this.#filled < assembly.length) return
      this.#assembly = null
      this.#filled = 0
      onFrame(assembly)
      return
    }
    this.#end += bytes
    const scratch = this.#scratch
    while (this.#end - this.#start >= 4) {
      const size = scratch.readInt32BE(this.#start)
      if (size < 0 || size > this.#maxFrameBytes) {
        throw new KafkaProtocolError(`frame size ${size} outside [0, ${this.#maxFrameBytes}]`)
      }
      const from = this.#start + 4
      const arrived = Math.min(size, this.#end - from)
      const frame = Buffer.allocUnsafe(size)
      scratch.copy(frame, 0, from, from + arrived)
      this.#start = from + arrived
      if (arrived < size) {
        // The scratch is empty now; the next reads go straight into the frame.
        this.#assembly = frame
        this.#filled = arrived
        return
      }
      onFrame(frame)
    }
  }
}
