/** SASL/PLAIN (RFC 4616): one message `authzid NUL authcid NUL passwd`, with an empty authzid. */

import type { SaslMechanism, SaslSession, SaslStep } from './mechanism.js'

export class PlainMechanism implements SaslMechanism {
  readonly name = 'PLAIN'
  readonly #username: string
  // Private so that inspecting or serialising the options never shows it.
  readonly #password: string

  constructor(username: string, password: string) {
    this.#username = username
    this.#password = password
  }

  authenticate(): SaslSession {
    return {
      initialResponse: plainMessage(this.#username, this.#password),
      // The broker answers an accepted PLAIN message with empty bytes; a rejection is an error code.
      challenge: (): SaslStep => ({ done: true }),
    }
  }

  toJSON(): { mechanism: string; username: string } {
    return { mechanism: 'plain', username: this.#username }
  }
}

export function plainMessage(username: string, password: string): Uint8Array {
  return Buffer.from(`\0${username}\0${password}`, 'utf8')
}
