/**
 * Picks the partition of a record.
 *
 * - An explicit partition wins.
 * - A key is hashed with murmur2 over all partitions of the topic, exactly as Java's default
 *   partitioner does, so Java and kafkats producers agree on where a key lands.
 * - Keyless records stick to one partition until about `batchSize` bytes went there, then move to
 *   another partition chosen at random among those with a leader (uniform sticky, KIP-794). Batches
 *   fill up instead of leaving a small one per partition at every linger.
 * - `'round-robin'` ignores keys and cycles over the partitions with a leader.
 */

import { KafkaConfigError } from '../errors.js'
import { partitionForKey } from './partition-for-key.js'

/** What a custom partitioner is told about a record. */
export interface PartitionerArgs {
  readonly topic: string
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  /** All partitions of the topic. */
  readonly numPartitions: number
  /** Partitions that currently have a leader. */
  readonly availablePartitions: readonly number[]
}

/** A user partitioner: returns a partition in `[0, numPartitions)`. */
export type CustomPartitioner = (args: PartitionerArgs) => number

export type PartitionerChoice = 'default' | 'round-robin' | CustomPartitioner

/** The partitions of a topic as the partitioner sees them. */
export interface TopicPartitions {
  readonly numPartitions: number
  readonly available: readonly number[]
}

interface StickyState {
  partition: number
  bytes: number
}

export class Partitioner {
  readonly #choice: PartitionerChoice
  readonly #stickyBytes: number
  readonly #sticky = new Map<string, StickyState>()
  readonly #roundRobin = new Map<string, number>()
  readonly #random: () => number

  constructor(choice: PartitionerChoice, stickyBytes: number, random: () => number = Math.random) {
    this.#choice = choice
    this.#stickyBytes = Math.max(1, stickyBytes)
    this.#random = random
  }

  /**
   * The partition for a record. `size` is the record's approximate size, used to decide when a
   * sticky partition has had its share.
   */
  partition(
    topic: string,
    key: Uint8Array | null,
    value: Uint8Array | null,
    partitions: TopicPartitions,
    size: number,
  ): number {
    const choice = this.#choice
    if (typeof choice === 'function') {
      const p = choice({ topic, key, value, numPartitions: partitions.numPartitions, availablePartitions: partitions.available })
      if (!Number.isInteger(p) || p < 0 || p >= partitions.numPartitions) {
        throw new KafkaConfigError(
          `partitioner: returned ${String(p)} for topic ${topic}, which has ${partitions.numPartitions} partitions`,
        )
      }
      return p
    }
    if (choice === 'round-robin') return this.#nextRoundRobin(topic, partitions)
    if (key !== null) return partitionForKey(key, partitions.numPartitions)
    return this.#stickyPartition(topic, partitions, size)
  }

  #nextRoundRobin(topic: string, partitions: TopicPartitions): number {
    const n = this.#roundRobin.get(topic) ?? Math.floor(this.#random() * 0x7fffffff)
    this.#roundRobin.set(topic, (n + 1) & 0x7fffffff)
    const pool = partitions.available.length > 0 ? partitions.available : null
    return pool === null ? n % partitions.numPartitions : (pool[n % pool.length] as number)
  }

  #stickyPartition(topic: string, partitions: TopicPartitions, size: number): number {
    let state = this.#sticky.get(topic)
    if (state === undefined || state.partition >= partitions.numPartitions || state.bytes >= this.#stickyBytes) {
      state = { partition: this.#pickNew(partitions, state?.partition ?? -1), bytes: 0 }
      this.#sticky.set(topic, state)
    }
    state.bytes += size
    return state.partition
  }

  #pickNew(partitions: TopicPartitions, previous: number): number {
    const pool = partitions.available.length > 0 ? partitions.available : null
    const count = pool === null ? partitions.numPartitions : pool.length
    if (count === 1) return pool === null ? 0 : (pool[0] as number)
    // Move somewhere else than the partition just left, uniformly among the rest.
    for (;;) {
      const i = Math.floor(this.#random() * count)
      const p = pool === null ? i : (pool[i] as number)
      if (p !== previous) return p
    }
  }
}
