/**
 * kafkats: an Apache Kafka client for Node.js.
 *
 * @packageDocumentation
 */

export {
  KafkaError,
  KafkaBrokerError,
  KafkaProtocolError,
  KafkaCompressionError,
  KafkaConfigError,
  KafkaNetworkError,
  KafkaTimeoutError,
  KafkaStateError,
  KafkaUnsupportedVersionError,
  errorFromCode,
} from './errors.js'
export type { KafkaErrorOptions, ErrorAction } from './errors.js'
export { isRetriable } from './errors.js'
export { ErrorCode, errorCodeInfo } from './protocol/error-codes.js'
export type { ErrorCodeName, ErrorCodeInfo } from './protocol/error-codes.js'
export { murmur2, toPositive } from './producer/murmur2.js'
export { partitionForKey } from './producer/partition-for-key.js'

export { Kafka } from './kafka.js'
export type { KafkaOptions } from './kafka-options.js'
export { Admin } from './admin/admin.js'
export type { AdminOptions } from './admin/admin.js'
export type { AdminCallOptions, ResourceError } from './admin/context.js'
export type {
  NewTopic,
  CreateTopicsOptions,
  CreateTopicResult,
  TopicDescription,
  PartitionDescription,
  TopicResult,
  NewPartitions,
} from './admin/topics.js'
