/**
 * The type model the emitter works from: schema files resolved into messages, structs and fields,
 * with version ranges clipped to the versions each struct is actually used in, TypeScript names
 * chosen, and defaults parsed.
 */

import type { RawField, RawSchema } from './json.js'
import {
  contains,
  hull,
  intersect,
  isEmpty,
  NO_VERSIONS,
  parseVersions,
  sameRange,
  type VersionRange,
} from './versions.js'

export type PrimitiveName =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'uuid'
  | 'bytes'
  | 'records'

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveName>([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
])

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'array'; readonly element: FieldType }
  | { readonly kind: 'struct'; readonly struct: StructModel }

export type DefaultValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'bigint'; readonly value: bigint }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'null' }
  | { readonly kind: 'zeroUuid' }
  | { readonly kind: 'emptyBytes' }
  | { readonly kind: 'emptyArray' }
  | { readonly kind: 'struct'; readonly struct: StructModel }

export interface FieldModel {
  /** Name in the schema (`ThrottleTimeMs`). */
  readonly jsonName: string
  /** Property name in TypeScript (`throttleTimeMs`). */
  readonly prop: string
  readonly type: FieldType
  /** Versions the field is on the wire in, clipped to its struct's versions (never empty). */
  readonly versions: VersionRange
  readonly nullableVersions: VersionRange
  /** Versions in which the field travels in the tagged-field section (empty when never tagged). */
  readonly taggedVersions: VersionRange
  readonly tag: number | undefined
  readonly ignorable: boolean
  /** Versions in which strings, bytes and arrays of this field use the compact encodings. */
  readonly flexibleVersions: VersionRange
  readonly default: DefaultValue
}

export interface StructModel {
  /** TypeScript interface name, unique across all generated files. */
  readonly name: string
  readonly jsonName: string
  /** Versions in which this struct can appear (the hull of its uses), clipped to the message's. */
  versions: VersionRange
  fields: FieldModel[]
  /** The message's top-level struct. */
  readonly isRoot: boolean
}

export interface MessageModel {
  readonly fileName: string
  /** Schema name, also the TypeScript name of the top-level interface (`ProduceRequest`). */
  readonly name: string
  readonly kind: RawSchema['type']
  readonly apiKey: number | undefined
  readonly validVersions: VersionRange
  readonly flexibleVersions: VersionRange
  readonly latestVersionUnstable: boolean
  readonly root: StructModel
  /** Every struct of the message, the root first, in schema order. */
  readonly structs: readonly StructModel[]
}

export interface ApiModel {
  readonly key: number
  /** API name without the Request/Response suffix (`Produce`). */
  readonly name: string
  readonly request: MessageModel
  readonly response: MessageModel
}

/** `ThrottleTimeMs` → `throttleTimeMs`. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** `ApiVersions` → `api-versions`. */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

function parseIntDefault(text: string, what: string): number {
  const negative = text.startsWith('-')
  const body = negative ? text.slice(1) : text
  const n = body.startsWith('0x') ? parseInt(body.slice(2), 16) : Number(body)
  if (!Number.isInteger(n)) throw new Error(`${what}: bad integer default ${JSON.stringify(text)}`)
  return negative ? -n : n
}

function parseBigintDefault(text: string): bigint {
  if (text.startsWith('-')) return -BigInt(text.slice(1))
  return BigInt(text)
}

/**
 * Builds the model of one schema. Struct names are made unique across files by prefixing the
 * message name, unless the schema already starts the struct's name with it.
 */
export function buildMessage(schema: RawSchema, apiName: string): MessageModel {
  const validVersions = parseVersions(schema.validVersions)
  const flexibleVersions = parseVersions(schema.flexibleVersions)
  const what = schema.fileName

  const structsByJsonName = new Map<string, StructModel>()
  const rawFieldsOf = new Map<StructModel, readonly RawField[]>()
  const ordered: StructModel[] = []

  const tsStructName = (jsonName: string): string => {
    if (jsonName.startsWith(schema.name)) return jsonName
    const rest = jsonName.startsWith(apiName) && /^[A-Z]/.test(jsonName.slice(apiName.length))
      ? jsonName.slice(apiName.length)
      : jsonName
    return schema.name + rest
  }

  const declareStruct = (jsonName: string, fields: readonly RawField[], isRoot: boolean): StructModel => {
    if (structsByJsonName.has(jsonName)) throw new Error(`${what}: struct ${jsonName} declared twice`)
    const s: StructModel = {
      name: isRoot ? schema.name : tsStructName(jsonName),
      jsonName,
      versions: NO_VERSIONS,
      fields: [],
      isRoot,
    }
    structsByJsonName.set(jsonName, s)
    rawFieldsOf.set(s, fields)
    ordered.push(s)
    return s
  }

  const root = declareStruct(schema.name, schema.fields ?? [], true)
  for (const common of schema.commonStructs ?? []) declareStruct(common.name, common.fields, false)

  // Inline struct declarations, depth first in schema order.
  const declareInline = (fields: readonly RawField[]): void => {
    for (const f of fields) {
      if (f.fields === undefined) continue
      const jsonName = f.type.startsWith('[]') ? f.type.slice(2) : f.type
      declareStruct(jsonName, f.fields, false)
      declareInline(f.fields)
    }
  }
  declareInline(schema.fields ?? [])
  for (const common of schema.commonStructs ?? []) declareInline(common.fields)

  const resolveType = (typeName: string, field: string): FieldType => {
    if (typeName.startsWith('[]')) return { kind: 'array', element: resolveType(typeName.slice(2), field) }
    if (PRIMITIVES.has(typeName)) return { kind: 'primitive', name: typeName as PrimitiveName }
    const struct = structsByJsonName.get(typeName)
    if (struct === undefined) throw new Error(`${what}: field ${field} has unknown type ${typeName}`)
    return { kind: 'struct', struct }
  }

  // Versions each struct is used in: start from the root and follow fields until nothing grows.
  root.versions = validVersions
  for (let changed = true; changed; ) {
    changed = false
    for (const s of ordered) {
      if (isEmpty(s.versions)) continue
      for (const f of rawFieldsOf.get(s) ?? []) {
        const t = resolveType(f.type, f.name)
        const target = t.kind === 'struct' ? t.struct : t.kind === 'array' && t.element.kind === 'struct' ? t.element.struct : undefined
        if (target === undefined) continue
        const used = hull(target.versions, intersect(parseVersions(f.versions), s.versions))
        if (!sameRange(used, target.versions)) {
          target.versions = used
          changed = true
        }
      }
    }
  }

  for (const s of ordered) {
    if (isEmpty(s.versions)) continue
    const seenProps = new Set<string>()
    const seenTags = new Set<number>()
    for (const f of rawFieldsOf.get(s) ?? []) {
      const versions = intersect(parseVersions(f.versions), s.versions)
      if (isEmpty(versions)) continue
      const type = resolveType(f.type, f.name)
      const prop = camelCase(f.name)
      if (seenProps.has(prop)) throw new Error(`${what}: ${s.jsonName}.${prop} declared twice`)
      seenProps.add(prop)
      const taggedVersions = intersect(parseVersions(f.taggedVersions), versions)
      if (f.tag !== undefined) {
        if (seenTags.has(f.tag)) throw new Error(`${what}: tag ${f.tag} reused in ${s.jsonName}`)
        seenTags.add(f.tag)
        if (isEmpty(taggedVersions)) throw new Error(`${what}: ${f.name} has a tag but no tagged versions`)
      }
      const nullableVersions = intersect(parseVersions(f.nullableVersions), versions)
      const field: FieldModel = {
        jsonName: f.name,
        prop,
        type,
        versions,
        nullableVersions,
        taggedVersions,
        tag: f.tag,
        ignorable: f.ignorable === true,
        flexibleVersions: f.flexibleVersions === undefined ? flexibleVersions : parseVersions(f.flexibleVersions),
        default: parseDefault(f, type, `${what} ${s.jsonName}.${f.name}`),
      }
      checkField(field, `${what} ${s.jsonName}.${f.name}`)
      s.fields.push(field)
    }
  }

  return {
    fileName: schema.fileName,
    name: schema.name,
    kind: schema.type,
    apiKey: schema.apiKey,
    validVersions,
    flexibleVersions,
    latestVersionUnstable: schema.latestVersionUnstable === true,
    root,
    structs: ordered.filter((s) => !isEmpty(s.versions)),
  }
}

function parseDefault(f: RawField, type: FieldType, what: string): DefaultValue {
  const raw = f.default === undefined ? undefined : String(f.default)
  if (type.kind === 'array') {
    if (raw === undefined) return { kind: 'emptyArray' }
    if (raw === 'null') return { kind: 'null' }
    throw new Error(`${what}: arrays can only default to null`)
  }
  if (type.kind === 'struct') {
    if (raw === 'null') return { kind: 'null' }
    if (raw !== undefined) throw new Error(`${what}: structs can only default to null`)
    return { kind: 'struct', struct: type.struct }
  }
  switch (type.name) {
    case 'bool':
      if (raw === undefined || raw === 'false') return { kind: 'boolean', value: false }
      if (raw === 'true') return { kind: 'boolean', value: true }
      throw new Error(`${what}: bad boolean default ${raw}`)
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return { kind: 'number', value: raw === undefined ? 0 : parseIntDefault(raw, what) }
    case 'float64':
      return { kind: 'number', value: raw === undefined ? 0 : Number(raw) }
    case 'int64':
      return { kind: 'bigint', value: raw === undefined ? 0n : parseBigintDefault(raw) }
    case 'string':
      if (raw === 'null') return { kind: 'null' }
      return { kind: 'string', value: raw ?? '' }
    case 'uuid':
      if (raw !== undefined) throw new Error(`${what}: uuid defaults are not supported`)
      return { kind: 'zeroUuid' }
    case 'bytes':
      if (raw === 'null') return { kind: 'null' }
      if (raw !== undefined) throw new Error(`${what}: bytes can only default to null`)
      return { kind: 'emptyBytes' }
    case 'records':
      return { kind: 'null' }
  }
}

function checkField(f: FieldModel, what: string): void {
  const canBeNull = f.type.kind !== 'primitive' || ['string', 'bytes', 'records'].includes(f.type.name)
  if (!isEmpty(f.nullableVersions) && !canBeNull) throw new Error(`${what}: this type cannot be nullable`)
  if (f.default.kind === 'null' && !(f.type.kind === 'primitive' && f.type.name === 'records') && !sameRange(f.nullableVersions, f.versions)) {
    // Kafka's generator rejects a null default unless the field is nullable wherever it exists.
    throw new Error(`${what}: null default on a field that is not always nullable`)
  }
  if (!isEmpty(f.taggedVersions)) {
    const lo = f.taggedVersions.lo
    for (let v = lo; v <= f.taggedVersions.hi; v++) {
      if (contains(f.nullableVersions, v) !== contains(f.nullableVersions, lo)) {
        throw new Error(`${what}: nullability changes within the tagged versions`)
      }
      if (!contains(f.flexibleVersions, v)) throw new Error(`${what}: tagged in a non-flexible version`)
    }
  }
}

/** Whether a value of the field's TypeScript type may be null. */
export function isNullableType(f: FieldModel): boolean {
  if (f.type.kind === 'primitive' && f.type.name === 'records') return true
  return !isEmpty(f.nullableVersions) || f.default.kind === 'null'
}

/** Whether the field is tagged anywhere. */
export function isTagged(f: FieldModel): boolean {
  return !isEmpty(f.taggedVersions)
}

/** Whether the message has any flexible version (and so tagged-field sections). */
export function hasFlexibleVersions(m: MessageModel): boolean {
  return !isEmpty(intersect(m.flexibleVersions, m.validVersions))
}

/** The first flexible version, or null when the message has none. */
export function firstFlexibleVersion(m: MessageModel): number | null {
  const r = intersect(m.flexibleVersions, m.validVersions)
  return isEmpty(r) ? null : r.lo
}

/** Data schemas a client needs besides the request/response pairs. */
export const CLIENT_DATA_SCHEMAS: readonly string[] = [
  'ConsumerProtocolSubscription',
  'ConsumerProtocolAssignment',
  'ControlRecordTypeSchema',
  'EndTxnMarker',
]

export interface ProtocolModel {
  readonly apis: readonly ApiModel[]
  readonly dataSchemas: readonly MessageModel[]
}

/**
 * Picks the client-facing APIs (request schemas whose listeners include `broker`), pairs each with
 * its response, and adds the client's data schemas. APIs are sorted by key.
 */
export function buildModel(schemas: readonly RawSchema[]): ProtocolModel {
  const responses = new Map<number, RawSchema>()
  for (const s of schemas) if (s.type === 'response' && s.apiKey !== undefined) responses.set(s.apiKey, s)

  const apis: ApiModel[] = []
  for (const s of schemas) {
    if (s.type !== 'request' || s.apiKey === undefined || !(s.listeners ?? []).includes('broker')) continue
    const response = responses.get(s.apiKey)
    if (response === undefined) throw new Error(`${s.fileName}: no response schema for key ${s.apiKey}`)
    const name = s.name.replace(/Request$/, '')
    const request = buildMessage(s, name)
    const resp = buildMessage(response, name)
    if (!sameRange(request.validVersions, resp.validVersions)) {
      throw new Error(`${name}: request and response have different valid versions`)
    }
    if (firstFlexibleVersion(request) !== firstFlexibleVersion(resp)) {
      throw new Error(`${name}: request and response become flexible at different versions`)
    }
    if (isEmpty(request.validVersions) || request.validVersions.hi === Infinity) {
      throw new Error(`${name}: valid versions must be a closed range`)
    }
    apis.push({ key: s.apiKey, name, request, response: resp })
  }
  apis.sort((a, b) => a.key - b.key)

  const dataSchemas = CLIENT_DATA_SCHEMAS.map((name) => {
    const s = schemas.find((x) => x.name === name && x.type === 'data')
    if (s === undefined) throw new Error(`data schema ${name} not found`)
    return buildMessage(s, name)
  })
  return { apis, dataSchemas }
}
