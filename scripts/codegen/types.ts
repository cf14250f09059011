/**
 * How schema types, defaults and default checks are spelled in TypeScript.
 */

import { quote } from './code.js'
import { isNullableType, type DefaultValue, type FieldModel, type FieldType, type StructModel } from './model.js'

/** What a file needs to import, collected while its code is emitted. */
export class Imports {
  readonly helpers = new Set<string>()
  zeroUuid = false
  writerValue = false
  unknownTaggedFieldType = false
  /** Structs whose `isDefault…` function some check calls. */
  readonly defaultChecks = new Set<StructModel>()

  helper(name: string): string {
    this.helpers.add(name)
    return name
  }
}

function primitiveTs(name: string): string {
  switch (name) {
    case 'bool':
      return 'boolean'
    case 'int64':
      return 'bigint'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bytes':
    case 'records':
      return 'Uint8Array'
    default:
      return 'number'
  }
}

/** TypeScript type of a value of `t`, ignoring nullability. */
export function elementTs(t: FieldType, mutable: boolean): string {
  switch (t.kind) {
    case 'primitive':
      return primitiveTs(t.name)
    case 'struct':
      return t.struct.name
    case 'array':
      return mutable ? `${elementTs(t.element, mutable)}[]` : `readonly ${elementTs(t.element, mutable)}[]`
  }
}

/** The field's TypeScript type; `mutable` gives plain arrays for decoder locals. */
export function fieldTs(f: FieldModel, mutable = false): string {
  const base = elementTs(f.type, mutable)
  return isNullableType(f) ? `${base} | null` : base
}

export function defaultExpr(d: DefaultValue, imports: Imports): string {
  switch (d.kind) {
    case 'number':
      return String(d.value)
    case 'bigint':
      return `${d.value}n`
    case 'boolean':
      return String(d.value)
    case 'string':
      return quote(d.value)
    case 'null':
      return 'null'
    case 'zeroUuid':
      imports.zeroUuid = true
      return 'ZERO_UUID'
    case 'emptyBytes':
      return imports.helper('EMPTY_BYTES')
    case 'emptyArray':
      return '[]'
    case 'struct':
      return `create${d.struct.name}()`
  }
}

/** An expression that is true when `e` holds the field's default value. */
export function isDefaultExpr(f: FieldModel, e: string, imports: Imports): string {
  const d = f.default
  const nullable = isNullableType(f)
  switch (d.kind) {
    case 'number':
      return `${e} === ${d.value}`
    case 'bigint':
      return `${e} === ${d.value}n`
    case 'boolean':
      return d.value ? e : `!${e}`
    case 'string':
      return `${e} === ${quote(d.value)}`
    case 'null':
      return `${e} === null`
    case 'zeroUuid':
      imports.zeroUuid = true
      return `${e} === ZERO_UUID`
    case 'emptyBytes':
    case 'emptyArray':
      return nullable ? `${e} !== null && ${e}.length === 0` : `${e}.length === 0`
    case 'struct':
      imports.defaultChecks.add(d.struct)
      return nullable ? `${e} !== null && isDefault${d.struct.name}(${e})` : `isDefault${d.struct.name}(${e})`
  }
}

/** An expression that is true when `e` differs from the field's default value. */
export function nonDefaultExpr(f: FieldModel, e: string, imports: Imports): string {
  const d = f.default
  const nullable = isNullableType(f)
  switch (d.kind) {
    case 'number':
      return `${e} !== ${d.value}`
    case 'bigint':
      return `${e} !== ${d.value}n`
    case 'boolean':
      return d.value ? `!${e}` : e
    case 'string':
      return `${e} !== ${quote(d.value)}`
    case 'null':
      return `${e} !== null`
    case 'zeroUuid':
      imports.zeroUuid = true
      return `${e} !== ZERO_UUID`
    case 'emptyBytes':
    case 'emptyArray':
      return nullable ? `${e} === null || ${e}.length !== 0` : `${e}.length !== 0`
    case 'struct':
      imports.defaultChecks.add(d.struct)
      return nullable ? `${e} === null || !isDefault${d.struct.name}(${e})` : `!isDefault${d.struct.name}(${e})`
  }
}

/** Writer/Reader method for fixed-size primitives, with the size a tagged field declares. */
export const FIXED: Readonly<Record<string, { method: string; size: number }>> = {
  bool: { method: 'boolean', size: 1 },
  int8: { method: 'int8', size: 1 },
  int16: { method: 'int16', size: 2 },
  uint16: { method: 'uint16', size: 2 },
  int32: { method: 'int32', size: 4 },
  uint32: { method: 'uint32', size: 4 },
  int64: { method: 'int64', size: 8 },
  float64: { method: 'float64', size: 8 },
  uuid: { method: 'uuid', size: 16 },
}

/** Method for a string or bytes value under the given encoding. */
export function variableMethod(kind: 'string' | 'bytes', flexible: boolean, nullable: boolean): string {
  const base = kind === 'string' ? 'String' : 'Bytes'
  if (flexible) return nullable ? `compactNullable${base}` : `compact${base}`
  return nullable ? `nullable${base}` : kind === 'string' ? 'string' : 'bytes'
}
