/**
 * Transactions against real brokers, on both transaction protocols: version 2 (KIP-890 part 2) on
 * the shared Kafka 4.3 node, and version 1 on a second single node started here, whose
 * `transaction.version` is downgraded to 1 with Kafka's FeatureCommand. Kafka's own tools are the
 * independent readers: ConsoleConsumer with `--isolation-level read_committed`, kcat with
 * read_uncommitted, and ConsumerGroupCommand for a group's committed offsets.
 *
 * KAFKATS_SKIP_TV1=1 skips the version 1 node (it costs one more JVM for a minute).
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Kafka,
  KafkaFencedError,
  KafkaStateError,
  KafkaTransactionError,
  TransactionState,
  type Admin,
  type Producer,
} from '../../../src/index.js'
import { brokerAtLeast, missingFeature, skippedTitle } from '../../support/broker-version.js'
import { bootstrap, kcat, runKafkaScript, runKafkaTool, waitFor } from '../../support/kafka.js'

type TransactionVersion = 1 | 2

interface Target {
  readonly version: TransactionVersion
  brokers: string
}

/** Values the read_committed ConsoleConsumer returns, reading until `count` arrived. */
async function readCommitted(brokers: string, topic: string, count: number): Promise<string[]> {
  const result = await runKafkaTool(
    'ConsoleConsumer',
    [
      '--bootstrap-server', brokers,
      '--topic', topic,
      '--from-beginning',
      '--isolation-level', 'read_committed',
      '--max-messages', String(count),
      '--timeout-ms', '30000',
    ],
    { timeoutMs: 90_000 },
  )
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** Every value in the log, aborted ones included (kcat, read_uncommitted). */
async function readUncommitted(brokers: string, topic: string, count: number): Promise<string[]> {
  const result = await kcat(
    ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-c', String(count), '-e', '-q', '-X', 'isolation.level=read_uncommitted'],
    { timeoutMs: 60_000 },
  )
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** A group's committed offset of one partition as ConsumerGroupCommand shows it; null for none. */
async function committedOffset(brokers: string, group: string, topic: string, partition: number): Promise<bigint | null> {
  const result = await runKafkaTool('ConsumerGroupCommand', ['--bootstrap-server', brokers, '--describe', '--offsets', '--group', group], {
    timeoutMs: 90_000,
  })
  expect(result.code, result.stderr + result.stdout).toBe(0)
  let header: string[] | null = null
  for (const line of result.stdout.split('\n')) {
    const cells = line.trim().split(/\s+/)
    if (cells[0] === 'GROUP') {
      header = cells
      continue
    }
    if (header === null || cells[0] !== group) continue
    const row = Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']))
    if (row.TOPIC === topic && row.PARTITION === String(partition)) {
      return row['CURRENT-OFFSET'] === '-' ? null : BigInt(row['CURRENT-OFFSET'] as string)
    }
  }
  return null
}

const sorted = (values: readonly string[]): string[] => [...values].sort()
const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

function transactionTests(target: Target): void {
  let kafka: Kafka
  let admin: Admin

  beforeAll(() => {
    kafka = new Kafka({ clientId: `transactions-tv${target.version}`, brokers: target.brokers.split(',') })
    admin = kafka.admin()
  })
  afterAll(() => kafka.close())

  async function topicWith(partitions: number): Promise<string> {
    const topic = `txn-tv${target.version}-${randomUUID()}`
    const [result] = await admin.createTopics([{ topic, numPartitions: partitions, replicationFactor: 1 }])
    expect(result?.error).toBeNull()
    return topic
  }

  async function describeTransaction(transactionalId: string) {
    const [description] = await admin.describeTransactions([transactionalId])
    expect(description?.error).toBeNull()
    return description as NonNullable<typeof description>
  }

  async function commitOne(topic: string, value: string): Promise<void> {
    const producer = kafka.producer({ transactionalId: `txn-other-${randomUUID()}` })
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({ topic, value })
    await producer.commitTransaction()
    await producer.disconnect()
  }

  it('commits are visible to read_committed, aborts only to read_uncommitted; records not yet sent are dropped', async () => {
    const topic = await topicWith(2)
    const transactionalId = `txn-visibility-${randomUUID()}`
    // A long linger keeps records buffered until commit or flush sends them.
    const producer = kafka.producer({ transactionalId, lingerMs: 10_000 })
    await producer.initTransactions()
    const initial = await describeTransaction(transactionalId)

    producer.beginTransaction()
    const firstSends = range('commit-a', 6).map((value) => producer.send({ topic, key: value, value }))
    await producer.commitTransaction()
    const first = await Promise.all(firstSends)
    expect(first.every((m) => m.offset >= 0n)).toBe(true)

    producer.beginTransaction()
    const abortedSends = range('abort', 6).map((value) => producer.send({ topic, key: value, value }))
    await producer.flush() // in the log, then aborted
    await producer.abortTransaction()
    expect((await Promise.all(abortedSends)).every((m) => m.offset >= 0n)).toBe(true)

    producer.beginTransaction()
    const dropped = producer.send({ topic, value: 'dropped' })
    await producer.abortTransaction()
    await expect(dropped).rejects.toMatchObject({ name: 'KafkaTransactionError', errorName: 'TRANSACTION_ABORTED', abortable: true })

    producer.beginTransaction()
    const lastSends = range('commit-b', 6).map((value) => producer.send({ topic, key: value, value }))
    await producer.commitTransaction()
    await Promise.all(lastSends)
    await producer.disconnect()

    const committed = [...range('commit-a', 6), ...range('commit-b', 6)]
    expect(sorted(await readCommitted(target.brokers, topic, committed.length))).toEqual(sorted(committed))
    expect(sorted(await readUncommitted(target.brokers, topic, committed.length + 6))).toEqual(
      sorted([...committed, ...range('abort', 6)]),
    )

    // The protocol in use shows in the epoch: version 2 bumps it with every EndTxn (four here: the
    // empty abort still ends a transaction the coordinator may know of), version 1 keeps it.
    const final = await describeTransaction(transactionalId)
    expect(final.state).toBe(TransactionState.COMPLETE_COMMIT)
    expect(final.producerId).toBe(initial.producerId)
    expect(final.producerEpoch).toBe(initial.producerEpoch + (target.version === 2 ? 4 : 0))
  })

  it('a second producer with the same transactionalId fences the first', async () => {
    const topic = await topicWith(1)
    const transactionalId = `txn-fence-${randomUUID()}`
    const zombie = kafka.producer({ transactionalId })
    await zombie.initTransactions()
    zombie.beginTransaction()
    await zombie.send({ topic, value: 'zombie' })

    const successor = kafka.producer({ transactionalId })
    await successor.initTransactions()

    const commitError = await zombie.commitTransaction().catch((e: unknown) => e)
    expect(commitError).toBeInstanceOf(KafkaFencedError)
    expect(commitError).toMatchObject({ errorName: 'PRODUCER_FENCED', abortable: false })
    expect(() => zombie.beginTransaction()).toThrow(KafkaFencedError)
    await expect(zombie.send({ topic, value: 'zombie-2' })).rejects.toBeInstanceOf(KafkaFencedError)
    await expect(zombie.abortTransaction()).rejects.toBeInstanceOf(KafkaFencedError)
    await zombie.disconnect()

    successor.beginTransaction()
    await successor.send({ topic, value: 'successor' })
    await successor.commitTransaction()
    await successor.disconnect()
    // The zombie's record comes first in the log; read_committed skips it.
    expect(await readCommitted(target.brokers, topic, 1)).toEqual(['successor'])
    expect(await readUncommitted(target.brokers, topic, 2)).toEqual(['zombie', 'successor'])
  })

  it('consume-transform-produce: the group offset commits with the transaction and rolls back with an abort', async () => {
    const input = await topicWith(1)
    const output = await topicWith(1)
    const group = `txn-group-${randomUUID()}`
    const plain = kafka.producer()
    for (const value of range('in', 6)) await plain.send({ topic: input, value })
    await plain.disconnect()

    const producer = kafka.producer({ transactionalId: `txn-ctp-${randomUUID()}` })
    await producer.initTransactions()
    const step = async (values: readonly string[], nextOffset: bigint, end: 'commit' | 'abort'): Promise<void> => {
      producer.beginTransaction()
      const sends = values.map((value) => producer.send({ topic: output, value: `out-${value}` }))
      await producer.sendOffsetsToTransaction([{ topic: input, partition: 0, offset: nextOffset }], { groupId: group })
      await Promise.all(sends)
      await (end === 'commit' ? producer.commitTransaction() : producer.abortTransaction())
    }

    await step(['in-0', 'in-1', 'in-2'], 3n, 'commit')
    await waitFor(async () => (await committedOffset(target.brokers, group, input, 0)) === 3n, {
      timeoutMs: 60_000,
      message: 'ConsumerGroupCommand shows offset 3',
    })

    await step(['in-3', 'in-4'], 5n, 'abort')
    expect(await committedOffset(target.brokers, group, input, 0)).toBe(3n)

    await step(['in-3', 'in-4', 'in-5'], 6n, 'commit')
    await producer.disconnect()
    await waitFor(async () => (await committedOffset(target.brokers, group, input, 0)) === 6n, {
      timeoutMs: 60_000,
      message: 'ConsumerGroupCommand shows offset 6',
    })
    expect(await readCommitted(target.brokers, output, 6)).toEqual(range('in', 6).map((v) => `out-${v}`))
  })

  it('a transaction left open past transactionTimeoutMs is aborted by the coordinator; the next commit fails', async () => {
    const topic = await topicWith(1)
    const transactionalId = `txn-timeout-${randomUUID()}`
    const producer = kafka.producer({ transactionalId, transactionTimeoutMs: 1500 })
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({ topic, value: 'timed-out' })

    // The coordinator looks for expired transactions every
    // transaction.abort.timed.out.transaction.cleanup.interval.ms (10 s by default).
    await waitFor(async () => (await describeTransaction(transactionalId)).state === TransactionState.COMPLETE_ABORT, {
      timeoutMs: 60_000,
      message: 'the coordinator aborted the timed-out transaction',
    })
    const error = await producer.commitTransaction().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaTransactionError)
    expect((error as KafkaTransactionError).abortable).toBe(false)
    // Version 1 sees the coordinator's epoch fence, and so does version 2 before Kafka 4.4; from 4.4
    // on, version 2 takes the late EndTxn for a retry of a transaction that ended otherwise
    // (INVALID_TXN_STATE). Either way the producer must be closed.
    if (target.version === 1 || !brokerAtLeast('4.4')) expect(error).toBeInstanceOf(KafkaFencedError)
    else expect(error).toMatchObject({ errorName: 'INVALID_TXN_STATE' })
    expect(() => producer.beginTransaction()).toThrow(KafkaTransactionError)
    await producer.disconnect()

    await commitOne(topic, 'after')
    expect(await readCommitted(target.brokers, topic, 1)).toEqual(['after'])
  })

  it('a record the broker rejects makes the commit fail as abortable; after the abort the next transaction commits', async () => {
    const topic = `txn-tv${target.version}-${randomUUID()}`
    const [created] = await admin.createTopics([
      { topic, numPartitions: 1, replicationFactor: 1, configs: { 'max.message.bytes': '1024' } },
    ])
    expect(created?.error).toBeNull()
    const producer = kafka.producer({ transactionalId: `txn-failed-record-${randomUUID()}` })
    await producer.initTransactions()

    producer.beginTransaction()
    const small = producer.send({ topic, value: 'lost-with-the-transaction' })
    await small
    const large = producer.send({ topic, value: 'x'.repeat(4000) })
    await expect(large).rejects.toMatchObject({ errorName: 'MESSAGE_TOO_LARGE' })
    const commitError = await producer.commitTransaction().catch((e: unknown) => e)
    expect(commitError).toBeInstanceOf(KafkaTransactionError)
    expect(commitError).toMatchObject({ abortable: true, errorName: 'MESSAGE_TOO_LARGE' })
    await expect(producer.send({ topic, value: 'refused' })).rejects.toThrow('send(): the transaction failed; call abortTransaction() first')
    await producer.abortTransaction()

    producer.beginTransaction()
    await producer.send({ topic, value: 'committed' })
    await producer.commitTransaction()
    await producer.disconnect()
    expect(await readCommitted(target.brokers, topic, 1)).toEqual(['committed'])
  })

  it('closing the producer aborts the transaction it left open', async () => {
    const topic = await topicWith(1)
    const transactionalId = `txn-close-${randomUUID()}`
    const producer = kafka.producer({ transactionalId })
    await producer.initTransactions()
    producer.beginTransaction()
    await producer.send({ topic, value: 'never-committed' })
    await producer.disconnect()
    await waitFor(async () => (await describeTransaction(transactionalId)).state === TransactionState.COMPLETE_ABORT, {
      timeoutMs: 30_000,
      message: 'the transaction left open was aborted on close',
    })
    await commitOne(topic, 'after')
    expect(await readCommitted(target.brokers, topic, 1)).toEqual(['after'])
  })

  it('a transactional producer refuses to send outside a transaction', async () => {
    const topic = await topicWith(1)
    const producer: Producer = kafka.producer({ transactionalId: `txn-outside-${randomUUID()}` })
    await expect(producer.send({ topic, value: 'early' })).rejects.toThrow('send() needs initTransactions() and then beginTransaction() first')
    await producer.initTransactions()
    await expect(producer.send({ topic, value: 'outside' })).rejects.toThrow(
      new KafkaStateError('send() needs an open transaction: call beginTransaction() first'),
    )
    producer.beginTransaction()
    await producer.send({ topic, value: 'inside' })
    await producer.commitTransaction()
    await expect(producer.send({ topic, value: 'after' })).rejects.toBeInstanceOf(KafkaStateError)
    await producer.disconnect()
    expect(await readUncommitted(target.brokers, topic, 1)).toEqual(['inside'])
  })
}

const tv2Missing = missingFeature('4.0', 'transaction.version 2 (KIP-890 part 2)')

describe.skipIf(tv2Missing !== undefined)(`transaction version 2 (the shared node)${skippedTitle(tv2Missing)}`, () => {
  const target: Target = { version: 2, brokers: bootstrap() }
  beforeAll(async () => {
    const level = await finalizedTransactionVersion(target.brokers)
    if (level < 2) throw new Error(`the shared node finalizes transaction.version ${level}; these tests need 2`)
  })
  transactionTests(target)
})

// A second single node, started for this file (or shared with another run of it) on its own port
// and work directory, with transaction.version downgraded to 1.
const tv1Work = join(tmpdir(), 'kafkats-kafka-tv1')
const tv1Env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  KAFKATS_KAFKA_WORK: tv1Work,
  KAFKATS_SINGLE_PORT: process.env.KAFKATS_TV1_PORT ?? '9592',
  KAFKATS_KAFKA_HEAP: '384m',
  KAFKATS_EXTRA_PROPS: join(tv1Work, 'tv1.properties'),
})

describe.skipIf(process.env.KAFKATS_SKIP_TV1 === '1')('transaction version 1 (a node downgraded to it)', () => {
  const target: Target = { version: 1, brokers: '' }
  beforeAll(async () => {
    mkdirSync(tv1Work, { recursive: true })
    // Timed-out transactions are aborted within a second instead of ten.
    writeFileSync(join(tv1Work, 'tv1.properties'), 'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000\n')
    const started = await runKafkaScript(['single-acquire', String(process.pid)], { env: tv1Env(), timeoutMs: 240_000 })
    expect(started.code, started.stderr).toBe(0)
    target.brokers = started.stdout.trim().split('\n').at(-1) as string
    // Kafka 3.9 has no transaction.version feature: its transactions already work as version 1 does.
    if ((await finalizedTransactionVersion(target.brokers)) <= 1) return
    const downgraded = await runKafkaTool('FeatureCommand', ['--bootstrap-server', target.brokers, 'downgrade', '--feature', 'transaction.version=1'])
    expect(downgraded.code, downgraded.stderr + downgraded.stdout).toBe(0)
    await waitFor(async () => (await finalizedTransactionVersion(target.brokers)) === 1, {
      timeoutMs: 30_000,
      message: 'transaction.version 1 is finalized',
    })
  })
  afterAll(async () => {
    await runKafkaScript(['single-release', String(process.pid)], { env: tv1Env(), timeoutMs: 90_000 })
  })
  transactionTests(target)
})

/** The finalized transaction.version as Kafka's FeatureCommand describes it. */
async function finalizedTransactionVersion(brokers: string): Promise<number> {
  const result = await runKafkaTool('FeatureCommand', ['--bootstrap-server', brokers, 'describe'])
  expect(result.code, result.stderr).toBe(0)
  const line = result.stdout.split('\n').find((l) => l.includes('transaction.version'))
  const level = /FinalizedVersionLevel:\s*(\d+)/.exec(line ?? '')
  return level === null ? 0 : Number(level[1])
}
