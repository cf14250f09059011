/**
 * The bootstrap list must name at least one address that resolves. Java's client refuses a
 * `bootstrap.servers` list without one at construction ("No resolvable bootstrap urls"); without
 * this check every call would retry connecting to names that do not exist until its deadline
 * (60 s by default) and then report a timeout. Node resolves names asynchronously, so the check
 * runs on first use: the first call that needs a bootstrap server waits for it, and fails at once
 * with a {@link KafkaConfigError} when no name resolves. Names that do not resolve while others
 * do are left out of the bootstrap candidates, as Java does.
 */

import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { KafkaConfigError } from '../errors.js'
import type { BrokerEndpoint } from '../network/connection-pool.js'

/** Resolves a host name; rejects when it does not resolve. */
export type HostLookup = (host: string) => Promise<unknown>

const defaultLookup: HostLookup = (host) => dnsLookup(host)

export class BootstrapCheck {
  readonly #endpoints: readonly BrokerEndpoint[]
  readonly #lookup: HostLookup
  readonly #timeoutMs: number
  #usable: readonly BrokerEndpoint[] | undefined
  #pending: Promise<readonly BrokerEndpoint[]> | undefined

  /**
   * `timeoutMs` bounds one round of lookups: a name whose lookup is still pending then counts as
   * resolvable (a slow resolver is not a missing name; connecting will tell).
   */
  constructor(endpoints: readonly BrokerEndpoint[], timeoutMs: number, lookup: HostLookup = defaultLookup) {
    this.#endpoints = endpoints
    this.#timeoutMs = timeoutMs
    this.#lookup = lookup
    // IP addresses need no lookup; a list of them is usable as it is.
    if (endpoints.every((e) => isIP(e.host) !== 0)) this.#usable = endpoints
  }

  /** The bootstrap endpoints that resolved, once known; undefined before the first check. */
  get usable(): readonly BrokerEndpoint[] | undefined {
    return this.#usable
  }

  /**
   * Resolves with the usable endpoints, looking their names up the first time. Rejects with a
   * {@link KafkaConfigError} when none resolves; the next call then looks again, so a name that
   * starts resolving later (DNS caught up) is picked up.
   */
  check(): Promise<readonly BrokerEndpoint[]> {
    if (this.#usable !== undefined) return Promise.resolve(this.#usable)
    this.#pending ??= this.#resolve().finally(() => {
      this.#pending = undefined
    })
    return this.#pending
  }

  async #resolve(): Promise<readonly BrokerEndpoint[]> {
    // By position, so the message lists names in the order the user gave them.
    const failures: Array<string | undefined> = []
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<'pending'>((resolve) => {
      timer = setTimeout(() => resolve('pending'), this.#timeoutMs)
      timer.unref()
    })
    try {
      const outcomes = await Promise.all(
        this.#endpoints.map(async (endpoint, i) => {
          if (isIP(endpoint.host) !== 0) return true
          const outcome = await Promise.race([
            this.#lookup(endpoint.host).then(
              () => true,
              (error: unknown) => {
                const code = (error as { code?: unknown } | null)?.code
                failures[i] = `${endpoint.host}:${endpoint.port} (${typeof code === 'string' ? code : String(error)})`
                return false
              },
            ),
            timedOut,
          ])
          return outcome !== false
        }),
      )
      const usable = this.#endpoints.filter((_, i) => outcomes[i] === true)
      if (usable.length === 0) {
        throw new KafkaConfigError(`brokers: no bootstrap address resolves: ${failures.filter((f) => f !== undefined).join(', ')}`)
      }
      this.#usable = usable
      return usable
    } finally {
      clearTimeout(timer)
    }
  }
}
