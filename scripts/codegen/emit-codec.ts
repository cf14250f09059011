/**
 * Emits the straight-line encode and decode functions of one struct: each field's code is worked
 * out per version, versions with identical code are merged, and the result is dispatched with
 * `if (version >= n)` chains. No schema is interpreted at run time.
 */

import {
  assignLine,
  block,
  guarded,
  ifChain,
  indent,
  loop,
  MAX_LINE,
  quote,
  runsOf,
  signature,
  versionSwitch,
  versionTernary,
  type Lines,
  type Run,
} from './code.js'
import { isNullableType, isTagged, type FieldModel, type FieldType, type MessageModel, type StructModel } from './model.js'
import { defaultExpr, elementTs, FIXED, fieldTs, nonDefaultExpr, variableMethod, type Imports } from './types.js'
import { contains, intersect, versionCondition, type VersionRange } from './versions.js'

interface ValueContext {
  /** Writer or reader variable. */
  readonly io: string
  readonly flexible: boolean
  /**
   * The same flexibility as a condition on `version` that holds across the struct's versions, for
   * array lengths: using it keeps one copy of an array loop instead of one per encoding.
   */
  readonly flexExpr: string
  readonly nullable: boolean
  /** Inside a tagged field, where a nullable struct's marker is a varint rather than an int8. */
  readonly tagged: boolean
  readonly struct: StructModel
  readonly field: FieldModel
  readonly imports: Imports
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

// Names a decoder's locals must not take: its parameters, its own temporaries, and reserved words.
const RESERVED = new Set([
  'r', 'version', 'tag', 'size', 'sub', 'tagCount', 'lastTag', 'unknownTaggedFields', 'i', 'item',
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private',
  'protected', 'public', 'await', 'arguments', 'eval', 'undefined',
])

function localName(f: FieldModel): string {
  return RESERVED.has(f.prop) ? `${f.prop}Value` : f.prop
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Whether an array's elements are encoded differently in flexible versions. */
function elementsDependOnFlexibility(t: FieldType): boolean {
  return t.kind === 'array' && t.element.kind === 'primitive' && FIXED[t.element.name] === undefined
}

/** The call writing (`n`) or reading an array length, compact or classic as the version says. */
function arrayLengthCall(t: FieldType, ctx: ValueContext, mode: 'write' | 'read', n = ''): string {
  const flex = elementsDependOnFlexibility(t) ? String(ctx.flexible) : ctx.flexExpr
  if (flex === 'true') return mode === 'write' ? `${ctx.io}.compactArrayLength(${n})` : `${ctx.io}.compactArrayLength()`
  if (flex === 'false') return mode === 'write' ? `${ctx.io}.arrayLength(${n})` : `${ctx.io}.arrayLength()`
  return mode === 'write'
    ? `${ctx.imports.helper('writeArrayLength')}(${ctx.io}, ${flex}, ${n})`
    : `${ctx.imports.helper('readArrayLength')}(${ctx.io}, ${flex})`
}

function writeElement(t: FieldType, e: string, ctx: ValueContext): string {
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED[t.name]
      if (fixed !== undefined) return `${ctx.io}.${fixed.method}(${e})`
      const kind = t.name === 'string' ? 'string' : 'bytes'
      return `${ctx.io}.${variableMethod(kind, ctx.flexible, false)}(${e})`
    }
    case 'struct':
      return `encode${t.struct.name}(${ctx.io}, ${e}, version)`
    case 'array':
      throw new Error(`arrays of arrays are not supported (${ctx.struct.name}.${ctx.field.prop})`)
  }
}

/** Statements writing the value `e` of a field with the given encoding. */
function writeValue(t: FieldType, e: string, ctx: ValueContext): Lines {
  const w = ctx.io
  const guard =
    isNullableType(ctx.field) && !ctx.nullable
      ? guarded(
          `${e} === null`,
          `throw ${ctx.imports.helper('nullField')}(${quote(ctx.struct.name)}, ${quote(ctx.field.prop)}, version)`,
        )
      : []
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED[t.name]
      if (fixed !== undefined) return [`${w}.${fixed.method}(${e})`]
      const kind = t.name === 'string' ? 'string' : 'bytes'
      return [...guard, `${w}.${variableMethod(kind, ctx.flexible, ctx.nullable)}(${e})`]
    }
    case 'struct': {
      const call = `encode${t.struct.name}(${w}, ${e}, version)`
      if (!ctx.nullable) return [...guard, call]
      const [absent, present] = ctx.tagged
        ? [`${w}.unsignedVarint(0)`, `${w}.unsignedVarint(1)`]
        : [`${w}.int8(-1)`, `${w}.int8(1)`]
      return ifChain([{ cond: `${e} === null`, body: [absent] }], [present, call])
    }
    case 'array': {
      const length = (n: string): string => arrayLengthCall(t, ctx, 'write', n)
      const items = [length(`${e}.length`), ...loop(`const item of ${e}`, writeElement(t.element, 'item', ctx))]
      if (!ctx.nullable) return [...guard, ...items]
      return ifChain([{ cond: `${e} === null`, body: [length('-1')] }], items)
    }
  }
}

/**
 * Code writing field `f` at version `v`. `outer` is the version range the code will run under; array
 * lengths test flexibility against it.
 */
function encodeFieldAt(s: StructModel, f: FieldModel, v: number, outer: VersionRange, imports: Imports): Lines {
  const e = `msg.${f.prop}`
  if (!contains(f.versions, v)) {
    if (f.ignorable) return []
    const check = nonDefaultExpr(f, e, imports)
    return guarded(check, `throw ${imports.helper('nonDefaultField')}(${quote(s.name)}, ${quote(f.prop)}, version)`)
  }
  if (contains(f.taggedVersions, v)) return []
  return writeValue(f.type, e, {
    io: 'w',
    flexible: contains(f.flexibleVersions, v),
    flexExpr: versionCondition(f.flexibleVersions, outer),
    nullable: contains(f.nullableVersions, v),
    tagged: false,
    struct: s,
    field: f,
    imports,
  })
}

function writeTaggedField(s: StructModel, f: FieldModel, imports: Imports): Lines {
  const tag = f.tag as number
  const e = `msg.${f.prop}`
  const fixed = f.type.kind === 'primitive' ? FIXED[f.type.name] : undefined
  if (fixed !== undefined) return [`w.unsignedVarint(${tag}).unsignedVarint(${fixed.size}).${fixed.method}(${e})`]
  imports.writerValue = true
  return [
    'const tw = new Writer()',
    ...writeValue(f.type, e, {
      io: 'tw',
      flexible: true,
      flexExpr: 'true',
      nullable: contains(f.nullableVersions, f.taggedVersions.lo),
      tagged: true,
      struct: s,
      field: f,
      imports,
    }),
    `w.unsignedVarint(${tag}).unsignedVarint(tw.length).raw(tw.finish())`,
  ]
}

function encodeTagSection(s: StructModel, m: MessageModel, imports: Imports): Lines {
  const flexCond = versionCondition(m.flexibleVersions, s.versions)
  const reject = [`${imports.helper('rejectTaggedFields')}(msg.unknownTaggedFields, ${quote(s.name)}, version)`]
  if (flexCond === 'false') return reject
  const flexRange = intersect(m.flexibleVersions, s.versions)
  const known = s.fields.filter(isTagged).sort((a, b) => (a.tag as number) - (b.tag as number))
  let lines: Lines
  if (known.length === 0) {
    lines = [`${imports.helper('writeTaggedFields')}(w, msg.unknownTaggedFields)`]
  } else {
    lines = ['const unknownTags = msg.unknownTaggedFields']
    const counts = ['(unknownTags === undefined ? 0 : unknownTags.length)']
    for (const f of known) {
      const cond = versionCondition(f.taggedVersions, flexRange)
      let check = nonDefaultExpr(f, `msg.${f.prop}`, imports)
      if (cond !== 'true') check = `${cond} && ${check.includes('||') ? `(${check})` : check}`
      lines.push(...assignLine(`const has${capitalize(f.prop)}`, check))
      counts.push(`(has${capitalize(f.prop)} ? 1 : 0)`)
    }
    const sum = `const tagCount = ${counts.join(' + ')}`
    lines.push(
      ...(sum.length <= MAX_LINE - 8 ? [sum] : ['const tagCount =', ...counts.map((c, i) => `  ${c}${i < counts.length - 1 ? ' +' : ''}`)]),
      'w.unsignedVarint(tagCount)',
    )
    const below = imports.helper('writeUnknownTagsBelow')
    let declared = false
    for (const f of known) {
      const tag = f.tag as number
      if (tag > 0) {
        lines.push(`${declared ? 'u' : 'let u'} = ${below}(w, unknownTags, ${declared ? 'u' : '0'}, ${tag})`)
        declared = true
      }
      lines.push(...ifChain([{ cond: `has${capitalize(f.prop)}`, body: writeTaggedField(s, f, imports) }]))
    }
    lines.push(`${below}(w, unknownTags, ${declared ? 'u' : '0'}, Infinity)`)
  }
  if (flexCond === 'true') return lines
  return ifChain([{ cond: flexCond, body: lines }], reject)
}

export function emitEncoder(s: StructModel, m: MessageModel, imports: Imports, flexibleMessage: boolean): Lines {
  const body: Lines = []
  if (s.isRoot) {
    const { lo, hi } = m.validVersions
    body.push(...guarded(`version < ${lo} || version > ${hi}`, `throw ${imports.helper('unsupportedVersion')}(${quote(m.name)}, version)`))
  }
  for (const f of s.fields) {
    const runs = runsOf(s.versions, (v) => encodeFieldAt(s, f, v, s.versions, imports), (l) => l.join('\n'))
    // Regenerate each run knowing its own range, which settles flexibility tests that run decides.
    const narrowed = runs.map((run) => ({ range: run.range, value: encodeFieldAt(s, f, run.range.lo, run.range, imports) }))
    body.push(...versionSwitch(narrowed, s.versions))
  }
  if (flexibleMessage) body.push(...encodeTagSection(s, m, imports))
  const exported = s.isRoot ? 'export ' : ''
  return [...signature(`${exported}function encode${s.name}`, ['w: Writer', `msg: ${s.name}`, 'version: number'], 'void'), ...indent(body), '}']
}

// ---------------------------------------------------------------------------------------------
// Decoding

interface ArrayRead {
  readonly count: string
  readonly nullable: boolean
  readonly element: string
  readonly elementType: string
  /** Expression building the error for a null where the version forbids one. */
  readonly onNull: string
}

type DecodeCode = { readonly expr: string } | { readonly array: ArrayRead }

function readElement(t: FieldType, ctx: ValueContext): string {
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED[t.name]
      if (fixed !== undefined) return `${ctx.io}.${fixed.method}()`
      const kind = t.name === 'string' ? 'string' : 'bytes'
      return `${ctx.io}.${variableMethod(kind, ctx.flexible, false)}()`
    }
    case 'struct':
      return `decode${t.struct.name}(${ctx.io}, version)`
    case 'array':
      throw new Error(`arrays of arrays are not supported (${ctx.struct.name}.${ctx.field.prop})`)
  }
}

/** Code reading one field value; statements assign to `target`. */
function readValue(t: FieldType, target: string, ctx: ValueContext): DecodeCode {
  const r = ctx.io
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED[t.name]
      if (fixed !== undefined) return { expr: `${r}.${fixed.method}()` }
      const kind = t.name === 'string' ? 'string' : 'bytes'
      return { expr: `${r}.${variableMethod(kind, ctx.flexible, ctx.nullable)}()` }
    }
    case 'struct': {
      const call = `decode${t.struct.name}(${r}, version)`
      if (!ctx.nullable) return { expr: call }
      return { expr: ctx.tagged ? `${r}.unsignedVarint() === 0 ? null : ${call}` : `${r}.int8() < 0 ? null : ${call}` }
    }
    case 'array':
      return {
        array: {
          count: arrayLengthCall(t, ctx, 'read'),
          nullable: ctx.nullable,
          element: readElement(t.element, ctx),
          elementType: elementTs(t.element, true),
          onNull: `${ctx.imports.helper('nullOnWire')}(${quote(ctx.struct.name)}, ${quote(ctx.field.prop)})`,
        },
      }
  }
}

/** Statements reading an array into `target`, either assigning a declared variable or declaring it. */
function arrayStatements(a: ArrayRead, target: string, declare: boolean): Lines {
  const count = `${target}Count`
  const fill = [`${target} = []`, ...loop(`let i = 0; i < ${count}; i++`, `${target}.push(${a.element})`)]
  const head = `const ${count} = ${a.count}`
  if (a.nullable) {
    if (declare) return [head, `let ${target}: ${a.elementType}[] | null = null`, ...block(`if (${count} >= 0)`, fill)]
    return [head, ...ifChain([{ cond: `${count} < 0`, body: [`${target} = null`] }], fill)]
  }
  return [
    head,
    ...guarded(`${count} < 0`, `throw ${a.onNull}`),
    declare ? `const ${target}: ${a.elementType}[] = []` : `${target} = []`,
    ...fill.slice(1),
  ]
}

function decodeFieldAt(s: StructModel, f: FieldModel, v: number, outer: VersionRange, imports: Imports): DecodeCode {
  if (!contains(f.versions, v) || contains(f.taggedVersions, v)) return { expr: defaultExpr(f.default, imports) }
  return readValue(f.type, localName(f), {
    io: 'r',
    flexible: contains(f.flexibleVersions, v),
    flexExpr: versionCondition(f.flexibleVersions, outer),
    nullable: contains(f.nullableVersions, v),
    tagged: false,
    struct: s,
    field: f,
    imports,
  })
}

function asStatements(code: DecodeCode, target: string): Lines {
  return 'expr' in code ? assignLine(target, code.expr) : arrayStatements(code.array, target, false)
}

function decodeTagSection(s: StructModel, m: MessageModel, imports: Imports): Lines {
  const flexCond = versionCondition(m.flexibleVersions, s.versions)
  if (flexCond === 'false') return []
  const known = s.fields.filter(isTagged).sort((a, b) => (a.tag as number) - (b.tag as number))
  if (known.length === 0) {
    return [`const unknownTaggedFields = ${flexCond === 'true' ? 'r.taggedFields()' : `${flexCond} ? r.taggedFields() : undefined`}`]
  }
  imports.unknownTaggedFieldType = true
  const flexRange = intersect(m.flexibleVersions, s.versions)
  const keepUnknown = `unknownTaggedFields = ${imports.helper('readUnknownTaggedField')}(r, unknownTaggedFields, tag, size)`
  const cases: Lines = []
  for (const f of known) {
    const local = localName(f)
    const read = readValue(f.type, local, {
      io: 'sub',
      flexible: true,
      flexExpr: 'true',
      nullable: contains(f.nullableVersions, f.taggedVersions.lo),
      tagged: true,
      struct: s,
      field: f,
      imports,
    })
    const body = [
      'const sub = r.sub(size)',
      ...asStatements(read, local),
      `${imports.helper('checkTaggedFieldEnd')}(sub, tag)`,
      'break',
    ]
    const cond = versionCondition(f.taggedVersions, flexRange)
    if (cond === 'true') cases.push(...block(`case ${f.tag as number}:`, body))
    else cases.push(`case ${f.tag as number}:`, ...indent([...block(`if (${cond})`, body), keepUnknown, 'break']))
  }
  cases.push('default:', ...indent([keepUnknown]))
  const loop = [
    'const tagCount = r.unsignedVarint()',
    'let lastTag = -1',
    ...block('for (let t = 0; t < tagCount; t++)', [
      `const tag = ${imports.helper('readTag')}(r, lastTag)`,
      'lastTag = tag',
      'const size = r.unsignedVarint()',
      ...block('switch (tag)', cases),
    ]),
  ]
  return [
    'let unknownTaggedFields: UnknownTaggedField[] | undefined',
    ...(flexCond === 'true' ? loop : block(`if (${flexCond})`, loop)),
  ]
}

export function emitDecoder(s: StructModel, m: MessageModel, imports: Imports, flexibleMessage: boolean): Lines {
  const body: Lines = []
  if (s.isRoot) {
    const { lo, hi } = m.validVersions
    body.push(...guarded(`version < ${lo} || version > ${hi}`, `throw ${imports.helper('unsupportedVersion')}(${quote(m.name)}, version)`))
  }
  const locals = new Set<string>()
  const claim = (name: string): void => {
    if (locals.has(name) || RESERVED.has(name)) throw new Error(`${s.name}: decoder local ${name} clashes`)
    locals.add(name)
  }
  for (const f of s.fields) {
    const local = localName(f)
    claim(local)
    if (f.type.kind === 'array') claim(`${local}Count`)
    const runs = runsOf(s.versions, (v) => decodeFieldAt(s, f, v, s.versions, imports), (c) => JSON.stringify(c)).map(
      (run) => ({ range: run.range, value: decodeFieldAt(s, f, run.range.lo, run.range, imports) }),
    )
    const tagged = isTagged(f)
    if (runs.every((run) => 'expr' in run.value)) {
      const exprRuns: Run<string>[] = runs.map((run) => ({ range: run.range, value: (run.value as { expr: string }).expr }))
      const expr = versionTernary(exprRuns, s.versions)
      body.push(...assignLine(tagged ? `let ${local}: ${fieldTs(f, true)}` : `const ${local}`, expr))
    } else if (runs.length === 1 && !tagged) {
      body.push(...arrayStatements((runs[0]?.value as { array: ArrayRead }).array, local, true))
    } else {
      body.push(`let ${local}: ${fieldTs(f, true)}`)
      const stmtRuns = runs.map((run) => ({ range: run.range, value: asStatements(run.value, local) }))
      body.push(...versionSwitch(stmtRuns, s.versions))
    }
  }
  const hasTagSection = flexibleMessage && versionCondition(m.flexibleVersions, s.versions) !== 'false'
  if (hasTagSection) body.push(...decodeTagSection(s, m, imports))
  const props = s.fields.map((f) => (localName(f) === f.prop ? `${f.prop},` : `${f.prop}: ${localName(f)},`))
  if (hasTagSection) props.push('unknownTaggedFields,')
  const oneLine = `return { ${props.join(' ').replace(/,$/, '')} }`
  body.push(...(oneLine.length <= MAX_LINE - 10 ? [oneLine] : block('return', props)))
  const exported = s.isRoot ? 'export ' : ''
  return [...signature(`${exported}function decode${s.name}`, ['r: Reader', 'version: number'], s.name), ...indent(body), '}']
}
