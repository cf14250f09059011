/**
 * A tour of kafkats in one run: `npm run demo`.
 *
 * Uses the cluster in KAFKA_BROKERS, or starts a local Kafka (scripts/kafka-local.sh: Apache Kafka
 * jars from Maven Central, one node on 127.0.0.1:9092) and stops it at the end. Then it creates a
 * topic, produces with the three send styles, and consumes with a consumer group, first with
 * auto-commit, then committing by hand after processing.
 */
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { Kafka, stringSerde, type ConsumerMessage } from 'kafkats'

const script = fileURLToPath(new URL('../scripts/kafka-local.sh', import.meta.url))
const say = (text: string): void => console.log(`\n▶ ${text}`)
const detail = (text: string): void => console.log(`  ${text}`)

function localKafka(command: 'single-acquire' | 'single-release'): string {
  const result = spawnSync('bash', [script, command, String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (result.status !== 0) throw new Error(`scripts/kafka-local.sh ${command} failed`)
  return result.stdout.trim().split('\n').pop() ?? ''
}

const external = process.env.KAFKA_BROKERS
let brokers: string[]
if (external !== undefined && external !== '') {
  brokers = external.split(',')
  say(`Using the Kafka cluster in KAFKA_BROKERS: ${brokers.join(', ')}`)
} else {
  say('No KAFKA_BROKERS set: starting a local Kafka (first run downloads its jars from Maven Central)…')
  brokers = localKafka('single-acquire').replace(/^bootstrap=/, '').split(',')
  detail(`Kafka is up at ${brokers.join(', ')}`)
}

const kafka = new Kafka({ clientId: 'kafkats-demo', brokers })
const topic = `demo-orders-${randomUUID().slice(0, 8)}`
try {
  say(`Creating topic ${topic} with 3 partitions`)
  const [created] = await kafka.admin().createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])
  if (created?.error) throw created.error
  detail(`created, topic id ${created?.topicId}`)

  const producer = kafka.producer({ lingerMs: 5 })
  await producer.connect()

  say('Sync send: await each record; you learn its partition and offset before sending the next')
  for (const id of ['order-1', 'order-2', 'order-3']) {
    const meta = await producer.send({ topic, key: id, value: JSON.stringify({ id, total: 10 }) })
    detail(`${id} → partition ${meta.partition}, offset ${meta.offset}`)
  }

  say('Async send: 300 records in flight at once, batched per partition, results handled as they come')
  const results = await Promise.allSettled(
    Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: `customer-${i % 10}`, value: `event ${i}` })),
  )
  detail(`${results.filter((r) => r.status === 'fulfilled').length} delivered, ${results.filter((r) => r.status === 'rejected').length} failed`)

  say('Fire-and-forget: no await; failures arrive as deliveryError events, then flush() waits for the rest')
  producer.on('deliveryError', (error) => detail(`delivery failed: ${error.errorName} — ${error.message}`))
  for (let i = 0; i < 100; i++) void producer.send({ topic, value: `metric ${i}` })
  void producer.send({ topic, value: 'to a partition that does not exist', partition: 99 })
  await producer.flush()
  detail('flushed: 100 metrics delivered, and the bad record reported above')
  await producer.disconnect()

  const total = 3 + 300 + 100
  const groupId = `demo-group-${randomUUID().slice(0, 8)}`

  say(`Consumer group ${groupId} with auto-commit: processed offsets are committed in the background`)
  const auto = kafka.consumer({ groupId, autoOffsetReset: 'earliest', autoCommitIntervalMs: 500, valueDeserializer: stringSerde })
  auto.on('rebalance', (e) => detail(`rebalance: ${e.type} partitions ${e.partitions.map((p) => p.partition).join(', ')}`))
  await auto.subscribe({ topics: [topic] })
  let seen = 0
  await auto.run({
    eachMessage: async (message) => {
      seen++
      if (seen <= 2) detail(`got ${message.partition}/${message.offset}: ${String(message.value)}`)
      if (seen === 200) await auto.stop()
    },
  })
  detail(`processed 200 of ${total} records, then stopped; disconnect commits what was processed and leaves the group`)
  await auto.disconnect()

  say('Same group, committing by hand after processing each record (at-least-once)')
  const manual = kafka.consumer({ groupId, autoCommit: false, valueDeserializer: stringSerde })
  await manual.subscribe({ topics: [topic] })
  let rest = 0
  let first: ConsumerMessage<Buffer | null, string | null> | undefined
  for await (const message of manual) {
    first ??= message
    rest++
    await manual.commit(message) // commits offset + 1 for this record's partition
    if (seen + rest >= total) break
  }
  detail(`picked up where the group left off (first: ${first?.partition}/${first?.offset}) and processed the other ${rest}`)
  const committed = await manual.committed()
  detail(`committed offsets now: ${committed.map((c) => `${c.partition}→${c.offset}`).join(', ')}`)
  await manual.disconnect()

  say('Done. Everything above ran against a real Kafka.')
} finally {
  await kafka.close()
  if (external === undefined || external === '') localKafka('single-release')
}
