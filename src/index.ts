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
