/**
 * The admin client. A thin facade: each operation lives in the module of its resource (topics,
 * configs, groups, offsets, ACLs, cluster) and runs on the root's shared connections and metadata.
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaStateError } from '../errors.js'
import { adminChannel, isTraced, type AdminTrace } from '../observability/channels.js'
import { abortable } from '../util/abort.js'
import { checkOptionNames, durationOption, optionsObject, type OptionNames } from '../util/options.js'
import { AdminContext, type AdminCallOptions } from './context.js'
import * as topics from './topics.js'
// groups, committed offsets, partition offsets and records
import * as groupOffsets from './group-offsets.js'
import * as groups from './groups.js'
import * as offsets from './offsets.js'
// configs, ACLs, client quotas, SCRAM credentials
import * as acls from './acls.js'
import * as configs from './configs.js'
import * as quotas from './quotas.js'
import * as scram from './scram.js'
// cluster operations
import * as clusterOps from './cluster.js'
import * as logDirs from './log-dirs.js'
import * as reassignments from './reassignments.js'
import * as transactions from './transactions.js'
import type { TopicPartition } from '../common/topic-partition.js'

/** Options of {@link Kafka.admin}. */
export interface AdminOptions {
  /** Default deadline of each call, retries included (Java `default.api.timeout.ms`). Default: the root's. */
  timeoutMs?: number
}

const ADMIN_OPTION_NAMES: OptionNames<AdminOptions> = { timeoutMs: true }

/**
 * Administers topics, configs, consumer groups, offsets, ACLs and the cluster.
 *
 * Calls that act on several resources never reject because one resource failed: each result
 * carries its own `error` (null on success), so one bad topic does not hide the others. A call
 * rejects only when it fails as a whole (no broker reachable before the deadline, a closed client).
 * Retriable errors are retried until the call's deadline.
 *
 * Every call takes `{ signal }` in its options, as Node's APIs do: an abort rejects the call at
 * once with `signal.reason` and stops its retries. A read (list, describe) leaves nothing behind;
 * a change already sent to a broker may still take effect, so check with a describe call.
 */
export class Admin {
  readonly #ctx: AdminContext
  readonly #onClose: () => void
  #closed = false

  /** @internal Made by {@link Kafka.admin}. */
  constructor(cluster: Cluster, options: AdminOptions, onClose: () => void) {
    optionsObject('admin', options)
    checkOptionNames('admin', options, ADMIN_OPTION_NAMES)
    const timeoutMs = durationOption('timeoutMs', options.timeoutMs, cluster.options.defaultApiTimeoutMs, 1)
    this.#ctx = new AdminContext(cluster, timeoutMs)
    this.#onClose = onClose
  }

  #context(): AdminContext {
    if (this.#closed || this.#ctx.cluster.isClosed) throw new KafkaStateError('this admin client is closed')
    return this.#ctx
  }

  /**
   * Runs one call on a context carrying its signal. An abort rejects the call at once with
   * `signal.reason`; the call's retries stop at their next attempt (see `AdminCallOptions.signal`).
   */
  #call<T>(operation: string, options: AdminCallOptions | undefined, run: (ctx: AdminContext) => Promise<T>): Promise<T> {
    if (isTraced(adminChannel)) {
      const context: AdminTrace = { clientId: this.#ctx.cluster.options.clientId, operation }
      return adminChannel.tracePromise(() => this.#callNow(options, run), context)
    }
    return this.#callNow(options, run)
  }

  #callNow<T>(options: AdminCallOptions | undefined, run: (ctx: AdminContext) => Promise<T>): Promise<T> {
    const ctx = this.#context().forCall(options)
    const signal = ctx.signal
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    return abortable(run(ctx), signal)
  }

  /**
   * Creates topics. By default waits until every partition of each created topic has a leader, so
   * producing right away works. Per-topic failures (TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR,
   * INVALID_CONFIG …) are in each result's `error`.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  createTopics(newTopics: readonly topics.NewTopic[], options?: topics.CreateTopicsOptions): Promise<topics.CreateTopicResult[]> {
    return this.#call('createTopics', options, (ctx) => topics.createTopics(ctx, newTopics, options))
  }

  /**
   * Deletes topics by name; a missing topic's result carries UNKNOWN_TOPIC_OR_PARTITION.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  deleteTopics(names: readonly string[], options?: AdminCallOptions): Promise<topics.TopicResult[]> {
    return this.#call('deleteTopics', options, (ctx) => topics.deleteTopics(ctx, names, options))
  }

  /**
   * Names of all topics, sorted; internal topics (`__consumer_offsets` …) only with `includeInternal`.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listTopics(options?: AdminCallOptions & { includeInternal?: boolean }): Promise<string[]> {
    return this.#call('listTopics', options, (ctx) => topics.listTopics(ctx, options))
  }

  /**
   * Partitions, leaders, replicas and ISR of topics, in the order asked.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeTopics(names: readonly string[], options?: AdminCallOptions): Promise<topics.TopicDescription[]> {
    return this.#call('describeTopics', options, (ctx) => topics.describeTopics(ctx, names, options))
  }

  /**
   * Grows topics to a new partition count.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  createPartitions(
    requests: readonly topics.NewPartitions[],
    options?: AdminCallOptions & { validateOnly?: boolean },
  ): Promise<topics.TopicResult[]> {
    return this.#call('createPartitions', options, (ctx) => topics.createPartitions(ctx, requests, options))
  }

  // --- groups, committed offsets, partition offsets and records ---

  /**
   * Groups of every broker, merged and sorted by id, with their type and state. Filters by state
   * and type are applied by the brokers. Rejects when a broker cannot answer, since the listing
   * would be incomplete.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listGroups(options?: groups.ListGroupsOptions): Promise<groups.GroupListing[]> {
    return this.#call('listGroups', options, (ctx) => groups.listGroups(ctx, options))
  }

  /**
   * Members, assignments and state of classic and KIP-848 consumer groups, in the order asked. A
   * missing group's result carries GROUP_ID_NOT_FOUND.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeGroups(groupIds: readonly string[], options?: AdminCallOptions): Promise<groups.GroupDescription[]> {
    return this.#call('describeGroups', options, (ctx) => groups.describeGroups(ctx, groupIds, options))
  }

  /**
   * Deletes groups without members, with their offsets: NON_EMPTY_GROUP or GROUP_ID_NOT_FOUND per group otherwise.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  deleteGroups(groupIds: readonly string[], options?: AdminCallOptions): Promise<groups.GroupResult[]> {
    return this.#call('deleteGroups', options, (ctx) => groups.deleteGroups(ctx, groupIds, options))
  }

  /**
   * A group's committed offsets: of every partition it committed, or of `options.partitions`.
   * Rejects on a group-level error; a partition of a missing topic carries UNKNOWN_TOPIC_OR_PARTITION.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listConsumerGroupOffsets(
    groupId: string,
    options?: groupOffsets.ListConsumerGroupOffsetsOptions,
  ): Promise<groupOffsets.CommittedOffset[]> {
    return this.#call('listConsumerGroupOffsets', options, (ctx) => groupOffsets.listConsumerGroupOffsets(ctx, groupId, options))
  }

  /**
   * Sets a group's committed offsets; the group must have no members. One result per partition.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  alterConsumerGroupOffsets(
    groupId: string,
    newOffsets: readonly groupOffsets.OffsetToCommit[],
    options?: AdminCallOptions,
  ): Promise<groupOffsets.PartitionResult[]> {
    return this.#call('alterConsumerGroupOffsets', options, (ctx) => groupOffsets.alterConsumerGroupOffsets(ctx, groupId, newOffsets, options))
  }

  /**
   * Deletes a group's committed offsets of partitions its members are not subscribed to.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  deleteConsumerGroupOffsets(
    groupId: string,
    partitions: readonly TopicPartition[],
    options?: AdminCallOptions,
  ): Promise<groupOffsets.PartitionResult[]> {
    return this.#call('deleteConsumerGroupOffsets', options, (ctx) => groupOffsets.deleteConsumerGroupOffsets(ctx, groupId, partitions, options))
  }

  /**
   * Moves an empty group's offsets for a topic to the earliest or latest offsets or to a timestamp,
   * like `kafka-consumer-groups --reset-offsets --execute`. Rejects with KafkaStateError while the
   * group has members.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  resetConsumerGroupOffsets(
    groupId: string,
    topic: string,
    to: groupOffsets.ResetTarget,
    options?: groupOffsets.ResetConsumerGroupOffsetsOptions,
  ): Promise<groupOffsets.ResetOffsetResult[]> {
    return this.#call('resetConsumerGroupOffsets', options, (ctx) => groupOffsets.resetConsumerGroupOffsets(ctx, groupId, topic, to, options))
  }

  /**
   * Offsets of partitions (earliest, latest, by timestamp, of the max timestamp), asked of each partition's leader.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listOffsets(queries: readonly offsets.OffsetQuery[], options?: offsets.ListOffsetsOptions): Promise<offsets.ListedOffset[]> {
    return this.#call('listOffsets', options, (ctx) => offsets.listOffsets(ctx, queries, options))
  }

  /**
   * Deletes the records before an offset in each partition; each result carries the new low watermark.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  deleteRecords(requests: readonly offsets.RecordsToDelete[], options?: AdminCallOptions): Promise<offsets.DeletedRecords[]> {
    return this.#call('deleteRecords', options, (ctx) => offsets.deleteRecords(ctx, requests, options))
  }

  // --- configs, ACLs, client quotas, SCRAM credentials ---

  /**
   * Configs of topics, brokers (name = node id, '' for the cluster-wide defaults), broker loggers,
   * groups and client-metrics subscriptions, in the order asked. Broker resources are asked of that
   * broker. A missing topic fails only its own result.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeConfigs(
    resources: readonly configs.ConfigResource[],
    options?: configs.DescribeConfigsOptions,
  ): Promise<configs.ResourceConfigs[]> {
    return this.#call('describeConfigs', options, (ctx) => configs.describeConfigs(ctx, resources, options))
  }

  /**
   * Sets, deletes, appends to or subtracts from configs, leaving the others unchanged. Results are
   * per resource; an unknown config (INVALID_CONFIG) or missing topic fails only its resource.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  incrementalAlterConfigs(
    alterations: readonly configs.ConfigAlteration[],
    options?: configs.IncrementalAlterConfigsOptions,
  ): Promise<configs.AlterConfigsResult[]> {
    return this.#call('incrementalAlterConfigs', options, (ctx) => configs.incrementalAlterConfigs(ctx, alterations, options))
  }

  /**
   * Creates ACLs (pattern type LITERAL and host `*` unless given); one result per ACL. Needs an authorizer.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  createAcls(newAcls: readonly acls.NewAclBinding[], options?: AdminCallOptions): Promise<acls.CreateAclResult[]> {
    return this.#call('createAcls', options, (ctx) => acls.createAcls(ctx, newAcls, options))
  }

  /**
   * The ACLs matching a filter (an empty filter matches every ACL).
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeAcls(filter?: acls.AclBindingFilter, options?: AdminCallOptions): Promise<acls.AclBinding[]> {
    return this.#call('describeAcls', options, (ctx) => acls.describeAcls(ctx, filter, options))
  }

  /**
   * Deletes the ACLs matching each filter; one result per filter listing what it matched. An empty filter deletes every ACL.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  deleteAcls(filters: readonly acls.AclBindingFilter[], options?: AdminCallOptions): Promise<acls.DeleteAclsFilterResult[]> {
    return this.#call('deleteAcls', options, (ctx) => acls.deleteAcls(ctx, filters, options))
  }

  /**
   * Quotas of the users, client ids and IPs a filter matches (default: every entity with a quota).
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeClientQuotas(filter?: quotas.ClientQuotaFilter, options?: AdminCallOptions): Promise<quotas.ClientQuotaEntry[]> {
    return this.#call('describeClientQuotas', options, (ctx) => quotas.describeClientQuotas(ctx, filter, options))
  }

  /**
   * Sets quotas, or removes them with a null value; one result per entity.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  alterClientQuotas(
    alterations: readonly quotas.ClientQuotaAlteration[],
    options?: AdminCallOptions & { validateOnly?: boolean },
  ): Promise<quotas.ClientQuotaAlterationResult[]> {
    return this.#call('alterClientQuotas', options, (ctx) => quotas.alterClientQuotas(ctx, alterations, options))
  }

  /**
   * SCRAM mechanisms and iteration counts of the given users (default: every user with credentials).
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeUserScramCredentials(
    users?: readonly string[],
    options?: AdminCallOptions,
  ): Promise<scram.UserScramCredentialsDescription[]> {
    return this.#call('describeUserScramCredentials', options, (ctx) => scram.describeUserScramCredentials(ctx, users, options))
  }

  /**
   * Upserts and deletes SCRAM credentials; one result per user. Passwords are salted and hashed
   * here and never sent.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  alterUserScramCredentials(
    alterations: readonly scram.UserScramCredentialAlteration[],
    options?: AdminCallOptions,
  ): Promise<scram.AlterUserScramCredentialsResult[]> {
    return this.#call('alterUserScramCredentials', options, (ctx) => scram.alterUserScramCredentials(ctx, alterations, options))
  }

  // --- cluster operations: cluster, leader elections, reassignments, log dirs, producers, transactions ---

  /**
   * The cluster id, the brokers and the controller (DescribeCluster, or Metadata on brokers before 2.8).
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeCluster(options?: clusterOps.DescribeClusterOptions): Promise<clusterOps.ClusterDescription> {
    return this.#call('describeCluster', options, (ctx) => clusterOps.describeCluster(ctx, options))
  }

  /**
   * Elects leaders: `ElectionType.PREFERRED` moves leadership back to each partition's first replica,
   * `ElectionType.UNCLEAN` lets an out-of-sync replica lead a partition with no live ISR member.
   * Omit `partitions` to elect wherever needed. A partition already led by its preferred replica
   * reports ELECTION_NOT_NEEDED in its `error`.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  electLeaders(
    electionType: reassignments.ElectionType,
    partitions?: readonly TopicPartition[] | null,
    options?: AdminCallOptions,
  ): Promise<reassignments.ElectLeadersResult[]> {
    return this.#call('electLeaders', options, (ctx) => reassignments.electLeaders(ctx, electionType, partitions, options))
  }

  /**
   * Moves partitions to new replica lists (`replicas: null` cancels a reassignment in progress).
   * Resolves when the controller accepted them; the data moves afterwards.
   *
   * An aborted `signal` rejects the call with its reason and sends nothing more; requests
   * already sent may still take effect.
   */
  alterPartitionReassignments(
    reassignmentRequests: readonly reassignments.PartitionReassignmentRequest[],
    options?: reassignments.AlterPartitionReassignmentsOptions,
  ): Promise<reassignments.AlterPartitionReassignmentResult[]> {
    return this.#call('alterPartitionReassignments', options, (ctx) => reassignments.alterPartitionReassignments(ctx, reassignmentRequests, options))
  }

  /**
   * Reassignments in progress, of the given partitions or of the whole cluster.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listPartitionReassignments(
    partitions?: readonly TopicPartition[],
    options?: AdminCallOptions,
  ): Promise<reassignments.PartitionReassignment[]> {
    return this.#call('listPartitionReassignments', options, (ctx) => reassignments.listPartitionReassignments(ctx, partitions, options))
  }

  /**
   * Log directories of the given brokers (default: every live broker) with their replicas' sizes.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeLogDirs(brokers?: readonly number[], options?: AdminCallOptions): Promise<logDirs.BrokerLogDirs[]> {
    return this.#call('describeLogDirs', options, (ctx) => logDirs.describeLogDirs(ctx, brokers, options))
  }

  /**
   * Active producers of partitions, as each partition's leader (or `brokerId`) tracks them.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeProducers(
    partitions: readonly TopicPartition[],
    options?: transactions.DescribeProducersOptions,
  ): Promise<transactions.PartitionProducerState[]> {
    return this.#call('describeProducers', options, (ctx) => transactions.describeProducers(ctx, partitions, options))
  }

  /**
   * Transactions as their coordinators hold them, one result per distinct transactional id.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  describeTransactions(
    transactionalIds: readonly string[],
    options?: AdminCallOptions,
  ): Promise<transactions.TransactionDescription[]> {
    return this.#call('describeTransactions', options, (ctx) => transactions.describeTransactions(ctx, transactionalIds, options))
  }

  /**
   * Transactions known to every broker's coordinator, filtered by state, producer id, duration or id pattern.
   *
   * An aborted `signal` rejects the call with its reason and leaves nothing behind.
   */
  listTransactions(options?: transactions.ListTransactionsOptions): Promise<transactions.TransactionListing[]> {
    return this.#call('listTransactions', options, (ctx) => transactions.listTransactions(ctx, options))
  }

  /** Releases this admin client. The root's connections stay open for its other clients. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose()
  }
}
