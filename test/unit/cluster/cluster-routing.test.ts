/**
 * How the shared core routes around a broker it cannot reach: a controller whose connection was
 * refused is not asked again while another broker can forward, and a refused connection to a named
 * broker starts a metadata refresh. Dead brokers are real closed ports on 127.0.0.1.
 */
import { createServer } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Cluster, type ClusterOptions } from '../../../src/cluster/cluster.js'
import { KafkaNetworkError } from '../../../src/errors.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'

const clusters: Cluster[] = []
afterEach(() => {
  for (const c of clusters.splice(0)) c.close()
})

/** A port nothing listens on any more: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise((resolve) => server.close(resolve))
  return address.port
}

function cluster(options: Partial<ClusterOptions> & Pick<ClusterOptions, 'brokers'>): Cluster {
  const c = new Cluster({
    clientId: 'routing-test',
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    metadataMaxAgeMs: 300_000,
    retryBackoff: { initialMs: 20, maxMs: 50 },
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
    connectionsMaxIdleMs: 0,
    defaultApiTimeoutMs: 300,
    softwareName: 'kafkats-test',
    softwareVersion: '0',
    ...options,
  })
  clusters.push(c)
  return c
}

function metadataNaming(controllerId: number, ports: readonly number[]) {
  return metadataApi.createResponse({
    clusterId: 'routing-test',
    controllerId,
    brokers: ports.map((port, i) => ({ nodeId: i + 1, host: '127.0.0.1', port, rack: null })),
    topics: [],
  })
}

const emptyMetadataRequest = () => metadataApi.createRequest({ topics: [], allowAutoTopicCreation: false })

describe('Cluster routing around unreachable brokers', () => {
  it('stops sending controller requests to a controller whose connection was refused', async () => {
    const [dead, other] = [await closedPort(), await closedPort()]
    const c = cluster({ brokers: [`127.0.0.1:${dead}`] })
    c.applyMetadata(metadataNaming(1, [dead, other]), [])
    expect(c.endpointOf('controller').port).toBe(dead)

    await expect(c.sendTo('controller', metadataApi, emptyMetadataRequest)).rejects.toBeInstanceOf(KafkaNetworkError)
    // The metadata still names broker 1 as controller (no broker has said otherwise yet) …
    expect(c.metadata.controllerId).toBe(1)
    // … but the next controller request goes to a broker that may still be alive.
    expect(c.endpointOf('controller').port).toBe(other)
  })

  it('refreshes metadata when a named broker refuses the connection', async () => {
    const dead = await closedPort()
    const c = cluster({ brokers: [`127.0.0.1:${dead}`] })
    c.applyMetadata(metadataNaming(1, [dead]), [])
    const refresh = vi.spyOn(c, 'refreshMetadata')

    await expect(c.sendTo({ nodeId: 1 }, metadataApi, emptyMetadataRequest)).rejects.toBeInstanceOf(KafkaNetworkError)
    expect(refresh).toHaveBeenCalledTimes(1)
    await expect(c.sendTo('controller', metadataApi, emptyMetadataRequest)).rejects.toBeInstanceOf(KafkaNetworkError)
    // Still refreshing (the only broker is dead): the failure joins that refresh, not a new one.
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('does not start a refresh when a request to any broker fails, since metadata requests go there', async () => {
    const dead = await closedPort()
    const c = cluster({ brokers: [`127.0.0.1:${dead}`] })
    const refresh = vi.spyOn(c, 'refreshMetadata')
    await expect(c.sendTo('any', metadataApi, emptyMetadataRequest)).rejects.toBeInstanceOf(KafkaNetworkError)
    expect(refresh).not.toHaveBeenCalled()
  })
})
