/**
 * Kafka's error codes: for each, the name, whether a retry may succeed, and what the client does
 * by default.
 *
 * The codes, names and the `retriable` flag follow Kafka 4.3's `Errors.java`. A code is retriable
 * exactly when its Java exception class extends `RetriableException`. The default action condenses
 * what the Java producer, consumer and admin client do on that code. Code paths that know more
 * (produce, fetch, group membership, transactions) may refine it.
 *
 * @packageDocumentation
 */

/**
 * What a client does by default when a broker returns an error code.
 *
 * - `none`: the request succeeded, or the code says there is nothing left to do.
 * - `retry`: back off, then send the request again to the same broker.
 * - `refresh-metadata`: the cached leader or topic metadata is stale. Refresh it, re-route, and retry.
 * - `find-coordinator`: the group or transaction coordinator moved. Look it up again, then retry.
 * - `rejoin-group`: the group membership (member id, generation or epoch) is stale. Rejoin the group.
 * - `reset-producer`: the idempotent producer's id, epoch or sequence state no longer matches the
 *   broker's. Bump the epoch or reset the sequences, then resend.
 * - `fatal`: this producer, group member or connection cannot go on. Stop it and report the error.
 * - `abort-transaction`: abort the current transaction. The producer stays usable afterwards.
 * - `fail`: the operation fails and the error goes to the caller. The client itself is unaffected.
 */
export type ErrorAction =
  | 'none'
  | 'retry'
  | 'refresh-metadata'
  | 'find-coordinator'
  | 'rejoin-group'
  | 'reset-producer'
  | 'fatal'
  | 'abort-transaction'
  | 'fail'

/**
 * Every Kafka error code (Kafka 4.3) by its Kafka name.
 *
 * @example
 * ```ts
 * if (partition.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) refreshMetadata()
 * ```
 */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117,
  TELEMETRY_TOO_LARGE: 118,
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
  FENCED_STATE_EPOCH: 124,
  INVALID_VOTER_KEY: 125,
  DUPLICATE_VOTER: 126,
  VOTER_NOT_FOUND: 127,
  INVALID_REGULAR_EXPRESSION: 128,
  REBOOTSTRAP_REQUIRED: 129,
  STREAMS_INVALID_TOPOLOGY: 130,
  STREAMS_INVALID_TOPOLOGY_EPOCH: 131,
  STREAMS_TOPOLOGY_FENCED: 132,
  SHARE_SESSION_LIMIT_REACHED: 133,
} as const

/** The Kafka name of an error code, such as `'NOT_LEADER_OR_FOLLOWER'`. */
export type ErrorCodeName = keyof typeof ErrorCode

/** One row of Kafka's error table. */
export interface ErrorCodeInfo {
  /** The numeric error code as it appears on the wire. */
  readonly code: number
  /** Kafka's name for the code. A code this table does not know is named `UNKNOWN_SERVER_ERROR`, as Kafka does. */
  readonly name: ErrorCodeName
  /** True when Kafka classifies the error as retriable (its exception extends `RetriableException`). */
  readonly retriable: boolean
  /** What a client does by default on this code. */
  readonly action: ErrorAction
  /** A one-line explanation. */
  readonly message: string
}

type Details = readonly [retriable: boolean, action: ErrorAction, message: string]

// Keyed by name so the compiler rejects a missing or misspelt row: every ErrorCodeName needs exactly one.
const DETAILS: { readonly [N in ErrorCodeName]: Details } = {
  UNKNOWN_SERVER_ERROR: [false, 'fail', 'The broker hit an unexpected error while handling the request.'],
  NONE: [false, 'none', 'No error.'],
  // The consumer applies its auto.offset.reset policy; everywhere else the caller decides.
  OFFSET_OUT_OF_RANGE: [false, 'fail', 'The requested offset lies outside the range the partition holds.'],
  // Retry is right for produce (the batch may have been damaged in transit). A fetch that returns
  // corrupt data fails instead, as in the Java consumer.
  CORRUPT_MESSAGE: [true, 'retry', 'A record failed its CRC check, was too large or was otherwise malformed.'],
  UNKNOWN_TOPIC_OR_PARTITION: [true, 'refresh-metadata', 'This broker does not host the topic or partition.'],
  INVALID_FETCH_SIZE: [false, 'fail', 'The requested fetch size is not valid.'],
  LEADER_NOT_AVAILABLE: [true, 'refresh-metadata', 'The partition has no leader right now; an election is probably in progress.'],
  NOT_LEADER_OR_FOLLOWER: [true, 'refresh-metadata', 'This broker is not the leader (or a follower) for the partition.'],
  REQUEST_TIMED_OUT: [true, 'retry', 'The broker did not complete the request in time.'],
  BROKER_NOT_AVAILABLE: [false, 'fail', 'The broker is not available.'],
  REPLICA_NOT_AVAILABLE: [true, 'refresh-metadata', 'The replica for this partition is not available on the broker.'],
  // The producer splits a multi-record batch and resends it; a single record that is too large fails.
  MESSAGE_TOO_LARGE: [false, 'fail', 'A record is larger than the broker or topic accepts.'],
  STALE_CONTROLLER_EPOCH: [false, 'fail', 'The controller has moved to another node.'],
  OFFSET_METADATA_TOO_LARGE: [false, 'fail', 'The metadata string of an offset commit is too long.'],
  NETWORK_EXCEPTION: [true, 'refresh-metadata', 'The connection closed before the response arrived.'],
  // Same coordinator, still loading its state: waiting helps, a new lookup does not.
  COORDINATOR_LOAD_IN_PROGRESS: [true, 'retry', 'The coordinator is still loading its state.'],
  COORDINATOR_NOT_AVAILABLE: [true, 'find-coordinator', 'The coordinator is not available.'],
  NOT_COORDINATOR: [true, 'find-coordinator', 'This broker is not the coordinator for the group or transaction.'],
  INVALID_TOPIC_EXCEPTION: [false, 'fail', 'The topic name is invalid, or the operation is not allowed on this topic.'],
  RECORD_LIST_TOO_LARGE: [false, 'fail', 'A record batch is larger than the broker\'s segment size.'],
  NOT_ENOUGH_REPLICAS: [true, 'retry', 'Too few in-sync replicas to accept the write; nothing was written.'],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [true, 'retry', 'The write reached the leader, but fewer in-sync replicas than required.'],
  INVALID_REQUIRED_ACKS: [false, 'fail', 'The acks setting of the produce request is not valid.'],
  ILLEGAL_GENERATION: [false, 'rejoin-group', 'The group generation in the request is out of date.'],
  INCONSISTENT_GROUP_PROTOCOL: [false, 'fatal', 'The member\'s protocols do not match those of the group.'],
  INVALID_GROUP_ID: [false, 'fatal', 'The group id is not valid.'],
  UNKNOWN_MEMBER_ID: [false, 'rejoin-group', 'The coordinator does not know this member id.'],
  INVALID_SESSION_TIMEOUT: [false, 'fatal', 'The session timeout lies outside the range the broker allows.'],
  REBALANCE_IN_PROGRESS: [false, 'rejoin-group', 'The group is rebalancing; the member must rejoin.'],
  INVALID_COMMIT_OFFSET_SIZE: [false, 'fail', 'The size of the offset commit data is not valid.'],
  TOPIC_AUTHORIZATION_FAILED: [false, 'fail', 'The principal is not authorized for this topic.'],
  GROUP_AUTHORIZATION_FAILED: [false, 'fail', 'The principal is not authorized for this group.'],
  // Fatal for an idempotent or transactional producer's InitProducerId; for admin calls it only fails the call.
  CLUSTER_AUTHORIZATION_FAILED: [false, 'fail', 'The principal is not authorized for this cluster operation.'],
  INVALID_TIMESTAMP: [false, 'fail', 'A record timestamp is outside the range the broker accepts.'],
  UNSUPPORTED_SASL_MECHANISM: [false, 'fatal', 'The broker does not offer the requested SASL mechanism.'],
  ILLEGAL_SASL_STATE: [false, 'fatal', 'The request is out of order for the SASL handshake.'],
  // Versions are negotiated per connection, so this means a client bug or a broker that changed under us.
  UNSUPPORTED_VERSION: [false, 'fail', 'The broker does not support this API version.'],
  TOPIC_ALREADY_EXISTS: [false, 'fail', 'A topic with this name already exists.'],
  INVALID_PARTITIONS: [false, 'fail', 'The partition count is not valid.'],
  INVALID_REPLICATION_FACTOR: [false, 'fail', 'The replication factor is below 1 or above the number of brokers.'],
  INVALID_REPLICA_ASSIGNMENT: [false, 'fail', 'The replica assignment is not valid.'],
  INVALID_CONFIG: [false, 'fail', 'A configuration value is not valid.'],
  // Retriable, but resending to the same node cannot help: the admin client looks the controller up again.
  NOT_CONTROLLER: [true, 'refresh-metadata', 'This node is not the active controller.'],
  INVALID_REQUEST: [false, 'fail', 'The broker considers the request malformed or not allowed.'],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [false, 'fail', 'The topic\'s message format does not support this request.'],
  POLICY_VIOLATION: [false, 'fail', 'The request breaks a policy configured on the broker.'],
  // An idempotent producer bumps its epoch and restarts sequences; a transactional one must abort.
  OUT_OF_ORDER_SEQUENCE_NUMBER: [false, 'reset-producer', 'The broker got a sequence number it did not expect.'],
  // The broker already holds this batch, so the send succeeded (without an offset), as in the Java producer.
  DUPLICATE_SEQUENCE_NUMBER: [false, 'none', 'The broker already holds a batch with this sequence number.'],
  // The Java TransactionManager turns this into PRODUCER_FENCED.
  INVALID_PRODUCER_EPOCH: [false, 'fatal', 'The producer epoch is older than the broker\'s: another instance took over.'],
  INVALID_TXN_STATE: [false, 'fatal', 'The transactional operation is not valid in the transaction\'s current state.'],
  INVALID_PRODUCER_ID_MAPPING: [false, 'fatal', 'The producer id is not the one assigned to this transactional id.'],
  // InitProducerId fails, so the transactional producer cannot start.
  INVALID_TRANSACTION_TIMEOUT: [false, 'fatal', 'The transaction timeout exceeds the broker\'s maximum.'],
  CONCURRENT_TRANSACTIONS: [true, 'retry', 'Another operation on this transaction is still in progress.'],
  TRANSACTION_COORDINATOR_FENCED: [false, 'fail', 'The transaction coordinator sending the marker has been replaced.'],
  // Fatal on AddPartitionsToTxn in Java (InitProducerId makes it abortable instead).
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [false, 'fatal', 'The principal is not authorized for this transactional id.'],
  SECURITY_DISABLED: [false, 'fail', 'Security features are disabled on the broker.'],
  OPERATION_NOT_ATTEMPTED: [false, 'fail', 'The broker skipped this operation because another part of the batch failed.'],
  KAFKA_STORAGE_ERROR: [true, 'refresh-metadata', 'The broker hit a disk error on the partition\'s log.'],
  LOG_DIR_NOT_FOUND: [false, 'fail', 'The log directory is not configured on the broker.'],
  SASL_AUTHENTICATION_FAILED: [false, 'fatal', 'SASL authentication failed.'],
  // An idempotent producer resets the partition's sequence; a transactional one aborts if it can.
  UNKNOWN_PRODUCER_ID: [false, 'reset-producer', 'The broker has no state for this producer id (it may have expired).'],
  REASSIGNMENT_IN_PROGRESS: [false, 'fail', 'A partition reassignment is in progress.'],
  DELEGATION_TOKEN_AUTH_DISABLED: [false, 'fail', 'Delegation tokens are not enabled on the broker.'],
  DELEGATION_TOKEN_NOT_FOUND: [false, 'fail', 'The delegation token does not exist.'],
  DELEGATION_TOKEN_OWNER_MISMATCH: [false, 'fail', 'The principal is not the owner or a renewer of the token.'],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [false, 'fail', 'Delegation token requests are not allowed on this kind of connection.'],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [false, 'fail', 'The principal is not authorized for this delegation token.'],
  DELEGATION_TOKEN_EXPIRED: [false, 'fail', 'The delegation token has expired.'],
  INVALID_PRINCIPAL_TYPE: [false, 'fail', 'The principal type is not supported.'],
  NON_EMPTY_GROUP: [false, 'fail', 'The group still has members.'],
  GROUP_ID_NOT_FOUND: [false, 'fail', 'The group does not exist.'],
  // Fetch-session codes: the fetcher drops its incremental session and sends a full fetch.
  FETCH_SESSION_ID_NOT_FOUND: [true, 'retry', 'The broker does not know this fetch session.'],
  INVALID_FETCH_SESSION_EPOCH: [true, 'retry', 'The fetch session epoch does not match the broker\'s.'],
  LISTENER_NOT_FOUND: [true, 'refresh-metadata', 'The leader has no listener matching the one this metadata came from.'],
  TOPIC_DELETION_DISABLED: [false, 'fail', 'Topic deletion is disabled on the broker.'],
  FENCED_LEADER_EPOCH: [true, 'refresh-metadata', 'The leader epoch in the request is older than the broker\'s.'],
  UNKNOWN_LEADER_EPOCH: [true, 'retry', 'The leader epoch in the request is newer than the broker knows.'],
  UNSUPPORTED_COMPRESSION_TYPE: [false, 'fail', 'The compression codec is not allowed for this request version.'],
  STALE_BROKER_EPOCH: [false, 'fail', 'The broker epoch in the request is out of date.'],
  // The Java consumer refreshes metadata on this code before it retries ListOffsets or Fetch.
  OFFSET_NOT_AVAILABLE: [true, 'refresh-metadata', 'The new leader\'s high watermark has not caught up yet.'],
  // JoinGroup v4+ hands out the member id in this error; the member resends JoinGroup with it.
  MEMBER_ID_REQUIRED: [false, 'rejoin-group', 'The member must join again with the member id the coordinator just issued.'],
  PREFERRED_LEADER_NOT_AVAILABLE: [true, 'refresh-metadata', 'The preferred leader is not available.'],
  GROUP_MAX_SIZE_REACHED: [false, 'fatal', 'The group already has as many members as the broker allows.'],
  FENCED_INSTANCE_ID: [false, 'fatal', 'Another member with the same group.instance.id has taken this one\'s place.'],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [true, 'refresh-metadata', 'No eligible leader is available for the partition.'],
  // Kafka files it under invalid metadata; for ElectLeaders it really means the election was unnecessary.
  ELECTION_NOT_NEEDED: [true, 'refresh-metadata', 'The partition already has its preferred leader; no election needed.'],
  NO_REASSIGNMENT_IN_PROGRESS: [false, 'fail', 'No partition reassignment is in progress.'],
  GROUP_SUBSCRIBED_TO_TOPIC: [false, 'fail', 'Offsets cannot be deleted while the group is subscribed to the topic.'],
  INVALID_RECORD: [false, 'fail', 'The broker rejected a record that failed its validation.'],
  UNSTABLE_OFFSET_COMMIT: [true, 'retry', 'Pending transactional offsets must settle before offsets can be read.'],
  THROTTLING_QUOTA_EXCEEDED: [true, 'retry', 'The request exceeded a throttling quota.'],
  PRODUCER_FENCED: [false, 'fatal', 'A newer producer with the same transactional id has fenced this one.'],
  RESOURCE_NOT_FOUND: [false, 'fail', 'The request refers to a resource that does not exist.'],
  DUPLICATE_RESOURCE: [false, 'fail', 'The request names the same resource more than once.'],
  UNACCEPTABLE_CREDENTIAL: [false, 'fail', 'The credential does not meet the broker\'s requirements.'],
  INCONSISTENT_VOTER_SET: [false, 'fail', 'The sender or receiver is not one of the expected voters.'],
  INVALID_UPDATE_VERSION: [false, 'fail', 'The update version is not valid.'],
  FEATURE_UPDATE_FAILED: [false, 'fail', 'The finalized features could not be updated.'],
  PRINCIPAL_DESERIALIZATION_FAILURE: [false, 'fail', 'A forwarded request\'s principal could not be decoded.'],
  SNAPSHOT_NOT_FOUND: [false, 'fail', 'The requested snapshot does not exist.'],
  POSITION_OUT_OF_RANGE: [false, 'fail', 'The position is outside the snapshot.'],
  UNKNOWN_TOPIC_ID: [true, 'refresh-metadata', 'This broker does not know the topic id.'],
  DUPLICATE_BROKER_REGISTRATION: [false, 'fail', 'Another broker has already registered this broker id.'],
  BROKER_ID_NOT_REGISTERED: [false, 'fail', 'The broker id is not registered.'],
  INCONSISTENT_TOPIC_ID: [true, 'refresh-metadata', 'The topic id in the request does not match the log\'s topic id.'],
  INCONSISTENT_CLUSTER_ID: [false, 'fail', 'The cluster id in the request does not match the server\'s.'],
  TRANSACTIONAL_ID_NOT_FOUND: [false, 'fail', 'The transactional id does not exist.'],
  // Like the other fetch-session codes: drop the session, send a full fetch.
  FETCH_SESSION_TOPIC_ID_ERROR: [true, 'retry', 'The fetch session mixes topic ids inconsistently.'],
  INELIGIBLE_REPLICA: [false, 'fail', 'The proposed in-sync replica set contains an ineligible replica.'],
  NEW_LEADER_ELECTED: [false, 'fail', 'The partition state was updated, but the leader changed meanwhile.'],
  OFFSET_MOVED_TO_TIERED_STORAGE: [false, 'fail', 'The offset now lives in tiered storage.'],
  // KIP-848: the member gives up its partitions and rejoins with epoch 0.
  FENCED_MEMBER_EPOCH: [false, 'rejoin-group', 'The coordinator fenced this member epoch; the member must rejoin.'],
  UNRELEASED_INSTANCE_ID: [false, 'fatal', 'Another member still holds this instance id and must leave first.'],
  UNSUPPORTED_ASSIGNOR: [false, 'fatal', 'The group does not support the requested assignor or its version.'],
  // Not retriable in Java's class hierarchy, but the consumer resends the commit once the next
  // heartbeat has delivered the current member epoch.
  STALE_MEMBER_EPOCH: [false, 'retry', 'The member epoch is stale; retry after the next heartbeat.'],
  MISMATCHED_ENDPOINT_TYPE: [false, 'fail', 'The request went to the wrong kind of endpoint.'],
  UNSUPPORTED_ENDPOINT_TYPE: [false, 'fail', 'This endpoint type is not supported.'],
  UNKNOWN_CONTROLLER_ID: [false, 'fail', 'The controller id is not known.'],
  // Resending the same push cannot help: the telemetry reporter fetches a new subscription first.
  UNKNOWN_SUBSCRIPTION_ID: [false, 'fail', 'The telemetry subscription id is unknown or out of date.'],
  TELEMETRY_TOO_LARGE: [false, 'fail', 'The telemetry payload is larger than the broker accepts.'],
  INVALID_REGISTRATION: [false, 'fail', 'The controller considers the broker registration invalid.'],
  TRANSACTION_ABORTABLE: [false, 'abort-transaction', 'The transaction hit an error; abort it to keep using the producer.'],
  INVALID_RECORD_STATE: [false, 'fail', 'The record is in a state that does not allow this acknowledgement.'],
  SHARE_SESSION_NOT_FOUND: [true, 'retry', 'The broker does not know this share session.'],
  INVALID_SHARE_SESSION_EPOCH: [true, 'retry', 'The share session epoch does not match the broker\'s.'],
  FENCED_STATE_EPOCH: [false, 'fail', 'The share-group state epoch does not match the share coordinator\'s.'],
  INVALID_VOTER_KEY: [false, 'fail', 'The voter key does not match the receiving replica\'s key.'],
  DUPLICATE_VOTER: [false, 'fail', 'The voter is already in the voter set.'],
  VOTER_NOT_FOUND: [false, 'fail', 'The voter is not in the voter set.'],
  INVALID_REGULAR_EXPRESSION: [false, 'fatal', 'The subscription\'s regular expression is not valid.'],
  // Not retriable in Java, but the metadata layer recovers by reconnecting through the bootstrap servers.
  REBOOTSTRAP_REQUIRED: [false, 'refresh-metadata', 'The client\'s metadata is too old; it must bootstrap again.'],
  STREAMS_INVALID_TOPOLOGY: [false, 'fail', 'The Streams topology is not valid.'],
  STREAMS_INVALID_TOPOLOGY_EPOCH: [false, 'fail', 'The Streams topology epoch is not valid.'],
  STREAMS_TOPOLOGY_FENCED: [false, 'fail', 'The Streams topology epoch is out of date.'],
  SHARE_SESSION_LIMIT_REACHED: [true, 'retry', 'The broker has reached its limit of share sessions.'],
}

/** The lowest code in the table (UNKNOWN_SERVER_ERROR). */
const MIN_CODE = -1

// Codes are dense from -1 upward, so an array indexed by `code - MIN_CODE` gives O(1) lookups.
const BY_CODE: readonly ErrorCodeInfo[] = buildTable()

function buildTable(): ErrorCodeInfo[] {
  const rows: ErrorCodeInfo[] = []
  for (const name of Object.keys(ErrorCode) as ErrorCodeName[]) {
    const code = ErrorCode[name]
    const [retriable, action, message] = DETAILS[name]
    rows[code - MIN_CODE] = Object.freeze({ code, name, retriable, action, message })
  }
  return rows
}

/**
 * Looks up Kafka's error table.
 *
 * A code the table does not know (one added by a newer broker, say) gets a row that keeps the
 * number, is named `UNKNOWN_SERVER_ERROR` as Kafka names it, is not retriable, and fails the
 * operation.
 *
 * @param code - an error code read from a response
 * @returns the row for `code`
 */
export function errorCodeInfo(code: number): ErrorCodeInfo {
  const row = BY_CODE[code - MIN_CODE]
  if (row !== undefined) return row
  return {
    code,
    name: 'UNKNOWN_SERVER_ERROR',
    retriable: false,
    action: 'fail',
    message: `Error code ${code} is not known to this client; the broker may be newer.`,
  }
}
