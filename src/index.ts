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
  errorFromCode,
} from './errors.js'
export type { KafkaErrorOptions, ErrorAction } from './errors.js'
