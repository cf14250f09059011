/**
 * Reads Kafka's message schema files. They are JSON plus `//` line comments, so the comments are
 * removed (outside string literals) before `JSON.parse`.
 */

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** A field as it appears in a schema file. */
export interface RawField {
  readonly name: string
  readonly type: string
  readonly versions: string
  readonly nullableVersions?: string
  readonly taggedVersions?: string
  readonly tag?: number
  readonly default?: string | number | boolean
  readonly ignorable?: boolean
  readonly flexibleVersions?: string
  readonly mapKey?: boolean
  readonly entityType?: string
  readonly zeroCopy?: boolean
  readonly about?: string
  readonly fields?: readonly RawField[]
}

/** A struct listed under `commonStructs`, shared by several fields of one file. */
export interface RawCommonStruct {
  readonly name: string
  readonly versions: string
  readonly fields: readonly RawField[]
}

/** One schema file. */
export interface RawSchema {
  readonly fileName: string
  readonly apiKey?: number
  readonly type: 'request' | 'response' | 'data' | 'header'
  readonly name: string
  readonly listeners?: readonly string[]
  readonly validVersions: string
  readonly flexibleVersions?: string
  readonly latestVersionUnstable?: boolean
  readonly fields?: readonly RawField[]
  readonly commonStructs?: readonly RawCommonStruct[]
}

/** Removes `//` comments that are not inside a string literal, keeping line breaks. */
export function stripJsonComments(source: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string
    if (inString) {
      out += c
      if (c === '\\') {
        out += source[i + 1] ?? ''
        i++
      } else if (c === '"') {
        inString = false
      }
    } else if (c === '"') {
      inString = true
      out += c
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++
      out += '\n'
    } else {
      out += c
    }
  }
  return out
}

/** Parses one schema file's text. */
export function parseSchema(fileName: string, text: string): RawSchema {
  const parsed = JSON.parse(stripJsonComments(text)) as Omit<RawSchema, 'fileName'>
  return { ...parsed, fileName }
}

/** Reads every `*.json` schema in a folder, sorted by file name so output order is stable. */
export function readSchemas(dir: string): RawSchema[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseSchema(f, readFileSync(join(dir, f), 'utf8')))
}
