/**
 * SASL/OAUTHBEARER (RFC 7628) as Kafka uses it: the client sends a bearer token it got from the
 * application; the broker validates it. Tokens come from a user callback and are reused until 80 %
 * of their announced lifetime has passed, so re-authentication picks up a fresh one in time.
 */

import { KafkaAuthenticationError } from '../../errors.js'
import type { SaslContext, SaslMechanism, SaslSession, SaslStep } from './mechanism.js'

/** A token from the application's identity provider. */
export interface OAuthBearerToken {
  /** The compact token, such as a JWT. */
  value: string
  /** How long the token stays valid from now; without it the provider is asked at every authentication. */
  lifetimeMs?: number
}

export type OAuthBearerProvider = () => Promise<OAuthBearerToken>

const REFRESH_FRACTION = 0.8

export class OAuthBearerMechanism implements SaslMechanism {
  readonly name = 'OAUTHBEARER'
  readonly #provider: OAuthBearerProvider
  readonly #now: () => number
  #cached: { value: string; refreshAt: number } | undefined

  constructor(provider: OAuthBearerProvider, now: () => number = Date.now) {
    this.#provider = provider
    this.#now = now
  }

  async authenticate(context: SaslContext): Promise<SaslSession> {
    const token = await this.#token(context)
    let rejected = false
    return {
      initialResponse: oauthBearerMessage(token),
      challenge: (serverBytes: Uint8Array): SaslStep => {
        if (serverBytes.length === 0 || rejected) return { done: true }
        // A non-empty reply is the broker's JSON error; RFC 7628 has the client answer with a lone
        // 0x01, after which the broker fails the exchange with an error code.
        rejected = true
        this.#cached = undefined
        return { done: false, response: Uint8Array.of(1) }
      },
    }
  }

  async #token(context: SaslContext): Promise<string> {
    const cached = this.#cached
    if (cached !== undefined && this.#now() < cached.refreshAt) return cached.value
    let token: OAuthBearerToken
    try {
      token = await this.#provider()
    } catch (cause) {
      throw new KafkaAuthenticationError(`the OAUTHBEARER token provider failed`, {
        broker: `${context.host}:${context.port}`,
        mechanism: this.name,
        cause,
      })
    }
    if (typeof token !== 'object' || token === null || typeof token.value !== 'string' || token.value === '') {
      throw new KafkaAuthenticationError('the OAUTHBEARER token provider returned no token value', {
        broker: `${context.host}:${context.port}`,
        mechanism: this.name,
      })
    }
    const lifetime = token.lifetimeMs
    this.#cached =
      typeof lifetime === 'number' && lifetime > 0
        ? { value: token.value, refreshAt: this.#now() + lifetime * REFRESH_FRACTION }
        : undefined
    return token.value
  }

  toJSON(): { mechanism: string } {
    return { mechanism: 'oauthbearer' }
  }
}

/** The client's initial response: GS2 header without authzid, then `auth=Bearer <token>` as a kvpair. */
export function oauthBearerMessage(token: string): Uint8Array {
  return Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`, 'utf8')
}
