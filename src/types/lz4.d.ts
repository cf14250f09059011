// The part of the `lz4` package (node-lz4) kafkats uses: its native LZ4 block functions.
declare module 'lz4' {
  interface Lz4Module {
    /** Largest compressed size of an input of `inputSize` bytes. */
    encodeBound(inputSize: number): number
    /**
     * Compresses `input` as one raw LZ4 block into `output` (its whole length is the capacity).
     * Returns the compressed size, or 0 when the block does not fit in `output`.
     */
    encodeBlock(input: Uint8Array, output: Uint8Array): number
    /** As `encodeBlock` with the high-compression (HC, level 9) compressor. */
    encodeBlockHC(input: Uint8Array, output: Uint8Array): number
    /**
     * Decompresses the raw LZ4 block in `input[startIdx, endIdx)` into `output` (its whole length
     * is the capacity). Returns the decompressed size, or a negative number on corrupt input or a
     * too small `output`.
     */
    decodeBlock(input: Uint8Array, output: Uint8Array, startIdx: number, endIdx: number): number
    /** Encodes a whole LZ4 frame (the package's own framing: content checksum, 4 MiB blocks). */
    encode(input: Uint8Array): Buffer
    /** Decodes a whole LZ4 frame. */
    decode(input: Uint8Array): Buffer
  }
  const lz4: Lz4Module
  export default lz4
}
