/**
 * Transactions: the records of one transaction, on any number of partitions, and the consumer
 * group offsets sent with them become visible together or not at all. Readers see only committed
 * transactions when they read with isolation.level=read_committed.
 *
 * Here a worker reads orders in a consumer group and turns them into invoices: for each order it
 * writes the invoice and moves the group's offset past the order in one transaction, so a crash
 * never leaves an invoice without its offset or the other way round. An order it rejects is
 * aborted: its invoice never appears.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 TOPIC=kafkats-examples npx tsx examples/transactions.ts
 */
import { Kafka, KafkaTransactionError, stringSerde } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-transactions', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const prefix = process.env.TOPIC ?? 'kafkats-examples'
const ordersTopic = `${prefix}-orders`
const invoicesTopic = `${prefix}-invoices`
const group = 'kafkats-examples-invoicing'

const admin = kafka.admin()
await admin.createTopics([
  { topic: ordersTopic, numPartitions: 1, replicationFactor: 1 },
  { topic: invoicesTopic, numPartitions: 3, replicationFactor: 1 },
]) // TOPIC_ALREADY_EXISTS is fine

// Upstream: a plain producer writes a few orders.
const upstream = kafka.producer()
await upstream.sendBatch([120, -5, 80].map((amount, i) => ({ topic: ordersTopic, key: `order-${i}`, value: JSON.stringify({ amount }) })))
await upstream.disconnect()

// The worker reads orders in a consumer group. It commits nothing itself: the offsets travel in
// the transactions, and read_committed keeps it from seeing aborted upstream records.
const consumer = kafka.consumer({
  groupId: group,
  autoCommit: false,
  autoOffsetReset: 'earliest',
  isolationLevel: 'read_committed',
  valueDeserializer: stringSerde,
  keyDeserializer: stringSerde,
})
await consumer.subscribe({ topics: [ordersTopic] })

// The transactional id names this worker across restarts: a new instance fences the old one.
const producer = kafka.producer({ transactionalId: 'kafkats-examples-invoicing-worker-1' })
await producer.initTransactions()

let handled = 0
for await (const order of consumer) {
  const amount = (JSON.parse(order.value ?? '{}') as { amount: number }).amount
  producer.beginTransaction()
  try {
    await producer.send({ topic: invoicesTopic, key: order.key, value: JSON.stringify({ invoiceFor: order.key, amount }) })
    if (amount < 0) throw new Error(`${order.key} has a negative amount`)
    // The next offset to read (this one + 1), under the consumer's current group membership: if a
    // rebalance gave the partition to another worker meanwhile, the coordinator refuses it (KIP-447).
    await producer.sendOffsetsToTransaction(
      [{ topic: order.topic, partition: order.partition, offset: order.offset + 1n }],
      consumer.groupMetadata(),
    )
    await producer.commitTransaction()
    console.log(`${order.key}: invoice committed`)
  } catch (error) {
    // Fenced by a newer instance, or another fatal error: this worker must stop.
    if (error instanceof KafkaTransactionError && !error.abortable) throw error
    await producer.abortTransaction()
    console.log(`${order.key}: aborted (${(error as Error).message})`)
  }
  if (++handled === 3) break
}

await consumer.disconnect()
await producer.disconnect()
await kafka.close()
