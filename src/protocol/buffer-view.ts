/**
 * Buffers that view part of a larger buffer, made at the cost of a plain `Uint8Array` view.
 *
 * A consumer makes one or two such views per record (key and value), and applications expect
 * `Buffer`s (`toString`, `readInt32BE` …). `Buffer.from(arrayBuffer, offset, length)` and
 * `Buffer#subarray` validate their arguments and look up the species constructor, which costs
 * about twice the view itself (measured on Node 20: 285 ns against 154 ns per 100 B view while the
 * machine was loaded; a plain Uint8Array view took 124 ns). A subclass of `Uint8Array` whose
 * prototype chain runs through `Buffer.prototype` is what Node's own internal buffer class is: it
 * is a `Buffer` (`Buffer.isBuffer`, `instanceof Buffer` and every Buffer method work) built by the
 * plain typed-array constructor.
 */

class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype)

/** A `Buffer` over `length` bytes of `buffer` from `byteOffset`, sharing its memory (no copy). */
export function bufferView(buffer: ArrayBufferLike, byteOffset: number, length: number): Buffer {
  return new BufferView(buffer as ArrayBuffer, byteOffset, length) as unknown as Buffer
}
