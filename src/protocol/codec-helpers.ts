/**
 * Small runtime pieces shared by the generated message codecs in `messages/`: the errors they
 * raise and the tagged-field plumbing that is the same for every struct. Loops over message data
 * stay in the generated code, so each call site there remains monomorphic.
 */

import { KafkaProtocolError, KafkaUnsupportedVersionError } from '../errors.js'

export { KafkaUnsupportedVersionError }
import type { Reader, UnknownTaggedField } from './reader.js'
import type { Writer } from './writer.js'

/** Shared empty byte array for defaults; it has no elements to mutate. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0)

export function unsupportedVersion(message: string, version: number): KafkaUnsupportedVersionError {
  return new KafkaUnsupportedVersionError(`${message} has no version ${version}`)
}

export function nonDefaultField(struct: string, field: string, version: number): KafkaUnsupportedVersionError {
  return new KafkaUnsupportedVersionError(
    `${struct}.${field} is set to a non-default value, but version ${version} cannot carry it`,
  )
}

export function nullField(struct: string, field: string, version: number): KafkaUnsupportedVersionError {
  return new KafkaUnsupportedVersionError(`${struct}.${field} is null, but version ${version} cannot carry a null`)
}

/** A non-nullable field arrived as null. */
export function nullOnWire(struct: string, field: string): KafkaProtocolError {
  return new KafkaProtocolError(`non-nullable field ${struct}.${field} was encoded as null`)
}

/** Throws when a struct written at a non-flexible version carries tagged fields. */
export function rejectTaggedFields(
  fields: readonly UnknownTaggedField[] | undefined,
  struct: string,
  version: number,
): void {
  if (fields !== undefined && fields.length > 0) {
    throw new KafkaUnsupportedVersionError(`${struct} carries tagged fields, but version ${version} is not flexible`)
  }
}

/** Writes a tagged-field section holding only fields this code does not know. */
export function writeTaggedFields(w: Writer, fields: readonly UnknownTaggedField[] | undefined): void {
  if (fields === undefined || fields.length === 0) {
    w.uint8(0)
    return
  }
  w.unsignedVarint(fields.length)
  for (const f of fields) w.unsignedVarint(f.tag).unsignedVarint(f.data.length).raw(f.data)
}

/**
 * Writes the unknown tagged fields from index `from` whose tag is below `belowTag`, so they
 * interleave in tag order with the known ones; returns the index of the first one not written.
 */
export function writeUnknownTagsBelow(
  w: Writer,
  fields: readonly UnknownTaggedField[] | undefined,
  from: number,
  belowTag: number,
): number {
  if (fields === undefined) return 0
  let i = from
  for (; i < fields.length; i++) {
    const f = fields[i] as UnknownTaggedField
    if (f.tag >= belowTag) break
    w.unsignedVarint(f.tag).unsignedVarint(f.data.length).raw(f.data)
  }
  return i
}

/** Reads the next tag of a tagged-field section, which must be above the previous one. */
export function readTag(r: Reader, previousTag: number): number {
  const tag = r.unsignedVarint()
  if (tag <= previousTag) throw new KafkaProtocolError(`tagged field ${tag} out of order after ${previousTag}`)
  return tag
}

/** Keeps the bytes of an unknown tagged field (as a view) and skips past them. */
export function readUnknownTaggedField(
  r: Reader,
  fields: UnknownTaggedField[] | undefined,
  tag: number,
  size: number,
): UnknownTaggedField[] {
  const list = fields ?? []
  list.push({ tag, data: r.raw(size) })
  return list
}

/** A known tagged field must fill exactly the size its header declared. */
export function checkTaggedFieldEnd(field: Reader, tag: number): void {
  if (field.remaining !== 0) {
    throw new KafkaProtocolError(`tagged field ${tag} has ${field.remaining} undecoded byte(s)`)
  }
}

/** Writes an array length (-1 for null) in the compact or classic encoding. */
export function writeArrayLength(w: Writer, flexible: boolean, length: number): void {
  if (flexible) w.compactArrayLength(length)
  else w.arrayLength(length)
}

/** Reads an array length in the compact or classic encoding; -1 means null. */
export function readArrayLength(r: Reader, flexible: boolean): number {
  return flexible ? r.compactArrayLength() : r.arrayLength()
}
