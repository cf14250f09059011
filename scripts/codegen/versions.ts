/**
 * Version ranges as Kafka's schemas write them: `"3+"`, `"0-12"`, `"5"` or `"none"`.
 * Every range here is closed and finite once clipped to a message's valid versions.
 */

export interface VersionRange {
  /** Lowest version in the range. */
  readonly lo: number
  /** Highest version in the range; `Infinity` for an open range such as `"3+"`. */
  readonly hi: number
}

export const NO_VERSIONS: VersionRange = { lo: 1, hi: 0 }

export function parseVersions(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none') return NO_VERSIONS
  const open = /^(\d+)\+$/.exec(spec)
  if (open) return { lo: Number(open[1]), hi: Infinity }
  const span = /^(\d+)-(\d+)$/.exec(spec)
  if (span) return { lo: Number(span[1]), hi: Number(span[2]) }
  if (/^\d+$/.test(spec)) return { lo: Number(spec), hi: Number(spec) }
  throw new Error(`unrecognised version range ${JSON.stringify(spec)}`)
}

export function isEmpty(r: VersionRange): boolean {
  return r.lo > r.hi
}

export function contains(r: VersionRange, v: number): boolean {
  return v >= r.lo && v <= r.hi
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const r = { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) }
  return isEmpty(r) ? NO_VERSIONS : r
}

/** The smallest range holding both (ranges used by one struct are always contiguous in practice). */
export function hull(a: VersionRange, b: VersionRange): VersionRange {
  if (isEmpty(a)) return b
  if (isEmpty(b)) return a
  return { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) }
}

export function sameRange(a: VersionRange, b: VersionRange): boolean {
  return (isEmpty(a) && isEmpty(b)) || (a.lo === b.lo && a.hi === b.hi)
}

export function versionsOf(r: VersionRange): number[] {
  const out: number[] = []
  for (let v = r.lo; v <= r.hi; v++) out.push(v)
  return out
}

/**
 * A TypeScript condition that is true for versions in `inner`, simplified on the knowledge that the
 * version is already known to lie in `outer`. Returns `'true'` or `'false'` when no test is needed.
 */
export function versionCondition(inner: VersionRange, outer: VersionRange, name = 'version'): string {
  const r = intersect(inner, outer)
  if (isEmpty(r)) return 'false'
  const lowOpen = r.lo <= outer.lo
  const highOpen = r.hi >= outer.hi
  if (lowOpen && highOpen) return 'true'
  if (highOpen) return `${name} >= ${r.lo}`
  if (r.lo === r.hi) return `${name} === ${r.lo}`
  if (lowOpen) return `${name} <= ${r.hi}`
  return `${name} >= ${r.lo} && ${name} <= ${r.hi}`
}

export function describeRange(r: VersionRange): string {
  if (isEmpty(r)) return 'none'
  if (r.hi === Infinity) return `${r.lo}+`
  if (r.lo === r.hi) return `${r.lo}`
  return `${r.lo}-${r.hi}`
}
