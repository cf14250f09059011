/**
 * Cancellation of admin calls against the real broker: every call takes `{ signal }` and rejects
 * with `signal.reason`. An aborted signal sends nothing (the topic is not created, the group not
 * deleted); an abort right after the call started rejects at once, and the admin stays usable.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, type Admin } from '../../../src/index.js'
import { bootstrap } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'admin-abort-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const unique = (prefix: string): string => `${prefix}-${randomUUID()}`
let topic: string
let group: string

beforeAll(async () => {
  topic = unique('admin-abort')
  const [created] = await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
  expect(created?.error ?? null).toBeNull()
  group = unique('admin-abort-group')
  const c = kafka.consumer({ groupId: group, autoCommit: false })
  c.assign([{ topic, partition: 0 }])
  await c.commit([{ topic, partition: 0, offset: 0n }])
  await c.disconnect()
})

afterAll(() => kafka.close())

/** One call of each kind of admin operation, each with the given options. */
const calls: Array<[string, (a: Admin, options: { signal: AbortSignal }) => Promise<unknown>]> = [
  ['listTopics', (a, o) => a.listTopics(o)],
  ['describeTopics', (a, o) => a.describeTopics([topic], o)],
  ['createTopics', (a, o) => a.createTopics([{ topic: unique('never'), numPartitions: 1, replicationFactor: 1 }], o)],
  ['createPartitions', (a, o) => a.createPartitions([{ topic, count: 2 }], o)],
  ['listGroups', (a, o) => a.listGroups(o)],
  ['describeGroups', (a, o) => a.describeGroups([group], o)],
  ['deleteGroups', (a, o) => a.deleteGroups([group], o)],
  ['listConsumerGroupOffsets', (a, o) => a.listConsumerGroupOffsets(group, o)],
  ['listOffsets', (a, o) => a.listOffsets([{ topic, partition: 0, spec: 'latest' }], o)],
  ['describeConfigs', (a, o) => a.describeConfigs([{ type: 'topic', name: topic }], o)],
  ['describeCluster', (a, o) => a.describeCluster(o)],
  ['describeAcls', (a, o) => a.describeAcls(undefined, o)],
  ['describeLogDirs', (a, o) => a.describeLogDirs(undefined, o)],
  ['listTransactions', (a, o) => a.listTransactions(o)],
]

describe('admin calls with an AbortSignal', () => {
  it.each(calls)('%s rejects with the reason of an aborted signal', async (_name, call) => {
    const reason = new Error('aborted before the call')
    await expect(call(admin, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  it('an aborted signal leaves nothing behind: the topic is not created, the group not deleted, the partitions not added', async () => {
    const name = unique('admin-abort-never')
    const signal = AbortSignal.abort()
    await expect(admin.createTopics([{ topic: name, numPartitions: 1, replicationFactor: 1 }], { signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(admin.deleteGroups([group], { signal })).rejects.toMatchObject({ name: 'AbortError' })
    await expect(admin.createPartitions([{ topic, count: 3 }], { signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(await admin.listTopics()).not.toContain(name)
    expect((await admin.describeGroups([group]))[0]?.error ?? null).toBeNull()
    expect((await admin.describeTopics([topic]))[0]?.partitions).toHaveLength(1)
  })

  it.each(calls.filter(([name]) => !['createTopics', 'createPartitions', 'deleteGroups'].includes(name)))(
    '%s rejects at once when aborted right after it started, and the admin stays usable',
    async (_name, call) => {
      const controller = new AbortController()
      const reason = new Error('aborted while running')
      const running = call(admin, { signal: controller.signal })
      const aborted = performance.now()
      controller.abort(reason)
      await expect(running).rejects.toBe(reason)
      expect(performance.now() - aborted).toBeLessThan(100)
      expect(await admin.listTopics()).toContain(topic)
    },
  )

  it('a signal that has not aborted changes nothing', async () => {
    const controller = new AbortController()
    expect(await admin.listTopics({ signal: controller.signal })).toContain(topic)
    const [described] = await admin.describeGroups([group], { signal: controller.signal })
    expect(described?.groupId).toBe(group)
  })
})
