/**
 * Group administration: list the groups of every broker, describe groups of either protocol
 * (classic groups with DescribeGroups, KIP-848 consumer groups with ConsumerGroupDescribe), delete
 * groups.
 */

import { KafkaBrokerError, KafkaUnsupportedVersionError, type KafkaError } from '../errors.js'
import {
  consumerGroupDescribeApi,
  type ConsumerGroupDescribeResponseAssignment,
  type ConsumerGroupDescribeResponseDescribedGroup,
} from '../protocol/messages/consumer-group-describe.js'
import { deleteGroupsApi } from '../protocol/messages/delete-groups.js'
import { describeGroupsApi, type DescribeGroupsResponseDescribedGroup } from '../protocol/messages/describe-groups.js'
import { listGroupsApi } from '../protocol/messages/list-groups.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'
import { groupRound, type GroupOutcome } from './group-coordinators.js'
import { compareTopicPartitions, type TopicPartition } from '../common/topic-partition.js'
import { decodeAssignment } from '../protocol/consumer-protocol.js'

/** The protocol a group runs, as brokers name it (ListGroups v5, Java `GroupType`). */
export const GroupType = {
  /** JoinGroup/SyncGroup groups: consumers with `group.protocol=classic`, Connect, older clients. */
  CLASSIC: 'classic',
  /** KIP-848 consumer groups: consumers with `group.protocol=consumer`. */
  CONSUMER: 'consumer',
  /** KIP-932 share groups. */
  SHARE: 'share',
  /** KIP-1071 Kafka Streams groups. */
  STREAMS: 'streams',
  /** A type this client does not know. */
  UNKNOWN: 'unknown',
} as const
export type GroupType = (typeof GroupType)[keyof typeof GroupType]

/** A group's state, as brokers name it (Java `GroupState`). */
export const GroupState = {
  /** Classic: members are (re)joining. */
  PREPARING_REBALANCE: 'PreparingRebalance',
  /** Classic: members joined, waiting for the leader's assignment. */
  COMPLETING_REBALANCE: 'CompletingRebalance',
  STABLE: 'Stable',
  /** No members; committed offsets may remain. */
  EMPTY: 'Empty',
  /** The group is gone (or never existed). */
  DEAD: 'Dead',
  /** KIP-848: the coordinator is computing a new target assignment. */
  ASSIGNING: 'Assigning',
  /** KIP-848: members are moving to the target assignment. */
  RECONCILING: 'Reconciling',
  /** Streams groups whose topics are not ready. */
  NOT_READY: 'NotReady',
  /** A state this client does not know, or none reported. */
  UNKNOWN: 'Unknown',
} as const
export type GroupState = (typeof GroupState)[keyof typeof GroupState]

const STATES_BY_LOWER_NAME: ReadonlyMap<string, GroupState> = new Map(
  Object.values(GroupState).map((state) => [state.toLowerCase(), state]),
)
const TYPES_BY_LOWER_NAME: ReadonlyMap<string, GroupType> = new Map(
  Object.values(GroupType).map((type) => [type, type]),
)

/** A broker's state name as a {@link GroupState}; brokers and tools compare them ignoring case. */
export function parseGroupState(name: string): GroupState {
  return STATES_BY_LOWER_NAME.get(name.toLowerCase()) ?? GroupState.UNKNOWN
}

/** A broker's group type name as a {@link GroupType}. */
export function parseGroupType(name: string): GroupType {
  return TYPES_BY_LOWER_NAME.get(name.toLowerCase()) ?? GroupType.UNKNOWN
}

export interface ListGroupsOptions extends AdminCallOptions {
  /** Only groups in these states (ListGroups v4+). */
  states?: readonly GroupState[]
  /** Only groups of these types (ListGroups v5+). */
  types?: readonly GroupType[]
}

/** A group as {@link Admin.listGroups} reports it. */
export interface GroupListing {
  readonly groupId: string
  /**
   * The classic protocol type (`consumer`, `connect` …); `consumer` for KIP-848 groups; empty for
   * groups that only commit offsets.
   */
  readonly protocolType: string
  /** Null when the broker is too old to say (ListGroups before v4). */
  readonly state: GroupState | null
  /** Null when the broker is too old to say (ListGroups before v5). */
  readonly type: GroupType | null
}

/** A member of a described group. */
export interface MemberDescription {
  readonly memberId: string
  /** Static membership id (`group.instance.id`), or null. */
  readonly groupInstanceId: string | null
  readonly clientId: string
  /** The member's address as the coordinator saw it, such as `/127.0.0.1`. */
  readonly host: string
  /** KIP-848 only: the member's rack, or null. */
  readonly rackId: string | null
  /** Partitions the member owns now, sorted. Empty for classic groups of a protocol other than `consumer`. */
  readonly assignment: readonly TopicPartition[]
  /** KIP-848 only: the partitions the coordinator is moving the member to; null for classic groups. */
  readonly targetAssignment: readonly TopicPartition[] | null
  /** KIP-848 only: the member's epoch; null for classic groups. */
  readonly memberEpoch: number | null
  /** KIP-848 only: the topics the member subscribed to; null for classic groups. */
  readonly subscribedTopics: readonly string[] | null
}

/** The outcome for one group of {@link Admin.describeGroups}. */
export interface GroupDescription extends ResourceError {
  readonly groupId: string
  readonly type: GroupType
  /**
   * For classic groups the protocol type (`consumer`, `connect` …, empty for offset-only groups);
   * `consumer` for KIP-848 groups.
   */
  readonly protocolType: string
  readonly state: GroupState
  /** The partition assignor in use (classic: the protocol the members agreed on; KIP-848: the server assignor). */
  readonly assignor: string
  /** Node id of the group coordinator, -1 when unknown. */
  readonly coordinator: number
  /** KIP-848 only: the group epoch; null for classic groups. */
  readonly groupEpoch: number | null
  /** KIP-848 only: the epoch of the target assignment; null for classic groups. */
  readonly assignmentEpoch: number | null
  readonly members: readonly MemberDescription[]
}

/** The outcome for one group of {@link Admin.deleteGroups}. */
export interface GroupResult extends ResourceError {
  readonly groupId: string
}

/**
 * Every group the cluster has: each broker coordinates some groups, so all brokers are asked and
 * the answers merged (sorted by group id). Rejects when a broker cannot answer before the
 * deadline, since the listing would be silently incomplete.
 */
export async function listGroups(ctx: AdminContext, options: ListGroupsOptions = {}): Promise<GroupListing[]> {
  const deadline = ctx.deadline(options)
  const states = options.states ?? []
  const types = options.types ?? []
  if (ctx.cluster.metadata.brokers.size === 0) {
    ctx.cluster.applyMetadata(await ctx.cluster.fetchMetadata([]), [])
  }
  const brokers = [...ctx.cluster.metadata.brokers.keys()]
  const answers = await Promise.all(
    brokers.map((nodeId) =>
      ctx.send(
        { nodeId },
        listGroupsApi,
        (version) => {
          if (states.length > 0 && version < 4) {
            throw new KafkaUnsupportedVersionError(`broker ${nodeId} speaks ListGroups v${version}; state filters need v4`)
          }
          if (types.length > 0 && version < 5) {
            throw new KafkaUnsupportedVersionError(`broker ${nodeId} speaks ListGroups v${version}; type filters need v5`)
          }
          return listGroupsApi.createRequest({ statesFilter: states, typesFilter: types })
        },
        deadline,
        (response) => {
          if (response.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(response.errorCode)
        },
      ),
    ),
  )
  const byId = new Map<string, GroupListing>()
  for (const response of answers) {
    for (const g of response.groups) {
      byId.set(g.groupId, {
        groupId: g.groupId,
        protocolType: g.protocolType,
        state: g.groupState === '' ? null : parseGroupState(g.groupState),
        type: g.groupType === '' ? null : parseGroupType(g.groupType),
      })
    }
  }
  return [...byId.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
}

/**
 * Describes groups of either protocol, in the order asked. Each group is first asked for with
 * ConsumerGroupDescribe; a coordinator that says the group is not a KIP-848 group (or does not
 * know that API) is then asked with DescribeGroups, as Java's admin does. A group that does not
 * exist gets GROUP_ID_NOT_FOUND.
 */
export async function describeGroups(
  ctx: AdminContext,
  groupIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<GroupDescription[]> {
  const deadline = ctx.deadline(options)
  // Groups known not to be KIP-848 groups, asked with DescribeGroups from then on.
  const classic = new Set<string>()
  const results = await ctx.perResource<string, GroupDescription>(
    [...new Set(groupIds)],
    (pending) =>
      groupRound(
        ctx,
        pending,
        async (nodeId, groups) => {
          const outcomes = new Map<string, GroupOutcome<GroupDescription>>()
          const modern = groups.filter((g) => !classic.has(g))
          if (modern.length > 0) {
            for (const [groupId, outcome] of await describeConsumerGroups(ctx, nodeId, modern, deadline)) {
              if (outcome === 'classic') classic.add(groupId)
              else outcomes.set(groupId, outcome)
            }
          }
          const old = groups.filter((g) => classic.has(g))
          if (old.length > 0) {
            for (const [groupId, outcome] of await describeClassicGroups(ctx, nodeId, old, deadline)) {
              outcomes.set(groupId, outcome)
            }
          }
          return outcomes
        },
        failedDescription,
      ),
    failedDescription,
    deadline,
    'DescribeGroups',
  )
  return groupIds.map((g) => results.get(g) ?? failedDescription(g, noAnswer(g)))
}

function failedDescription(groupId: string, error: KafkaError): GroupDescription {
  return {
    groupId,
    type: GroupType.UNKNOWN,
    protocolType: '',
    state: GroupState.UNKNOWN,
    assignor: '',
    coordinator: -1,
    groupEpoch: null,
    assignmentEpoch: null,
    members: [],
    error,
  }
}

/** ConsumerGroupDescribe; groups that are not KIP-848 groups come back as `'classic'`. */
async function describeConsumerGroups(
  ctx: AdminContext,
  nodeId: number,
  groups: readonly string[],
  deadline: number,
): Promise<Map<string, GroupOutcome<GroupDescription> | 'classic'>> {
  const outcomes = new Map<string, GroupOutcome<GroupDescription> | 'classic'>()
  let response
  try {
    response = await ctx.cluster.sendTo(
      { nodeId },
      consumerGroupDescribeApi,
      () => consumerGroupDescribeApi.createRequest({ groupIds: groups, includeAuthorizedOperations: false }),
      { timeoutMs: ctx.remaining(deadline) + 1000 },
    )
  } catch (error) {
    // A broker from before KIP-848 has only classic groups.
    if (!(error instanceof KafkaUnsupportedVersionError)) throw error
    for (const g of groups) outcomes.set(g, 'classic')
    return outcomes
  }
  for (const g of response.groups) {
    // The broker says GROUP_ID_NOT_FOUND both for a missing group and for a group of another type.
    if (g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND || g.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      outcomes.set(g.groupId, 'classic')
      continue
    }
    const result =
      g.errorCode === ErrorCode.NONE
        ? consumerGroupDescription(g, nodeId)
        : failedDescription(g.groupId, new KafkaBrokerError(g.errorCode, g.errorMessage ?? undefined))
    outcomes.set(g.groupId, { code: g.errorCode, message: g.errorMessage, result })
  }
  return outcomes
}

function consumerGroupDescription(
  g: ConsumerGroupDescribeResponseDescribedGroup,
  coordinator: number,
): GroupDescription {
  return {
    groupId: g.groupId,
    type: GroupType.CONSUMER,
    protocolType: 'consumer',
    state: parseGroupState(g.groupState),
    assignor: g.assignorName,
    coordinator,
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      host: m.clientHost,
      rackId: m.rackId,
      assignment: flattenAssignment(m.assignment),
      targetAssignment: flattenAssignment(m.targetAssignment),
      memberEpoch: m.memberEpoch,
      subscribedTopics: m.subscribedTopicNames,
    })),
    error: null,
  }
}

function flattenAssignment(assignment: ConsumerGroupDescribeResponseAssignment): TopicPartition[] {
  const partitions: TopicPartition[] = []
  for (const t of assignment.topicPartitions) {
    for (const partition of t.partitions) partitions.push({ topic: t.topicName, partition })
  }
  return partitions.sort(compareTopicPartitions)
}

async function describeClassicGroups(
  ctx: AdminContext,
  nodeId: number,
  groups: readonly string[],
  deadline: number,
): Promise<Map<string, GroupOutcome<GroupDescription>>> {
  const response = await ctx.cluster.sendTo(
    { nodeId },
    describeGroupsApi,
    () => describeGroupsApi.createRequest({ groups, includeAuthorizedOperations: false }),
    { timeoutMs: ctx.remaining(deadline) + 1000 },
  )
  const outcomes = new Map<string, GroupOutcome<GroupDescription>>()
  for (const g of response.groups) {
    // Before v6 a missing group is answered without error, in state Dead.
    const code = g.errorCode === ErrorCode.NONE && g.groupState === GroupState.DEAD ? ErrorCode.GROUP_ID_NOT_FOUND : g.errorCode
    const message = code === g.errorCode ? g.errorMessage : `group ${g.groupId} does not exist`
    outcomes.set(g.groupId, {
      code,
      message,
      result:
        code === ErrorCode.NONE
          ? classicGroupDescription(g, nodeId)
          : failedDescription(g.groupId, new KafkaBrokerError(code, message ?? undefined)),
    })
  }
  return outcomes
}

function classicGroupDescription(g: DescribeGroupsResponseDescribedGroup, coordinator: number): GroupDescription {
  const members: MemberDescription[] = []
  let error: KafkaError | null = null
  for (const m of g.members) {
    let assignment: TopicPartition[] = []
    if (g.protocolType === 'consumer') {
      try {
        assignment = decodeAssignment(m.memberAssignment)
      } catch (e) {
        error ??= e as KafkaError
      }
    }
    members.push({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      host: m.clientHost,
      rackId: null,
      assignment,
      targetAssignment: null,
      memberEpoch: null,
      subscribedTopics: null,
    })
  }
  return {
    groupId: g.groupId,
    type: GroupType.CLASSIC,
    protocolType: g.protocolType,
    state: parseGroupState(g.groupState),
    assignor: g.protocolData,
    coordinator,
    groupEpoch: null,
    assignmentEpoch: null,
    members,
    error,
  }
}

/**
 * Deletes groups with their committed offsets. Only groups without members can be deleted: others
 * get NON_EMPTY_GROUP; missing ones GROUP_ID_NOT_FOUND.
 */
export async function deleteGroups(
  ctx: AdminContext,
  groupIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<GroupResult[]> {
  const deadline = ctx.deadline(options)
  const failed = (groupId: string, error: KafkaError): GroupResult => ({ groupId, error })
  const results = await ctx.perResource<string, GroupResult>(
    [...new Set(groupIds)],
    (pending) =>
      groupRound(
        ctx,
        pending,
        async (nodeId, groups) => {
          const response = await ctx.cluster.sendTo(
            { nodeId },
            deleteGroupsApi,
            () => deleteGroupsApi.createRequest({ groupsNames: groups }),
            { timeoutMs: ctx.remaining(deadline) + 1000 },
          )
          return new Map(
            response.results.map((r) => [
              r.groupId,
              {
                code: r.errorCode,
                // v3+ (Kafka 4.4) says why a deletion failed; older versions decode it as null.
                message: r.errorMessage,
                result: { groupId: r.groupId, error: resourceError(r.errorCode, r.errorMessage) },
              },
            ]),
          )
        },
        failed,
      ),
    failed,
    deadline,
    'DeleteGroups',
  )
  return groupIds.map((g) => results.get(g) ?? failed(g, noAnswer(g)))
}

function noAnswer(groupId: string): KafkaError {
  return new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the coordinator did not answer for group ${groupId}`)
}
