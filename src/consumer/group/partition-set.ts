/**
 * Sets of topic-partitions as plain values: the partitions a member owns, the ones a rebalance
 * gives it, and the differences between the two that become revocations and additions.
 */

import { compareTopicPartitions, groupByTopic, partitionKey, type TopicPartition } from '../../common/topic-partition.js'

/** An immutable set of partitions, kept sorted so that listeners and requests see a stable order. */
export class PartitionSet {
  static readonly EMPTY = new PartitionSet([])

  readonly #byKey: ReadonlyMap<string, TopicPartition>
  readonly #sorted: readonly TopicPartition[]

  constructor(partitions: Iterable<TopicPartition>) {
    const byKey = new Map<string, TopicPartition>()
    for (const p of partitions) {
      const key = partitionKey(p.topic, p.partition)
      if (!byKey.has(key)) byKey.set(key, { topic: p.topic, partition: p.partition })
    }
    this.#byKey = byKey
    this.#sorted = [...byKey.values()].sort(compareTopicPartitions)
  }

  get size(): number {
    return this.#sorted.length
  }

  has(topic: string, partition: number): boolean {
    return this.#byKey.has(partitionKey(topic, partition))
  }

  /** The partitions, sorted by topic then partition. */
  toArray(): readonly TopicPartition[] {
    return this.#sorted
  }

  /** Partitions here that are not in `other`. */
  minus(other: PartitionSet): TopicPartition[] {
    return this.#sorted.filter((p) => !other.has(p.topic, p.partition))
  }

  union(other: Iterable<TopicPartition>): PartitionSet {
    return new PartitionSet([...this.#sorted, ...other])
  }

  without(other: Iterable<TopicPartition>): PartitionSet {
    const drop = new PartitionSet(other)
    return new PartitionSet(this.#sorted.filter((p) => !drop.has(p.topic, p.partition)))
  }

  filter(keep: (p: TopicPartition) => boolean): PartitionSet {
    return new PartitionSet(this.#sorted.filter(keep))
  }

  /** The topics, sorted. */
  topics(): string[] {
    return [...new Set(this.#sorted.map((p) => p.topic))]
  }

  /** Partition numbers grouped by topic, topics and numbers sorted: the wire shape of most requests. */
  byTopic(): Array<{ topic: string; partitions: number[] }> {
    return groupByTopic(this.#sorted)
  }

  equals(other: PartitionSet): boolean {
    return this.size === other.size && this.#sorted.every((p) => other.has(p.topic, p.partition))
  }
}
