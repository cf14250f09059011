/**
 * One Kafka release is the default everywhere: the brokers scripts/kafka-local.sh starts, and the
 * schemas src/protocol/messages is generated from. Bumping one without the other fails here.
 */
import { describe, expect, it } from 'vitest'
import { PROTOCOL_KAFKA_VERSION } from '../../../scripts/codegen/schema-source.js'
import { defaultKafkaVersion, kafkaVersion } from '../../support/kafka.js'

describe('the default Kafka release', () => {
  it('is the one the protocol code is generated from', () => {
    expect(defaultKafkaVersion()).toBe(PROTOCOL_KAFKA_VERSION)
  })

  it('yields to KAFKA_VERSION', () => {
    const saved = process.env.KAFKA_VERSION
    try {
      process.env.KAFKA_VERSION = '3.9.2'
      expect(kafkaVersion()).toBe('3.9.2')
      delete process.env.KAFKA_VERSION
      expect(kafkaVersion()).toBe(defaultKafkaVersion())
    } finally {
      if (saved === undefined) delete process.env.KAFKA_VERSION
      else process.env.KAFKA_VERSION = saved
    }
  })
})
