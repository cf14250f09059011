/**
 * The Java producer's default choice of partition for a record with a key.
 *
 * @packageDocumentation
 */

import { KafkaConfigError } from '../errors.js'
import { murmur2, toPositive } from './murmur2.js'

/**
 * The partition Java's default partitioner picks for a non-null key:
 * `toPositive(murmur2(key)) % numPartitions`.
 *
 * `numPartitions` must be the topic's total partition count, not the count of partitions that
 * currently have a leader, or keys would move whenever a leader goes away. A record without a key is
 * not hashed at all; the producer spreads those by other means.
 *
 * @param key - the serialized key bytes
 * @param numPartitions - the number of partitions of the topic, an integer ≥ 1
 * @returns a partition index in [0, numPartitions)
 * @throws {@link KafkaConfigError} when `numPartitions` is not an integer ≥ 1
 */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new KafkaConfigError(`numPartitions must be an integer >= 1, got ${String(numPartitions)}`)
  }
  return toPositive(murmur2(key)) % numPartitions
}
