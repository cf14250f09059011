/**
 * Group administration against the real broker. Groups are made by independent clients (kcat's
 * balanced consumer for a classic group, Kafka's ConsoleConsumer with group.protocol=consumer for a
 * KIP-848 group) and every answer is checked against Kafka's ConsumerGroupCommand.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorCode, GroupState, GroupType, Kafka, KafkaBrokerError, type GroupDescription } from '../../../src/index.js'
import { consumerGroupProtocolMissing, skippedTitle } from '../../support/broker-version.js'
import { bootstrap, kcat, runKafkaTool, waitFor, type CommandResult } from '../../support/kafka.js'
import { describedMembers, listedGroups } from './consumer-group-command.js'

const kafka = new Kafka({ clientId: 'admin-groups-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
afterAll(() => kafka.close())

const unique = (prefix: string): string => `${prefix}-${randomUUID()}`
const topic = unique('groups')
const RECORDS = 30

async function produce(count: number, from = 0): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `key-${from + i}:value-${from + i}`).join('\n')
  const result = await kcat(['-b', bootstrap(), '-P', '-t', topic, '-K', ':'], { input: `${lines}\n` })
  expect(result.code, result.stderr).toBe(0)
}

beforeAll(async () => {
  const [created] = await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])
  expect(created?.error).toBeNull()
  await produce(RECORDS)
})

/** Waits until the group is Stable with one member that owns every partition of the topic. */
function stableWithOneMember(groupId: string): Promise<GroupDescription> {
  return waitFor(
    async () => {
      const [d] = await admin.describeGroups([groupId])
      return d?.state === GroupState.STABLE && d.members.length === 1 && d.members[0]?.assignment.length === 3 ? d : undefined
    },
    { timeoutMs: 40_000, intervalMs: 200, message: `group ${groupId} stable with one member` },
  )
}

/** The member's assignment as ConsumerGroupCommand prints it: `topic:0,1,2`. */
function assignmentText(partitions: ReadonlyArray<{ topic: string; partition: number }>): string {
  return `${topic}:${partitions.map((p) => p.partition).join(',')}`
}

/** Records in the topic now. */
async function recordCount(): Promise<number> {
  const ends = await admin.listOffsets([0, 1, 2].map((partition) => ({ topic, partition, spec: 'latest' as const })))
  return ends.reduce((sum, e) => sum + Number(e.offset), 0)
}

/** Lets a consumer that waits for `extra` more records finish, and waits for it to exit. */
async function finish(consumer: Promise<CommandResult>, extra: number): Promise<void> {
  await produce(extra, await recordCount())
  const result = await consumer
  expect(result.code, result.stderr).toBe(0)
}

describe('Admin groups against the real broker', () => {
  it('lists, describes and deletes a classic group made by kcat’s balanced consumer, as ConsumerGroupCommand sees it', async () => {
    const groupId = unique('classic')
    // Consumes everything, waits for 3 more records, then leaves the group and exits.
    const wanted = String((await recordCount()) + 3)
    const consumer = kcat(
      ['-b', bootstrap(), '-G', groupId, '-c', wanted, '-q', '-o', 'beginning', '-X', 'client.id=kcat-classic', topic],
      { timeoutMs: 50_000 },
    )
    const description = await stableWithOneMember(groupId)
    expect(description).toMatchObject({ type: GroupType.CLASSIC, protocolType: 'consumer', assignor: 'range', error: null })
    expect(description.groupEpoch).toBeNull()
    const [member] = description.members
    expect(member?.clientId).toBe('kcat-classic')

    const [row] = await describedMembers(groupId, topic)
    expect(row?.['CONSUMER-ID']).toBe(member?.memberId)
    expect(row?.HOST).toBe(member?.host)
    expect(row?.['CLIENT-ID']).toBe('kcat-classic')
    expect(row?.['#PARTITIONS']).toBe('3')
    expect(row?.['CURRENT-ASSIGNMENT']).toBe(assignmentText(member?.assignment ?? []))

    const listed = (await admin.listGroups()).find((g) => g.groupId === groupId)
    expect(listed).toEqual({ groupId, protocolType: 'consumer', state: GroupState.STABLE, type: GroupType.CLASSIC })
    const stable = await admin.listGroups({ states: [GroupState.STABLE], types: [GroupType.CLASSIC] })
    expect(stable.map((g) => g.groupId)).toContain(groupId)
    expect((await admin.listGroups({ states: [GroupState.EMPTY] })).map((g) => g.groupId)).not.toContain(groupId)
    expect((await admin.listGroups({ types: [GroupType.CONSUMER] })).map((g) => g.groupId)).not.toContain(groupId)

    // A group with members cannot be deleted.
    const [refused] = await admin.deleteGroups([groupId])
    expect(refused?.error?.code).toBe(ErrorCode.NON_EMPTY_GROUP)

    await finish(consumer, 3)
    const [empty] = await admin.describeGroups([groupId])
    expect(empty).toMatchObject({ state: GroupState.EMPTY, members: [] })
    expect((await listedGroups()).get(groupId)).toMatchObject({ TYPE: 'Classic', STATE: 'Empty' })

    const [deleted] = await admin.deleteGroups([groupId])
    expect(deleted?.error).toBeNull()
    expect((await listedGroups()).has(groupId)).toBe(false)
  })

  const kip848Missing = consumerGroupProtocolMissing()
  it.skipIf(kip848Missing !== undefined)(`describes a KIP-848 consumer group made by ConsoleConsumer, as ConsumerGroupCommand sees it${skippedTitle(kip848Missing)}`, async () => {
    const groupId = unique('modern')
    const consumer = runKafkaTool(
      'ConsoleConsumer',
      [
        '--bootstrap-server', bootstrap(), '--topic', topic, '--group', groupId, '--from-beginning',
        '--max-messages', String((await recordCount()) + 3),
        '--consumer-property', 'group.protocol=consumer', '--consumer-property', 'client.id=console-modern',
      ],
      { timeoutMs: 50_000 },
    )
    const description = await stableWithOneMember(groupId)
    expect(description).toMatchObject({ type: GroupType.CONSUMER, protocolType: 'consumer', assignor: 'uniform', error: null })
    expect(description.groupEpoch).toBeGreaterThan(0)
    expect(description.assignmentEpoch).toBe(description.groupEpoch)
    const [member] = description.members
    expect(member?.clientId).toBe('console-modern')
    expect(member?.subscribedTopics).toEqual([topic])
    expect(member?.targetAssignment).toEqual(member?.assignment)

    const [row] = await describedMembers(groupId)
    expect(row?.['CONSUMER-ID']).toBe(member?.memberId)
    expect(row?.['CLIENT-ID']).toBe('console-modern')
    expect(row?.['CURRENT-EPOCH']).toBe(String(member?.memberEpoch))
    expect(row?.['CURRENT-ASSIGNMENT']).toBe(assignmentText(member?.assignment ?? []))
    expect(row?.['TARGET-ASSIGNMENT']).toBe(assignmentText(member?.targetAssignment ?? []))

    expect((await admin.listGroups({ types: [GroupType.CONSUMER] })).find((g) => g.groupId === groupId)).toEqual({
      groupId,
      protocolType: 'consumer',
      state: GroupState.STABLE,
      type: GroupType.CONSUMER,
    })
    expect((await admin.listGroups({ types: [GroupType.CLASSIC] })).map((g) => g.groupId)).not.toContain(groupId)

    await finish(consumer, 3)
    const [empty] = await admin.describeGroups([groupId])
    expect(empty).toMatchObject({ type: GroupType.CONSUMER, state: GroupState.EMPTY, members: [] })
    expect((await listedGroups()).get(groupId)).toMatchObject({ TYPE: 'Consumer', STATE: 'Empty' })
  })

  it('reports missing groups per group, leaving the others unaffected', async () => {
    // An offsets-only group: created by an admin commit, no members, no protocol.
    const offsetsOnly = unique('offsets-only')
    const [committed] = await admin.alterConsumerGroupOffsets(offsetsOnly, [{ topic, partition: 0, offset: 1n }])
    expect(committed?.error).toBeNull()
    const missing = unique('missing')

    const described = await admin.describeGroups([missing, offsetsOnly])
    expect(described[0]?.error).toBeInstanceOf(KafkaBrokerError)
    expect(described[0]?.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    expect(described[1]).toMatchObject({
      groupId: offsetsOnly,
      type: GroupType.CLASSIC,
      protocolType: '',
      state: GroupState.EMPTY,
      error: null,
    })

    const deleted = await admin.deleteGroups([offsetsOnly, missing])
    expect(deleted[0]?.error).toBeNull()
    expect(deleted[1]?.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
    const [gone] = await admin.describeGroups([offsetsOnly])
    expect(gone?.error?.code).toBe(ErrorCode.GROUP_ID_NOT_FOUND)
  })
})
