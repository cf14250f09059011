/**
 * Client quota administration: the byte rates, request share and connection rates brokers allow
 * users, client ids and IP addresses, including the defaults that apply when nothing more specific
 * is set.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, KafkaConfigError, type KafkaError } from '../errors.js'
import { alterClientQuotasApi } from '../protocol/messages/alter-client-quotas.js'
import { describeClientQuotasApi } from '../protocol/messages/describe-client-quotas.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

/** The kinds of entity a quota applies to; the values are Kafka's entity type names. */
export const ClientQuotaEntityType = {
  USER: 'user',
  CLIENT_ID: 'client-id',
  IP: 'ip',
} as const
export type ClientQuotaEntityType = (typeof ClientQuotaEntityType)[keyof typeof ClientQuotaEntityType]

/** Well-known quota keys (any key the broker knows may be used). */
export const ClientQuotaKey = {
  /** Bytes per second a user or client id may produce. */
  PRODUCER_BYTE_RATE: 'producer_byte_rate',
  /** Bytes per second a user or client id may fetch. */
  CONSUMER_BYTE_RATE: 'consumer_byte_rate',
  /** Percentage of a broker's request handler and network threads. */
  REQUEST_PERCENTAGE: 'request_percentage',
  /** Partitions per second created or deleted. */
  CONTROLLER_MUTATION_RATE: 'controller_mutation_rate',
  /** New connections per second from an IP address. */
  CONNECTION_CREATION_RATE: 'connection_creation_rate',
} as const
export type ClientQuotaKey = (typeof ClientQuotaKey)[keyof typeof ClientQuotaKey]

/**
 * Who a quota applies to: a name per entity type, or null for that type's default entity. For
 * example `{ user: 'alice' }`, `{ user: 'alice', 'client-id': null }` (alice with any client id
 * without its own quota) or `{ ip: null }` (every IP without its own quota).
 */
export type ClientQuotaEntity = { readonly [T in ClientQuotaEntityType]?: string | null }

/** How a filter component matches one entity type (Java's `ClientQuotaFilterComponent`). */
export const ClientQuotaMatchType = {
  /** The entity with exactly this name. */
  EXACT: 'EXACT',
  /** The default entity of the type. */
  DEFAULT: 'DEFAULT',
  /** Any entity with a name (not the default). */
  SPECIFIED: 'SPECIFIED',
} as const
export type ClientQuotaMatchType = (typeof ClientQuotaMatchType)[keyof typeof ClientQuotaMatchType]

export type ClientQuotaFilterComponent =
  | { entityType: ClientQuotaEntityType; matchType: 'EXACT'; name: string }
  | { entityType: ClientQuotaEntityType; matchType: 'DEFAULT' | 'SPECIFIED' }

/**
 * Selects quota entities. Each component restricts one entity type; with `strict`, entities that
 * have entity types the components do not name are left out. No components match every entity.
 */
export interface ClientQuotaFilter {
  components: readonly ClientQuotaFilterComponent[]
  /** Default false. */
  strict?: boolean
}

/** The quotas set on one entity. */
export interface ClientQuotaEntry {
  readonly entity: ClientQuotaEntity
  /** Quota values by key (`producer_byte_rate` …). */
  readonly quotas: Readonly<Record<string, number>>
}

/** A change to one quota: a new value, or null to remove it. */
export interface ClientQuotaOp {
  key: string
  value: number | null
}

/** The changes to one entity's quotas. */
export interface ClientQuotaAlteration {
  entity: ClientQuotaEntity
  ops: readonly ClientQuotaOp[]
}

/** The outcome for one entity of {@link Admin.alterClientQuotas}. */
export interface ClientQuotaAlterationResult extends ResourceError {
  readonly entity: ClientQuotaEntity
}

const MATCH_TYPE_CODES: Readonly<Record<ClientQuotaMatchType, number>> = { EXACT: 0, DEFAULT: 1, SPECIFIED: 2 }

/** One string per entity, the same whatever the order of its entity types. */
export function entityKey(entity: Iterable<{ entityType: string; entityName: string | null }>): string {
  return JSON.stringify([...entity].map((e) => [e.entityType, e.entityName]).sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)))
}

function entityToWire(entity: ClientQuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  return Object.entries(entity)
    .filter(([, name]) => name !== undefined)
    .map(([entityType, name]) => ({ entityType, entityName: name ?? null }))
}

function entityFromWire(entity: Iterable<{ entityType: string; entityName: string | null }>): ClientQuotaEntity {
  const result: Record<string, string | null> = {}
  for (const e of entity) result[e.entityType] = e.entityName
  return result
}

/** The quotas of the entities a filter matches. Rejects when the broker rejects the filter. */
export async function describeClientQuotas(
  ctx: AdminContext,
  filter: ClientQuotaFilter = { components: [] },
  options: AdminCallOptions = {},
): Promise<ClientQuotaEntry[]> {
  const deadline = ctx.deadline(options)
  const components = filter.components.map((c) => {
    const matchType = MATCH_TYPE_CODES[c.matchType]
    if (matchType === undefined) {
      throw new KafkaConfigError(`matchType: ${JSON.stringify(c.matchType)} is not one of ${Object.keys(MATCH_TYPE_CODES).join(', ')}`)
    }
    return { entityType: c.entityType, matchType, match: c.matchType === 'EXACT' ? c.name : null }
  })
  const response = await ctx.send(
    'any',
    describeClientQuotasApi,
    () => describeClientQuotasApi.createRequest({ components, strict: filter.strict ?? false }),
    deadline,
    (r) => {
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode, r.errorMessage ?? undefined)
    },
  )
  return (response.entries ?? []).map((e) => ({
    entity: entityFromWire(e.entity),
    quotas: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
  }))
}

/**
 * Sets or removes quotas (a null value removes one). Results are per entity, in the order given;
 * an unknown quota key or a bad entity fails only its own entry.
 */
export async function alterClientQuotas(
  ctx: AdminContext,
  alterations: readonly ClientQuotaAlteration[],
  options: AdminCallOptions & { validateOnly?: boolean } = {},
): Promise<ClientQuotaAlterationResult[]> {
  const deadline = ctx.deadline(options)
  const byKey = new Map(alterations.map((a) => [entityKey(entityToWire(a.entity)), a]))
  const results = await ctx.perResource<string, ClientQuotaAlterationResult>(
    [...byKey.keys()],
    async (pending) => {
      const response = await ctx.send('any', alterClientQuotasApi, () =>
        alterClientQuotasApi.createRequest({
          entries: pending.map((key) => {
            const a = byKey.get(key) as ClientQuotaAlteration
            return {
              entity: entityToWire(a.entity),
              ops: a.ops.map((op) => ({ key: op.key, value: op.value ?? 0, remove: op.value === null })),
            }
          }),
          validateOnly: options.validateOnly ?? false,
        }), deadline)
      return new Map(
        response.entries.map((r) => {
          const key = entityKey(r.entity)
          const entity = byKey.get(key)?.entity ?? entityFromWire(r.entity)
          return [key, { code: r.errorCode, message: r.errorMessage, result: { entity, error: resourceError(r.errorCode, r.errorMessage) } }]
        }),
      )
    },
    (key, error) => ({ entity: (byKey.get(key) as ClientQuotaAlteration).entity, error }),
    deadline,
    'AlterClientQuotas',
  )
  return alterations.map((a) => {
    const result = results.get(entityKey(entityToWire(a.entity)))
    const error: KafkaError = new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the broker did not answer for this entity')
    return result ?? { entity: a.entity, error }
  })
}
