/**
 * Which Kafka release the integration tier runs against, for tests of features an older broker
 * (the compatibility runs of scripts/compat.sh) does not have. A test guarded here skips and says
 * why, instead of failing on a broker that cannot do what it proves.
 */
import { kafkaVersion } from './kafka.js'

/** -1, 0 or 1 as release a is older than, the same as, or newer than b ("3.9", "4.0.1"; missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => {
    const parts = v.split('.').map(Number)
    if (parts.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`not a Kafka release: '${v}'`)
    return parts
  }
  const pa = parse(a)
  const pb = parse(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/**
 * Whether the brokers under test run `minimum` or newer. With KAFKA_BROKERS pointing elsewhere
 * the answer is only as good as KAFKA_VERSION: set it to that cluster's release.
 */
export function brokerAtLeast(minimum: string): boolean {
  return compareVersions(kafkaVersion(), minimum) >= 0
}

/**
 * Undefined when the brokers run `minimum` or newer; otherwise the reason a test of `feature` is
 * skipped, for a describe title and the log.
 */
export function missingFeature(minimum: string, feature: string): string | undefined {
  return brokerAtLeast(minimum) ? undefined : `Kafka ${kafkaVersion()} has no ${feature} (needs ${minimum} or newer)`
}

/** `(skipped: reason)` for a describe or test title, empty when nothing is missing. */
export function skippedTitle(reason: string | undefined): string {
  return reason === undefined ? '' : ` (skipped: ${reason})`
}

/**
 * The KIP-848 consumer group protocol: a preview in Kafka 3.9, off unless group.version is raised
 * by hand; generally available and on by default since 4.0.
 */
export function consumerGroupProtocolMissing(): string | undefined {
  return missingFeature('4.0', 'generally available KIP-848 consumer groups')
}
