/**
 * The admin client. A thin facade: each operation lives in the module of its resource (topics,
 * configs, groups, offsets, ACLs, cluster) and runs on the root's shared connections and metadata.
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaStateError } from '../errors.js'
import { durationOption } from '../kafka-options.js'
import { AdminContext, type AdminCallOptions } from './context.js'
import * as topics from './topics.js'

/** Options of {@link Kafka.admin}. */
export interface AdminOptions {
  /** Default deadline of each call, retries included (Java `default.api.timeout.ms`). Default: the root's. */
  timeoutMs?: number
}

/**
 * Administers topics, configs, consumer groups, offsets, ACLs and the cluster.
 *
 * Calls that act on several resources never reject because one resource failed: each result
 * carries its own `error` (null on success), so one bad topic does not hide the others. A call
 * rejects only when it fails as a whole (no broker reachable before the deadline, a closed client).
 * Retriable errors are retried until the call's deadline.
 */
export class Admin {
  readonly #ctx: AdminContext
  readonly #onClose: () => void
  #closed = false

  /** @internal Made by {@link Kafka.admin}. */
  constructor(cluster: Cluster, options: AdminOptions, onClose: () => void) {
    const timeoutMs = durationOption('timeoutMs', options.timeoutMs, cluster.options.defaultApiTimeoutMs, 1)
    this.#ctx = new AdminContext(cluster, timeoutMs)
    this.#onClose = onClose
  }

  #context(): AdminContext {
    if (this.#closed || this.#ctx.cluster.isClosed) throw new KafkaStateError('this admin client is closed')
    return this.#ctx
  }

  /**
   * Creates topics. By default waits until every partition of each created topic has a leader, so
   * producing right away works. Per-topic failures (TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR,
   * INVALID_CONFIG …) are in each result's `error`.
   */
  createTopics(newTopics: readonly topics.NewTopic[], options?: topics.CreateTopicsOptions): Promise<topics.CreateTopicResult[]> {
    return topics.createTopics(this.#context(), newTopics, options)
  }

  /** Deletes topics by name; a missing topic's result carries UNKNOWN_TOPIC_OR_PARTITION. */
  deleteTopics(names: readonly string[], options?: AdminCallOptions): Promise<topics.TopicResult[]> {
    return topics.deleteTopics(this.#context(), names, options)
  }

  /** Names of all topics, sorted; internal topics (`__consumer_offsets` …) only with `includeInternal`. */
  listTopics(options?: AdminCallOptions & { includeInternal?: boolean }): Promise<string[]> {
    return topics.listTopics(this.#context(), options)
  }

  /** Partitions, leaders, replicas and ISR of topics, in the order asked. */
  describeTopics(names: readonly string[], options?: AdminCallOptions): Promise<topics.TopicDescription[]> {
    return topics.describeTopics(this.#context(), names, options)
  }

  /** Grows topics to a new partition count. */
  createPartitions(
    requests: readonly topics.NewPartitions[],
    options?: AdminCallOptions & { validateOnly?: boolean },
  ): Promise<topics.TopicResult[]> {
    return topics.createPartitions(this.#context(), requests, options)
  }

  /** Releases this admin client. The root's connections stay open for its other clients. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#onClose()
  }
}
