/**
 * Helpers for building generated source as arrays of lines, with indentation applied when blocks
 * nest, plus the version-dispatch shapes (`if (version >= n)` chains and ternaries) the codecs use.
 */

import { isEmpty, versionCondition, type VersionRange } from './versions.js'

export type Lines = string[]

const INDENT = '  '
/** Longest line the emitter produces on purpose before it breaks a construct over lines. */
export const MAX_LINE = 120

export function indent(lines: readonly string[], levels = 1): Lines {
  const pad = INDENT.repeat(levels)
  return lines.map((l) => (l === '' ? '' : pad + l))
}

export function block(head: string, body: readonly string[], tail = '}'): Lines {
  return [`${head} {`, ...indent(body), tail]
}

/** A line that may stand alone as the body of a brace-less `if`/`else`. */
function isSimpleStatement(line: string): boolean {
  return !/^(if|for|const|let|else|switch|while|\}|\{)\b/.test(line) && !line.startsWith('}')
}

/** The condition and statement of a {@link guarded} block, or null if `lines` is something else. */
function guardedParts(lines: readonly string[]): Branch | null {
  if (lines.length === 1) {
    const m = /^if \((.+)\) (throw .+)$/.exec(lines[0] as string)
    return m === null ? null : { cond: m[1] as string, body: [m[2] as string] }
  }
  if (lines.length === 3 && lines[2] === '}') {
    const m = /^if \((.+)\) \{$/.exec(lines[0] as string)
    const stmt = (lines[1] as string).trim()
    return m === null || !stmt.startsWith('throw ') ? null : { cond: m[1] as string, body: [stmt] }
  }
  return null
}

export interface Branch {
  readonly cond: string
  readonly body: readonly string[]
}

/** `if … else if … else …`, brace-less when every body is one simple statement that fits. */
export function ifChain(branches: readonly Branch[], elseBody?: readonly string[]): Lines {
  // `else { if (c) throw … }` reads better as one more `else if (c) throw …`.
  const nested = elseBody === undefined ? null : guardedParts(elseBody)
  if (nested !== null && branches.length > 0) return ifChain([...branches, nested])
  if (branches.length === 0) return [...(elseBody ?? [])]
  const bodies = elseBody === undefined ? branches.map((b) => b.body) : [...branches.map((b) => b.body), elseBody]
  const compact = bodies.every((b) => b.length === 1 && isSimpleStatement(b[0] as string))
  const out: Lines = []
  if (compact) {
    const heads = branches.map((b, i) => `${i === 0 ? 'if' : 'else if'} (${b.cond}) ${b.body[0] as string}`)
    if (elseBody !== undefined) heads.push(`else ${elseBody[0] as string}`)
    if (heads.every((h) => h.length <= MAX_LINE - 8)) return heads
  }
  branches.forEach((b, i) => {
    out.push(`${i === 0 ? 'if' : '} else if'} (${b.cond}) {`, ...indent(b.body))
  })
  if (elseBody !== undefined) out.push('} else {', ...indent(elseBody))
  out.push('}')
  return out
}

/** Contiguous versions that share the same generated code. */
export interface Run<T> {
  readonly range: VersionRange
  readonly value: T
}

export function runsOf<T>(range: VersionRange, valueAt: (version: number) => T, key: (value: T) => string): Run<T>[] {
  const runs: { lo: number; hi: number; value: T; key: string }[] = []
  if (isEmpty(range)) return []
  for (let v = range.lo; v <= range.hi; v++) {
    const value = valueAt(v)
    const k = key(value)
    const last = runs[runs.length - 1]
    if (last !== undefined && last.key === k) last.hi = v
    else runs.push({ lo: v, hi: v, value, key: k })
  }
  return runs.map((r) => ({ range: { lo: r.lo, hi: r.hi }, value: r.value }))
}

/**
 * Statements dispatched on version. Runs with no code are skipped; when every run has code, the
 * highest versions are tested first and the lowest run becomes the `else`.
 */
export function versionSwitch(runs: readonly Run<readonly string[]>[], outer: VersionRange): Lines {
  const withCode = runs.filter((r) => r.value.length > 0)
  if (withCode.length === 0) return []
  const descending = [...withCode].sort((a, b) => b.range.lo - a.range.lo)
  if (withCode.length === runs.length) {
    if (descending.length === 1) return [...(descending[0] as Run<readonly string[]>).value]
    const last = descending[descending.length - 1] as Run<readonly string[]>
    const branches = descending.slice(0, -1).map((r) => ({
      cond: versionCondition({ lo: r.range.lo, hi: Infinity }, outer),
      body: r.value,
    }))
    return ifChain(branches, last.value)
  }
  return ifChain(descending.map((r) => ({ cond: versionCondition(r.range, outer), body: r.value })))
}

/** An expression dispatched on version, as a chain of ternaries (highest versions first). */
export function versionTernary(runs: readonly Run<string>[], outer: VersionRange): string {
  const descending = [...runs].sort((a, b) => b.range.lo - a.range.lo)
  let expr = (descending[descending.length - 1] as Run<string>).value
  for (let i = descending.length - 2; i >= 0; i--) {
    const r = descending[i] as Run<string>
    expr = `${versionCondition({ lo: r.range.lo, hi: Infinity }, outer)} ? ${r.value} : ${expr}`
  }
  return expr
}

/**
 * A function signature, with one parameter per line when it does not fit on one line.
 * `head` is everything before the parameter list (`export function encodeX`).
 */
export function signature(head: string, params: readonly string[], returns: string): Lines {
  const line = `${head}(${params.join(', ')}): ${returns} {`
  if (line.length <= MAX_LINE) return [line]
  return [`${head}(`, ...params.map((p) => `${INDENT}${p},`), `): ${returns} {`]
}

/** `if (cond) stmt`, or the braced form when that would be too long once indented. */
export function guarded(cond: string, stmt: string): Lines {
  const line = `if (${cond}) ${stmt}`
  if (line.length <= MAX_LINE - 12) return [line]
  return [`if (${cond}) {`, `${INDENT}${stmt}`, '}']
}

/** A `for` loop with a one-statement body, braced when too long once indented. */
export function loop(head: string, stmt: string): Lines {
  const line = `for (${head}) ${stmt}`
  if (line.length <= MAX_LINE - 12) return [line]
  return [`for (${head}) {`, `${INDENT}${stmt}`, '}']
}

/** `const name = expr`, broken after `=` when too long. */
export function assignLine(head: string, expr: string): Lines {
  const line = `${head} = ${expr}`
  if (line.length <= MAX_LINE) return [line]
  return [`${head} =`, `${INDENT}${expr}`]
}

/** A TypeScript string literal with single quotes. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}
