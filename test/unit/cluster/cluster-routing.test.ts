/**
 * How the shared core routes around a broker it cannot reach: a controller whose connection was
 * refused is not asked again while another broker can forward, and a refused connection to a named
 * broker starts a metadata refresh. Dead brokers are real closed ports on 127.0.0.1.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Cluster, ClusterOptions } from '../../../src/cluster/cluster.js'
import { KafkaNetworkError } from '../../../src/errors.js'
import { findCoordinatorApi } from '../../../src/protocol/messages/find-coordinator.js'
import { metadataApi } from '../../../src/protocol/messages/metadata.js'
import { closedPort, type FakeBroker, startFakeBroker } from '../../support/fake-broker.js'
import { testCluster } from '../../support/test-cluster.js'

const clusters: Cluster[] = []
const brokers: FakeBroker[] = []
afterEach(async () => {
  for (const c of clusters.splice(0)) c.close()
  await Promise.all(brokers.splice(0).map((b) => b.close()))
})

/** A fake broker that answers FindCoordinator with whatever `coordinator()` names at the time. */
async function coordinatorBroker(coordinator: () => { nodeId: number; port: number }): Promise<FakeBroker> {
  const broker = await startFakeBroker(({ api }) => {
    if (api !== findCoordinatorApi) return undefined
    const { nodeId, port } = coordinator()
    return findCoordinatorApi.createResponse({
      coordinators: [{ key: 'g', nodeId, host: '127.0.0.1', port, errorCode: 0, errorMessage: null }],
    })
  })
  brokers.push(broker)
  return broker
}


function cluster(options: Partial<ClusterOptions> & Pick<ClusterOptions, 'brokers'>): Cluster {
  const c = testCluster({ clientId: 'routing-test', ...options })
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

  it('finds a new coordinator through the other bootstrap servers when the only broker it knew of dies', async () => {
    // A consumer that subscribed by name has not fetched Metadata yet when it looks up its
    // coordinator: that answer must not become the client's whole view of the cluster.
    let coordinator = { nodeId: 1, port: 0 }
    const a = await coordinatorBroker(() => coordinator)
    const b = await coordinatorBroker(() => coordinator)
    coordinator = { nodeId: 1, port: a.port }
    const c = cluster({ brokers: [a.address, b.address], defaultApiTimeoutMs: 1_000 })
    expect(await c.coordinator('group', 'g')).toBe(1)
    expect(c.endpointOf({ nodeId: 1 }).port).toBe(a.port)

    await a.close()
    coordinator = { nodeId: 2, port: b.port }
    c.forgetCoordinator('group', 'g')
    expect(await c.coordinator('group', 'g')).toBe(2)
    expect(c.endpointOf({ nodeId: 2 }).port).toBe(b.port)
  })

  it('goes back to the bootstrap servers when every broker the metadata names refuses connections', async () => {
    const dead = await closedPort()
    const alive = await coordinatorBroker(() => ({ nodeId: 7, port: alive.port }))
    const c = cluster({ brokers: [`127.0.0.1:${dead}`, alive.address], defaultApiTimeoutMs: 1_000 })
    c.applyMetadata(metadataNaming(1, [dead]), [])
    await expect(c.sendTo('any', metadataApi, emptyMetadataRequest)).rejects.toBeInstanceOf(KafkaNetworkError)
    // Broker 1 refused: the next 'any' request goes to a bootstrap server that did not.
    expect(c.endpointOf('any').port).toBe(alive.port)
    expect(await c.coordinator('group', 'g')).toBe(7)
  })

  it('sends at the negotiated version capped by maxVersion, tells onConnection first, and writes one-way requests', async () => {
    const seen: Array<{ api: string; version: number }> = []
    const broker = await startFakeBroker(({ api, version }) => {
      seen.push({ api: api.name, version })
      return api === metadataApi ? metadataNaming(1, []) : undefined
    })
    brokers.push(broker)
    const c = cluster({ brokers: [broker.address] })
    let watched = 0
    await c.sendTo('any', metadataApi, emptyMetadataRequest, { maxVersion: 9, onConnection: () => watched++ })
    await c.sendTo('any', metadataApi, emptyMetadataRequest)
    expect(watched).toBe(1)
    expect(seen[0]).toEqual({ api: metadataApi.name, version: 9 })
    expect(seen[1]).toEqual({ api: metadataApi.name, version: metadataApi.maxVersion })
    // No answer comes to a one-way request: it resolves once written, and the broker still gets it.
    await c.sendOneWayTo('any', metadataApi, emptyMetadataRequest, { maxVersion: 4 })
    await vi.waitFor(() => expect(seen[2]).toEqual({ api: metadataApi.name, version: 4 }), { timeout: 2_000 })
  })

  it('pipelines: resolves once a request is queued, before its answer, with an async build or none to send', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let answered = 0
    const broker = await startFakeBroker(async ({ api }) => {
      if (api !== metadataApi) return undefined
      // The first answer waits until the second request arrived: both are in flight on one connection.
      if (++answered === 1) await held
      return metadataNaming(1, [])
    })
    brokers.push(broker)
    const c = cluster({ brokers: [broker.address] })
    const built: number[] = []
    const build = async (version: number) => {
      built.push(version)
      await new Promise((resolve) => setImmediate(resolve))
      return emptyMetadataRequest()
    }
    const first = await c.pipelineTo('any', metadataApi, build, { maxVersion: 9 })
    const second = await c.pipelineTo('any', metadataApi, build)
    expect(first).not.toBeNull()
    expect(second).not.toBeNull()
    const answers = Promise.all([first?.response, second?.response])
    answers.catch(() => {})
    await vi.waitFor(() => expect(broker.counts.get(metadataApi.name)).toBe(2), { timeout: 1_500 })
    expect(answered).toBe(1)
    release()
    await answers
    expect(built).toEqual([9, metadataApi.maxVersion])

    expect(await c.pipelineTo('any', metadataApi, () => null)).toBeNull()
    expect(await c.sendOneWayTo('any', metadataApi, () => Promise.resolve(null))).toBe(false)
    expect(broker.counts.get(metadataApi.name)).toBe(2)
  })

  it('refreshes metadata when the connection of a pipelined request is lost before its answer', async () => {
    const broker = await startFakeBroker(() => undefined)
    brokers.push(broker)
    const c = cluster({ brokers: [broker.address], requestTimeoutMs: 200 })
    c.applyMetadata(metadataNaming(1, [broker.port]), [])
    const refresh = vi.spyOn(c, 'refreshMetadata')
    const pipelined = await c.pipelineTo({ nodeId: 1 }, metadataApi, emptyMetadataRequest)
    expect(refresh).not.toHaveBeenCalled()
    // The broker never answers: the request times out, the connection closes, the metadata is asked again.
    await expect(pipelined?.response).rejects.toThrow(/no response within 200 ms/)
    expect(refresh).toHaveBeenCalledTimes(1)
  })
})
