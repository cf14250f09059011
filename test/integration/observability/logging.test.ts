/**
 * Logging against the real broker: a group member logs its assignment and its revocation at info
 * with the root's clientId and its group id bound, and the connections it opened at debug.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { Kafka } from '../../../src/index.js'
import { bootstrap, waitFor } from '../../support/kafka.js'
import { recordingLogger, type LogLine } from '../../support/recording-logger.js'
import { newTopic } from '../consumer/helpers.js'

const lines: LogLine[] = []
const kafka = new Kafka({ clientId: 'logging-test', brokers: bootstrap().split(','), logger: recordingLogger(lines) })
const admin = kafka.admin()

afterAll(async () => {
  await kafka.close()
})

describe('logging', () => {
  it('a group member logs its assigned and revoked partitions with clientId and groupId', async () => {
    const topic = await newTopic(admin, 'logging', 2)
    const groupId = `logging-${randomUUID()}`
    const consumer = kafka.consumer({ groupId })
    await consumer.subscribe({ topics: [topic] })
    const running = consumer.run({ eachMessage: () => {} })
    await waitFor(() => lines.some((l) => l.message === 'partitions assigned' && l.fields.groupId === groupId), {
      timeoutMs: 60_000,
      message: 'the assignment to be logged',
    })
    const assigned = lines.find((l) => l.message === 'partitions assigned' && l.fields.groupId === groupId)
    expect(assigned).toMatchObject({ level: 'info', fields: { clientId: 'logging-test', role: 'consumer', groupId, partitions: `${topic}-0, ${topic}-1` } })
    await consumer.disconnect()
    await running
    expect(lines.some((l) => l.message === 'partitions revoked' && l.fields.groupId === groupId && l.fields.partitions === `${topic}-0, ${topic}-1`)).toBe(true)
    expect(lines.some((l) => l.level === 'debug' && l.message === 'connection opened' && l.fields.clientId === 'logging-test')).toBe(true)
  })
})
