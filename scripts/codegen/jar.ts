/**
 * Reads entries out of a jar (a zip file) without a dependency: the end-of-central-directory record
 * locates the central directory, whose headers give each entry's name, method, sizes and the offset
 * of its local header; the data after that header is stored or raw-deflated.
 *
 * Only what a jar built by Gradle or Maven uses is supported: methods 0 and 8, no zip64 (a jar
 * that needs it is over 4 GiB or 65535 entries), no encryption. Anything else fails loudly rather
 * than yield wrong bytes.
 */

import { readFileSync } from 'node:fs'
import { inflateRawSync } from 'node:zlib'

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_DIRECTORY_HEADER = 0x02014b50
const LOCAL_FILE_HEADER = 0x04034b50
const END_RECORD_SIZE = 22
/** The end record may be followed by a comment of up to 65535 bytes. */
const MAX_COMMENT = 0xffff
const STORED = 0
const DEFLATED = 8
const ENCRYPTED_FLAG = 0x1

/** One file inside the archive, as its central directory describes it. */
export interface JarEntry {
  readonly name: string
  readonly method: number
  readonly compressedSize: number
  readonly size: number
  readonly localHeaderOffset: number
  readonly flags: number
}

export class JarFormatError extends Error {
  constructor(jarPath: string, detail: string) {
    super(`${jarPath}: ${detail}`)
    this.name = 'JarFormatError'
  }
}

/** A jar read into memory once; entries are decompressed on demand. */
export class Jar {
  readonly path: string
  readonly #bytes: Buffer
  readonly #entries: Map<string, JarEntry>

  constructor(path: string, bytes: Buffer = readFileSync(path)) {
    this.path = path
    this.#bytes = bytes
    this.#entries = readCentralDirectory(path, bytes)
  }

  /** Entry names in central-directory order (directories end with `/`). */
  names(): string[] {
    return [...this.#entries.keys()]
  }

  /** The uncompressed bytes of one entry; throws when the jar has no such entry. */
  read(name: string): Buffer {
    const entry = this.#entries.get(name)
    if (entry === undefined) throw new JarFormatError(this.path, `no entry ${name}`)
    return readEntry(this.path, this.#bytes, entry)
  }
}

function findEndRecord(path: string, bytes: Buffer): number {
  const lowest = Math.max(0, bytes.length - END_RECORD_SIZE - MAX_COMMENT)
  for (let at = bytes.length - END_RECORD_SIZE; at >= lowest; at--) {
    if (bytes.readUInt32LE(at) !== END_OF_CENTRAL_DIRECTORY) continue
    // A signature inside the comment is possible; the real record's comment length reaches the end.
    if (at + END_RECORD_SIZE + bytes.readUInt16LE(at + 20) === bytes.length) return at
  }
  throw new JarFormatError(path, 'not a zip file (no end-of-central-directory record)')
}

function readCentralDirectory(path: string, bytes: Buffer): Map<string, JarEntry> {
  const end = findEndRecord(path, bytes)
  const count = bytes.readUInt16LE(end + 10)
  const size = bytes.readUInt32LE(end + 12)
  const offset = bytes.readUInt32LE(end + 16)
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new JarFormatError(path, 'zip64 archives are not supported')
  }
  if (offset + size > end) throw new JarFormatError(path, 'central directory runs past its end record')

  const entries = new Map<string, JarEntry>()
  let at = offset
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || bytes.readUInt32LE(at) !== CENTRAL_DIRECTORY_HEADER) {
      throw new JarFormatError(path, `central directory header ${i} is damaged`)
    }
    const nameLength = bytes.readUInt16LE(at + 28)
    const extraLength = bytes.readUInt16LE(at + 30)
    const commentLength = bytes.readUInt16LE(at + 32)
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength)
    entries.set(name, {
      name,
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      localHeaderOffset: bytes.readUInt32LE(at + 42),
    })
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

function readEntry(path: string, bytes: Buffer, entry: JarEntry): Buffer {
  if ((entry.flags & ENCRYPTED_FLAG) !== 0) throw new JarFormatError(path, `${entry.name} is encrypted`)
  const at = entry.localHeaderOffset
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_FILE_HEADER) {
    throw new JarFormatError(path, `local header of ${entry.name} is damaged`)
  }
  // The local header's own name and extra lengths can differ from the central directory's copy.
  const dataStart = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28)
  const data = bytes.subarray(dataStart, dataStart + entry.compressedSize)
  if (data.length !== entry.compressedSize) throw new JarFormatError(path, `${entry.name} is truncated`)
  let out: Buffer
  if (entry.method === STORED) out = data
  else if (entry.method === DEFLATED) out = inflateRawSync(data)
  else throw new JarFormatError(path, `${entry.name} uses compression method ${entry.method}`)
  if (out.length !== entry.size) {
    throw new JarFormatError(path, `${entry.name} is ${out.length} bytes, its header says ${entry.size}`)
  }
  return out
}
