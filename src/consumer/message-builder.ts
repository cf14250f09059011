/**
 * Turning a fetched record into the application's {@link ConsumerMessage}: the key and value
 * deserializers run here, per record, as the application takes records (not in the fetch decode
 * loop), and a deserializer that throws fails the partition at that record.
 */

import type { DataRecordBatch } from '../protocol/record-batch.js'
import type { KafkaRecord } from '../protocol/record.js'
import type { Deserializer } from '../serde/serde.js'
import type { MessageBuilder } from './completed-fetch.js'
import type { ConsumerMessage } from './consumer-types.js'
import { KafkaDeserializationError } from './errors.js'
import type { PartitionState } from './subscription-state.js'

/** The builder of one partition's messages. */
export function messageBuilder<K, V>(
  state: PartitionState,
  keys: Deserializer<K>,
  values: Deserializer<V>,
): MessageBuilder<ConsumerMessage<K, V>> {
  const topic = state.topic
  const partition = state.partition
  return (record: KafkaRecord, batch: DataRecordBatch): ConsumerMessage<K, V> => {
    let key: K
    let value: V
    try {
      key = keys.deserialize(record.key, topic)
      value = values.deserialize(record.value, topic)
    } catch (cause) {
      throw new KafkaDeserializationError(state, record.offset, cause)
    }
    return {
      topic,
      partition,
      offset: record.offset,
      key,
      value,
      headers: record.headers,
      timestamp: Number(record.timestamp),
      timestampType: batch.timestampType,
      leaderEpoch: batch.partitionLeaderEpoch >= 0 ? batch.partitionLeaderEpoch : null,
    }
  }
}
