import { afterEach, describe, expect, it } from 'vitest'
import { ClassicMembership } from '../../../../src/consumer/group/classic-membership.js'
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../../../src/protocol/consumer-protocol.js'
import { KafkaNetworkError, KafkaTimeoutError, type KafkaError } from '../../../../src/errors.js'
import { ErrorCode } from '../../../../src/protocol/error-codes.js'
import { heartbeatApi, type HeartbeatRequest, type HeartbeatResponse } from '../../../../src/protocol/messages/heartbeat.js'
import { joinGroupApi, type JoinGroupRequest } from '../../../../src/protocol/messages/join-group.js'
import { leaveGroupApi } from '../../../../src/protocol/messages/leave-group.js'
import { syncGroupApi, type SyncGroupRequest } from '../../../../src/protocol/messages/sync-group.js'
import type { ConsumerOptions } from '../../../../src/consumer/options.js'
import { CallLog, FakeCluster, context, deferred, until } from './fake-cluster.js'

const memberships: ClassicMembership[] = []
afterEach(async () => {
  await Promise.all(memberships.splice(0).map((m) => m.leave()))
})

interface Script {
  /** Generation the coordinator hands out next. */
  generation: number
  /** Other members of the group, with their subscription metadata. */
  others: Array<{ memberId: string; metadata: Uint8Array }>
  /** What SyncGroup gives this member when it is a follower. */
  assignment: Array<{ topic: string; partition: number }>
  leader: boolean
  heartbeat: (request: HeartbeatRequest) => HeartbeatResponse | Promise<HeartbeatResponse>
}

function setup(options: ConsumerOptions<never, never> = {}, script: Partial<Script> = {}) {
  const cluster = new FakeCluster()
  cluster.setTopics({ t: ['AAAAAAAAAAAAAAAAAAAAAQ', 4] })
  const log = new CallLog(cluster)
  const fatal: KafkaError[] = []
  const errors: KafkaError[] = []
  const s: Script = {
    generation: 1,
    others: [],
    assignment: [],
    leader: true,
    heartbeat: () => heartbeatApi.createResponse({}),
    ...script,
  }
  cluster.on(joinGroupApi, (request: JoinGroupRequest) => {
    if (request.memberId === '') return joinGroupApi.createResponse({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'me' })
    const self = { memberId: request.memberId, groupInstanceId: request.groupInstanceId, metadata: request.protocols[0]?.metadata as Uint8Array }
    return joinGroupApi.createResponse({
      generationId: s.generation,
      protocolName: request.protocols[0]?.name ?? null,
      leader: s.leader ? request.memberId : 'someone-else',
      memberId: request.memberId,
      members: s.leader ? [self, ...s.others.map((o) => ({ ...o, groupInstanceId: null }))] : [],
    })
  })
  cluster.on(syncGroupApi, (request: SyncGroupRequest) => {
    const mine = request.assignments.find((a) => a.memberId === request.memberId)
    return syncGroupApi.createResponse({ assignment: mine?.assignment ?? encodeAssignment(s.assignment, 3) })
  })
  cluster.on(heartbeatApi, (request: HeartbeatRequest) => s.heartbeat(request))
  cluster.on(leaveGroupApi, () => leaveGroupApi.createResponse({}))
  const membership = new ClassicMembership(context(cluster, log, { heartbeatIntervalMs: 5, ...options }, fatal, errors))
  memberships.push(membership)
  return { cluster, log, fatal, errors, membership, script: s }
}

describe('classic membership', () => {
  it('joins again at once with the member id from MEMBER_ID_REQUIRED, assigns as leader and syncs everyone', async () => {
    const { cluster, log, membership } = setup(
      { partitionAssigners: ['range'] },
      {
        others: [
          {
            memberId: 'zz-other',
            metadata: encodeSubscription({ topics: ['t'], ownedPartitions: [], generationId: -1 }),
          },
        ],
      },
    )
    await membership.join({ topics: ['t'] })
    const joins = cluster.sent('JoinGroup')
    expect(joins.map((j) => j.memberId)).toEqual(['', 'me'])
    expect(joins[1]?.rebalanceTimeoutMs).toBe(300_000)
    expect(decodeSubscription((joins[1]?.protocols as Array<{ metadata: Uint8Array }>)[0]?.metadata as Uint8Array).topics).toEqual(['t'])
    const [sync] = cluster.sent('SyncGroup') as unknown as SyncGroupRequest[]
    const given = new Map(sync?.assignments.map((a) => [a.memberId, decodeAssignment(a.assignment).map((p) => p.partition)]))
    expect(given).toEqual(new Map([['me', [0, 1]], ['zz-other', [2, 3]]]))
    expect(log.calls).toEqual([{ kind: 'assigned', partitions: ['t-0', 't-1'] }])
    expect(membership.metadata()).toMatchObject({ generationId: 1, memberId: 'me' })
    expect(cluster.interest.has('t')).toBe(true)
  })

  it("a coordinator fail-over's NOT_COORDINATOR answers do not stretch the backoff once the new coordinator is loading", async () => {
    const { cluster, membership } = setup()
    // Base 40 ms: after six counted failures the wait would be 40 x 2^6 ms (capped at 5 s).
    cluster.options.retryBackoff = { initialMs: 40, maxMs: 5_000 }
    const answered: number[] = []
    let joins = 0
    const normal = cluster.handlers.get(joinGroupApi.name) as (request: JoinGroupRequest, version: number) => unknown
    cluster.on(joinGroupApi, (request: JoinGroupRequest, version: number) => {
      joins++
      answered.push(Date.now())
      if (joins <= 6) return joinGroupApi.createResponse({ errorCode: ErrorCode.NOT_COORDINATOR })
      if (joins === 7) return joinGroupApi.createResponse({ errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS })
      return normal(request, version) as ReturnType<typeof joinGroupApi.createResponse>
    })
    await membership.join({ topics: ['t'] })
    expect(joins).toBeGreaterThanOrEqual(8)
    // The join after LOAD_IN_PROGRESS waits the first backoff step (about 40 ms), not 2.5 s.
    expect((answered[7] as number) - (answered[6] as number)).toBeLessThan(1_000)
  })

  it('eager: revokes everything before it sends JoinGroup again', async () => {
    const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'] })
    await membership.join({ topics: ['t'] })
    script.generation = 2
    let told = false
    script.heartbeat = () => {
      if (told) return heartbeatApi.createResponse({})
      told = true
      return heartbeatApi.createResponse({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS })
    }
    await until(() => membership.metadata().generationId === 2 && log.calls.length === 3, 'assigned again')
    expect(log.calls).toEqual([
      { kind: 'assigned', partitions: ['t-0', 't-1', 't-2', 't-3'] },
      { kind: 'revoked', partitions: ['t-0', 't-1', 't-2', 't-3'] },
      { kind: 'assigned', partitions: ['t-0', 't-1', 't-2', 't-3'] },
    ])
    // The revocation finished before the second JoinGroup went out, and that join claims nothing.
    const revokedAfterRequests = Number(log.timeline[1]?.split('@')[1])
    const joins = cluster.requests.map((r, i) => [r, i] as const).filter(([r]) => r.api === 'JoinGroup')
    const [second, index] = joins[2] as (typeof joins)[number]
    expect(index).toBeGreaterThanOrEqual(revokedAfterRequests)
    expect(decodeSubscription((second.request.protocols as Array<{ metadata: Uint8Array }>)[0]?.metadata as Uint8Array).ownedPartitions).toEqual([])
  })

  it('cooperative: revokes only what moved, then re-joins claiming what it kept', async () => {
    const { cluster, log, membership, script } = setup({ partitionAssigners: ['cooperative-sticky'] }, { leader: false, assignment: [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }] })
    await membership.join({ topics: ['t'] })
    expect(log.calls).toEqual([{ kind: 'assigned', partitions: ['t-0', 't-1'] }])
    script.generation = 2
    script.assignment = [{ topic: 't', partition: 0 }]
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS)
    await until(() => cluster.sent('JoinGroup').length >= 4, 'the follow-up join after the revocation')
    expect(log.calls.slice(1, 3)).toEqual([
      { kind: 'revoked', partitions: ['t-1'] },
      { kind: 'assigned', partitions: [] },
    ])
    const followUp = cluster.sent('JoinGroup')[3]
    const subscription = decodeSubscription((followUp?.protocols as Array<{ metadata: Uint8Array }>)[0]?.metadata as Uint8Array)
    expect(subscription.ownedPartitions).toEqual([{ topic: 't', partition: 0 }])
    expect(subscription.generationId).toBe(2)
  })

  it('ignores ILLEGAL_GENERATION from a heartbeat sent in an older generation, but acts on a current one', async () => {
    const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'] })
    await membership.join({ topics: ['t'] })
    const late = deferred<HeartbeatResponse>()
    let heldGeneration: number | undefined
    script.heartbeat = (request) => {
      heldGeneration ??= request.generationId
      return late.promise
    }
    await until(() => heldGeneration !== undefined, 'a heartbeat held back')
    expect(heldGeneration).toBe(1)
    // The group moves to generation 2 while that heartbeat is unanswered.
    script.generation = 2
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS)
    await until(() => membership.metadata().generationId === 2 && log.calls.length === 3, 'generation 2')
    // A wrongful re-join now would land in generation 99.
    script.generation = 99
    const sentBefore = cluster.requests.length
    script.heartbeat = () => heartbeatApi.createResponse({})
    late.resolve(heartbeatApi.createResponse({ errorCode: ErrorCode.ILLEGAL_GENERATION }))
    await until(() => cluster.requests.slice(sentBefore).some((r) => r.api === 'Heartbeat'), 'the next heartbeat')
    const next = cluster.requests.slice(sentBefore).find((r) => r.api === 'Heartbeat')
    expect(next?.request.generationId).toBe(2)
    expect(membership.metadata().generationId).toBe(2)
    expect(log.calls.map((c) => c.kind)).toEqual(['assigned', 'revoked', 'assigned'])

    // Now a current one: the generation is reset, the partitions are lost, and the member re-joins.
    script.generation = 3
    let refused = false
    script.heartbeat = () => {
      if (refused) return heartbeatApi.createResponse({})
      refused = true
      return heartbeatApi.createResponse({ errorCode: ErrorCode.ILLEGAL_GENERATION })
    }
    await until(() => membership.metadata().generationId === 3 && log.calls.length === 5, 'generation 3')
    expect(log.calls.slice(3).map((c) => c.kind)).toEqual(['lost', 'assigned'])
    expect(cluster.sent('JoinGroup').at(-1)?.memberId).toBe('me') // ILLEGAL_GENERATION keeps the member id
  })

  it('a REBALANCE_IN_PROGRESS answer to a heartbeat sent before its JoinGroup starts no second rebalance', async () => {
    const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'] })
    await membership.join({ topics: ['t'] })
    // A heartbeat of generation 1 is on its way when the member joins the rebalance it will report.
    const late = deferred<HeartbeatResponse>()
    let held = false
    script.heartbeat = () => {
      if (held) return heartbeatApi.createResponse({})
      held = true
      return late.promise
    }
    await until(() => held, 'a heartbeat held back')
    script.generation = 2
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS)
    await until(() => membership.metadata().generationId === 2 && log.calls.length === 3, 'generation 2')
    const joins = cluster.sent('JoinGroup').length
    // A join it should not make would land in generation 99.
    script.generation = 99
    const sentBefore = cluster.requests.length
    late.resolve(heartbeatApi.createResponse({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS }))
    const heartbeatsSince = () => cluster.requests.slice(sentBefore).filter((r) => r.api === 'Heartbeat')
    await until(() => heartbeatsSince().length >= 3, 'three heartbeats after the late answer')
    expect(heartbeatsSince().map((r) => r.request.generationId)).toEqual(heartbeatsSince().map(() => 2))
    expect(cluster.sent('JoinGroup')).toHaveLength(joins)
    expect(membership.metadata().generationId).toBe(2)
    expect(log.calls.map((c) => c.kind)).toEqual(['assigned', 'revoked', 'assigned'])
  })

  it('REBALANCE_IN_PROGRESS for a commit of an older generation starts no rebalance; for the current one it does', async () => {
    const { cluster, membership, script } = setup({ partitionAssigners: ['range'] })
    await membership.join({ topics: ['t'] })
    script.generation = 2
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS, 1)
    await until(() => membership.metadata().generationId === 2, 'generation 2')
    const joins = cluster.sent('JoinGroup').length
    // The answer to a commit made in generation 1 comes late; a join it should not make would land in 99.
    script.generation = 99
    const sentBefore = cluster.requests.length
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS, 1)
    const heartbeatsSince = () => cluster.requests.slice(sentBefore).filter((r) => r.api === 'Heartbeat')
    await until(() => heartbeatsSince().length >= 3, 'three heartbeats after the late answer')
    expect(cluster.sent('JoinGroup')).toHaveLength(joins)
    expect(membership.metadata().generationId).toBe(2)
    script.generation = 3
    membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS, 2)
    await until(() => membership.metadata().generationId === 3, 'generation 3')
  })

  it('heartbeats at the interval, not at the retry backoff, while it revokes for a rebalance in progress', async () => {
    const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'], heartbeatIntervalMs: 150 })
    await membership.join({ topics: ['t'] })
    const revoking = deferred<void>()
    const record = log.revoked.bind(log)
    log.revoked = async (partitions) => {
      await revoking.promise
      await record(partitions)
    }
    script.generation = 2
    const sentAt: number[] = []
    script.heartbeat = () => {
      sentAt.push(Date.now())
      return heartbeatApi.createResponse({ errorCode: sentAt.length === 1 ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE })
    }
    try {
      // The first heartbeat reports the rebalance; the revocation then takes long enough for the next.
      await until(() => sentAt.length >= 2, 'the heartbeat after REBALANCE_IN_PROGRESS', 3_000)
      // The retry backoff is 1-5 ms here: the next heartbeat must still wait about an interval.
      expect((sentAt[1] as number) - (sentAt[0] as number)).toBeGreaterThanOrEqual(100)
    } finally {
      revoking.resolve()
    }
    await until(() => membership.metadata().generationId === 2 && log.calls.at(-1)?.kind === 'assigned', 'generation 2')
    expect(cluster.sent('JoinGroup').length).toBe(3)
  })

  it('reports FENCED_INSTANCE_ID as fatal and treats the partitions as lost', async () => {
    const { log, membership, fatal, script } = setup({ partitionAssigners: ['range'], groupInstanceId: 'i-1' })
    await membership.join({ topics: ['t'] })
    script.heartbeat = () => heartbeatApi.createResponse({ errorCode: ErrorCode.FENCED_INSTANCE_ID })
    await until(() => fatal.length === 1, 'a fatal error')
    expect(fatal[0]?.code).toBe(ErrorCode.FENCED_INSTANCE_ID)
    await until(() => log.calls.at(-1)?.kind === 'lost', 'lost')
  })

  it('leave: a dynamic member revokes, then sends LeaveGroup; a static member sends none', async () => {
    const dynamic = setup({ partitionAssigners: ['range'] })
    await dynamic.membership.join({ topics: ['t'] })
    await dynamic.membership.leave()
    expect(dynamic.log.calls.at(-1)).toEqual({ kind: 'revoked', partitions: ['t-0', 't-1', 't-2', 't-3'] })
    const [leaveRequest] = dynamic.cluster.sent('LeaveGroup')
    expect(leaveRequest?.members).toMatchObject([{ memberId: 'me' }])

    const fixed = setup({ partitionAssigners: ['range'], groupInstanceId: 'static-1' })
    await fixed.membership.join({ topics: ['t'] })
    expect(fixed.cluster.sent('JoinGroup').at(-1)?.groupInstanceId).toBe('static-1')
    await fixed.membership.leave()
    expect(fixed.cluster.sent('LeaveGroup')).toEqual([])
    expect(fixed.log.calls.at(-1)?.kind).toBe('revoked')
  })

  it('leaves when not polled for maxPollIntervalMs and joins again on the next poll', async () => {
    const { cluster, log, membership } = setup({ partitionAssigners: ['range'], maxPollIntervalMs: 40 })
    await membership.join({ topics: ['t'] })
    await until(() => cluster.sent('LeaveGroup').length === 1, 'LeaveGroup after the poll timeout')
    await until(() => log.calls.at(-1)?.kind === 'lost', 'partitions lost')
    expect(membership.metadata().generationId).toBe(-1)
    const joins = cluster.sent('JoinGroup').length
    membership.polled()
    await until(() => cluster.sent('JoinGroup').length > joins && log.calls.at(-1)?.kind === 'assigned', 'joined again')
  })

  it('leader: re-joins when the partition count of a subscribed topic changes', async () => {
    const { cluster, membership } = setup({ partitionAssigners: ['range'] })
    await membership.join({ topics: ['t'] })
    const joins = cluster.sent('JoinGroup').length
    cluster.setTopics({ t: ['AAAAAAAAAAAAAAAAAAAAAQ', 6] })
    await cluster.refreshMetadata()
    await until(() => cluster.sent('JoinGroup').length > joins, 're-join')
  })

  describe('a live member always re-joins', () => {
    const cut = () => new KafkaNetworkError('connection to 127.0.0.1:9092 closed', { broker: '127.0.0.1:9092' })

    it('sends no heartbeat while its SyncGroup waits at the coordinator, and re-joins when the SyncGroup dies with its connection', async () => {
      const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'] }, { leader: false, assignment: [{ topic: 't', partition: 0 }] })
      await membership.join({ topics: ['t'] })
      // The next rebalance: the follower's SyncGroup is parked (the leader is dead), then its connection is cut.
      const parked = deferred<never>()
      let syncs = 0
      cluster.on(syncGroupApi, () => {
        syncs++
        if (syncs === 1) return parked.promise
        return syncGroupApi.createResponse({ assignment: encodeAssignment(script.assignment, 3) })
      })
      script.generation = 2
      script.assignment = [{ topic: 't', partition: 1 }]
      membership.commitRejected(ErrorCode.REBALANCE_IN_PROGRESS)
      await until(() => syncs === 1, 'a parked SyncGroup')
      const heartbeatsBefore = cluster.sent('Heartbeat').length
      // Twenty heartbeat intervals pass; none may queue behind the parked request.
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(cluster.sent('Heartbeat').length).toBe(heartbeatsBefore)
      const forgottenBefore = cluster.forgotten
      parked.reject(cut())
      await until(() => log.calls.at(-1)?.kind === 'assigned' && log.calls.at(-1)?.partitions[0] === 't-1', 'assigned after the cut')
      expect(cluster.forgotten).toBeGreaterThan(forgottenBefore)
      expect(cluster.sent('JoinGroup').length).toBeGreaterThanOrEqual(4)
      expect(membership.metadata().generationId).toBe(2)
    })

    it('re-joins when the coordinator dies under a pending JoinGroup', async () => {
      const { cluster, log, membership, script } = setup({ partitionAssigners: ['range'] })
      await membership.join({ topics: ['t'] })
      let cuts = 0
      const answer = cluster.handlers.get('JoinGroup') as (request: JoinGroupRequest) => unknown
      cluster.on(joinGroupApi, async (request: JoinGroupRequest) => {
        if (cuts < 3) {
          cuts++
          throw cut()
        }
        return answer(request) as never
      })
      script.generation = 5
      let told = false
      script.heartbeat = () => {
        if (told) return heartbeatApi.createResponse({})
        told = true
        return heartbeatApi.createResponse({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS })
      }
      await until(() => membership.metadata().generationId === 5 && log.calls.at(-1)?.kind === 'assigned', 'generation 5 after three failed joins')
      expect(cuts).toBe(3)
    })

    it('does not wait on a dead coordinator that FindCoordinator still names: it asks again and heartbeats the new one', async () => {
      const { cluster, membership, script } = setup({ partitionAssigners: ['range'] })
      await membership.join({ topics: ['t'] })
      // Node 1 dies: its connection is refused and the pool backs off from it, while the cluster has
      // not fenced it yet, so FindCoordinator keeps naming it.
      cluster.backingOff.add(1)
      const sentBefore = cluster.requests.length
      const forgottenBefore = cluster.forgotten
      await until(() => cluster.forgotten >= forgottenBefore + 3, 'lookups of the coordinator while node 1 is backed off')
      // None of them waited on node 1: the member asks FindCoordinator again instead.
      expect(cluster.requests.slice(sentBefore).filter((r) => r.nodeId === 1)).toEqual([])
      // The controller fences node 1 and node 2 takes the group over.
      cluster.coordinatorId = 2
      script.heartbeat = () => heartbeatApi.createResponse({})
      await until(() => cluster.requests.some((r, i) => i >= sentBefore && r.api === 'Heartbeat' && r.nodeId === 2), 'a heartbeat to node 2')
    })

    it('keeps trying and says so through onError once it has been without an assignment past the session timeout', async () => {
      const { cluster, errors, fatal, membership } = setup({ partitionAssigners: ['range'], sessionTimeoutMs: 60, heartbeatIntervalMs: 5 })
      cluster.on(joinGroupApi, async () => {
        throw cut()
      })
      void membership.join({ topics: ['t'] })
      await until(() => errors.length === 1, 'a stall report')
      expect(errors[0]).toBeInstanceOf(KafkaTimeoutError)
      expect(errors[0]?.message).toMatch(/group g has had no assignment for \d+ ms and is still trying to rejoin; last failure: connection/)
      const joinsAtReport = cluster.sent('JoinGroup').length
      await until(() => cluster.sent('JoinGroup').length > joinsAtReport + 2, 'joins go on after the report')
      expect(errors).toHaveLength(1) // once per episode
      expect(fatal).toEqual([])
    })
  })
})
