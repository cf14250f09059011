/**
 * SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), client side, as Kafka speaks them:
 * no channel binding (`n,,`), the salted password from PBKDF2, and the server's signature checked
 * so that a broker that does not know the password cannot pass for one that does.
 */

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { KafkaAuthenticationError } from '../../errors.js'
import { SCRAM_MECHANISMS, scramSaltedPassword, type ScramMechanism as ScramMechanismName } from './scram-credentials.js'
import type { SaslContext, SaslMechanism, SaslSession, SaslStep } from './mechanism.js'

// Kafka's bounds for both mechanisms; a server asking for fewer iterations weakens the password hash.
const MIN_ITERATIONS = 4096
const MAX_ITERATIONS = 16384

export class ScramMechanism implements SaslMechanism {
  readonly name: ScramMechanismName
  readonly #username: string
  readonly #password: string
  readonly #nonce: () => string

  /** `nonce` exists for known-answer tests; by default each exchange gets 24 random bytes. */
  constructor(name: ScramMechanismName, username: string, password: string, nonce?: () => string) {
    this.name = name
    this.#username = username
    this.#password = password
    this.#nonce = nonce ?? (() => randomBytes(24).toString('base64url'))
  }

  authenticate(context: SaslContext): SaslSession {
    return new ScramSession(this.name, this.#username, this.#password, this.#nonce(), `${context.host}:${context.port}`)
  }

  toJSON(): { mechanism: string; username: string } {
    return { mechanism: this.name.toLowerCase(), username: this.#username }
  }
}

type Stage = 'server-first' | 'server-final' | 'done'

class ScramSession implements SaslSession {
  readonly initialResponse: Uint8Array
  readonly #mechanism: ScramMechanismName
  readonly #password: string
  readonly #clientNonce: string
  readonly #clientFirstBare: string
  readonly #broker: string
  #stage: Stage = 'server-first'
  #expectedServerSignature: Buffer | undefined

  constructor(mechanism: ScramMechanismName, username: string, password: string, clientNonce: string, broker: string) {
    this.#mechanism = mechanism
    this.#password = password
    this.#clientNonce = clientNonce
    this.#broker = broker
    this.#clientFirstBare = `n=${escapeSaslName(username)},r=${clientNonce}`
    this.initialResponse = Buffer.from(`n,,${this.#clientFirstBare}`, 'utf8')
  }

  async challenge(serverBytes: Uint8Array): Promise<SaslStep> {
    const message = Buffer.from(serverBytes).toString('utf8')
    if (this.#stage === 'server-first') {
      const response = await this.#clientFinal(message)
      this.#stage = 'server-final'
      return { done: false, response }
    }
    if (this.#stage === 'server-final') {
      this.#verifyServerFinal(message)
      this.#stage = 'done'
      return { done: true }
    }
    throw this.#error('the broker sent a message after the exchange ended')
  }

  async #clientFinal(serverFirst: string): Promise<Uint8Array> {
    const fields = parseAttributes(serverFirst)
    if (fields.has('e')) throw this.#error(`the broker refused: ${fields.get('e') ?? ''}`)
    const nonce = fields.get('r')
    const salt = fields.get('s')
    const iterations = Number(fields.get('i'))
    if (nonce === undefined || !nonce.startsWith(this.#clientNonce) || nonce.length <= this.#clientNonce.length) {
      throw this.#error('the server nonce does not extend the client nonce')
    }
    if (salt === undefined || salt === '') throw this.#error('the server-first message has no salt')
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw this.#error(`the iteration count ${String(fields.get('i'))} is outside ${MIN_ITERATIONS}..${MAX_ITERATIONS}`)
    }
    const hash = SCRAM_MECHANISMS[this.#mechanism].hash
    const salted = await scramSaltedPassword(this.#mechanism, this.#password, Buffer.from(salt, 'base64'), iterations)
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`
    const clientKey = hmac(hash, salted, 'Client Key')
    const storedKey = createHash(hash).update(clientKey).digest()
    const clientSignature = hmac(hash, storedKey, authMessage)
    const proof = Buffer.alloc(clientKey.length)
    for (let i = 0; i < proof.length; i++) proof[i] = (clientKey[i] as number) ^ (clientSignature[i] as number)
    this.#expectedServerSignature = hmac(hash, hmac(hash, salted, 'Server Key'), authMessage)
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8')
  }

  #verifyServerFinal(serverFinal: string): void {
    const fields = parseAttributes(serverFinal)
    if (fields.has('e')) throw this.#error(`the broker refused: ${fields.get('e') ?? ''}`)
    const signature = Buffer.from(fields.get('v') ?? '', 'base64')
    const expected = this.#expectedServerSignature as Buffer
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw this.#error('the server signature is wrong: the broker does not know this password')
    }
  }

  #error(message: string): KafkaAuthenticationError {
    return new KafkaAuthenticationError(`${this.#mechanism} with ${this.#broker} failed: ${message}`, {
      broker: this.#broker,
      mechanism: this.#mechanism,
    })
  }
}

function hmac(hash: 'sha256' | 'sha512', key: Uint8Array, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest()
}

/** `=` and `,` are the only characters a SCRAM user name must escape (RFC 5802 §5.1). */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/** Splits `a=1,b=2` into a map; values may themselves contain `=`. */
function parseAttributes(message: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const part of message.split(',')) {
    const eq = part.indexOf('=')
    if (eq === 1) fields.set(part.slice(0, 1), part.slice(2))
  }
  return fields
}
