/**
 * Grouping and ordering the partitions an admin call names, and a fresh look at their topics.
 */

import type { TopicInfo } from '../cluster/metadata-cache.js'
import { ErrorCode } from '../protocol/error-codes.js'
import type { AdminContext } from './context.js'
import type { TopicPartition } from '../common/topic-partition.js'

/** Items grouped by topic, in first-seen order. */
export function groupByTopic<T extends TopicPartition>(items: Iterable<T>): Map<string, T[]> {
  const byTopic = new Map<string, T[]>()
  for (const item of items) {
    const list = byTopic.get(item.topic)
    if (list === undefined) byTopic.set(item.topic, [item])
    else list.push(item)
  }
  return byTopic
}

/** What a fresh Metadata request said of the topics a call touches. */
export interface FreshTopics {
  /** Topics that exist, with their partitions. */
  readonly known: ReadonlyMap<string, TopicInfo>
  /** The error code of each topic that does not, or not yet (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE …). */
  readonly errors: ReadonlyMap<string, number>
}

/**
 * The current metadata of `topics`, asked of a broker now rather than read from the cache: admin
 * calls must not act on a topic that was deleted, or miss one that was just created. The answer is
 * merged into the shared cache.
 */
export async function freshTopicMetadata(ctx: AdminContext, topics: Iterable<string>): Promise<FreshTopics> {
  const known = new Map<string, TopicInfo>()
  const errors = new Map<string, number>()
  const unique = [...new Set(topics)]
  if (unique.length === 0) return { known, errors }
  const response = await ctx.cluster.fetchMetadata(unique)
  ctx.cluster.applyMetadata(response, unique)
  for (const t of response.topics) {
    if (t.name === null) continue
    const info = t.errorCode === ErrorCode.NONE ? ctx.cluster.metadata.topic(t.name) : undefined
    if (info !== undefined) known.set(t.name, info)
    else errors.set(t.name, t.errorCode === ErrorCode.NONE ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : t.errorCode)
  }
  for (const name of unique) {
    if (!known.has(name) && !errors.has(name)) errors.set(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  }
  return { known, errors }
}

