/**
 * The KIP-848 consumer group protocol (groupProtocol 'consumer') against the real Kafka node (4.0+),
 * driving memberships directly with a recording listener: the same group scenarios as the classic
 * tests, with the coordinator assigning.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { GroupType, Kafka } from '../../../src/index.js'
import { consumerGroupProtocolMissing, skippedTitle } from '../../support/broker-version.js'
import { bootstrap, kcat, runKafkaTool, waitFor } from '../../support/kafka.js'
import { describedMembers } from '../admin/consumer-group-command.js'
import { ChildMember, Member, ownership, partitionNames, type MemberOptions } from './group-harness.js'

const kafka = new Kafka({ clientId: 'group-848-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const members: Member[] = []
const children: ChildMember[] = []

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()))
  await Promise.all(members.splice(0).map((m) => m.close().catch(() => {})))
})
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

async function createTopic(partitions: number, name = unique('kip848')): Promise<string> {
  const [created] = await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  return name
}

function start(options: MemberOptions): Member {
  const member = new Member(bootstrap(), { groupProtocol: 'consumer', ...options })
  members.push(member)
  return member
}

function settled(group: readonly Member[], expected: string[], sizes: number[], timeoutMs = 30_000): Promise<Map<string, number>> {
  return waitFor(
    () => {
      const owners = ownership(group)
      const counts = group.map((m) => m.listener.owned.size).sort((a, b) => a - b)
      const complete = [...owners.keys()].sort().join() === expected.join()
      return complete && counts.join() === sizes.join() ? owners : undefined
    },
    { timeoutMs, intervalMs: 100, message: `group settled as ${sizes.join('/')}` },
  )
}

/** Records any moment at which two members owned the same partition. */
function watchOverlap(): { stop: () => unknown } {
  let seen: unknown = null
  const timer = setInterval(() => {
    try {
      ownership(members)
    } catch (error) {
      seen ??= error
    }
  }, 5)
  return {
    stop: () => {
      clearInterval(timer)
      return seen
    },
  }
}

const kip848Missing = consumerGroupProtocolMissing()

describe.skipIf(kip848Missing !== undefined)(`KIP-848 consumer group membership${skippedTitle(kip848Missing)}`, () => {
  it('splits six partitions over three members, each owned by exactly one, as the coordinator sees it', async () => {
    const topic = await createTopic(6)
    const groupId = unique('three')
    const watch = watchOverlap()
    const group = [0, 1, 2].map((i) => start({ groupId, subscription: { topics: [topic] }, clientId: `kip848-${i}` }))
    await settled(group, partitionNames(topic, 6), [2, 2, 2])
    await Promise.all(group.map((m) => m.joined))
    expect(watch.stop()).toBeNull()

    const description = await waitFor(
      async () => {
        const [d] = await admin.describeGroups([groupId])
        return d?.members.length === 3 && d.members.every((m) => m.assignment.length === 2) ? d : undefined
      },
      { timeoutMs: 15_000, message: 'the coordinator shows three members with two partitions each' },
    )
    expect(description.type).toBe(GroupType.CONSUMER)
    for (const m of description.members) {
      const mine = group.find((g) => g.membership.metadata().memberId === m.memberId)
      expect(mine, `member ${m.memberId}`).toBeDefined()
      expect(m.assignment.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(mine?.listener.sorted())
      expect(m.memberEpoch).toBe(mine?.membership.metadata().generationId)
      expect(m.subscribedTopics).toEqual([topic])
    }
    // The member id is ours (KIP-1082): a 22-character UUID.
    expect(group[0]?.membership.metadata().memberId).toMatch(/^[A-Za-z0-9_-]{22}$/)
  })

  it('moves the partitions of a member that died without leaving once its session times out', async () => {
    const topic = await createTopic(6)
    const groupId = unique('crash')
    const options = { groupId, groupProtocol: 'consumer' as const, subscription: { topics: [topic] } }
    const survivors = [start(options), start(options)]
    const child = new ChildMember(bootstrap(), { ...options, clientId: 'doomed-848' })
    children.push(child)
    await waitFor(() => child.owned.length === 2 && survivors.every((m) => m.listener.owned.size === 2), {
      timeoutMs: 40_000,
      message: `three members with two partitions each (child stderr: ${child.stderr.join('')})`,
    })
    const doomed = [...child.owned]
    await child.kill()
    // The test broker's group.consumer.session.timeout.ms is 10 s.
    await settled(survivors, partitionNames(topic, 6), [3, 3], 10_000 + 20_000)
    const moved = survivors.flatMap((m) => m.listener.sorted()).filter((p) => doomed.includes(p))
    expect(moved.sort()).toEqual([...doomed].sort())
  })

  it('a new member gets partitions only after their owners revoked them; the rest stay owned throughout', async () => {
    const topic = await createTopic(12)
    const groupId = unique('incremental')
    const options = { groupId, subscription: { topics: [topic] } }
    const old = [start(options), start(options), start(options)]
    await settled(old, partitionNames(topic, 12), [4, 4, 4])
    const before = old.map((m) => m.listener.sorted())
    const marks = old.map((m) => m.listener.events.length)
    const watch = watchOverlap()
    const newcomer = start(options)
    await settled([...old, newcomer], partitionNames(topic, 12), [3, 3, 3, 3])
    expect(watch.stop()).toBeNull()

    const revokedAll = old.flatMap((m, i) => m.listener.events.slice(marks[i]).filter((e) => e.kind === 'revoked'))
    old.forEach((m, i) => {
      const events = m.listener.events.slice(marks[i])
      expect(events.filter((e) => e.kind === 'lost')).toEqual([])
      const revoked = events.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions)
      // What a member kept, it owned throughout.
      expect(m.listener.sorted()).toEqual(before[i]?.filter((p) => !revoked.includes(p)))
    })
    const grants = newcomer.listener.events.filter((e) => e.kind === 'assigned' && e.partitions.length > 0)
    expect(grants.flatMap((e) => e.partitions).sort()).toEqual(revokedAll.flatMap((e) => e.partitions).sort())
    expect(revokedAll.flatMap((e) => e.partitions)).toHaveLength(3)
  })

  it('static membership: a member that leaves with epoch -2 and comes back gets the same partitions, the others see nothing', async () => {
    const topic = await createTopic(6)
    const groupId = unique('static')
    const base = { groupId, subscription: { topics: [topic] } }
    const group = [0, 1, 2].map((i) => start({ ...base, groupInstanceId: `instance-${i}` }))
    await settled(group, partitionNames(topic, 6), [2, 2, 2])
    // Let the group settle on the coordinator's side too (all epochs acknowledged).
    await waitFor(async () => {
      const [d] = await admin.describeGroups([groupId])
      return d?.members.length === 3 && d.members.every((m) => m.assignment.length === 2 && m.memberEpoch === d.groupEpoch)
    })
    const [before] = await admin.describeGroups([groupId])
    const marks = group.map((m) => m.listener.events.length)
    const partitionsBefore = group[1]?.listener.sorted()

    const restarting = group[1] as Member
    await restarting.close()
    members.splice(members.indexOf(restarting), 1)
    const restarted = start({ ...base, groupInstanceId: 'instance-1' })
    await restarted.joined
    expect(restarted.listener.sorted()).toEqual(partitionsBefore)
    for (const i of [0, 2]) expect(group[i]?.listener.events.slice(marks[i])).toEqual([])
    const [after] = await admin.describeGroups([groupId])
    expect(after?.groupEpoch).toBe(before?.groupEpoch)
    expect(after?.members.map((m) => m.groupInstanceId).sort()).toEqual(['instance-0', 'instance-1', 'instance-2'])
  })

  it('shares a group with Kafka’s Java console consumer on the consumer protocol, with no overlap', async () => {
    const topic = await createTopic(6)
    const groupId = unique('mixed')
    const java = runKafkaTool(
      'ConsoleConsumer',
      [
        '--bootstrap-server', bootstrap(), '--topic', topic, '--group', groupId, '--from-beginning', '--max-messages', '1',
        '--consumer-property', 'group.protocol=consumer', '--consumer-property', 'client.id=java-console-848',
      ],
      { timeoutMs: 90_000 },
    )
    const ours = start({ groupId, subscription: { topics: [topic] }, clientId: 'kafkats-848' })
    const rows = await waitFor(
      async () => {
        const r = await describedMembers(groupId)
        return r.length === 2 && r.every((row) => row['#PARTITIONS'] === '3') && ours.listener.owned.size === 3 ? r : undefined
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'kafkats and the Java consumer with three partitions each' },
    )
    const assignmentOf = (clientId: string): string[] => {
      const row = rows.find((r) => r['CLIENT-ID'] === clientId)
      const [t, list] = (row?.['CURRENT-ASSIGNMENT'] ?? '').split(':')
      return (list ?? '').split(',').map((p) => `${t}-${p}`).sort()
    }
    expect(assignmentOf('kafkats-848')).toEqual(ours.listener.sorted())
    expect([...assignmentOf('java-console-848'), ...assignmentOf('kafkats-848')].sort()).toEqual(partitionNames(topic, 6))

    const lines = Array.from({ length: 12 }, (_, i) => `k${i}:v${i}`).join('\n')
    expect((await kcat(['-b', bootstrap(), '-P', '-t', topic, '-K', ':'], { input: `${lines}\n` })).code).toBe(0)
    const result = await java
    expect(result.code, result.stderr).toBe(0)
    await settled([ours], partitionNames(topic, 6), [6])
  })

  it('leaves when the application stops polling (its partitions are lost and move), and joins again when it polls', async () => {
    const topic = await createTopic(4)
    const groupId = unique('poll')
    const options = { groupId, subscription: { topics: [topic] }, maxPollIntervalMs: 3_000 }
    const stuck = start(options)
    const healthy = start(options)
    await settled([stuck, healthy], partitionNames(topic, 4), [2, 2])
    stuck.stopPolling()
    await settled([stuck, healthy], partitionNames(topic, 4), [0, 4], 20_000)
    expect(stuck.listener.events.at(-1)?.kind).toBe('lost')
    stuck.resumePolling()
    await settled([stuck, healthy], partitionNames(topic, 4), [2, 2], 20_000)
  })

  it('takes partitions added to a topic, and of a subscribed topic created after joining (topic ids resolved on demand)', async () => {
    const topic = await createTopic(2)
    const later = unique('kip848-later')
    const groupId = unique('grow')
    // The default metadata age (5 min) is far beyond this test: the member must look up unknown ids itself.
    const member = start({ groupId, subscription: { topics: [topic, later] } })
    await settled([member], partitionNames(topic, 2), [2])
    const [grown] = await admin.createPartitions([{ topic, count: 4 }])
    expect(grown?.error).toBeNull()
    await settled([member], partitionNames(topic, 4), [4])
    await createTopic(2, later)
    await settled([member], [...partitionNames(topic, 4), ...partitionNames(later, 2)].sort(), [6])
  })

  it('a pattern subscription picks up topics created later', async () => {
    const prefix = unique('kip848-pattern')
    const first = await createTopic(2, `${prefix}-a`)
    const member = start({ groupId: unique('pattern'), subscription: { pattern: new RegExp(`^${prefix}-`) }, metadataMaxAgeMs: 1_000 })
    await settled([member], partitionNames(first, 2), [2])
    const second = await createTopic(3, `${prefix}-b`)
    await settled([member], [...partitionNames(first, 2), ...partitionNames(second, 3)].sort(), [5], 30_000)
  })
})
