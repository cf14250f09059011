/**
 * Shared pieces of the consumer integration tests: one Kafka root per file, fresh topics, records
 * written by kafkats' producer or by kcat, and consuming a known number of messages with `run()`.
 */
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import type { Admin, Consumer, ConsumerMessage, Kafka } from '../../../src/index.js'

/** Creates a topic with a unique name and waits until it can be used. */
export async function newTopic(admin: Admin, prefix: string, partitions = 1, configs?: Record<string, string>): Promise<string> {
  const topic = `${prefix}-${randomUUID()}`
  const [result] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1, configs }])
  expect(result?.error ?? null).toBeNull()
  return topic
}

/** Writes `count` string records to one partition with kafkats' producer; returns their values. */
export async function produce(
  kafka: Kafka,
  topic: string,
  partition: number,
  count: number,
  options: { from?: number; timestamp?: (i: number) => number } = {},
): Promise<string[]> {
  const producer = kafka.producer()
  const from = options.from ?? 0
  const values = Array.from({ length: count }, (_, i) => `${topic.slice(0, 8)}-p${partition}-${from + i}`)
  await producer.sendBatch(
    values.map((value, i) => ({ topic, partition, key: `k${from + i}`, value, timestamp: options.timestamp?.(from + i) })),
  )
  await producer.disconnect()
  return values
}

/**
 * Runs the consumer until `count` messages were handled (each one after `delayMs`, if given), then
 * stops it from inside the handler. Rejects if `run` does, or if the count is not reached in time.
 */
export async function consume<K, V>(
  consumer: Consumer<K, V>,
  count: number,
  options: { delayMs?: number; timeoutMs?: number; onMessage?: (m: ConsumerMessage<K, V>) => void } = {},
): Promise<Array<ConsumerMessage<K, V>>> {
  const out: Array<ConsumerMessage<K, V>> = []
  const timeoutMs = options.timeoutMs ?? 60_000
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void consumer.stop()
      reject(new Error(`consumed ${out.length} of ${count} messages within ${timeoutMs} ms`))
    }, timeoutMs)
  })
  try {
    await Promise.race([
      consumer.run({
        eachMessage: async (m) => {
          if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs))
          out.push(m)
          options.onMessage?.(m)
          if (out.length === count) await consumer.stop()
        },
      }),
      deadline,
    ])
  } finally {
    clearTimeout(timer)
  }
  return out
}
