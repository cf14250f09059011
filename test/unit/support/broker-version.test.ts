import { afterEach, describe, expect, it } from 'vitest'
import { brokerAtLeast, compareVersions, consumerGroupProtocolMissing, missingFeature, skippedTitle } from '../../support/broker-version.js'

const saved = process.env.KAFKA_VERSION
afterEach(() => {
  if (saved === undefined) delete process.env.KAFKA_VERSION
  else process.env.KAFKA_VERSION = saved
})

describe('broker version guards of the integration tier', () => {
  it('orders releases by number, not by text, with missing parts as 0', () => {
    expect(compareVersions('3.9.2', '4.0')).toBe(-1)
    expect(compareVersions('4.10.0', '4.9.1')).toBe(1)
    expect(compareVersions('4.0', '4.0.0')).toBe(0)
    expect(compareVersions('4.4.0', '4.3.2')).toBe(1)
    expect(() => compareVersions('4.x', '4.0')).toThrow("not a Kafka release: '4.x'")
  })

  it('reads the release under test from KAFKA_VERSION', () => {
    process.env.KAFKA_VERSION = '3.9.2'
    expect(brokerAtLeast('3.9')).toBe(true)
    expect(brokerAtLeast('4.0')).toBe(false)
    expect(consumerGroupProtocolMissing()).toBe('Kafka 3.9.2 has no generally available KIP-848 consumer groups (needs 4.0 or newer)')
    expect(skippedTitle(missingFeature('4.1', 'X'))).toBe(' (skipped: Kafka 3.9.2 has no X (needs 4.1 or newer))')
    process.env.KAFKA_VERSION = '4.3.2'
    expect(consumerGroupProtocolMissing()).toBeUndefined()
    expect(skippedTitle(undefined)).toBe('')
  })

  it('falls back to the default release of scripts/kafka-local.sh', () => {
    delete process.env.KAFKA_VERSION
    expect(brokerAtLeast('4.0')).toBe(true)
  })
})
