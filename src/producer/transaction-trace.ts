/**
 * The `kafkats:transaction:*` traces of the producer's transaction calls (init, commit, abort,
 * send-offsets), used only while someone listens.
 */

import type { TracingChannel } from 'node:diagnostics_channel'
import type { TransactionTrace } from '../observability/channels.js'
import type { ProducerIdentity } from './producer-identity.js'

export type TransactionChannel = TracingChannel<unknown, TransactionTrace>

/**
 * Runs `call` under `trace`. The producer id and epoch are read again at the end: init assigns
 * them, and an abort after an error may bump the epoch.
 */
export function traceTransaction(
  trace: TransactionChannel,
  who: { readonly clientId: string; readonly transactionalId: string },
  identity: ProducerIdentity,
  groupId: string | undefined,
  call: () => Promise<void>,
): Promise<void> {
  const context: TransactionTrace = {
    clientId: who.clientId,
    transactionalId: who.transactionalId,
    producerId: identity.ready ? identity.producerId : -1n,
    producerEpoch: identity.ready ? identity.epoch : -1,
    ...(groupId === undefined ? {} : { groupId }),
  }
  const settle = (): void => {
    if (!identity.ready) return
    context.producerId = identity.producerId
    context.producerEpoch = identity.epoch
  }
  return trace.tracePromise(
    () =>
      call().then(settle, (error: unknown) => {
        settle()
        throw error
      }),
    context,
  )
}
