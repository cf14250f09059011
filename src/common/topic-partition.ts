/**
 * The topic-partition: the unit every layer of the client speaks of (producer batches, fetch
 * positions, group assignments, admin calls, transactions). Declared once here, at the bottom of
 * the import graph, so that every role and every platform layer shares one shape and one map key.
 */

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string
  readonly partition: number
}

/**
 * The map key of a partition. Kafka topic names are limited to `[a-zA-Z0-9._-]`, so a ':' can
 * only be the separator and the key is unambiguous.
 */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`
}

/**
 * Partitions grouped by topic, as requests carry them: topics in name order, partition numbers
 * ascending, duplicates dropped.
 */
export function groupByTopic(partitions: Iterable<TopicPartition>): Array<{ topic: string; partitions: number[] }> {
  const sorted = [...partitions].sort(compareTopicPartitions)
  const out: Array<{ topic: string; partitions: number[] }> = []
  for (const p of sorted) {
    const last = out[out.length - 1]
    if (last === undefined || last.topic !== p.topic) out.push({ topic: p.topic, partitions: [p.partition] })
    else if (last.partitions[last.partitions.length - 1] !== p.partition) last.partitions.push(p.partition)
  }
  return out
}

/** Orders by topic name (UTF-16 code units, as Java's `String.compareTo`), then partition number. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}
