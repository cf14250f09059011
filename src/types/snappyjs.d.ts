// The part of `snappyjs` kafkats uses.
declare module 'snappyjs' {
  /** Compresses to one raw snappy block (uvarint length + elements); returns the input's type. */
  export function compress<T extends Uint8Array>(input: T): T
  /** Decompresses one raw snappy block. */
  export function uncompress<T extends Uint8Array>(input: T, maxLength?: number): T
}
