/**
 * The topic names a subscription stands for. A list of names stands for itself; a pattern stands
 * for the topics of the cluster whose names it matches (JavaScript `RegExp.test`, so anchor it with
 * `^…$` for a whole-name match), internal topics excluded, and is matched again against the full
 * topic list every `metadataMaxAgeMs` so that new topics join the subscription.
 */

import type { Cluster } from '../../cluster/cluster.js'
import type { Subscription } from '../membership.js'

export class SubscribedTopics {
  readonly #cluster: Cluster
  readonly #onChange: () => void
  #subscription: Subscription
  #pattern: RegExp | null
  #topics: readonly string[] = []
  #timer: NodeJS.Timeout | undefined

  /** `onChange` runs when a pattern's matches change on a periodic refresh. */
  constructor(cluster: Cluster, subscription: Subscription, onChange: () => void) {
    this.#cluster = cluster
    this.#onChange = onChange
    this.#subscription = subscription
    this.#pattern = patternOf(subscription)
    this.#topics = 'topics' in subscription ? sortedUnique(subscription.topics) : []
  }

  /** The subscribed topic names as last resolved, sorted. */
  get topics(): readonly string[] {
    return this.#topics
  }

  get isPattern(): boolean {
    return this.#pattern !== null
  }

  /** Replaces the subscription; resolve again with {@link refresh}. */
  set(subscription: Subscription): void {
    this.#subscription = subscription
    this.#pattern = patternOf(subscription)
    if ('topics' in subscription) this.#topics = sortedUnique(subscription.topics)
  }

  /**
   * Resolves the subscription now (a pattern against a fresh list of all topics) and registers the
   * names as topics of interest. Returns true when the names changed.
   */
  async refresh(): Promise<boolean> {
    let next: readonly string[]
    if (this.#pattern === null) {
      next = 'topics' in this.#subscription ? sortedUnique(this.#subscription.topics) : []
    } else {
      const pattern = this.#pattern
      const response = await this.#cluster.fetchMetadata(null)
      this.#cluster.applyMetadata(response, null)
      next = sortedUnique(
        response.topics
          .filter((t) => t.errorCode === 0 && t.name !== null && !t.isInternal && pattern.test(t.name))
          .map((t) => t.name as string),
      )
    }
    this.#cluster.addTopicsOfInterest(next)
    const changed = next.length !== this.#topics.length || next.some((t, i) => t !== this.#topics[i])
    this.#topics = next
    return changed
  }

  /** Starts matching a pattern periodically; does nothing for a list of names. */
  start(): void {
    this.stop()
    if (this.#pattern === null) return
    this.#timer = setInterval(() => {
      this.refresh().then(
        (changed) => {
          if (changed) this.#onChange()
        },
        () => {}, // the next round tries again
      )
    }, this.#cluster.options.metadataMaxAgeMs)
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
  }
}

function patternOf(subscription: Subscription): RegExp | null {
  if (!('pattern' in subscription)) return null
  // Global and sticky flags make `test` stateful; matching names needs neither.
  return new RegExp(subscription.pattern.source, subscription.pattern.flags.replace(/[gy]/g, ''))
}

function sortedUnique(topics: readonly string[]): string[] {
  return [...new Set(topics)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
