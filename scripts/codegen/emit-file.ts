/**
 * Emits one generated module: for an API, its request and response (types, factories, codecs and
 * the `ApiDescriptor`); for a data schema, the same without the descriptor's header rules.
 */

import { block, indent, quote, signature, type Lines } from './code.js'
import { emitDecoder, emitEncoder } from './emit-codec.js'
import {
  firstFlexibleVersion,
  hasFlexibleVersions,
  isNullableType,
  type ApiModel,
  type FieldModel,
  type MessageModel,
  type StructModel,
} from './model.js'
import { defaultExpr, fieldTs, Imports, isDefaultExpr } from './types.js'
import { describeRange, isEmpty, sameRange } from './versions.js'

function fieldDoc(s: StructModel, f: FieldModel): string | undefined {
  const notes: string[] = []
  if (!sameRange(f.versions, s.versions)) notes.push(`v${describeRange(f.versions)}`)
  if (!isEmpty(f.taggedVersions)) {
    notes.push(sameRange(f.taggedVersions, f.versions) ? `tag ${f.tag}` : `tag ${f.tag} in v${describeRange(f.taggedVersions)}`)
  }
  if (!isEmpty(f.nullableVersions) && !sameRange(f.nullableVersions, f.versions)) {
    notes.push(`nullable in v${describeRange(f.nullableVersions)}`)
  }
  return notes.length === 0 ? undefined : `/** ${notes.join('; ')} */`
}

function emitInterface(s: StructModel, flexible: boolean): Lines {
  const body: Lines = []
  for (const f of s.fields) {
    const doc = fieldDoc(s, f)
    if (doc !== undefined) body.push(doc)
    body.push(`${f.prop}: ${fieldTs(f)}`)
  }
  if (flexible) {
    body.push('/** Tagged fields this code does not know, kept so that re-encoding preserves them. */')
    body.push('unknownTaggedFields?: UnknownTaggedField[]')
  }
  return block(`export interface ${s.name}`, body)
}

function emitFactory(s: StructModel, flexible: boolean, imports: Imports): Lines {
  const props: Lines = []
  for (const f of s.fields) {
    const d = defaultExpr(f.default, imports)
    const fallback =
      isNullableType(f) && f.default.kind !== 'null'
        ? `fields.${f.prop} === undefined ? ${d} : fields.${f.prop}`
        : `fields.${f.prop} ?? ${d}`
    props.push(`${f.prop}: ${fallback},`)
  }
  if (flexible) props.push('unknownTaggedFields: fields.unknownTaggedFields,')
  return [
    ...signature(`export function create${s.name}`, [`fields: Partial<${s.name}> = {}`], s.name),
    ...indent(block('return', props)),
    '}',
  ]
}

function emitDefaultCheck(s: StructModel, flexible: boolean, imports: Imports): Lines {
  const terms = s.fields.map((f) => isDefaultExpr(f, `value.${f.prop}`, imports))
  if (flexible) terms.push('(value.unknownTaggedFields === undefined || value.unknownTaggedFields.length === 0)')
  const body = terms.length === 0 ? ['return true'] : ['return (', ...terms.map((t, i) => `  ${t}${i < terms.length - 1 ? ' &&' : ''}`), ')']
  return [...signature(`function isDefault${s.name}`, [`value: ${s.name}`], 'boolean'), ...indent(body), '}']
}

/** Types, factories and codecs of one message. */
function emitMessage(m: MessageModel, imports: Imports): Lines {
  const flexible = hasFlexibleVersions(m)
  if (flexible) imports.unknownTaggedFieldType = true
  const out: Lines = []
  for (const s of m.structs) out.push(...emitInterface(s, flexible), '')
  for (const s of m.structs) out.push(...emitFactory(s, flexible, imports), '')
  for (const s of m.structs) out.push(...emitEncoder(s, m, imports, flexible), '')
  for (const s of m.structs) out.push(...emitDecoder(s, m, imports, flexible), '')
  // Default checks can ask for more default checks (structs inside structs), so emit until stable.
  const done = new Set<StructModel>()
  for (let pending = [...imports.defaultChecks].filter((s) => m.structs.includes(s)); pending.length > 0; ) {
    pending.sort((a, b) => m.structs.indexOf(a) - m.structs.indexOf(b))
    for (const s of pending) {
      out.push(...emitDefaultCheck(s, flexible, imports), '')
      done.add(s)
    }
    pending = [...imports.defaultChecks].filter((s) => m.structs.includes(s) && !done.has(s))
  }
  return out
}

// `body` is the code the imports serve: a helper asked for while emitting a branch that produced
// no code for this message (a version range the message lacks) is left out of the import.
function emitImports(imports: Imports, descriptorType: string, body: Lines): Lines {
  const lines = [`import type { ${descriptorType} } from '../api.js'`]
  const code = body.join('\n')
  const names = [...imports.helpers].filter((n) => new RegExp(`\\b${n}\\b`).test(code)).sort()
  if (names.length > 0) {
    const one = `import { ${names.join(', ')} } from '../codec-helpers.js'`
    lines.push(...(one.length <= 120 ? [one] : ['import {', ...names.map((n) => `  ${n},`), "} from '../codec-helpers.js'"]))
  }
  lines.push(`import type { Reader${imports.unknownTaggedFieldType ? ', UnknownTaggedField' : ''} } from '../reader.js'`)
  if (imports.zeroUuid) lines.push("import { ZERO_UUID } from '../uuid.js'")
  lines.push(imports.writerValue ? "import { Writer } from '../writer.js'" : "import type { Writer } from '../writer.js'")
  return lines
}

function header(sources: readonly string[]): Lines {
  return [
    "// Generated by scripts/codegen from Apache Kafka's message schemas",
    ...sources.map((s) => `//   ${s}`),
    '// Do not edit by hand: change the generator and run `npm run codegen`.',
    '',
  ]
}

/** `export const name: Type<A, B> = {`, with the type arguments on their own lines when too long. */
function constHead(name: string, type: string, typeArgs: readonly string[]): string[] {
  const line = `export const ${name}: ${type}<${typeArgs.join(', ')}> = {`
  if (line.length <= 120) return [line]
  return [`export const ${name}: ${type}<`, ...typeArgs.map((a, i) => `  ${a}${i < typeArgs.length - 1 ? ',' : ''}`), '> = {']
}

/** `Produce` → `produceApi`. */
export function descriptorName(apiName: string): string {
  return `${apiName.charAt(0).toLowerCase()}${apiName.slice(1)}Api`
}

/** `ConsumerProtocolSubscription` → `consumerProtocolSubscriptionSchema` (`ControlRecordTypeSchema` keeps one `Schema`). */
export function dataDescriptorName(schemaName: string): string {
  const base = `${schemaName.charAt(0).toLowerCase()}${schemaName.slice(1)}`
  return base.endsWith('Schema') ? base : `${base}Schema`
}

function headerVersionFn(flexibleFrom: number | null, minVersion: number, flexibleValue: number, classicValue: number): string {
  if (flexibleFrom === null) return `() => ${classicValue}`
  if (flexibleFrom <= minVersion) return `() => ${flexibleValue}`
  return `(version) => (version >= ${flexibleFrom} ? ${flexibleValue} : ${classicValue})`
}

export function emitApiFile(api: ApiModel): string {
  const imports = new Imports()
  const body = [...emitMessage(api.request, imports), ...emitMessage(api.response, imports)]
  const { lo, hi } = api.request.validVersions
  const flexibleFrom = firstFlexibleVersion(api.request)
  const req = api.request.name
  const res = api.response.name
  // ApiVersions answers with a v0 response header whatever the version, so a client can always
  // read it before knowing what the broker supports (KIP-511).
  const responseHeader = api.key === 18 ? '() => 0' : headerVersionFn(flexibleFrom, lo, 1, 0)
  const descriptor = [
    ...constHead(descriptorName(api.name), 'ApiDescriptor', [req, res]),
    ...indent([
    `key: ${api.key},`,
    `name: ${quote(api.name)},`,
    `minVersion: ${lo},`,
    `maxVersion: ${hi},`,
    `flexibleFrom: ${flexibleFrom === null ? 'null' : flexibleFrom},`,
    `latestVersionUnstable: ${api.request.latestVersionUnstable},`,
    `requestHeaderVersion: ${headerVersionFn(flexibleFrom, lo, 2, 1)},`,
    `responseHeaderVersion: ${responseHeader},`,
    `encodeRequest: encode${req},`,
    `decodeRequest: decode${req},`,
    `encodeResponse: encode${res},`,
    `decodeResponse: decode${res},`,
    `createRequest: create${req},`,
    `createResponse: create${res},`,
    ]),
    '}',
  ]
  const lines = [
    ...header([api.request.fileName, api.response.fileName]),
    ...emitImports(imports, 'ApiDescriptor', body),
    '',
    ...body,
    ...descriptor,
  ]
  return lines.join('\n') + '\n'
}

export function emitDataFile(m: MessageModel): string {
  const imports = new Imports()
  const body = emitMessage(m, imports)
  const descriptor = [
    ...constHead(dataDescriptorName(m.name), 'DataSchemaDescriptor', [m.name]),
    ...indent([
    `name: ${quote(m.name)},`,
    `minVersion: ${m.validVersions.lo},`,
    `maxVersion: ${m.validVersions.hi},`,
    `encode: encode${m.name},`,
    `decode: decode${m.name},`,
    `create: create${m.name},`,
    ]),
    '}',
  ]
  const lines = [...header([m.fileName]), ...emitImports(imports, 'DataSchemaDescriptor', body), '', ...body, ...descriptor]
  return lines.join('\n') + '\n'
}
