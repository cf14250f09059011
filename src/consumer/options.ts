/**
 * Consumer options: the Java consumer's settings camelCased, with Kafka 4.x defaults.
 */

import type { IsolationLevel } from '../common/isolation-level.js'
import { KafkaConfigError } from '../errors.js'
import type { Deserializer } from '../serde/serde.js'
import {
  booleanOption,
  checkOptionNames,
  describeValue,
  durationOption,
  nonEmptyStringOption,
  oneOf,
  optionsObject,
  pluginOption,
  sizeOption,
  type OptionNames,
} from '../util/options.js'

/** Where to start when a partition has no committed offset (or it is out of range). */
export type AutoOffsetReset = 'earliest' | 'latest' | 'none'

/** The group protocol: `classic` (JoinGroup/SyncGroup, default) or `consumer` (KIP-848). */
export type GroupProtocol = 'classic' | 'consumer'

/** A built-in client-side assignor of the classic protocol. */
export type BuiltInAssignor = 'range' | 'roundrobin' | 'cooperative-sticky'

/** Options of {@link Kafka.consumer}. Times are milliseconds, sizes bytes. */
export interface ConsumerOptions<K = Buffer | null, V = Buffer | null> {
  /** The consumer group; omit it to use `assign()` without a group. */
  groupId?: string
  /** Default `'classic'`. */
  groupProtocol?: GroupProtocol
  /** Static membership (KIP-345): a stable id per instance keeps its partitions across restarts. */
  groupInstanceId?: string
  /** Classic: how long the coordinator waits for a heartbeat. Default 45000. */
  sessionTimeoutMs?: number
  /** Classic: heartbeat period. Default 3000. */
  heartbeatIntervalMs?: number
  /** Longest gap between takes of records before the member leaves the group. Default 300000. */
  maxPollIntervalMs?: number
  /** Classic assignors in order of preference. Default `['range', 'cooperative-sticky']` (Java). */
  partitionAssigners?: ReadonlyArray<BuiltInAssignor | ConsumerAssignor>
  /** KIP-848: the server-side assignor (`uniform` or `range`); default: the broker's. */
  groupRemoteAssignor?: string
  /** Commit processed offsets in the background. Default true. */
  autoCommit?: boolean
  /** Auto-commit period. Default 5000. */
  autoCommitIntervalMs?: number
  /** Default `'latest'`. */
  autoOffsetReset?: AutoOffsetReset
  /** Default `'read_uncommitted'`. */
  isolationLevel?: IsolationLevel
  /** Smallest response the broker waits for. Default 1. */
  fetchMinBytes?: number
  /** Largest fetch response (soft: one batch always comes back). Default 52428800. */
  fetchMaxBytes?: number
  /** Largest data per partition in a fetch (soft). Default 1048576. */
  maxPartitionFetchBytes?: number
  /** Longest the broker holds a fetch waiting for `fetchMinBytes`. Default 500. */
  fetchMaxWaitMs?: number
  /**
   * Memory for fetched records not yet handed to the application. When it is full, fetching stops
   * until the application catches up, so a slow handler never grows memory. Default 104857600.
   */
  fetchBufferMaxBytes?: number
  /** Most records handed out in one batch (`eachBatch`, iterator chunks). Default 500. */
  maxPollRecords?: number
  /** Check record batch CRCs. Default true. */
  checkCrcs?: boolean
  /** Let the broker auto-create subscribed topics (if it allows it). Default true. */
  allowAutoCreateTopics?: boolean
  /**
   * Deserializes keys; may return a promise (see {@link Deserializer}). Default: bytes as `Buffer`,
   * which `Kafka.consumer` allows only for a key type that takes `Buffer | null`.
   */
  keyDeserializer?: Deserializer<K>
  /** Deserializes values, as `keyDeserializer` keys. Default: bytes as `Buffer`. */
  valueDeserializer?: Deserializer<V>
}

/**
 * A custom classic assignor: given the members' subscriptions and the partition counts, returns
 * each member's partitions.
 */
export interface ConsumerAssignor {
  /** Protocol name sent in JoinGroup (`range`, `cooperative-sticky`, or your own). */
  readonly name: string
  /** `cooperative` assignors never move a partition straight from one owner to another (KIP-429). */
  readonly rebalanceProtocol: 'eager' | 'cooperative'
  assign(input: AssignorInput): Map<string, Array<{ topic: string; partition: number }>>
}

/** What an assignor is given: every member's subscription and what it owned, and the partition counts. */
export interface AssignorInput {
  readonly members: ReadonlyArray<{
    readonly memberId: string
    readonly groupInstanceId: string | null
    readonly topics: readonly string[]
    readonly ownedPartitions: ReadonlyArray<{ topic: string; partition: number }>
    readonly generationId: number
    readonly rackId: string | null
    readonly userData: Uint8Array | null
  }>
  /** Partition count of every subscribed topic. */
  readonly partitionsPerTopic: ReadonlyMap<string, number>
}

/** Consumer options with every default applied. */
export interface ResolvedConsumerOptions {
  groupId: string | null
  groupProtocol: GroupProtocol
  groupInstanceId: string | null
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  partitionAssigners: ReadonlyArray<BuiltInAssignor | ConsumerAssignor>
  groupRemoteAssignor: string | null
  autoCommit: boolean
  autoCommitIntervalMs: number
  autoOffsetReset: AutoOffsetReset
  isolationLevel: IsolationLevel
  fetchMinBytes: number
  fetchMaxBytes: number
  maxPartitionFetchBytes: number
  fetchMaxWaitMs: number
  fetchBufferMaxBytes: number
  maxPollRecords: number
  checkCrcs: boolean
  allowAutoCreateTopics: boolean
}

// Every consumer option, so a misspelt one is an error rather than a silently unused default.
const CONSUMER_OPTION_NAMES: OptionNames<ConsumerOptions> = {
  groupId: true,
  groupProtocol: true,
  groupInstanceId: true,
  sessionTimeoutMs: true,
  heartbeatIntervalMs: true,
  maxPollIntervalMs: true,
  partitionAssigners: true,
  groupRemoteAssignor: true,
  autoCommit: true,
  autoCommitIntervalMs: true,
  autoOffsetReset: true,
  isolationLevel: true,
  fetchMinBytes: true,
  fetchMaxBytes: true,
  maxPartitionFetchBytes: true,
  fetchMaxWaitMs: true,
  fetchBufferMaxBytes: true,
  maxPollRecords: true,
  checkCrcs: true,
  allowAutoCreateTopics: true,
  keyDeserializer: true,
  valueDeserializer: true,
}

// Names other Node.js Kafka clients use for the same settings.
const CONSUMER_OPTION_HINTS: Readonly<Record<string, string>> = {
  minBytes: 'fetchMinBytes',
  maxBytes: 'fetchMaxBytes',
  maxBytesPerPartition: 'maxPartitionFetchBytes',
  maxWaitTimeInMs: 'fetchMaxWaitMs',
  readUncommitted: 'isolationLevel',
  allowAutoTopicCreation: 'allowAutoCreateTopics',
  partitionAssignors: 'partitionAssigners',
  autoCommitInterval: 'autoCommitIntervalMs',
  fromBeginning: "autoOffsetReset: 'earliest'",
}

const BUILT_IN_ASSIGNORS: readonly BuiltInAssignor[] = ['range', 'roundrobin', 'cooperative-sticky']

export function resolveConsumerOptions(options: ConsumerOptions<never, never>): ResolvedConsumerOptions {
  optionsObject('consumer', options)
  checkOptionNames('consumer', options, CONSUMER_OPTION_NAMES, CONSUMER_OPTION_HINTS)
  const groupId = nonEmptyStringOption('groupId', options.groupId)
  const groupInstanceId = nonEmptyStringOption('groupInstanceId', options.groupInstanceId)
  const assigners = options.partitionAssigners ?? ['range', 'cooperative-sticky']
  if (!Array.isArray(assigners) || assigners.length === 0) {
    throw new KafkaConfigError(`partitionAssigners: expected a non-empty list, got ${describeValue(assigners)}`)
  }
  for (const a of assigners as ReadonlyArray<BuiltInAssignor | ConsumerAssignor>) {
    const valid =
      typeof a === 'string'
        ? BUILT_IN_ASSIGNORS.includes(a)
        : typeof a === 'object' && a !== null && typeof a.assign === 'function' && typeof a.name === 'string'
    if (!valid) {
      const shown = typeof a === 'string' ? JSON.stringify(a) : describeValue(a)
      throw new KafkaConfigError(
        `partitionAssigners: ${shown} is neither a built-in name (${BUILT_IN_ASSIGNORS.join(', ')}) nor an assignor`,
      )
    }
    // Any other value would quietly make the group eager: a cooperative assignor must say so.
    if (typeof a === 'object') oneOf(`partitionAssigners[${a.name}].rebalanceProtocol`, a.rebalanceProtocol, ['eager', 'cooperative'], 'eager')
  }
  pluginOption('keyDeserializer', options.keyDeserializer, 'deserialize')
  pluginOption('valueDeserializer', options.valueDeserializer, 'deserialize')
  const sessionTimeoutMs = durationOption('sessionTimeoutMs', options.sessionTimeoutMs, 45_000, 1)
  const heartbeatIntervalMs = durationOption('heartbeatIntervalMs', options.heartbeatIntervalMs, 3_000, 1)
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new KafkaConfigError('heartbeatIntervalMs: must be lower than sessionTimeoutMs')
  }
  const autoCommit = booleanOption('autoCommit', options.autoCommit, groupId !== null)
  return {
    groupId,
    groupProtocol: oneOf('groupProtocol', options.groupProtocol, ['classic', 'consumer'], 'classic'),
    groupInstanceId,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: durationOption('maxPollIntervalMs', options.maxPollIntervalMs, 300_000, 1),
    partitionAssigners: assigners,
    groupRemoteAssignor: nonEmptyStringOption('groupRemoteAssignor', options.groupRemoteAssignor),
    autoCommit: autoCommit && groupId !== null,
    autoCommitIntervalMs: durationOption('autoCommitIntervalMs', options.autoCommitIntervalMs, 5_000, 1),
    autoOffsetReset: oneOf('autoOffsetReset', options.autoOffsetReset, ['earliest', 'latest', 'none'], 'latest'),
    isolationLevel: oneOf('isolationLevel', options.isolationLevel, ['read_uncommitted', 'read_committed'], 'read_uncommitted'),
    fetchMinBytes: sizeOption('fetchMinBytes', options.fetchMinBytes, 1, 0),
    fetchMaxBytes: sizeOption('fetchMaxBytes', options.fetchMaxBytes, 52_428_800, 1),
    maxPartitionFetchBytes: sizeOption('maxPartitionFetchBytes', options.maxPartitionFetchBytes, 1_048_576, 1),
    fetchMaxWaitMs: durationOption('fetchMaxWaitMs', options.fetchMaxWaitMs, 500),
    fetchBufferMaxBytes: sizeOption('fetchBufferMaxBytes', options.fetchBufferMaxBytes, 104_857_600, 1),
    maxPollRecords: sizeOption('maxPollRecords', options.maxPollRecords, 500, 1),
    checkCrcs: booleanOption('checkCrcs', options.checkCrcs, true),
    allowAutoCreateTopics: booleanOption('allowAutoCreateTopics', options.allowAutoCreateTopics, true),
  }
}
