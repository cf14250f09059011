/**
 * What the SCRAM mechanisms share between authenticating (the SASL exchange) and administering
 * credentials (AlterUserScramCredentials): the mechanism names, their hash and wire code, and the
 * salted password of RFC 5802. It sits here, under both, so that neither imports the other.
 */

import { pbkdf2 } from 'node:crypto'
import { KafkaConfigError } from '../../errors.js'

/** The SCRAM mechanisms Kafka supports, by their SASL names. */
export const ScramMechanism = {
  SCRAM_SHA_256: 'SCRAM-SHA-256',
  SCRAM_SHA_512: 'SCRAM-SHA-512',
} as const
export type ScramMechanism = (typeof ScramMechanism)[keyof typeof ScramMechanism]

/** Per mechanism: its code in the credential APIs, its HMAC hash, and that hash's length. */
export const SCRAM_MECHANISMS: Readonly<Record<ScramMechanism, { code: number; hash: 'sha256' | 'sha512'; length: number }>> = {
  'SCRAM-SHA-256': { code: 1, hash: 'sha256', length: 32 },
  'SCRAM-SHA-512': { code: 2, hash: 'sha512', length: 64 },
}

/**
 * SaltedPassword := Hi(Normalize(password), salt, i) of RFC 5802, with the mechanism's HMAC. Hi is
 * PBKDF2 with an output as long as the hash. Kafka's normalization is plain UTF-8 encoding.
 */
export function scramSaltedPassword(
  mechanism: ScramMechanism,
  password: string | Uint8Array,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const m = SCRAM_MECHANISMS[mechanism]
  if (m === undefined) return Promise.reject(new KafkaConfigError(`mechanism: ${JSON.stringify(mechanism)} is not a SCRAM mechanism`))
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, m.length, m.hash, (error, key) => (error === null ? resolve(new Uint8Array(key)) : reject(error)))
  })
}
