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
  KafkaAuthenticationError,
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
export type { ProducerArgs, ConsumerArgs, DefaultProducerType, DefaultConsumerType } from './kafka.js'
export type { KafkaOptions } from './kafka-options.js'
export { consoleLogger, silentLogger } from './observability/logger.js'
export type { Logger, LogLevel, LogFields, ConsoleLoggerOptions } from './observability/logger.js'
export type { RequestTrace, ConnectionEvent } from './observability/channels.js'
export { metricValue } from './observability/metrics.js'
export type { Metric } from './observability/metrics.js'
export * from './network/sasl/index.js'
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
// groups, committed offsets, partition offsets and records
export { GroupState, GroupType } from './admin/groups.js'
export type {
  GroupListing,
  ListGroupsOptions,
  GroupDescription,
  MemberDescription,
  GroupResult,
} from './admin/groups.js'
export type {
  ListConsumerGroupOffsetsOptions,
  CommittedOffset,
  OffsetToCommit,
  PartitionResult,
  ResetTarget,
  ResetConsumerGroupOffsetsOptions,
  ResetOffsetResult,
} from './admin/group-offsets.js'
export type {
  OffsetSpec,
  OffsetQuery,
  ListOffsetsOptions,
  ListedOffset,
  RecordsToDelete,
  DeletedRecords,
} from './admin/offsets.js'
// configs, ACLs, client quotas, SCRAM credentials
export { ConfigResourceType, ConfigSource, ConfigType, AlterConfigOpType } from './admin/configs.js'
export type {
  ConfigResource,
  ConfigEntry,
  ConfigSynonym,
  DescribeConfigsOptions,
  ResourceConfigs,
  AlterConfigOp,
  ConfigAlteration,
  IncrementalAlterConfigsOptions,
  AlterConfigsResult,
} from './admin/configs.js'
export { ResourceType, PatternType, AclOperation, AclPermissionType } from './admin/acls.js'
export type { AclBinding, NewAclBinding, AclBindingFilter, CreateAclResult, DeletedAcl, DeleteAclsFilterResult } from './admin/acls.js'
export { ClientQuotaEntityType, ClientQuotaKey, ClientQuotaMatchType } from './admin/quotas.js'
export type {
  ClientQuotaEntity,
  ClientQuotaFilter,
  ClientQuotaFilterComponent,
  ClientQuotaEntry,
  ClientQuotaOp,
  ClientQuotaAlteration,
  ClientQuotaAlterationResult,
} from './admin/quotas.js'
export { ScramMechanism, scramSaltedPassword } from './admin/scram.js'
export type {
  ScramCredentialInfo,
  UserScramCredentialsDescription,
  UserScramCredentialUpsertion,
  UserScramCredentialDeletion,
  UserScramCredentialAlteration,
  AlterUserScramCredentialsResult,
} from './admin/scram.js'
// cluster operations
export { ElectionType } from './admin/reassignments.js'
export type {
  ElectLeadersResult,
  PartitionReassignmentRequest,
  AlterPartitionReassignmentsOptions,
  AlterPartitionReassignmentResult,
  PartitionReassignment,
} from './admin/reassignments.js'
export type { ClusterNode, ClusterDescription, DescribeClusterOptions } from './admin/cluster.js'
export type { BrokerLogDirs, LogDirDescription, ReplicaInfo } from './admin/log-dirs.js'
export { TransactionState } from './admin/transactions.js'
export type {
  ProducerState,
  PartitionProducerState,
  DescribeProducersOptions,
  TransactionDescription,
  TransactionListing,
  ListTransactionsOptions,
} from './admin/transactions.js'

export { Producer, KafkaProduceBatchError } from './producer/producer.js'
export type { ProducerRecord, ProducerHeaders, ProducerEvents } from './producer/producer.js'
export type { ProducerOptions, Acks } from './producer/options.js'
export type { RecordMetadata } from './producer/producer-batch.js'
export type { CustomPartitioner, PartitionerArgs, PartitionerChoice } from './producer/partitioner.js'
export { KafkaRecordError } from './errors.js'
export { KafkaTransactionError, KafkaFencedError } from './errors.js'
export type { ConsumerGroupMetadata, TransactionOffset } from './producer/transaction-manager.js'
export type { ProducerCallOptions } from './producer/producer.js'
export type { CallOptions } from './util/abort.js'
export { Consumer } from './consumer/consumer.js'
export type {
  ConsumerMessage,
  ConsumerEvents,
  RunOptions,
  SubscribeOptions,
  RebalanceListener,
  RebalanceEvent,
  AutoCommitEvent,
  SeekTarget,
  AssignedPartition,
  CommitOffset,
  CommittedPartitionOffset,
  ConsumerCallOptions,
  MessagesOptions,
} from './consumer/consumer.js'
export type { ConsumerBatch, EachMessage, EachBatch } from './consumer/run-loop.js'
export type { ConsumerOptions, AutoOffsetReset, GroupProtocol, BuiltInAssignor, ConsumerAssignor, AssignorInput } from './consumer/options.js'
export type { TopicPartition } from './common/topic-partition.js'
export type { IsolationLevel } from './common/isolation-level.js'
export type { Subscription, GroupMetadata } from './consumer/membership.js'
export {
  KafkaOffsetOutOfRangeError,
  KafkaNoOffsetError,
  KafkaLogTruncationError,
  KafkaCommitFailedError,
  KafkaHandlerError,
  KafkaDeserializationError,
} from './consumer/errors.js'
export type { RecordHeader } from './protocol/record.js'
export type { TimestampType } from './protocol/record-batch.js'
export { bufferSerde, stringSerde, jsonSerde } from './serde/serde.js'
export type { Serializer, Deserializer, SerializerContext, DeserializerContext, SyncSerde } from './serde/serde.js'
export type { CompressionName } from './protocol/compression/index.js'
export type { ResolvedProducerOptions } from './producer/options.js'
export type { ResolvedConsumerOptions } from './consumer/options.js'
export type { PartitionRef } from './consumer/errors.js'
