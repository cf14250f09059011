import { describe, expect, it } from 'vitest'
import { resolveConsumerOptions } from '../../../src/consumer/options.js'
import { KafkaConfigError } from '../../../src/errors.js'
import { resolveKafkaOptions } from '../../../src/kafka-options.js'
import { resolveProducerOptions } from '../../../src/producer/options.js'
import {
  checkOptionNames,
  closestName,
  describeValue,
  durationOption,
  editDistance,
  sizeOption,
} from '../../../src/util/options.js'

const root = { requestTimeoutMs: 30_000, retryBackoffMs: 100, retryBackoffMaxMs: 1000 }

function configError(run: () => unknown): KafkaConfigError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaConfigError)
    return error as KafkaConfigError
  }
  throw new Error('expected a KafkaConfigError')
}

describe('option checks', () => {
  it('edit distance counts insertions, deletions, substitutions and adjacent swaps', () => {
    expect(editDistance('lingerms', 'lingerms')).toBe(0)
    expect(editDistance('lingerm', 'lingerms')).toBe(1)
    expect(editDistance('lignerms', 'lingerms')).toBe(1)
    expect(editDistance('kitten', 'sitting')).toBe(3)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggest the closest known name, ignoring case and punctuation, and nothing for a far one', () => {
    const known = ['lingerMs', 'batchSize', 'maxBlockMs', 'acks']
    expect(closestName('lingerMS', known)).toBe('lingerMs')
    expect(closestName('linger.ms', known)).toBe('lingerMs')
    expect(closestName('batchsize', known)).toBe('batchSize')
    expect(closestName('maxBlokMs', known)).toBe('maxBlockMs')
    expect(closestName('topic', known)).toBeUndefined()
  })

  it('unknown option names fail with a suggestion', () => {
    expect(configError(() => resolveProducerOptions({ lingerMS: 5 } as never, root)).message).toMatch(
      /unknown option lingerMS; did you mean lingerMs\?/,
    )
    expect(configError(() => resolveConsumerOptions({ groupID: 'g' } as never)).message).toMatch(
      /unknown option groupID; did you mean groupId\?/,
    )
    expect(configError(() => resolveKafkaOptions({ brokers: ['a:1'], clientID: 'x' } as never)).message).toMatch(
      /unknown option clientID; did you mean clientId\?/,
    )
    // Another client's name for the same setting points at ours.
    expect(configError(() => resolveProducerOptions({ idempotent: true } as never, root)).message).toMatch(
      /did you mean enableIdempotence\?/,
    )
    expect(configError(() => resolveConsumerOptions({ maxWaitTimeInMs: 100 } as never)).message).toMatch(/fetchMaxWaitMs/)
    // Without a close name, no guess.
    expect(configError(() => checkOptionNames('x', { zzz: 1 }, { lingerMs: true })).message).toBe(
      'x options: unknown option zzz',
    )
  })

  it.each([
    ['NaN', NaN],
    ['negative', -1],
    ['fractional', 1.5],
    ['huge', 2 ** 31],
    ['Infinity', Infinity],
    ['a string', '100'],
    ['a bigint', 100n],
  ])('numbers: %s is refused with the option named and the value described', (_label, value) => {
    const error = configError(() => durationOption('lingerMs', value, 5))
    expect(error.message).toMatch(/^lingerMs: expected a whole number of milliseconds/)
    expect(error.message).toContain(describeValue(value))
    expect(() => sizeOption('batchSize', value, 1, 0)).toThrow(/^batchSize/)
  })

  it('describe values without calling their own toString', () => {
    expect(describeValue(Object.create(null))).toBe('an object')
    expect(describeValue(Symbol('s'))).toBe('a symbol')
    expect(describeValue(NaN)).toBe('a number (NaN)')
    expect(describeValue('x'.repeat(100))).toMatch(/…"\)$/)
    expect(describeValue(new Uint8Array(3))).toBe('bytes (3)')
  })

  // Options that used to be taken as they came.
  it.each([
    ['consumer checkCrcs', () => resolveConsumerOptions({ checkCrcs: 'yes' as never })],
    ['consumer allowAutoCreateTopics', () => resolveConsumerOptions({ allowAutoCreateTopics: 1 as never })],
    ['consumer groupRemoteAssignor', () => resolveConsumerOptions({ groupRemoteAssignor: 42 as never })],
    ['consumer keyDeserializer', () => resolveConsumerOptions({ keyDeserializer: {} as never })],
    ['consumer valueDeserializer', () => resolveConsumerOptions({ valueDeserializer: ((b: unknown) => b) as never })],
    ['consumer partitionAssigners', () => resolveConsumerOptions({ partitionAssigners: [null as never] })],
    ['producer keySerializer', () => resolveProducerOptions({ keySerializer: 'utf8' as never }, root)],
    ['producer valueSerializer', () => resolveProducerOptions({ valueSerializer: null as never }, root)],
    ['producer acks', () => resolveProducerOptions({ acks: '1' as never }, root)],
    ['producer transactionalId', () => resolveProducerOptions({ transactionalId: 7 as never }, root)],
  ])('%s is checked', (label, run) => {
    expect(configError(run).message.startsWith(label.split(' ')[1] as string)).toBe(true)
  })

  it('an options argument that is not an object is refused', () => {
    expect(configError(() => resolveProducerOptions(null as never, root)).message).toMatch(/producer options: expected an object/)
    expect(configError(() => resolveConsumerOptions('g' as never)).message).toMatch(/consumer options: expected an object/)
    expect(configError(() => resolveKafkaOptions(undefined as never)).message).toMatch(/^options:/)
  })
})
