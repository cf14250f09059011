/**
 * Config administration: describe the configs of topics, brokers, broker loggers, client-metrics
 * subscriptions and groups, and change them incrementally.
 *
 * A broker's own configs (and its loggers) live on that broker only, so those resources go to the
 * broker they name; everything else goes to any broker, which forwards changes to the controller.
 */

import type { BrokerTarget } from '../cluster/cluster.js'
import { KafkaBrokerError, KafkaConfigError, KafkaError } from '../errors.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { describeConfigsApi, type DescribeConfigsResponseResourceResult } from '../protocol/messages/describe-configs.js'
import { incrementalAlterConfigsApi } from '../protocol/messages/incremental-alter-configs.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

/** The kinds of resource that have configs. */
export const ConfigResourceType = {
  TOPIC: 'topic',
  /** A broker's configs; the name is its node id, or '' for the cluster-wide broker defaults. */
  BROKER: 'broker',
  /** The log levels of a broker's loggers; the name is the broker's node id. */
  BROKER_LOGGER: 'broker-logger',
  CLIENT_METRICS: 'client-metrics',
  GROUP: 'group',
} as const
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType]

/** A resource whose configs are described or altered. */
export interface ConfigResource {
  type: ConfigResourceType
  /** Topic or group name, broker node id as a string, or client-metrics subscription name. */
  name: string
}

/** Where the value of a config comes from (Java's `ConfigEntry.ConfigSource`). */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 'DYNAMIC_TOPIC_CONFIG',
  DYNAMIC_BROKER_LOGGER_CONFIG: 'DYNAMIC_BROKER_LOGGER_CONFIG',
  DYNAMIC_BROKER_CONFIG: 'DYNAMIC_BROKER_CONFIG',
  DYNAMIC_DEFAULT_BROKER_CONFIG: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  DYNAMIC_CLIENT_METRICS_CONFIG: 'DYNAMIC_CLIENT_METRICS_CONFIG',
  DYNAMIC_GROUP_CONFIG: 'DYNAMIC_GROUP_CONFIG',
  /** From the broker's server.properties. */
  STATIC_BROKER_CONFIG: 'STATIC_BROKER_CONFIG',
  /** Kafka's built-in default. */
  DEFAULT_CONFIG: 'DEFAULT_CONFIG',
  UNKNOWN: 'UNKNOWN',
} as const
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource]

/** The data type of a config (Java's `ConfigEntry.ConfigType`). */
export const ConfigType = {
  UNKNOWN: 'UNKNOWN',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  INT: 'INT',
  SHORT: 'SHORT',
  LONG: 'LONG',
  DOUBLE: 'DOUBLE',
  LIST: 'LIST',
  CLASS: 'CLASS',
  PASSWORD: 'PASSWORD',
} as const
export type ConfigType = (typeof ConfigType)[keyof typeof ConfigType]

/** One of the values a config could take, in order of precedence. */
export interface ConfigSynonym {
  readonly name: string
  readonly value: string | null
  readonly source: ConfigSource
}

/** A config of a resource as the broker reports it. */
export interface ConfigEntry {
  readonly name: string
  /** Null when unset, or when the config is sensitive (the broker never returns those values). */
  readonly value: string | null
  readonly source: ConfigSource
  readonly isSensitive: boolean
  readonly isReadOnly: boolean
  /** True when the value is Kafka's built-in default (source `DEFAULT_CONFIG`), as in Java. */
  readonly isDefault: boolean
  readonly type: ConfigType
  /** Only with `includeDocumentation`; null otherwise. */
  readonly documentation: string | null
  /** Only with `includeSynonyms`: this value first, then the ones it overrides. Empty otherwise. */
  readonly synonyms: readonly ConfigSynonym[]
}

export interface DescribeConfigsOptions extends AdminCallOptions {
  /** Also report the values each config overrides. Default false. */
  includeSynonyms?: boolean
  /** Also report each config's documentation. Default false. */
  includeDocumentation?: boolean
}

/** The configs of one resource of {@link Admin.describeConfigs}. */
export interface ResourceConfigs extends ResourceError {
  readonly type: ConfigResourceType
  readonly name: string
  /** Empty on error. */
  readonly entries: readonly ConfigEntry[]
}

/** The kinds of incremental change (Java's `AlterConfigOp.OpType`). */
export const AlterConfigOpType = {
  /** Set the value. */
  SET: 'SET',
  /** Remove the override, returning to the inherited or default value. */
  DELETE: 'DELETE',
  /** Add items to a list config. */
  APPEND: 'APPEND',
  /** Remove items from a list config. */
  SUBTRACT: 'SUBTRACT',
} as const
export type AlterConfigOpType = (typeof AlterConfigOpType)[keyof typeof AlterConfigOpType]

/** One change to one config. APPEND and SUBTRACT take comma-separated list items. */
export type AlterConfigOp =
  | { op: 'SET' | 'APPEND' | 'SUBTRACT'; name: string; value: string }
  | { op: 'DELETE'; name: string }

/** The changes to one resource's configs. */
export interface ConfigAlteration extends ConfigResource {
  ops: readonly AlterConfigOp[]
}

export interface IncrementalAlterConfigsOptions extends AdminCallOptions {
  /** Only check that the changes would be accepted. Default false. */
  validateOnly?: boolean
}

/** The outcome for one resource of {@link Admin.incrementalAlterConfigs}. */
export interface AlterConfigsResult extends ResourceError {
  readonly type: ConfigResourceType
  readonly name: string
}

const RESOURCE_TYPE_CODES: Readonly<Record<ConfigResourceType, number>> = {
  topic: 2,
  broker: 4,
  'broker-logger': 8,
  'client-metrics': 16,
  group: 32,
}

// Indexed by the wire id of DescribeConfigsResponse's ConfigSource.
const SOURCES: readonly ConfigSource[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'DYNAMIC_CLIENT_METRICS_CONFIG',
  'DYNAMIC_GROUP_CONFIG',
]

// ConfigType is declared in wire-id order (UNKNOWN = 0 … PASSWORD = 9).
const TYPES: readonly ConfigType[] = Object.values(ConfigType)

const OP_CODES: Readonly<Record<AlterConfigOpType, number>> = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 }

/** The public form of a config entry from the wire. */
export function toConfigEntry(c: DescribeConfigsResponseResourceResult): ConfigEntry {
  const source = configSource(c.configSource)
  return {
    name: c.name,
    value: c.value,
    source,
    isSensitive: c.isSensitive,
    isReadOnly: c.readOnly,
    isDefault: source === 'DEFAULT_CONFIG',
    type: TYPES[c.configType] ?? 'UNKNOWN',
    documentation: c.documentation,
    synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: configSource(s.source) })),
  }
}

function configSource(id: number): ConfigSource {
  return SOURCES[id] ?? 'UNKNOWN'
}

// Keys resources by their wire identity, so a response's (type id, name) finds its request.
const wireKey = (typeCode: number, name: string): string => `${typeCode}:${name}`
const keyOf = (resource: ConfigResource): string => wireKey(RESOURCE_TYPE_CODES[resource.type] ?? -1, resource.name)

/**
 * Where a resource's request must go: a broker's own configs and loggers to that broker, the rest
 * (topics, cluster-wide broker defaults, groups, client metrics) to any broker.
 */
function targetOf(resource: ConfigResource): BrokerTarget | KafkaError {
  if (RESOURCE_TYPE_CODES[resource.type] === undefined) {
    return new KafkaConfigError(`config resource type ${JSON.stringify(resource.type)} is not one of ${Object.values(ConfigResourceType).join(', ')}`)
  }
  const nodeSpecific = resource.type === 'broker-logger' || (resource.type === 'broker' && resource.name !== '')
  if (!nodeSpecific) return 'any'
  if (!/^\d+$/.test(resource.name)) {
    return new KafkaConfigError(`${resource.type} config resource name must be a broker node id, not ${JSON.stringify(resource.name)}`)
  }
  return { nodeId: Number(resource.name) }
}

interface Routes {
  /** Keys to send, grouped by the broker they go to. */
  readonly groups: ReadonlyArray<{ target: BrokerTarget; keys: string[] }>
  /** Keys that cannot be sent anywhere, with the reason. */
  readonly failures: ReadonlyMap<string, KafkaError>
}

/**
 * Groups resources by the broker they must go to. A resource naming a broker that a fresh
 * metadata fetch does not know fails at once rather than waiting for the deadline.
 */
async function route(ctx: AdminContext, resources: readonly ConfigResource[]): Promise<Routes> {
  const targets = new Map<string, BrokerTarget | KafkaError>()
  for (const r of resources) if (!targets.has(keyOf(r))) targets.set(keyOf(r), targetOf(r))
  const unknownNode = (t: BrokerTarget | KafkaError): boolean =>
    typeof t === 'object' && 'nodeId' in t && ctx.cluster.metadata.broker(t.nodeId) === undefined
  if ([...targets.values()].some(unknownNode)) await ctx.cluster.refreshMetadata()

  const byTarget = new Map<string, { target: BrokerTarget; keys: string[] }>()
  const failures = new Map<string, KafkaError>()
  for (const [key, target] of targets) {
    if (target instanceof KafkaError) {
      failures.set(key, target)
    } else if (typeof target === 'object' && 'nodeId' in target && unknownNode(target)) {
      failures.set(key, new KafkaBrokerError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${target.nodeId} is not in the cluster`))
    } else {
      const id = typeof target === 'object' && 'nodeId' in target ? `node ${target.nodeId}` : 'any'
      const group = byTarget.get(id) ?? { target, keys: [] }
      group.keys.push(key)
      byTarget.set(id, group)
    }
  }
  return { groups: [...byTarget.values()], failures }
}

/** Runs one batched request per broker group and returns each resource's result in asked order. */
async function perBroker<R extends ResourceError>(
  ctx: AdminContext,
  resources: readonly ConfigResource[],
  routes: Routes,
  round: (target: BrokerTarget, pending: readonly string[]) => Promise<Map<string, { code: number; message: string | null; result: R }>>,
  failed: (resource: ConfigResource, error: KafkaError) => R,
  deadline: number,
  what: string,
): Promise<R[]> {
  const byKey = new Map(resources.map((r) => [keyOf(r), r]))
  const settled = await Promise.all(
    routes.groups.map(({ target, keys }) =>
      ctx.perResource<string, R>(
        keys,
        (pending) => round(target, pending),
        (key, error) => failed(byKey.get(key) as ConfigResource, error),
        deadline,
        what,
      ),
    ),
  )
  const results = new Map<string, R>()
  for (const group of settled) for (const [key, result] of group) results.set(key, result)
  return resources.map((r) => {
    const key = keyOf(r)
    const failure = routes.failures.get(key)
    if (failure !== undefined) return failed(r, failure)
    return results.get(key) ?? failed(r, new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not answer for ${r.type} ${r.name}`))
  })
}

/**
 * Describes the configs of resources, in the order asked. A missing topic or an unknown broker
 * fails only its own result (UNKNOWN_TOPIC_OR_PARTITION, BROKER_NOT_AVAILABLE …).
 */
export async function describeConfigs(
  ctx: AdminContext,
  resources: readonly ConfigResource[],
  options: DescribeConfigsOptions = {},
): Promise<ResourceConfigs[]> {
  const deadline = ctx.deadline(options)
  const byKey = new Map(resources.map((r) => [keyOf(r), r]))
  const failed = (r: ConfigResource, error: KafkaError): ResourceConfigs => ({ type: r.type, name: r.name, entries: [], error })
  return perBroker(
    ctx,
    resources,
    await route(ctx, resources),
    async (target, pending) => {
      const response = await ctx.send(target, describeConfigsApi, (version) =>
        describeConfigsApi.createRequest({
          resources: pending.map((key) => {
            const r = byKey.get(key) as ConfigResource
            return { resourceType: RESOURCE_TYPE_CODES[r.type], resourceName: r.name, configurationKeys: null }
          }),
          includeSynonyms: options.includeSynonyms ?? false,
          // v1-2 cannot carry it; the entries then simply lack documentation.
          includeDocumentation: version >= 3 && (options.includeDocumentation ?? false),
        }), deadline)
      const outcomes = new Map<string, { code: number; message: string | null; result: ResourceConfigs }>()
      for (const r of response.results) {
        const asked = byKey.get(wireKey(r.resourceType, r.resourceName))
        if (asked === undefined) continue
        const error = resourceError(r.errorCode, r.errorMessage)
        outcomes.set(keyOf(asked), {
          code: r.errorCode,
          message: r.errorMessage,
          result: { type: asked.type, name: asked.name, entries: error === null ? r.configs.map(toConfigEntry) : [], error },
        })
      }
      return outcomes
    },
    failed,
    deadline,
    'DescribeConfigs',
  )
}

/**
 * Changes configs incrementally: each op sets, deletes, appends to or subtracts from one config,
 * leaving the others as they are. Results are per resource, in the order asked; an unknown config
 * name or a missing topic fails only its resource (INVALID_CONFIG, UNKNOWN_TOPIC_OR_PARTITION).
 */
export async function incrementalAlterConfigs(
  ctx: AdminContext,
  alterations: readonly ConfigAlteration[],
  options: IncrementalAlterConfigsOptions = {},
): Promise<AlterConfigsResult[]> {
  const deadline = ctx.deadline(options)
  const byKey = new Map(alterations.map((a) => [keyOf(a), a]))
  const result = (r: ConfigResource, error: KafkaError | null): AlterConfigsResult => ({ type: r.type, name: r.name, error })
  const routes = await route(ctx, alterations)
  const failures = new Map(routes.failures)
  for (const a of alterations) {
    const bad = a.ops.find((o) => OP_CODES[o.op] === undefined)
    if (bad !== undefined) {
      failures.set(keyOf(a), new KafkaConfigError(`config op ${JSON.stringify(bad.op)} for ${bad.name} is not one of ${Object.values(AlterConfigOpType).join(', ')}`))
    }
  }
  const groups = routes.groups.map((g) => ({ target: g.target, keys: g.keys.filter((k) => !failures.has(k)) }))
  return perBroker(
    ctx,
    alterations,
    { groups: groups.filter((g) => g.keys.length > 0), failures },
    async (target, pending) => {
      const response = await ctx.send(target, incrementalAlterConfigsApi, () =>
        incrementalAlterConfigsApi.createRequest({
          resources: pending.map((key) => {
            const a = byKey.get(key) as ConfigAlteration
            return {
              resourceType: RESOURCE_TYPE_CODES[a.type],
              resourceName: a.name,
              configs: a.ops.map((o) => ({ name: o.name, configOperation: OP_CODES[o.op], value: o.op === 'DELETE' ? null : o.value })),
            }
          }),
          validateOnly: options.validateOnly ?? false,
        }), deadline)
      const outcomes = new Map<string, { code: number; message: string | null; result: AlterConfigsResult }>()
      for (const r of response.responses) {
        const asked = byKey.get(wireKey(r.resourceType, r.resourceName))
        if (asked === undefined) continue
        outcomes.set(keyOf(asked), { code: r.errorCode, message: r.errorMessage, result: result(asked, resourceError(r.errorCode, r.errorMessage)) })
      }
      return outcomes
    },
    result,
    deadline,
    'IncrementalAlterConfigs',
  )
}
