/**
 * KIP-447 on the real broker: offsets sent in a transaction carry the consumer's group metadata
 * (`consumer.groupMetadata()`), so the group coordinator refuses them from a member whose
 * generation has moved on. A member that lost its partitions in a rebalance (a zombie) cannot
 * commit the offsets of work another member now owns; the current member can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaTransactionError, type Admin, type Consumer } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { newTopic } from '../consumer/helpers.js'

const ILLEGAL_GENERATION = 22

describe('sendOffsetsToTransaction with the consumer group metadata (KIP-447)', () => {
  let kafka: Kafka
  let admin: Admin
  const consumers: Consumer[] = []

  beforeAll(async () => {
    kafka = new Kafka({ brokers: [bootstrap()], clientId: 'kip447' })
    admin = kafka.admin()
  })

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})))
    admin?.close()
    await kafka?.close()
  })

  // No automatic commits: the only offsets in the group are those the transactions commit.
  function member(groupId: string): Consumer {
    const consumer = kafka.consumer({ groupId, autoCommit: false, partitionAssigners: ['range'], sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 })
    consumers.push(consumer)
    return consumer
  }

  async function committedOffset(groupId: string, topic: string): Promise<bigint | null> {
    const offsets = await admin.listConsumerGroupOffsets(groupId)
    return offsets.find((o) => o.topic === topic && o.partition === 0)?.offset ?? null
  }

  it('fences the offsets of a member whose generation is over, and takes those of the current one', async () => {
    const input = await newTopic(admin, 'kip447-in', 2)
    const output = await newTopic(admin, 'kip447-out', 1)
    const groupId = `kip447-${input.slice(-12)}`

    const first = member(groupId)
    await first.subscribe({ topics: [input] })
    void first.run({ eachMessage: async () => {} })
    await waitFor(() => first.assignment().length === 2, { timeoutMs: 60_000, message: 'first member owns both partitions' })
    const before = first.groupMetadata()
    expect(before.groupId).toBe(groupId)
    expect(before.generationId).toBeGreaterThan(0)
    expect(before.memberId).not.toBe('')

    const producer = kafka.producer({ transactionalId: `kip447-${input.slice(-12)}` })
    await producer.initTransactions()
    try {
      // While the generation is current, the offsets are taken.
      producer.beginTransaction()
      await producer.send({ topic: output, value: 'one' })
      await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 1n }], before)
      await producer.commitTransaction()
      await waitFor(async () => (await committedOffset(groupId, input)) === 1n, { timeoutMs: 30_000, message: 'offset 1 committed' })

      // A second member joins: the group moves to a newer generation and the first member's
      // metadata from before is a zombie's.
      const second = member(groupId)
      await second.subscribe({ topics: [input] })
      void second.run({ eachMessage: async () => {} })
      await waitFor(() => first.assignment().length === 1 && second.assignment().length === 1, {
        timeoutMs: 60_000,
        message: 'the partitions split between the members',
      })
      expect(first.groupMetadata().generationId).toBeGreaterThan(before.generationId)

      producer.beginTransaction()
      await producer.send({ topic: output, value: 'zombie' })
      const refused = await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 2n }], before).then(
        () => null,
        (error: unknown) => error,
      )
      expect(refused).toBeInstanceOf(KafkaTransactionError)
      expect((refused as KafkaTransactionError).code).toBe(ILLEGAL_GENERATION)
      expect((refused as KafkaTransactionError).abortable).toBe(true)
      await producer.abortTransaction()
      expect(await committedOffset(groupId, input)).toBe(1n)

      // The same producer, with the member's current metadata: taken.
      producer.beginTransaction()
      await producer.send({ topic: output, value: 'current' })
      await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: 3n }], first.groupMetadata())
      await producer.commitTransaction()
      await waitFor(async () => (await committedOffset(groupId, input)) === 3n, { timeoutMs: 30_000, message: 'offset 3 committed' })
    } finally {
      await producer.disconnect()
    }
  })

  it('reports generation -1 and no member id before the consumer joined', () => {
    const idle = member('kip447-idle')
    expect(idle.groupMetadata()).toEqual({ groupId: 'kip447-idle', generationId: -1, memberId: '', groupInstanceId: null })
  })
})
