/**
 * The classic group protocol against the real broker, driving memberships directly with a
 * recording listener: partitions split without overlap, a crashed member's partitions move on,
 * cooperative-sticky moves only what it must, static members restart without a rebalance, and a
 * kafkats member shares a group with Kafka's own Java consumer.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { bootstrap, kcat, runKafkaTool, waitFor } from '../../support/kafka.js'
import { describedMembers } from '../admin/consumer-group-command.js'
import { ChildMember, Member, ownership, partitionNames, type MemberOptions } from './group-harness.js'

const kafka = new Kafka({ clientId: 'group-classic-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const members: Member[] = []
const children: ChildMember[] = []

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()))
  await Promise.all(members.splice(0).map((m) => m.close().catch(() => {})))
})
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`

async function createTopic(partitions: number, name = unique('classic')): Promise<string> {
  const [created] = await admin.createTopics([{ topic: name, numPartitions: partitions, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  return name
}

function start(options: MemberOptions): Member {
  const member = new Member(bootstrap(), { heartbeatIntervalMs: 500, sessionTimeoutMs: 10_000, ...options })
  members.push(member)
  return member
}

/** Waits until `group` owns exactly `expected`, each partition once, spread as `sizes` (sorted). */
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

describe('classic group membership', () => {
  it('splits six partitions over three members, each partition owned by exactly one, as the coordinator sees it', async () => {
    const topic = await createTopic(6)
    const groupId = unique('three')
    const group = [0, 1, 2].map((i) => start({ groupId, subscription: { topics: [topic] }, clientId: `three-${i}` }))
    const owners = await settled(group, partitionNames(topic, 6), [2, 2, 2])
    await Promise.all(group.map((m) => m.joined))

    // Eager range: never two owners at any moment we looked (ownership() throws on overlap) and the
    // coordinator agrees with what each member was told.
    const [description] = await admin.describeGroups([groupId])
    expect(description?.assignor).toBe('range')
    expect(description?.members).toHaveLength(3)
    for (const m of description?.members ?? []) {
      const mine = group.find((g) => g.membership.metadata().memberId === m.memberId)
      expect(mine, `member ${m.memberId}`).toBeDefined()
      expect(m.assignment.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(mine?.listener.sorted())
    }
    const rows = await describedMembers(groupId)
    expect(rows.map((r) => r['#PARTITIONS'])).toEqual(['2', '2', '2'])
    expect(owners.size).toBe(6)
    // Every member is in the same generation.
    expect(new Set(group.map((m) => m.membership.metadata().generationId)).size).toBe(1)
  })

  it('moves the partitions of a member that died without leaving once its session times out', async () => {
    const topic = await createTopic(6)
    const groupId = unique('crash')
    const options = { groupId, subscription: { topics: [topic] }, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500 }
    const survivors = [start(options), start(options)]
    const child = new ChildMember(bootstrap(), { ...options, clientId: 'doomed' })
    children.push(child)
    await waitFor(() => child.owned.length === 2 && survivors.every((m) => m.listener.owned.size === 2), {
      timeoutMs: 40_000,
      message: `three members with two partitions each (child stderr: ${child.stderr.join('')})`,
    })
    const doomed = [...child.owned]
    await child.kill()
    const killedAt = Date.now()
    await settled(survivors, partitionNames(topic, 6), [3, 3], 6_000 + 20_000)
    const moved = survivors.flatMap((m) => m.listener.sorted()).filter((p) => doomed.includes(p))
    expect(moved.sort()).toEqual([...doomed].sort())
    // Not before the coordinator could have noticed: the session had to expire first.
    expect(Date.now() - killedAt).toBeGreaterThan(3_000)
    const [description] = await admin.describeGroups([groupId])
    expect(description?.members).toHaveLength(2)
  })

  it('cooperative-sticky: a new member takes partitions only after their owners revoked them; the rest stay owned throughout', async () => {
    const topic = await createTopic(12)
    const groupId = unique('coop')
    const options = { groupId, subscription: { topics: [topic] }, partitionAssigners: ['cooperative-sticky' as const] }
    const old = [start(options), start(options), start(options)]
    await settled(old, partitionNames(topic, 12), [4, 4, 4])
    expect(old[0]?.membership.metadata().generationId).toBeGreaterThan(0)
    const before = old.map((m) => m.listener.sorted())
    const mark = old.map((m) => m.listener.events.length)

    // Watch ownership continuously while the fourth member joins: a partition never has two owners.
    let overlapSeen: unknown = null
    const watcher = setInterval(() => {
      try {
        ownership(members)
      } catch (error) {
        overlapSeen = error
      }
    }, 5)
    const newcomer = start(options)
    await settled([...old, newcomer], partitionNames(topic, 12), [3, 3, 3, 3])
    clearInterval(watcher)
    expect(overlapSeen).toBeNull()

    old.forEach((m, i) => {
      const events = m.listener.events.slice(mark[i])
      // One partition revoked, nothing lost, nothing else touched: the others were owned throughout.
      expect(events.filter((e) => e.kind === 'lost')).toEqual([])
      const revoked = events.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions)
      expect(revoked).toHaveLength(1)
      expect(events.filter((e) => e.kind === 'assigned').flatMap((e) => e.partitions)).toEqual([])
      expect(m.listener.sorted()).toEqual(before[i]?.filter((p) => !revoked.includes(p)))
    })
    // The newcomer got exactly the revoked partitions, after they were revoked.
    const revokedAll = old.flatMap((m, i) => m.listener.events.slice(mark[i]).filter((e) => e.kind === 'revoked'))
    const grants = newcomer.listener.events.filter((e) => e.kind === 'assigned' && e.partitions.length > 0)
    expect(grants.flatMap((e) => e.partitions).sort()).toEqual(revokedAll.flatMap((e) => e.partitions).sort())
    expect(Math.min(...grants.map((e) => e.at))).toBeGreaterThanOrEqual(Math.max(...revokedAll.map((e) => e.at)))
  })

  it('static membership: a member restarted within the session timeout gets the same partitions without a rebalance', async () => {
    const topic = await createTopic(6)
    const groupId = unique('static')
    const base = { groupId, subscription: { topics: [topic] }, sessionTimeoutMs: 30_000 }
    const group = [0, 1, 2].map((i) => start({ ...base, groupInstanceId: `instance-${i}` }))
    await settled(group, partitionNames(topic, 6), [2, 2, 2])
    // Range orders static members by instance id.
    expect(group.map((m) => m.listener.sorted())).toEqual([
      [`${topic}-0`, `${topic}-1`],
      [`${topic}-2`, `${topic}-3`],
      [`${topic}-4`, `${topic}-5`],
    ])
    const generation = group[0]?.membership.metadata().generationId
    const marks = group.map((m) => m.listener.events.length)
    const oldMemberId = group[1]?.membership.metadata().memberId

    // "Restart" instance-1: close it (a static member sends no LeaveGroup) and start it again.
    const restarting = group[1] as Member
    await restarting.close()
    members.splice(members.indexOf(restarting), 1)
    const restarted = start({ ...base, groupInstanceId: 'instance-1' })
    await restarted.joined
    expect(restarted.listener.sorted()).toEqual([`${topic}-2`, `${topic}-3`])
    expect(restarted.membership.metadata().generationId).toBe(generation)
    expect(restarted.membership.metadata().memberId).not.toBe(oldMemberId)
    // The others saw nothing: no revocation, no new assignment, same generation.
    for (const i of [0, 2]) {
      expect(group[i]?.listener.events.slice(marks[i])).toEqual([])
      expect(group[i]?.membership.metadata().generationId).toBe(generation)
    }
    const [description] = await admin.describeGroups([groupId])
    expect(description?.members.map((m) => m.groupInstanceId).sort()).toEqual(['instance-0', 'instance-1', 'instance-2'])
  })

  it('shares a group with Kafka’s Java console consumer: the partitions are split with no overlap', async () => {
    const topic = await createTopic(6)
    const groupId = unique('mixed')
    const java = runKafkaTool(
      'ConsoleConsumer',
      [
        '--bootstrap-server', bootstrap(), '--topic', topic, '--group', groupId, '--from-beginning', '--max-messages', '1',
        '--consumer-property', 'partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor',
        '--consumer-property', 'client.id=java-console', '--consumer-property', 'heartbeat.interval.ms=500',
      ],
      { timeoutMs: 90_000 },
    )
    const ours = start({ groupId, subscription: { topics: [topic] }, clientId: 'kafkats-member' })
    const rows = await waitFor(
      async () => {
        const r = await describedMembers(groupId, topic)
        return r.length === 2 && r.every((row) => row['#PARTITIONS'] === '3') && ours.listener.owned.size === 3 ? r : undefined
      },
      { timeoutMs: 60_000, intervalMs: 500, message: 'kafkats and the Java consumer with three partitions each' },
    )
    const assignmentOf = (clientId: string): string[] => {
      const row = rows.find((r) => r['CLIENT-ID'] === clientId)
      // `topic:0,1,2`
      const [t, list] = (row?.['CURRENT-ASSIGNMENT'] ?? '').split(':')
      return (list ?? '').split(',').map((p) => `${t}-${p}`).sort()
    }
    const javaPartitions = assignmentOf('java-console')
    const ourPartitions = assignmentOf('kafkats-member')
    expect(ourPartitions).toEqual(ours.listener.sorted())
    expect([...javaPartitions, ...ourPartitions].sort()).toEqual(partitionNames(topic, 6))
    const [description] = await admin.describeGroups([groupId])
    expect(description?.assignor).toBe('range')

    // Let the console consumer read one record and leave.
    const lines = Array.from({ length: 12 }, (_, i) => `k${i}:v${i}`).join('\n')
    expect((await kcat(['-b', bootstrap(), '-P', '-t', topic, '-K', ':'], { input: `${lines}\n` })).code).toBe(0)
    const result = await java
    expect(result.code, result.stderr).toBe(0)
    await settled([ours], partitionNames(topic, 6), [6])
  })

  it('leaves the group when the application stops polling, and joins again when it polls', async () => {
    const topic = await createTopic(4)
    const groupId = unique('poll')
    const options = { groupId, subscription: { topics: [topic] }, maxPollIntervalMs: 3_000 }
    const [stuck, healthy] = [start(options), start(options)]
    await settled([stuck, healthy] as Member[], partitionNames(topic, 4), [2, 2])
    stuck?.stopPolling()
    await settled([stuck, healthy] as Member[], partitionNames(topic, 4), [0, 4], 20_000)
    expect(stuck?.listener.events.at(-1)?.kind).toBe('lost')
    expect(stuck?.membership.metadata().generationId).toBe(-1)
    stuck?.resumePolling()
    await settled([stuck, healthy] as Member[], partitionNames(topic, 4), [2, 2], 20_000)
  })

  it('re-assigns when a subscribed topic grows: the leader notices the new partition count', async () => {
    const topic = await createTopic(2)
    const groupId = unique('grow')
    const options = { groupId, subscription: { topics: [topic] }, metadataMaxAgeMs: 1_000 }
    const group = [start(options), start(options)]
    await settled(group, partitionNames(topic, 2), [1, 1])
    const [grown] = await admin.createPartitions([{ topic, count: 5 }])
    expect(grown?.error).toBeNull()
    await settled(group, partitionNames(topic, 5), [2, 3], 30_000)
  })

  it('a pattern subscription picks up topics created later', async () => {
    const prefix = unique('pattern')
    const first = await createTopic(2, `${prefix}-a`)
    const groupId = unique('pattern-group')
    const member = start({ groupId, subscription: { pattern: new RegExp(`^${prefix}-`) }, metadataMaxAgeMs: 1_000 })
    await settled([member], partitionNames(first, 2), [2])
    const second = await createTopic(3, `${prefix}-b`)
    await settled([member], [...partitionNames(first, 2), ...partitionNames(second, 3)].sort(), [5], 30_000)
  })
})
