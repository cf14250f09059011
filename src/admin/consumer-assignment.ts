/**
 * Reading a classic consumer group member's assignment as DescribeGroups returns it: the bytes the
 * group leader sent in SyncGroup, an int16 consumer-protocol version followed by the
 * ConsumerProtocolAssignment of that version.
 */

import { KafkaProtocolError } from '../errors.js'
import { consumerProtocolAssignmentSchema } from '../protocol/messages/consumer-protocol-assignment.js'
import { Reader } from '../protocol/reader.js'
import { compareTopicPartitions, type TopicPartition } from '../common/topic-partition.js'

/**
 * The partitions in an encoded consumer-protocol assignment, sorted. Empty bytes (a member that
 * has not been assigned yet) give none. A version newer than we know is read as our newest: the
 * consumer protocol only ever appends fields, as Java's reader also assumes.
 */
export function decodeConsumerAssignment(bytes: Uint8Array): TopicPartition[] {
  if (bytes.length === 0) return []
  const reader = new Reader(bytes)
  const version = reader.int16()
  if (version < consumerProtocolAssignmentSchema.minVersion) {
    throw new KafkaProtocolError(`consumer protocol assignment has version ${version}`)
  }
  const assignment = consumerProtocolAssignmentSchema.decode(
    reader,
    Math.min(version, consumerProtocolAssignmentSchema.maxVersion),
  )
  const partitions: TopicPartition[] = []
  for (const t of assignment.assignedPartitions) {
    for (const partition of t.partitions) partitions.push({ topic: t.topic, partition })
  }
  return partitions.sort(compareTopicPartitions)
}
