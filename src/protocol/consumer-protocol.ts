/**
 * The payloads of the classic "consumer" protocol type: a member's subscription in JoinGroup and
 * its assignment in SyncGroup. Each is an int16 version followed by the data schema of that
 * version. The schemas only ever append fields, so a version newer than ours is read as our newest
 * (Java's ConsumerProtocol does the same). The group members and the admin's DescribeGroups both
 * read them here.
 */

import { compareTopicPartitions, groupByTopic, type TopicPartition } from '../common/topic-partition.js'
import { KafkaProtocolError } from '../errors.js'
import { consumerProtocolAssignmentSchema } from './messages/consumer-protocol-assignment.js'
import { consumerProtocolSubscriptionSchema } from './messages/consumer-protocol-subscription.js'
import { Reader } from './reader.js'
import { Writer } from './writer.js'

/** The subscription version we send: 3 carries owned partitions, the generation and the rack. */
export const SUBSCRIPTION_VERSION = 3

/** A member's subscription as the leader reads it. */
export interface MemberSubscription {
  readonly version: number
  readonly topics: readonly string[]
  readonly userData: Uint8Array | null
  readonly ownedPartitions: readonly TopicPartition[]
  /** -1 when the version has no generation or the member has none. */
  readonly generationId: number
  readonly rackId: string | null
}

export function encodeSubscription(subscription: {
  topics: readonly string[]
  ownedPartitions: readonly TopicPartition[]
  generationId: number
  userData?: Uint8Array | null
  rackId?: string | null
}): Uint8Array {
  const w = new Writer(64)
  w.int16(SUBSCRIPTION_VERSION)
  consumerProtocolSubscriptionSchema.encode(
    w,
    {
      topics: subscription.topics,
      userData: subscription.userData ?? null,
      ownedPartitions: groupByTopic(subscription.ownedPartitions),
      generationId: subscription.generationId,
      rackId: subscription.rackId ?? null,
    },
    SUBSCRIPTION_VERSION,
  )
  return w.finish()
}

export function decodeSubscription(bytes: Uint8Array): MemberSubscription {
  const reader = new Reader(bytes)
  const version = readVersion(reader, 'subscription')
  const s = consumerProtocolSubscriptionSchema.decode(reader, Math.min(version, consumerProtocolSubscriptionSchema.maxVersion))
  const ownedPartitions: TopicPartition[] = []
  for (const t of s.ownedPartitions) for (const partition of t.partitions) ownedPartitions.push({ topic: t.topic, partition })
  return { version, topics: s.topics, userData: s.userData, ownedPartitions, generationId: s.generationId, rackId: s.rackId }
}

/** Assignment bytes for a member; `version` is the lowest subscription version in the group. */
export function encodeAssignment(partitions: readonly TopicPartition[], version: number, userData: Uint8Array | null = null): Uint8Array {
  const w = new Writer(64)
  const v = Math.max(consumerProtocolAssignmentSchema.minVersion, Math.min(version, consumerProtocolAssignmentSchema.maxVersion))
  w.int16(v)
  consumerProtocolAssignmentSchema.encode(w, { assignedPartitions: groupByTopic(partitions), userData }, v)
  return w.finish()
}

/** The partitions of an assignment, sorted; empty bytes (a member not assigned yet) give none. */
export function decodeAssignment(bytes: Uint8Array): TopicPartition[] {
  if (bytes.length === 0) return []
  const reader = new Reader(bytes)
  const version = readVersion(reader, 'assignment')
  const a = consumerProtocolAssignmentSchema.decode(reader, Math.min(version, consumerProtocolAssignmentSchema.maxVersion))
  const partitions: TopicPartition[] = []
  for (const t of a.assignedPartitions) for (const partition of t.partitions) partitions.push({ topic: t.topic, partition })
  return partitions.sort(compareTopicPartitions)
}

function readVersion(reader: Reader, what: string): number {
  const version = reader.int16()
  if (version < 0) throw new KafkaProtocolError(`consumer protocol ${what} has version ${version}`)
  return version
}
