/**
 * The producer id and epoch of an idempotent (or transactional) producer, obtained with
 * InitProducerId and bumped locally when the broker lost track of our sequences (KIP-360).
 */

import type { Cluster } from '../cluster/cluster.js'
import { KafkaBrokerError } from '../errors.js'
import { initProducerIdApi } from '../protocol/messages/init-producer-id.js'
import { ErrorCode } from '../protocol/error-codes.js'
import { producerErrorAction } from './error-policy.js'
import { retry } from '../cluster/retry.js'

const MAX_EPOCH = 32767

export class ProducerIdentity {
  readonly #cluster: Cluster
  readonly transactionalId: string | null
  readonly #transactionTimeoutMs: number
  #producerId = -1n
  #epoch = -1
  #loading: Promise<void> | undefined

  constructor(cluster: Cluster, transactionalId: string | null, transactionTimeoutMs: number) {
    this.#cluster = cluster
    this.transactionalId = transactionalId
    this.#transactionTimeoutMs = transactionTimeoutMs
  }

  get transactional(): boolean {
    return this.transactionalId !== null
  }

  get ready(): boolean {
    return this.#producerId >= 0n
  }

  get producerId(): bigint {
    return this.#producerId
  }

  get epoch(): number {
    return this.#epoch
  }

  /** Gets a producer id if there is none yet; concurrent callers share one request. */
  ensure(): Promise<void> {
    if (this.ready) return Promise.resolve()
    this.#loading ??= this.#init().finally(() => {
      this.#loading = undefined
    })
    return this.#loading
  }

  async #init(): Promise<void> {
    const cluster = this.#cluster
    const deadline = Date.now() + cluster.options.defaultApiTimeoutMs
    const response = await retry(
      async () => {
        const target =
          this.transactionalId === null
            ? ('any' as const)
            : { nodeId: await cluster.coordinator('transaction', this.transactionalId) }
        const r = await cluster.sendTo(target, initProducerIdApi, () =>
          initProducerIdApi.createRequest({
            transactionalId: this.transactionalId,
            // An idempotent producer has no transaction to time out; Java sends Integer.MAX_VALUE.
            transactionTimeoutMs: this.transactionalId === null ? 2 ** 31 - 1 : this.#transactionTimeoutMs,
            producerId: -1n,
            producerEpoch: -1,
          }),
        )
        if (r.errorCode !== ErrorCode.NONE) {
          if (this.transactionalId !== null && producerErrorAction('InitProducerId', r.errorCode) === 'find-coordinator') {
            cluster.forgetCoordinator('transaction', this.transactionalId)
          }
          throw new KafkaBrokerError(r.errorCode)
        }
        return r
      },
      { deadline, backoff: cluster.options.retryBackoff, what: 'InitProducerId' },
    )
    this.#producerId = response.producerId
    this.#epoch = response.producerEpoch
  }

  /**
   * Takes the producer id and epoch a transaction coordinator gave out (InitProducerId for a
   * transactional id, or EndTxn v5+, which bumps the epoch after every transaction).
   */
  adopt(producerId: bigint, epoch: number): void {
    this.#producerId = producerId
    this.#epoch = epoch
  }

  /**
   * Moves to the next epoch without asking the broker (idempotent producers only, KIP-360): the
   * broker accepts sequence 0 from a higher epoch of the same producer id. At the last epoch a new
   * producer id is needed instead.
   */
  bumpEpoch(): void {
    if (this.#epoch >= MAX_EPOCH) {
      this.#producerId = -1n
      this.#epoch = -1
      return
    }
    this.#epoch++
  }
}
