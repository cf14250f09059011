/**
 * Consumer groups through the real consumer (`kafka.consumer()` + `subscribe` + `run`), on both
 * group protocols: the partitions split with one owner each and every record is handled once, a
 * consumer killed with SIGKILL hands its partitions on, a joining consumer takes partitions only
 * after their owners gave them up (no record handled twice), a static member restarts into the same
 * partitions without disturbing the others, and a kafkats consumer shares a group with Kafka's
 * Java console consumer.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { Kafka, type ConsumerOptions } from '../../../src/index.js'
import { consumerGroupProtocolMissing, skippedTitle } from '../../support/broker-version.js'
import { bootstrap, kcat, runKafkaTool, waitFor } from '../../support/kafka.js'
import { describedMembers } from '../admin/consumer-group-command.js'
import { ChildConsumer, GroupConsumer, owners } from './group-consumers.js'

const kafka = new Kafka({ clientId: 'group-consumer-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const running: GroupConsumer[] = []
const children: ChildConsumer[] = []

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.kill()))
  await Promise.all(running.splice(0).map((c) => c.close().catch(() => {})))
})
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`
const partitionNames = (topic: string, count: number): string[] => Array.from({ length: count }, (_, p) => `${topic}-${p}`).sort()

async function createTopic(partitions: number): Promise<string> {
  const topic = unique('group-consumer')
  const [created] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  return topic
}

/** Writes `perPartition` records to every partition with kcat; returns their count. */
async function produceEverywhere(topic: string, partitions: number, perPartition: number): Promise<number> {
  for (let p = 0; p < partitions; p++) {
    const lines = Array.from({ length: perPartition }, (_, i) => `v${i}`).join('\n')
    const result = await kcat(['-b', bootstrap(), '-P', '-t', topic, '-p', String(p)], { input: `${lines}\n` })
    expect(result.code, result.stderr).toBe(0)
  }
  return partitions * perPartition
}

/** Every record handled by the group, as `partition:offset` → how many times. */
function handled(group: readonly GroupConsumer[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const c of group) for (const r of c.received) counts.set(r.key, (counts.get(r.key) ?? 0) + 1)
  return counts
}

function settled(group: readonly GroupConsumer[], expected: string[], sizes: number[], timeoutMs = 40_000): Promise<void> {
  return waitFor(
    () => {
      const map = owners(group)
      const counts = group.map((c) => c.owned.size).sort((a, b) => a - b)
      return [...map.keys()].sort().join() === expected.join() && counts.join() === sizes.join()
    },
    { timeoutMs, intervalMs: 100, message: `consumers settled as ${sizes.join('/')}` },
  ).then(() => undefined)
}

const protocols = [
  { protocol: 'classic' as const, sessionTimeoutMs: 6_000, incremental: { partitionAssigners: ['cooperative-sticky' as const] }, missing: undefined },
  { protocol: 'consumer' as const, sessionTimeoutMs: 10_000, incremental: {}, missing: consumerGroupProtocolMissing() },
]

for (const { protocol, sessionTimeoutMs, incremental, missing } of protocols) {
  describe.skipIf(missing !== undefined)(`consumer groups through kafka.consumer() ('${protocol}' protocol)${skippedTitle(missing)}`, () => {
    const base = (groupId: string, topic: string, extra: Partial<ConsumerOptions> = {}): ConsumerOptions & { groupId: string; topics: string[] } => ({
      groupId,
      topics: [topic],
      groupProtocol: protocol,
      heartbeatIntervalMs: 500,
      sessionTimeoutMs,
      ...extra,
    })
    const start = (options: ConsumerOptions & { groupId: string; topics: string[] }, clientId = unique(protocol)): GroupConsumer => {
      const c = new GroupConsumer(bootstrap(), { ...options, clientId })
      running.push(c)
      return c
    }

    it('three consumers split six partitions, one owner each, and handle every record exactly once', async () => {
      const topic = await createTopic(6)
      const groupId = unique('three')
      const group = [0, 1, 2].map(() => start(base(groupId, topic)))
      await settled(group, partitionNames(topic, 6), [2, 2, 2])
      const total = await produceEverywhere(topic, 6, 20)
      await waitFor(() => handled(group).size === total, { timeoutMs: 30_000, message: `${total} records handled` })
      const counts = handled(group)
      expect([...counts.values()].every((n) => n === 1)).toBe(true)
      // Each record was handled by the consumer that owns its partition.
      group.forEach((c) => {
        for (const r of c.received) expect(c.owned.has(r.key.split(':')[0] as string)).toBe(true)
      })
      expect(group.flatMap((c) => c.errors)).toEqual([])
    })

    it('a consumer killed with SIGKILL hands its partitions to the others within the session timeout', async () => {
      const topic = await createTopic(6)
      const groupId = unique('crash')
      const survivors = [start(base(groupId, topic)), start(base(groupId, topic))]
      const child = new ChildConsumer(bootstrap(), { ...base(groupId, topic), clientId: unique('doomed') })
      children.push(child)
      await waitFor(() => child.owned.length === 2 && survivors.every((c) => c.owned.size === 2), {
        timeoutMs: 40_000,
        message: `three consumers with two partitions each (child stderr: ${child.stderr.join('')})`,
      })
      const doomed = child.owned
      await child.kill()
      const total = await produceEverywhere(topic, 6, 10)
      await settled(survivors, partitionNames(topic, 6), [3, 3], sessionTimeoutMs + 20_000)
      await waitFor(() => handled(survivors).size === total, { timeoutMs: 30_000, message: 'the survivors handle every record' })
      const takenOver = survivors.flatMap((c) => c.sorted()).filter((p) => doomed.includes(p))
      expect(takenOver.sort()).toEqual([...doomed].sort())
    })

    it('a joining consumer takes partitions only after their owners gave them up; no record is handled twice', async () => {
      const topic = await createTopic(12)
      const groupId = unique('incremental')
      const options = base(groupId, topic, incremental)
      const old = [start(options), start(options), start(options)]
      await settled(old, partitionNames(topic, 12), [4, 4, 4])
      let total = await produceEverywhere(topic, 12, 10)
      await waitFor(() => handled(old).size === total, { timeoutMs: 30_000, message: 'first batch handled' })
      const before = old.map((c) => c.sorted())
      const marks = old.map((c) => c.events.length)

      let overlap: unknown = null
      const watcher = setInterval(() => {
        try {
          owners(running)
        } catch (error) {
          overlap ??= error
        }
      }, 5)
      const newcomer = start(options)
      total += await produceEverywhere(topic, 12, 10)
      await settled([...old, newcomer], partitionNames(topic, 12), [3, 3, 3, 3])
      total += await produceEverywhere(topic, 12, 5)
      const everyone = [...old, newcomer]
      await waitFor(() => handled(everyone).size === total, { timeoutMs: 30_000, message: 'every record handled' })
      clearInterval(watcher)
      expect(overlap).toBeNull()
      expect([...handled(everyone)].filter(([, n]) => n > 1)).toEqual([])

      old.forEach((c, i) => {
        const events = c.events.slice(marks[i])
        expect(events.filter((e) => e.kind === 'lost')).toEqual([])
        const revoked = events.filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions)
        expect(c.sorted()).toEqual(before[i]?.filter((p) => !revoked.includes(p)))
      })
      const revokedAt = new Map(old.flatMap((c, i) => c.events.slice(marks[i]).filter((e) => e.kind === 'revoked').flatMap((e) => e.partitions.map((p) => [p, e.at] as const))))
      expect(revokedAt.size).toBe(3)
      for (const e of newcomer.events.filter((x) => x.kind === 'assigned')) {
        for (const p of e.partitions) expect(e.at).toBeGreaterThanOrEqual(revokedAt.get(p) as number)
      }
    })

    it('a static member restarted within the session timeout gets its partitions back; the others see no rebalance', async () => {
      const topic = await createTopic(6)
      const groupId = unique('static')
      const group = [0, 1, 2].map((i) => start(base(groupId, topic, { groupInstanceId: `instance-${i}`, sessionTimeoutMs: 30_000 })))
      await settled(group, partitionNames(topic, 6), [2, 2, 2])
      await waitFor(async () => {
        const [d] = await admin.describeGroups([groupId])
        return d?.state === 'Stable' && d.members.every((m) => m.assignment.length === 2)
      })
      const marks = group.map((c) => c.events.length)
      const restarting = group[1] as GroupConsumer
      const partitions = restarting.sorted()
      await restarting.close()
      running.splice(running.indexOf(restarting), 1)
      const restarted = start(base(groupId, topic, { groupInstanceId: 'instance-1', sessionTimeoutMs: 30_000 }))
      await waitFor(() => restarted.owned.size === 2, { timeoutMs: 20_000, message: 'the restarted member owns its partitions' })
      expect(restarted.sorted()).toEqual(partitions)
      for (const i of [0, 2]) expect(group[i]?.events.slice(marks[i])).toEqual([])
    })

    it('shares a group with Kafka’s Java console consumer: partitions split without overlap', async () => {
      const topic = await createTopic(6)
      const groupId = unique('mixed')
      const javaProtocol =
        protocol === 'classic'
          ? ['--consumer-property', 'partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor']
          : ['--consumer-property', 'group.protocol=consumer']
      const java = runKafkaTool(
        'ConsoleConsumer',
        ['--bootstrap-server', bootstrap(), '--topic', topic, '--group', groupId, '--from-beginning', '--max-messages', '1', '--consumer-property', 'client.id=java-console', ...javaProtocol],
        { timeoutMs: 90_000 },
      )
      const ours = start(base(groupId, topic), 'kafkats-consumer')
      const rows = await waitFor(
        async () => {
          const r = await describedMembers(groupId, topic)
          return r.length === 2 && r.every((row) => row['#PARTITIONS'] === '3') && ours.owned.size === 3 ? r : undefined
        },
        { timeoutMs: 60_000, intervalMs: 500, message: 'kafkats and the Java consumer with three partitions each' },
      )
      const assignmentOf = (clientId: string): string[] => {
        const [t, list] = (rows.find((r) => r['CLIENT-ID'] === clientId)?.['CURRENT-ASSIGNMENT'] ?? '').split(':')
        return (list ?? '').split(',').map((p) => `${t}-${p}`).sort()
      }
      expect(assignmentOf('kafkats-consumer')).toEqual(ours.sorted())
      expect([...assignmentOf('java-console'), ...assignmentOf('kafkats-consumer')].sort()).toEqual(partitionNames(topic, 6))
      // Records reach each side from its own partitions only; the Java consumer leaves after one.
      await produceEverywhere(topic, 6, 2)
      const result = await java
      expect(result.code, result.stderr).toBe(0)
      const mine = new Set(assignmentOf('kafkats-consumer'))
      await settled([ours], partitionNames(topic, 6), [6])
      // Its own partitions' records reach kafkats (before the Java consumer left, or after the
      // rebalance that followed, depending on how quickly each side fetched).
      await waitFor(() => ours.received.some((r) => mine.has(r.key.split(':')[0] as string)), {
        timeoutMs: 20_000,
        message: 'kafkats to receive records of the partitions it was assigned beside the Java consumer',
      })
    })
  })
}
