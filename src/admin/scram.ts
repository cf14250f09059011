/**
 * SCRAM credential administration: list which users have SASL/SCRAM credentials, and set or remove
 * them. Passwords never leave the client: like Kafka's Java admin, the client picks a random salt
 * and sends only SaltedPassword = Hi(password, salt, iterations) (RFC 5802), from which the broker
 * derives the stored and server keys.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { randomBytes } from 'node:crypto'
import { KafkaBrokerError, KafkaConfigError, type KafkaError } from '../errors.js'
import { alterUserScramCredentialsApi } from '../protocol/messages/alter-user-scram-credentials.js'
import { describeUserScramCredentialsApi } from '../protocol/messages/describe-user-scram-credentials.js'
import { SCRAM_MECHANISMS, ScramMechanism, scramSaltedPassword } from '../network/sasl/scram-credentials.js'
import { resourceError, type AdminCallOptions, type AdminContext, type ResourceError } from './context.js'

export { ScramMechanism, scramSaltedPassword }

/** A user's credential for one mechanism. */
export interface ScramCredentialInfo {
  readonly mechanism: ScramMechanism
  readonly iterations: number
}

/** The credentials of one user of {@link Admin.describeUserScramCredentials}. */
export interface UserScramCredentialsDescription extends ResourceError {
  readonly user: string
  readonly credentials: readonly ScramCredentialInfo[]
}

/** Sets (or replaces) a user's credential for one mechanism. */
export interface UserScramCredentialUpsertion {
  op: 'upsert'
  user: string
  mechanism: ScramMechanism
  /** Between Kafka's limits 4096 and 16384. Default 4096. */
  iterations?: number
  /** UTF-8 encoded when a string. */
  password: string | Uint8Array
  /** Default: a random salt made as Kafka's Java admin makes it. */
  salt?: Uint8Array
}

/** Removes a user's credential for one mechanism. */
export interface UserScramCredentialDeletion {
  op: 'delete'
  user: string
  mechanism: ScramMechanism
}

export type UserScramCredentialAlteration = UserScramCredentialUpsertion | UserScramCredentialDeletion

/** The outcome for one user of {@link Admin.alterUserScramCredentials}. */
export interface AlterUserScramCredentialsResult extends ResourceError {
  readonly user: string
}

const DEFAULT_ITERATIONS = 4096
// Kafka's own cap. Checked here too because the salted password is computed before sending, and
// an absurd count would keep this process busy for nothing.
const MAX_ITERATIONS = 16384


const MECHANISM_BY_CODE = new Map(Object.entries(SCRAM_MECHANISMS).map(([name, m]) => [m.code, name as ScramMechanism]))

/**
 * A random salt as Kafka's Java admin makes one: a uniformly random 130-bit number written in base
 * 36, as ASCII bytes.
 */
export function randomScramSalt(): Uint8Array {
  const bytes = randomBytes(17)
  bytes[0] = (bytes[0] as number) & 0x03 // 136 random bits, keep 130
  const value = BigInt(`0x${bytes.toString('hex')}`)
  return new TextEncoder().encode(value.toString(36))
}

/**
 * Which users have SCRAM credentials, with mechanism and iteration count (never the secrets). With
 * no users given, lists every user that has one; a named user without any gets RESOURCE_NOT_FOUND.
 */
export async function describeUserScramCredentials(
  ctx: AdminContext,
  users?: readonly string[],
  options: AdminCallOptions = {},
): Promise<UserScramCredentialsDescription[]> {
  const deadline = ctx.deadline(options)
  const asked = users === undefined || users.length === 0 ? null : [...new Set(users)]
  const response = await ctx.send(
    'any',
    describeUserScramCredentialsApi,
    () => describeUserScramCredentialsApi.createRequest({ users: asked === null ? null : asked.map((name) => ({ name })) }),
    deadline,
    (r) => {
      if (r.errorCode !== ErrorCode.NONE) throw new KafkaBrokerError(r.errorCode, r.errorMessage ?? undefined)
    },
  )
  const described = response.results.map((r) => ({
    user: r.user,
    error: resourceError(r.errorCode, r.errorMessage),
    credentials: r.credentialInfos.flatMap((c) => {
      const mechanism = MECHANISM_BY_CODE.get(c.mechanism)
      return mechanism === undefined ? [] : [{ mechanism, iterations: c.iterations }]
    }),
  }))
  if (asked === null) return described
  const byUser = new Map(described.map((d) => [d.user, d]))
  return asked.map(
    (user) => byUser.get(user) ?? { user, credentials: [], error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not answer for user ${user}`) },
  )
}

type Prepared =
  | { kind: 'delete'; name: string; mechanism: number }
  | { kind: 'upsert'; name: string; mechanism: number; iterations: number; salt: Uint8Array; saltedPassword: Uint8Array }

/**
 * Sets and removes SCRAM credentials. Results are per user, in order of first mention. The broker
 * takes one alteration per user and request: a second one for the same user (even for the other
 * mechanism) fails that user with DUPLICATE_RESOURCE, as with Java's admin. Errors never contain a
 * password.
 */
export async function alterUserScramCredentials(
  ctx: AdminContext,
  alterations: readonly UserScramCredentialAlteration[],
  options: AdminCallOptions = {},
): Promise<AlterUserScramCredentialsResult[]> {
  const deadline = ctx.deadline(options)
  const byUser = new Map<string, UserScramCredentialAlteration[]>()
  for (const a of alterations) {
    const list = byUser.get(a.user) ?? []
    list.push(a)
    byUser.set(a.user, list)
  }
  const failures = new Map<string, KafkaError>()
  const prepared = new Map<string, Prepared[]>()
  await Promise.all(
    [...byUser].map(async ([user, list]) => {
      try {
        prepared.set(user, await Promise.all(list.map(prepare)))
      } catch (error) {
        failures.set(user, error instanceof KafkaConfigError ? error : new KafkaConfigError(`user ${user}: the SCRAM credential could not be computed`))
      }
    }),
  )
  const results = await ctx.perResource<string, AlterUserScramCredentialsResult>(
    [...prepared.keys()],
    async (pending) => {
      const changes = pending.flatMap((user) => prepared.get(user) ?? [])
      const response = await ctx.send('any', alterUserScramCredentialsApi, () =>
        alterUserScramCredentialsApi.createRequest({
          deletions: changes.flatMap((c) => (c.kind === 'delete' ? [{ name: c.name, mechanism: c.mechanism }] : [])),
          upsertions: changes.flatMap((c) =>
            c.kind === 'upsert'
              ? [{ name: c.name, mechanism: c.mechanism, iterations: c.iterations, salt: c.salt, saltedPassword: c.saltedPassword }]
              : [],
          ),
        }), deadline)
      return new Map(
        response.results.map((r) => [
          r.user,
          { code: r.errorCode, message: r.errorMessage, result: { user: r.user, error: resourceError(r.errorCode, r.errorMessage) } },
        ]),
      )
    },
    (user, error) => ({ user, error }),
    deadline,
    'AlterUserScramCredentials',
  )
  return [...byUser.keys()].map((user) => {
    const failure = failures.get(user)
    if (failure !== undefined) return { user, error: failure }
    return results.get(user) ?? { user, error: new KafkaBrokerError(ErrorCode.UNKNOWN_SERVER_ERROR, `the broker did not answer for user ${user}`) }
  })
}

// Checks an alteration and computes its salted password. Messages name the user and field, never
// the password.
async function prepare(a: UserScramCredentialAlteration): Promise<Prepared> {
  const m = SCRAM_MECHANISMS[a.mechanism]
  if (m === undefined) {
    throw new KafkaConfigError(`user ${a.user}: mechanism ${JSON.stringify(a.mechanism)} is not one of ${Object.keys(SCRAM_MECHANISMS).join(', ')}`)
  }
  if (a.op === 'delete') return { kind: 'delete', name: a.user, mechanism: m.code }
  const op: string = a.op
  if (op !== 'upsert') throw new KafkaConfigError(`user ${a.user}: op must be 'upsert' or 'delete', not ${JSON.stringify(op)}`)
  const iterations = a.iterations ?? DEFAULT_ITERATIONS
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new KafkaConfigError(`user ${a.user}: iterations must be an integer from 1 to ${MAX_ITERATIONS}, not ${iterations}`)
  }
  if (typeof a.password !== 'string' && !(a.password instanceof Uint8Array)) {
    throw new KafkaConfigError(`user ${a.user}: password must be a string or bytes`)
  }
  const salt = a.salt ?? randomScramSalt()
  const saltedPassword = await scramSaltedPassword(a.mechanism, a.password, salt, iterations)
  return { kind: 'upsert', name: a.user, mechanism: m.code, iterations, salt, saltedPassword }
}
