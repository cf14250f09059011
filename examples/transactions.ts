/**
 * Transactions: the records of one transaction, on any number of partitions, and the consumer
 * group offsets sent with them become visible together or not at all. Readers see only committed
 * transactions when they read with isolation.level=read_committed.
 *
 * Here a worker turns orders into invoices: for each order it writes the invoice and moves the
 * group's offset past the order in one transaction, so a crash never leaves an invoice without
 * its offset or the other way round. An order it rejects is aborted: its invoice never appears.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 npx tsx examples/transactions.ts
 */
import { Kafka, KafkaTransactionError } from 'kafkats'

const kafka = new Kafka({ clientId: 'example-transactions', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',') })
const ordersTopic = 'kafkats-examples-orders'
const invoicesTopic = 'kafkats-examples-invoices'
const group = 'kafkats-examples-invoicing'

const admin = kafka.admin()
await admin.createTopics([
  { topic: ordersTopic, numPartitions: 1, replicationFactor: 1 },
  { topic: invoicesTopic, numPartitions: 3, replicationFactor: 1 },
]) // TOPIC_ALREADY_EXISTS is fine

// Upstream: a plain producer writes a few orders. A real worker would read them with a consumer.
const upstream = kafka.producer()
const orders = await Promise.all(
  [120, -5, 80].map(async (amount, i) => {
    const metadata = await upstream.send({ topic: ordersTopic, key: `order-${i}`, value: JSON.stringify({ amount }) })
    return { key: `order-${i}`, amount, partition: metadata.partition, offset: metadata.offset }
  }),
)
await upstream.disconnect()

// The transactional id names this worker across restarts: a new instance fences the old one.
const producer = kafka.producer({ transactionalId: 'kafkats-examples-invoicing-worker-1' })
await producer.initTransactions()

for (const order of orders) {
  producer.beginTransaction()
  try {
    await producer.send({ topic: invoicesTopic, key: order.key, value: JSON.stringify({ invoiceFor: order.key, amount: order.amount }) })
    if (order.amount < 0) throw new Error(`${order.key} has a negative amount`)
    // The next offset to read: the order's offset + 1.
    await producer.sendOffsetsToTransaction([{ topic: ordersTopic, partition: order.partition, offset: order.offset + 1n }], {
      groupId: group,
    })
    await producer.commitTransaction()
    console.log(`${order.key}: invoice committed`)
  } catch (error) {
    // Fenced by a newer instance, or another fatal error: this worker must stop.
    if (error instanceof KafkaTransactionError && !error.abortable) throw error
    await producer.abortTransaction()
    console.log(`${order.key}: aborted (${(error as Error).message})`)
  }
}

await producer.disconnect()
await kafka.close()
