import { describe, expect, it } from 'vitest'
import { KafkaUnsupportedVersionError } from '../../../src/errors.js'
import { BrokerVersions } from '../../../src/network/api-versions.js'
import { apiVersionsApi } from '../../../src/protocol/messages/api-versions.js'
import { fetchApi } from '../../../src/protocol/messages/fetch.js'
import { initProducerIdApi } from '../../../src/protocol/messages/init-producer-id.js'
import { produceApi } from '../../../src/protocol/messages/produce.js'

function broker(ranges: Array<[number, number, number]>, features: Array<[string, number]> = []): BrokerVersions {
  return new BrokerVersions(
    apiVersionsApi.createResponse({
      apiKeys: ranges.map(([apiKey, minVersion, maxVersion]) => ({ apiKey, minVersion, maxVersion })),
      finalizedFeatures: features.map(([name, level]) => ({ name, minVersionLevel: 1, maxVersionLevel: level })),
      finalizedFeaturesEpoch: 4n,
    }),
  )
}

describe('BrokerVersions', () => {
  it('picks the highest version both sides support', () => {
    expect(broker([[0, 3, 11]]).pick(produceApi, 'b:1')).toBe(11)
    expect(broker([[0, 3, 99]]).pick(produceApi, 'b:1')).toBe(produceApi.maxVersion)
  })

  it('never picks our newest version while the schema marks it unstable', () => {
    expect(initProducerIdApi.latestVersionUnstable).toBe(true)
    expect(broker([[22, 0, 99]]).pick(initProducerIdApi, 'b:1')).toBe(initProducerIdApi.maxVersion - 1)
  })

  it('refuses a broker whose range ends below our floor, naming both ranges', () => {
    const error = (() => {
      try {
        broker([[1, 0, 3]]).pick(fetchApi, 'old:9092')
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(KafkaUnsupportedVersionError)
    expect((error as Error).message).toMatch(/old:9092 supports Fetch v0-3, kafkats v4-/)
  })

  it('refuses an API the broker does not list', () => {
    expect(() => broker([]).pick(produceApi, 'b:1')).toThrow(KafkaUnsupportedVersionError)
  })

  it('reports finalized features, 0 when absent', () => {
    const versions = broker([], [['transaction.version', 2]])
    expect(versions.feature('transaction.version')).toBe(2)
    expect(versions.feature('group.version')).toBe(0)
    expect(versions.featuresEpoch).toBe(4n)
  })
})
