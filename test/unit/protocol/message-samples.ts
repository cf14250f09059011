/**
 * Builds sample messages from the generator's schema model: every field that exists at a version
 * gets a non-default value (or null, when asked and allowed), every other field its default, and
 * flexible structs carry unknown tagged fields. Used by the round-trip and fuzz tests.
 */

import type { UnknownTaggedField } from '../../../src/protocol/reader.js'
import { ZERO_UUID } from '../../../src/protocol/uuid.js'
import {
  hasFlexibleVersions,
  type DefaultValue,
  type FieldModel,
  type FieldType,
  type MessageModel,
  type StructModel,
} from '../../../scripts/codegen/model.js'
import { contains } from '../../../scripts/codegen/versions.js'

export type Sample = Record<string, unknown>

export interface SampleOptions {
  /** Put null in every field that is nullable at the version. */
  readonly nulls: boolean
  /** Add unknown tagged fields to every struct at flexible versions. */
  readonly unknownTags: boolean
}

/** The runtime value of a schema default, as the generated factories and decoders produce it. */
export function defaultValue(d: DefaultValue, m: MessageModel, version: number): unknown {
  switch (d.kind) {
    case 'number':
      return d.value
    case 'bigint':
      return d.value
    case 'boolean':
      return d.value
    case 'string':
      return d.value
    case 'null':
      return null
    case 'zeroUuid':
      return ZERO_UUID
    case 'emptyBytes':
      return new Uint8Array(0)
    case 'emptyArray':
      return []
    case 'struct':
      return defaultStruct(d.struct, m, version)
  }
}

/** A struct with every field at its default, as `create…()` builds it. */
export function defaultStruct(s: StructModel, m: MessageModel, version: number): Sample {
  const out: Sample = {}
  for (const f of s.fields) out[f.prop] = defaultValue(f.default, m, version)
  if (hasFlexibleVersions(m)) out.unknownTaggedFields = undefined
  return out
}

class SampleBuilder {
  #counter = 0

  constructor(
    private readonly m: MessageModel,
    private readonly version: number,
    private readonly options: SampleOptions,
  ) {}

  next(): number {
    return ++this.#counter
  }

  struct(s: StructModel): Sample {
    const out: Sample = {}
    for (const f of s.fields) {
      out[f.prop] = contains(f.versions, this.version) ? this.field(f) : defaultValue(f.default, this.m, this.version)
    }
    if (hasFlexibleVersions(this.m)) {
      out.unknownTaggedFields =
        this.options.unknownTags && contains(this.m.flexibleVersions, this.version) ? this.unknownTags(s) : undefined
    }
    return out
  }

  // Two unknown tags: the lowest tag no version of the struct uses (so it interleaves with known ones
  // where the schema leaves a gap), and a high one. Tags that other versions use are avoided:
  // Kafka's Java decoder rejects them rather than keeping them as unknown.
  unknownTags(s: StructModel): UnknownTaggedField[] {
    const known = new Set(s.fields.map((f) => f.tag))
    let low = 0
    while (known.has(low)) low++
    const n = this.next()
    return [
      { tag: low, data: Buffer.from([0xab, n & 0xff]) },
      { tag: 1000 + (n % 50), data: Buffer.from('unknown') },
    ]
  }

  field(f: FieldModel): unknown {
    if (this.options.nulls && contains(f.nullableVersions, this.version)) return null
    return this.value(f.type, f.default)
  }

  value(t: FieldType, d: DefaultValue | undefined): unknown {
    const n = this.next()
    switch (t.kind) {
      case 'struct':
        return this.struct(t.struct)
      case 'array':
        return [this.value(t.element, undefined), this.value(t.element, undefined)]
      case 'primitive':
        break
    }
    const differ = <T>(candidate: T, fallback: T): T =>
      d !== undefined && 'value' in d && d.value === candidate ? fallback : candidate
    switch (t.name) {
      case 'bool':
        return d !== undefined && d.kind === 'boolean' ? !d.value : true
      case 'int8':
        return differ(-(n % 100) - 2, 77)
      case 'int16':
        return differ(1000 + n, -1000 - n)
      case 'uint16':
        return differ(60000 + (n % 5000), 1)
      case 'int32':
        return differ(n % 2 === 0 ? 100_000 + n : -100_000 - n, 42)
      case 'uint32':
        return differ(4_000_000_000 + n, 1)
      case 'int64':
        return differ(n % 2 === 0 ? (1n << 40n) + BigInt(n) : -(1n << 50n) - BigInt(n), 42n)
      case 'float64':
        return differ(n + 0.25, -1.5)
      case 'string':
        return differ(`s${n}-é`, 'other')
      case 'uuid': {
        const bytes = Buffer.alloc(16, n & 0xff)
        bytes[0] = 0x5a
        return bytes.toString('base64url')
      }
      case 'bytes':
      case 'records':
        return Buffer.from([n & 0xff, 1, 2, 3])
    }
  }
}

/** A sample of the message at `version`; see the module comment. */
export function sampleMessage(m: MessageModel, version: number, options: SampleOptions): Sample {
  return new SampleBuilder(m, version, options).struct(m.root)
}
