/**
 * How a membership reaches its group coordinator: FindCoordinator (cached by the cluster), then the
 * request on the broker's 'group' connection, so that heartbeats and rebalances never wait behind
 * a long-polling fetch to the same broker. A coordinator that cannot be reached, or that says it is
 * not the coordinator any more, is forgotten so the next request looks it up again.
 */

import type { TracingChannel } from 'node:diagnostics_channel'
import type { Cluster } from '../../cluster/cluster.js'
import type { ConnectionPurpose } from '../../network/connection-pool.js'
import { isWireFailure, KafkaNetworkError } from '../../errors.js'
import type { ApiDescriptor } from '../../protocol/api.js'
import { ErrorCode } from '../../protocol/error-codes.js'
import { isTraced, type GroupTrace } from '../../observability/channels.js'

/** A membership request to trace on a `kafkats:group:*` channel: which one, and who sends it. */
export interface GroupCall {
  readonly channel: TracingChannel<unknown, GroupTrace>
  readonly protocol: GroupTrace['protocol']
  readonly memberId: string
  readonly generationId: number
}

export class CoordinatorLink {
  readonly #cluster: Cluster
  readonly #groupId: string

  readonly #purpose: ConnectionPurpose

  constructor(cluster: Cluster, groupId: string, purpose: ConnectionPurpose = 'group') {
    this.#cluster = cluster
    this.#groupId = groupId
    this.#purpose = purpose
  }

  get cluster(): Cluster {
    return this.#cluster
  }

  /**
   * Sends one request to the coordinator; rejects with the cluster's network, timeout or lookup
   * errors. With `call`, the request (once the coordinator is known) is traced on its channel.
   */
  async send<Req, Res>(api: ApiDescriptor<Req, Res>, build: (version: number) => Req, timeoutMs?: number, call?: GroupCall): Promise<Res> {
    const nodeId = await this.#cluster.coordinator('group', this.#groupId)
    const endpoint = this.#cluster.endpointOf({ nodeId })
    if (this.#cluster.pool.backoffRemainingMs(endpoint) > 0) {
      // The node refused our last connection and FindCoordinator still names it: it has died and
      // the cluster has not fenced it yet. Waiting out the reconnect backoff would only delay the
      // next lookup, which finds the new coordinator as soon as there is one.
      this.forget()
      const address = `${endpoint.host}:${endpoint.port}`
      throw new KafkaNetworkError(`group coordinator ${nodeId} (${address}) refused the last connection; looking it up again`, { broker: address })
    }
    try {
      const send = (): Promise<Res> => this.#cluster.sendTo({ nodeId }, api, build, { purpose: this.#purpose, timeoutMs })
      if (call === undefined || !isTraced(call.channel)) return await send()
      const context: GroupTrace = {
        clientId: this.#cluster.options.clientId,
        groupId: this.#groupId,
        protocol: call.protocol,
        broker: `${endpoint.host}:${endpoint.port}`,
        memberId: call.memberId,
        generationId: call.generationId,
      }
      return await call.channel.tracePromise(async () => {
        const response = await send()
        // Every group response has a top-level error code.
        context.errorCode = (response as { errorCode?: number }).errorCode ?? 0
        return response
      }, context)
    } catch (error) {
      if (isWireFailure(error)) this.forget()
      throw error
    }
  }

  /**
   * True (and the coordinator forgotten) for the codes that say the group lives elsewhere now:
   * NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE.
   */
  moved(errorCode: number): boolean {
    if (errorCode !== ErrorCode.NOT_COORDINATOR && errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE) return false
    this.forget()
    return true
  }

  forget(): void {
    this.#cluster.forgetCoordinator('group', this.#groupId)
  }
}
