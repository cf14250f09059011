import { afterEach, describe, expect, it } from 'vitest'
import { ConsumerProtocolMembership } from '../../../../src/consumer/group/consumer-protocol-membership.js'
import type { KafkaError } from '../../../../src/errors.js'
import { ErrorCode } from '../../../../src/protocol/error-codes.js'
import {
  consumerGroupHeartbeatApi,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
} from '../../../../src/protocol/messages/consumer-group-heartbeat.js'
import type { ConsumerOptions } from '../../../../src/consumer/options.js'
import { CallLog, FakeCluster, context, until } from './fake-cluster.js'

const ORDERS = 'AAAAAAAAAAAAAAAAAAAAAQ'
const PAYMENTS = 'AAAAAAAAAAAAAAAAAAAAAg'

const memberships: ConsumerProtocolMembership[] = []
afterEach(async () => {
  await Promise.all(memberships.splice(0).map((m) => m.leave()))
})

type Target = Record<string, number[]> | null

/**
 * A coordinator that answers every heartbeat with the member's epoch and, when the test set one,
 * a new target assignment (sent once, then null for "unchanged").
 */
function setup(options: ConsumerOptions<never, never> = {}) {
  const cluster = new FakeCluster()
  cluster.setTopics({ orders: [ORDERS, 4] })
  const log = new CallLog(cluster)
  const fatal: KafkaError[] = []
  const coordinator = {
    epoch: 1,
    pending: { [ORDERS]: [0, 1] } as Target,
    next: null as ((request: ConsumerGroupHeartbeatRequest) => ConsumerGroupHeartbeatResponse | null) | null,
  }
  cluster.on(consumerGroupHeartbeatApi, (request: ConsumerGroupHeartbeatRequest) => {
    const scripted = coordinator.next?.(request) ?? null
    if (scripted !== null) return scripted
    if (request.memberEpoch < 0) return consumerGroupHeartbeatApi.createResponse({ memberId: request.memberId, memberEpoch: request.memberEpoch })
    const target = coordinator.pending
    coordinator.pending = null
    return consumerGroupHeartbeatApi.createResponse({
      memberId: request.memberId,
      memberEpoch: coordinator.epoch,
      heartbeatIntervalMs: 10,
      assignment:
        target === null
          ? null
          : { topicPartitions: Object.entries(target).map(([topicId, partitions]) => ({ topicId, partitions })) },
    })
  })
  const membership = new ConsumerProtocolMembership(context(cluster, log, { groupProtocol: 'consumer', ...options }, fatal))
  memberships.push(membership)
  const heartbeats = (): ConsumerGroupHeartbeatRequest[] => cluster.sent('ConsumerGroupHeartbeat') as unknown as ConsumerGroupHeartbeatRequest[]
  return { cluster, log, fatal, membership, coordinator, heartbeats }
}

describe('KIP-848 membership', () => {
  it('joins with everything, then sends only what changed; the member id is its own and stays', async () => {
    const { membership, heartbeats, log } = setup({ maxPollIntervalMs: 60_000, groupRemoteAssignor: 'range' })
    await membership.join({ topics: ['orders'] })
    await until(() => heartbeats().length >= 4, 'a few heartbeats')
    const [first, ...rest] = heartbeats()
    expect(first).toMatchObject({
      memberEpoch: 0,
      rebalanceTimeoutMs: 60_000,
      subscribedTopicNames: ['orders'],
      serverAssignor: 'range',
      topicPartitions: [],
    })
    expect(first?.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(log.calls).toEqual([{ kind: 'assigned', partitions: ['orders-0', 'orders-1'] }])
    // The acknowledgement carries the owned partitions; later heartbeats leave everything null.
    const ack = rest.find((h) => h.topicPartitions !== null)
    expect(ack?.topicPartitions?.map((t) => [t.topicId, t.partitions])).toEqual([[ORDERS, [0, 1]]])
    const quiet = rest.at(-1)
    expect(quiet).toMatchObject({ memberEpoch: 1, subscribedTopicNames: null, serverAssignor: null, topicPartitions: null, rebalanceTimeoutMs: -1 })
    expect(new Set(heartbeats().map((h) => h.memberId)).size).toBe(1)
  })

  it('revokes before it assigns, and acknowledges at once', async () => {
    const { membership, heartbeats, log, coordinator } = setup()
    await membership.join({ topics: ['orders'] })
    coordinator.epoch = 2
    coordinator.pending = { [ORDERS]: [1, 2] }
    await until(() => log.calls.length === 3, 'revoke and assign')
    expect(log.calls.slice(1)).toEqual([
      { kind: 'revoked', partitions: ['orders-0'] },
      { kind: 'assigned', partitions: ['orders-2'] },
    ])
    await until(() => heartbeats().some((h) => h.topicPartitions?.[0]?.partitions.join() === '1,2'), 'the acknowledgement')
  })

  it('keeps topic ids it cannot name pending (not revoked), refreshes metadata, and assigns them once known', async () => {
    const { cluster, membership, log, coordinator } = setup()
    await membership.join({ topics: ['orders', 'payments'] })
    coordinator.epoch = 2
    coordinator.pending = { [ORDERS]: [0, 1], [PAYMENTS]: [0] }
    const refreshes = cluster.refreshes
    await until(() => cluster.refreshes > refreshes, 'a metadata refresh for the unknown id')
    expect(log.calls).toEqual([{ kind: 'assigned', partitions: ['orders-0', 'orders-1'] }])
    // The topic shows up in metadata: the pending partition is assigned, nothing was revoked.
    cluster.setTopics({ orders: [ORDERS, 4], payments: [PAYMENTS, 1] })
    await until(() => log.calls.length === 2, 'payments assigned', 3_000)
    expect(log.calls[1]).toEqual({ kind: 'assigned', partitions: ['payments-0'] })
  })

  it('FENCED_MEMBER_EPOCH: the partitions are lost and the member joins again with epoch 0 and the same id', async () => {
    const { membership, heartbeats, log, coordinator } = setup()
    await membership.join({ topics: ['orders'] })
    const id = heartbeats()[0]?.memberId
    let fenced = false
    coordinator.next = (request) => {
      if (fenced || request.memberEpoch === 0) return null
      fenced = true
      return consumerGroupHeartbeatApi.createResponse({ errorCode: ErrorCode.FENCED_MEMBER_EPOCH, memberEpoch: -1 })
    }
    coordinator.epoch = 5
    coordinator.pending = { [ORDERS]: [3] }
    await until(() => log.calls.length === 3, 'lost, then assigned again')
    expect(log.calls.slice(1)).toEqual([
      { kind: 'lost', partitions: ['orders-0', 'orders-1'] },
      { kind: 'assigned', partitions: ['orders-3'] },
    ])
    const rejoin = heartbeats().filter((h) => h.memberEpoch === 0).at(-1)
    expect(rejoin).toMatchObject({ memberId: id, subscribedTopicNames: ['orders'], topicPartitions: [] })
  })

  it('fatal errors end the membership: UNRELEASED_INSTANCE_ID', async () => {
    const { membership, fatal, coordinator } = setup({ groupInstanceId: 'i-1' })
    coordinator.next = () => consumerGroupHeartbeatApi.createResponse({ errorCode: ErrorCode.UNRELEASED_INSTANCE_ID })
    await membership.join({ topics: ['orders'] })
    expect(fatal.map((e) => e.code)).toEqual([ErrorCode.UNRELEASED_INSTANCE_ID])
  })

  it('leaves with epoch -1, or -2 for a static member, after revoking', async () => {
    const dynamic = setup()
    await dynamic.membership.join({ topics: ['orders'] })
    await dynamic.membership.leave()
    expect(dynamic.log.calls.at(-1)?.kind).toBe('revoked')
    expect(dynamic.heartbeats().at(-1)?.memberEpoch).toBe(-1)

    const fixed = setup({ groupInstanceId: 'static-1' })
    await fixed.membership.join({ topics: ['orders'] })
    expect(fixed.heartbeats()[0]?.instanceId).toBe('static-1')
    await fixed.membership.leave()
    expect(fixed.heartbeats().at(-1)).toMatchObject({ memberEpoch: -2, instanceId: 'static-1' })
  })

  it('after maxPollIntervalMs without a poll: partitions lost, leaves with -1, joins again with epoch 0 on the next poll', async () => {
    const { membership, heartbeats, log, coordinator } = setup({ maxPollIntervalMs: 40 })
    await membership.join({ topics: ['orders'] })
    await until(() => heartbeats().some((h) => h.memberEpoch === -1), 'the leave heartbeat')
    expect(log.calls.at(-1)).toEqual({ kind: 'lost', partitions: ['orders-0', 'orders-1'] })
    const sent = heartbeats().length
    coordinator.pending = { [ORDERS]: [0, 1] }
    membership.polled()
    await until(() => log.calls.length === 3, 'assigned again')
    expect(heartbeats()[sent]?.memberEpoch).toBe(0)
  })
})
