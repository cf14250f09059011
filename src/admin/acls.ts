/**
 * ACL administration: create, describe and delete access control entries. They need an authorizer
 * on the brokers (`authorizer.class.name`); without one every call fails with SECURITY_DISABLED.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { KafkaBrokerError, KafkaConfigError, type KafkaError } from '../errors.js'
import { createAclsApi } from '../protocol/messages/create-acls.js'
import { deleteAclsApi } from '../protocol/messages/delete-acls.js'
import { describeAclsApi } from '../protocol/messages/describe-acls.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

/** What an ACL protects (Java's `ResourceType`). `ANY` is for filters only. */
export const ResourceType = {
  UNKNOWN: 'UNKNOWN',
  ANY: 'ANY',
  TOPIC: 'TOPIC',
  GROUP: 'GROUP',
  /** The cluster itself; its resource name is `kafka-cluster`. */
  CLUSTER: 'CLUSTER',
  TRANSACTIONAL_ID: 'TRANSACTIONAL_ID',
  DELEGATION_TOKEN: 'DELEGATION_TOKEN',
  USER: 'USER',
} as const
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType]

/**
 * How an ACL's resource name is matched (Java's `PatternType`). ACLs are `LITERAL` (the name, or `*`
 * for every resource) or `PREFIXED`; filters may also use `ANY` (either kind, names equal) and
 * `MATCH` (every ACL that applies to the named resource: literal, wildcard and prefixes of it).
 */
export const PatternType = {
  UNKNOWN: 'UNKNOWN',
  ANY: 'ANY',
  MATCH: 'MATCH',
  LITERAL: 'LITERAL',
  PREFIXED: 'PREFIXED',
} as const
export type PatternType = (typeof PatternType)[keyof typeof PatternType]

/** The operation an ACL allows or denies (Java's `AclOperation`). `ANY` is for filters only. */
export const AclOperation = {
  UNKNOWN: 'UNKNOWN',
  ANY: 'ANY',
  ALL: 'ALL',
  READ: 'READ',
  WRITE: 'WRITE',
  CREATE: 'CREATE',
  DELETE: 'DELETE',
  ALTER: 'ALTER',
  DESCRIBE: 'DESCRIBE',
  CLUSTER_ACTION: 'CLUSTER_ACTION',
  DESCRIBE_CONFIGS: 'DESCRIBE_CONFIGS',
  ALTER_CONFIGS: 'ALTER_CONFIGS',
  IDEMPOTENT_WRITE: 'IDEMPOTENT_WRITE',
  CREATE_TOKENS: 'CREATE_TOKENS',
  DESCRIBE_TOKENS: 'DESCRIBE_TOKENS',
  TWO_PHASE_COMMIT: 'TWO_PHASE_COMMIT',
} as const
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation]

/** Whether an ACL allows or denies (Java's `AclPermissionType`). `ANY` is for filters only. */
export const AclPermissionType = {
  UNKNOWN: 'UNKNOWN',
  ANY: 'ANY',
  DENY: 'DENY',
  ALLOW: 'ALLOW',
} as const
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType]

/** An ACL: who (`principal` from `host`) may or may not do `operation` on which resources. */
export interface AclBinding {
  readonly resourceType: ResourceType
  /** The resource name, a prefix for `PREFIXED`, or `*` for every resource of the type. */
  readonly resourceName: string
  readonly patternType: PatternType
  /** Such as `User:alice`, or `User:*` for every user. */
  readonly principal: string
  /** The client host, or `*` for any host. */
  readonly host: string
  readonly operation: AclOperation
  readonly permissionType: AclPermissionType
}

/** An ACL to create; `patternType` defaults to `LITERAL` and `host` to `*`. */
export interface NewAclBinding {
  resourceType: ResourceType
  resourceName: string
  patternType?: PatternType
  principal: string
  host?: string
  operation: AclOperation
  permissionType: AclPermissionType
}

/**
 * Selects ACLs. Omitted fields match anything: `resourceType`, `operation` and `permissionType`
 * default to `ANY`, `patternType` to `ANY`, and a null or omitted name, principal or host matches
 * every value. An empty filter matches every ACL.
 */
export interface AclBindingFilter {
  resourceType?: ResourceType
  resourceName?: string | null
  patternType?: PatternType
  principal?: string | null
  host?: string | null
  operation?: AclOperation
  permissionType?: AclPermissionType
}

/** The outcome for one ACL of {@link Admin.createAcls}. */
export interface CreateAclResult extends ResourceError {
  readonly acl: AclBinding
}

/** An ACL a delete filter matched; `error` says whether deleting it failed. */
export interface DeletedAcl extends AclBinding, ResourceError {}

/** The outcome for one filter of {@link Admin.deleteAcls}. */
export interface DeleteAclsFilterResult extends ResourceError {
  readonly filter: AclBindingFilter
  /** The ACLs the filter matched (empty on error). */
  readonly matchingAcls: readonly DeletedAcl[]
}

// The wire ids are each enumeration's declaration order, as in Java.
const RESOURCE_TYPES = Object.values(ResourceType)
const PATTERN_TYPES = Object.values(PatternType)
const OPERATIONS = Object.values(AclOperation)
const PERMISSION_TYPES = Object.values(AclPermissionType)

function codeOf<T extends string>(values: readonly T[], value: T, what: string): number {
  const code = values.indexOf(value)
  if (code < 0) throw new KafkaConfigError(`${what}: ${JSON.stringify(value)} is not one of ${values.join(', ')}`)
  return code
}

const nameOf = <T extends string>(values: readonly T[], code: number): T => values[code] ?? (values[0] as T)

/** The ACL with defaults filled in, checked to name concrete values only. */
export function normalizeAcl(acl: NewAclBinding): AclBinding {
  const binding: AclBinding = {
    resourceType: acl.resourceType,
    resourceName: acl.resourceName,
    patternType: acl.patternType ?? 'LITERAL',
    principal: acl.principal,
    host: acl.host ?? '*',
    operation: acl.operation,
    permissionType: acl.permissionType,
  }
  const concrete: Array<[string, readonly string[], string]> = [
    ['resourceType', RESOURCE_TYPES, binding.resourceType],
    ['patternType', ['LITERAL', 'PREFIXED'], binding.patternType],
    ['operation', OPERATIONS, binding.operation],
    ['permissionType', PERMISSION_TYPES, binding.permissionType],
  ]
  for (const [field, allowed, value] of concrete) {
    if (!allowed.includes(value) || value === 'ANY' || value === 'UNKNOWN') {
      throw new KafkaConfigError(`${field}: an ACL to create needs a concrete value, not ${JSON.stringify(value)}`)
    }
  }
  return binding
}

/** The wire form of a filter. */
export function filterToWire(filter: AclBindingFilter): {
  resourceTypeFilter: number
  resourceNameFilter: string | null
  patternTypeFilter: number
  principalFilter: string | null
  hostFilter: string | null
  operation: number
  permissionType: number
} {
  return {
    resourceTypeFilter: codeOf(RESOURCE_TYPES, filter.resourceType ?? 'ANY', 'resourceType'),
    resourceNameFilter: filter.resourceName ?? null,
    patternTypeFilter: codeOf(PATTERN_TYPES, filter.patternType ?? 'ANY', 'patternType'),
    principalFilter: filter.principal ?? null,
    hostFilter: filter.host ?? null,
    operation: codeOf(OPERATIONS, filter.operation ?? 'ANY', 'operation'),
    permissionType: codeOf(PERMISSION_TYPES, filter.permissionType ?? 'ANY', 'permissionType'),
  }
}

/** An ACL from its wire form. */
export function aclFromWire(acl: {
  resourceType: number
  resourceName: string
  patternType: number
  principal: string
  host: string
  operation: number
  permissionType: number
}): AclBinding {
  return {
    resourceType: nameOf(RESOURCE_TYPES, acl.resourceType),
    resourceName: acl.resourceName,
    patternType: nameOf(PATTERN_TYPES, acl.patternType),
    principal: acl.principal,
    host: acl.host,
    operation: nameOf(OPERATIONS, acl.operation),
    permissionType: nameOf(PERMISSION_TYPES, acl.permissionType),
  }
}

/**
 * Creates ACLs. Results are per ACL, in the order given; an ACL with a filter-only value (ANY,
 * MATCH, UNKNOWN) fails on its own without being sent.
 */
export async function createAcls(
  ctx: AdminContext,
  acls: readonly NewAclBinding[],
  options: AdminCallOptions = {},
): Promise<CreateAclResult[]> {
  const deadline = ctx.deadline(options)
  const results: CreateAclResult[] = []
  const toSend: Array<{ index: number; acl: AclBinding }> = []
  for (const [index, acl] of acls.entries()) {
    try {
      const binding = normalizeAcl(acl)
      toSend.push({ index, acl: binding })
      results.push({ acl: binding, error: null })
    } catch (error) {
      results.push({ acl: { ...acl, patternType: acl.patternType ?? 'LITERAL', host: acl.host ?? '*' }, error: error as KafkaError })
    }
  }
  if (toSend.length === 0) return results
  const response = await ctx.send('any', createAclsApi, () =>
    createAclsApi.createRequest({
      creations: toSend.map(({ acl }) => ({
        resourceType: codeOf(RESOURCE_TYPES, acl.resourceType, 'resourceType'),
        resourceName: acl.resourceName,
        resourcePatternType: codeOf(PATTERN_TYPES, acl.patternType, 'patternType'),
        principal: acl.principal,
        host: acl.host,
        operation: codeOf(OPERATIONS, acl.operation, 'operation'),
        permissionType: codeOf(PERMISSION_TYPES, acl.permissionType, 'permissionType'),
      })),
    }), deadline)
  // The broker answers positionally, one result per creation.
  for (const [i, { index, acl }] of toSend.entries()) {
    const r = response.results[i]
    results[index] = {
      acl,
      error: r === undefined ? new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the broker did not answer for this ACL') : resourceError(r.errorCode, r.errorMessage),
    }
  }
  return results
}

/** The ACLs matching a filter. Rejects when the broker cannot list ACLs (SECURITY_DISABLED …). */
export async function describeAcls(
  ctx: AdminContext,
  filter: AclBindingFilter = {},
  options: AdminCallOptions = {},
): Promise<AclBinding[]> {
  const deadline = ctx.deadline(options)
  const wire = filterToWire(filter)
  const response = await ctx.send('any', describeAclsApi, () => describeAclsApi.createRequest(wire), deadline, (r) => {
    if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode, r.errorMessage ?? undefined)
  })
  return response.resources.flatMap((resource) =>
    resource.acls.map((acl) =>
      aclFromWire({ ...acl, resourceType: resource.resourceType, resourceName: resource.resourceName, patternType: resource.patternType }),
    ),
  )
}

/**
 * Deletes every ACL matching any of the filters. Results are per filter, in the order given, each
 * listing the ACLs it matched. Careful: an empty filter matches (and deletes) every ACL.
 */
export async function deleteAcls(
  ctx: AdminContext,
  filters: readonly AclBindingFilter[],
  options: AdminCallOptions = {},
): Promise<DeleteAclsFilterResult[]> {
  const deadline = ctx.deadline(options)
  const results: DeleteAclsFilterResult[] = []
  const toSend: Array<{ index: number; wire: ReturnType<typeof filterToWire> }> = []
  for (const [index, filter] of filters.entries()) {
    try {
      toSend.push({ index, wire: filterToWire(filter) })
      results.push({ filter, matchingAcls: [], error: null })
    } catch (error) {
      results.push({ filter, matchingAcls: [], error: error as KafkaError })
    }
  }
  if (toSend.length === 0) return results
  const response = await ctx.send('any', deleteAclsApi, () =>
    deleteAclsApi.createRequest({ filters: toSend.map((f) => f.wire) }), deadline)
  // The broker answers positionally, one result per filter.
  for (const [i, { index }] of toSend.entries()) {
    const filter = filters[index] as AclBindingFilter
    const r = response.filterResults[i]
    results[index] =
      r === undefined
        ? { filter, matchingAcls: [], error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, 'the broker did not answer for this filter') }
        : {
            filter,
            error: resourceError(r.errorCode, r.errorMessage),
            matchingAcls: r.matchingAcls.map((m) => ({ ...aclFromWire(m), error: resourceError(m.errorCode, m.errorMessage) })),
          }
  }
  return results
}
