import { describe, expect, it } from 'vitest'
import { KafkaConfigError } from '../../../src/errors.js'
import { partitionForKey } from '../../../src/producer/partition-for-key.js'
import { Partitioner } from '../../../src/producer/partitioner.js'

const all = (n: number): { numPartitions: number; available: number[] } => ({
  numPartitions: n,
  available: Array.from({ length: n }, (_, i) => i),
})

// A deterministic stand-in for Math.random: cycles through the given fractions.
function sequence(...values: number[]): () => number {
  let i = 0
  return () => values[i++ % values.length] as number
}

describe('Partitioner', () => {
  it('hashes keys over all partitions exactly as partitionForKey', () => {
    const p = new Partitioner('default', 100)
    for (const key of ['a', 'foobar', '', 'клиент']) {
      const bytes = Buffer.from(key)
      expect(p.partition('t', bytes, null, { numPartitions: 12, available: [0] }, 10)).toBe(partitionForKey(bytes, 12))
    }
  })

  it('keeps keyless records on one partition until about batchSize bytes went there, then moves', () => {
    const p = new Partitioner('default', 100, sequence(0.1, 0.6, 0.9))
    const picks = Array.from({ length: 12 }, () => p.partition('t', null, null, all(4), 30))
    // 30-byte records: four fit before the 100-byte share is reached, then a new partition.
    expect(picks).toEqual([0, 0, 0, 0, 2, 2, 2, 2, 3, 3, 3, 3])
  })

  it('never sticks to the partition it just left when another is available', () => {
    const p = new Partitioner('default', 1, sequence(0.1, 0.1, 0.1, 0.7))
    const first = p.partition('t', null, null, all(2), 5)
    const second = p.partition('t', null, null, all(2), 5)
    expect(second).not.toBe(first)
  })

  it('prefers partitions with a leader for keyless records', () => {
    const p = new Partitioner('default', 10)
    for (let i = 0; i < 50; i++) expect(p.partition('t', null, null, { numPartitions: 6, available: [4] }, 20)).toBe(4)
  })

  it('round-robin cycles over available partitions and ignores keys', () => {
    const p = new Partitioner('round-robin', 100, () => 0)
    const picks = Array.from({ length: 6 }, () => p.partition('t', Buffer.from('k'), null, { numPartitions: 5, available: [1, 3, 4] }, 1))
    expect(picks).toEqual([1, 3, 4, 1, 3, 4])
  })

  it('checks what a custom partitioner returns', () => {
    expect(new Partitioner(({ numPartitions }) => numPartitions - 1, 1).partition('t', null, null, all(3), 1)).toBe(2)
    expect(() => new Partitioner(() => 3, 1).partition('t', null, null, all(3), 1)).toThrow(KafkaConfigError)
  })
})
