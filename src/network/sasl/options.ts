/**
 * The `sasl` option of the Kafka root: a built-in mechanism by name with its credentials, or any
 * object implementing {@link SaslMechanism}. Validation names the option and never echoes a secret.
 */

import { describeValue } from '../../util/options.js'
import { KafkaConfigError } from '../../errors.js'
import type { SaslMechanism } from './mechanism.js'
import { OAuthBearerMechanism, type OAuthBearerProvider } from './oauthbearer.js'
import { PlainMechanism } from './plain.js'
import { ScramMechanism } from './scram.js'

/** User name and password for PLAIN or SCRAM. */
export interface SaslPasswordOptions {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'
  username: string
  password: string
}

/** OAUTHBEARER with tokens from the application. */
export interface SaslOAuthBearerOptions {
  mechanism: 'oauthbearer'
  /** Returns a token; called for a new connection or re-authentication once the last token is 80 % through its lifetime. */
  oauthBearerProvider: OAuthBearerProvider
}

export type SaslOptions = SaslPasswordOptions | SaslOAuthBearerOptions | SaslMechanism

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer']

export function resolveSaslOption(value: unknown): SaslMechanism | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null) {
    throw new KafkaConfigError('sasl: expected { mechanism, … } or an object implementing SaslMechanism')
  }
  const candidate = value as Record<string, unknown>
  if (typeof candidate.authenticate === 'function') {
    if (typeof candidate.name !== 'string' || candidate.name === '') {
      throw new KafkaConfigError('sasl.name: a custom SASL mechanism needs the name brokers know it by')
    }
    return value as SaslMechanism
  }
  const mechanism = candidate.mechanism
  if (typeof mechanism !== 'string' || !MECHANISMS.includes(mechanism.toLowerCase())) {
    throw new KafkaConfigError(`sasl.mechanism: expected one of ${MECHANISMS.join(', ')}, got ${describeValue(mechanism)}`)
  }
  const name = mechanism.toLowerCase()
  if (name === 'oauthbearer') {
    if (typeof candidate.oauthBearerProvider !== 'function') {
      throw new KafkaConfigError('sasl.oauthBearerProvider: expected a function returning a promise of { value, lifetimeMs? }')
    }
    return new OAuthBearerMechanism(candidate.oauthBearerProvider as OAuthBearerProvider)
  }
  const { username, password } = candidate
  if (typeof username !== 'string' || username === '') {
    throw new KafkaConfigError(`sasl.username: expected a non-empty string for ${name}`)
  }
  // The message says what is wrong with the password, never what it is.
  if (typeof password !== 'string' || password === '') {
    throw new KafkaConfigError(`sasl.password: expected a non-empty string for ${name}`)
  }
  if (name === 'plain') return new PlainMechanism(username, password)
  return new ScramMechanism(name === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'SCRAM-SHA-512', username, password)
}
