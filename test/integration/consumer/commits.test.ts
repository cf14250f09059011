/**
 * Committed offsets as Kafka's own ConsumerGroupCommand sees them: manual commits of processed
 * offsets (assign() with a groupId commits as Java's standalone consumer: generation -1, no member
 * id), auto-commit of what was processed, the commit on disconnect, and a failing handler whose
 * partition is never committed past the failed record.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Kafka, KafkaHandlerError, stringSerde, type AutoCommitEvent } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { committedOffsets } from '../admin/consumer-group-command.js'
import { consume, newTopic, produce } from './helpers.js'

const kafka = new Kafka({ clientId: 'consumer-commits-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
let topic: string

beforeAll(async () => {
  topic = await newTopic(admin, 'consume-commits', 2)
  await produce(kafka, topic, 0, 30)
  await produce(kafka, topic, 1, 12)
})

afterAll(() => kafka.close())

const tp = (partition: number) => ({ topic, partition })

describe('commits seen by ConsumerGroupCommand', () => {
  it('manual commit() stores the processed offsets; commit(message) the offset after it', async () => {
    const group = `manual-${randomUUID()}`
    const c = kafka.consumer({ groupId: group, autoCommit: false, autoOffsetReset: 'earliest', valueDeserializer: stringSerde })
    c.assign([tp(0), tp(1)])
    const messages = await consume(c, 42)
    expect(messages).toHaveLength(42)
    await c.commit()
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-0`, 30n], [`${topic}-1`, 12n]]))

    const eleventh = messages.filter((m) => m.partition === 0)[10]
    expect(eleventh?.offset).toBe(10n)
    await c.commit(eleventh)
    await c.commit([{ topic, partition: 1, offset: 4n, metadata: 'by hand' }])
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-0`, 11n], [`${topic}-1`, 4n]]))
    expect((await c.committed([tp(1)]))[0]).toMatchObject({ offset: 4n, metadata: 'by hand' })
    await c.disconnect()
  })

  it('auto-commit stores what was processed, and disconnect() commits the rest', async () => {
    const group = `auto-${randomUUID()}`
    const events: AutoCommitEvent[] = []
    const c = kafka.consumer({ groupId: group, autoCommitIntervalMs: 200, autoOffsetReset: 'earliest' })
    c.on('commit', (e) => events.push(e))
    c.assign([tp(0)])
    await consume(c, 10)
    await waitFor(() => events.some((e) => e.error === null && e.offsets.some((o) => o.offset === 10n)), {
      message: 'an auto-commit of offset 10',
    })
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-0`, 10n]]))

    // A long interval: only disconnect() can commit what is processed next.
    const d = kafka.consumer({ groupId: group, autoCommitIntervalMs: 600_000, autoOffsetReset: 'earliest' })
    d.assign([tp(0)])
    const more = await consume(d, 5)
    expect(more.map((m) => m.offset)).toEqual([10n, 11n, 12n, 13n, 14n])
    await d.disconnect()
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-0`, 15n]]))
    await c.disconnect()
  })

  it('a failing handler: auto-commit stops before the failed record', async () => {
    const group = `failing-${randomUUID()}`
    const c = kafka.consumer({ groupId: group, autoCommitIntervalMs: 600_000, autoOffsetReset: 'earliest' })
    const errors: unknown[] = []
    c.on('error', (e) => errors.push(e))
    c.assign([tp(1)])
    const failure = await c
      .run({
        eachMessage: (m) => {
          if (m.offset === 7n) throw new Error('cannot handle 7')
        },
      })
      .catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KafkaHandlerError)
    expect(errors).toEqual([failure])
    await c.disconnect()
    expect(await committedOffsets(group)).toEqual(new Map([[`${topic}-1`, 7n]]))
  })
})
