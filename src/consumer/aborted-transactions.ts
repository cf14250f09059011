/**
 * read_committed filtering of one partition's fetched batches (Java `CompletedFetch`
 * `consumeAbortedTransactionsUpTo` / `isBatchAborted` / `containsAbortMarker`).
 *
 * The broker returns data up to the last stable offset plus the list of transactions aborted in
 * that range, each as (producer id, first offset). Walking the batches in offset order, a producer
 * id becomes "aborted" once a batch reaches that first offset, and stays so until its ABORT marker
 * (a control batch) passes. Transactional data batches of an aborted producer are skipped whole.
 * Committed transactions and non-transactional data pass through.
 */

import { ControlRecordType, type ControlRecordBatch, type RecordBatch } from '../protocol/record-batch.js'

export interface AbortedTransaction {
  readonly producerId: bigint
  readonly firstOffset: bigint
}

export class AbortedTransactionFilter {
  // Sorted by first offset; `#next` indexes the first one not yet reached.
  readonly #pending: readonly AbortedTransaction[]
  #next = 0
  readonly #aborted = new Set<bigint>()

  constructor(abortedTransactions: readonly AbortedTransaction[]) {
    this.#pending =
      abortedTransactions.length <= 1
        ? abortedTransactions
        : [...abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  }

  /**
   * True when `batch` must not reach the application because it belongs to an aborted
   * transaction. Call it for every batch, in offset order; control batches update the state (and
   * are never returned to applications anyway).
   */
  skip(batch: RecordBatch): boolean {
    if (batch.producerId < 0n) return false
    const pending = this.#pending
    while (this.#next < pending.length && (pending[this.#next] as AbortedTransaction).firstOffset <= batch.lastOffset) {
      this.#aborted.add((pending[this.#next] as AbortedTransaction).producerId)
      this.#next++
    }
    if (batch.isControl) {
      if (isAbortMarker(batch)) this.#aborted.delete(batch.producerId)
      return true
    }
    return batch.isTransactional && this.#aborted.has(batch.producerId)
  }
}

function isAbortMarker(batch: ControlRecordBatch): boolean {
  const first = batch.records[0]
  return first !== undefined && first.type === ControlRecordType.ABORT
}
