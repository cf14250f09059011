/**
 * Cluster operations against the single node, read back with Kafka's own tools (ClusterTool,
 * LogDirsCommand, TransactionsCommand) and kcat; transactions come from Kafka's own
 * ProducerPerformance, so nothing here is written by kafkats itself.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { ElectionType, ErrorCode, Kafka, KafkaError, KafkaUnsupportedVersionError, TransactionState } from '../../../src/index.js'
import { brokerAtLeast } from '../../support/broker-version.js'
import { bootstrap, kcat, kcatMetadata, runKafkaTool, waitFor } from '../../support/kafka.js'

const kafka = new Kafka({ clientId: 'admin-cluster-ops-test', brokers: bootstrap().split(',') })
const admin = kafka.admin()
const background = new Set<ChildProcess>()
afterAll(async () => {
  for (const child of background) stopBackground(child)
  await kafka.close()
})

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`

async function tool(mainClass: string, args: readonly string[]): Promise<string> {
  const result = await runKafkaTool(mainClass, args)
  expect(result.code, `${mainClass} ${args.join(' ')}\n${result.stderr}`).toBe(0)
  return result.stdout
}

/** Rows of a whitespace-aligned table (TransactionsCommand, ClusterTool) as header → value maps. */
function parseTable(stdout: string): Array<Record<string, string>> {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0)
  const headerAt = lines.findIndex((l) => /^[A-Z][A-Za-z_]+\s/.test(l))
  if (headerAt < 0) return []
  const header = (lines[headerAt] as string).split(/\s+/)
  return lines.slice(headerAt + 1).map((line) => {
    const cells = line.split(/\s+/)
    return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']))
  })
}

// ProducerPerformance as a long-running transactional producer that we stop ourselves.
const SCRIPT = fileURLToPath(new URL('../../../scripts/kafka-local.sh', import.meta.url))

/**
 * ProducerPerformance's connection and producer settings. Kafka 3.9's tool knows neither
 * --bootstrap-server nor --command-property; --producer-props (deprecated since, still accepted
 * through 4.x) works on every release this suite runs against. It takes every value after it, so it
 * comes last.
 */
function perfProducerProps(...props: string[]): string[] {
  return ['--producer-props', `bootstrap.servers=${bootstrap()}`, ...props]
}

function startBackgroundTool(mainClass: string, args: readonly string[]): ChildProcess {
  const child = spawn('bash', [SCRIPT, 'tool', mainClass, ...args], { detached: true, stdio: 'ignore' })
  background.add(child)
  return child
}

function stopBackground(child: ChildProcess): void {
  background.delete(child)
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

describe('Admin cluster operations against the real broker', () => {
  it('describes the cluster as ClusterTool and kcat see it', async () => {
    const described = await admin.describeCluster()
    const clusterId = (await tool('ClusterTool', ['cluster-id', '--bootstrap-server', bootstrap()])).match(/Cluster ID: (\S+)/)?.[1]
    expect(described.clusterId).toBe(clusterId)

    // ClusterTool list-endpoints came with Kafka 4.0; before it, kcat below is the only reader.
    if (brokerAtLeast('4.0')) {
      const endpoints = parseTable(await tool('ClusterTool', ['list-endpoints', '--bootstrap-server', bootstrap()]))
      expect(described.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port, fenced: b.isFenced }))).toEqual(
        endpoints
          .map((e) => ({ id: Number(e.ID), host: e.HOST, port: Number(e.PORT), fenced: e.STATE === 'fenced' }))
          .sort((a, b) => a.id - b.id),
      )
    }

    const librdkafka = await kcatMetadata(bootstrap())
    expect(described.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(librdkafka.brokers.map((b) => b.name).sort())
    // KRaft brokers name one live broker as the controller; on one node both must name node 1.
    expect(described.controller?.nodeId).toBe(librdkafka.controllerId)
  })

  it('shows the sizes of a topic’s replicas after kcat wrote to it, as LogDirsCommand does', async () => {
    const topic = unique('logdirs')
    const [created] = await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
    expect(created?.error).toBeNull()
    const records = Array.from({ length: 50 }, (_, i) => `record-${i}-${'x'.repeat(100)}`).join('\n') + '\n'
    const produced = await kcat(['-b', bootstrap(), '-P', '-t', topic, '-p', '0'], { input: records })
    expect(produced.code, produced.stderr).toBe(0)

    const ours = await waitFor(
      async () => {
        const [broker] = await admin.describeLogDirs()
        const replicas = broker?.logDirs.flatMap((d) => d.replicas.filter((r) => r.topic === topic)) ?? []
        return replicas.find((r) => r.partition === 0 && r.size > 5000n) !== undefined ? broker : undefined
      },
      { timeoutMs: 15_000, message: `partition 0 of ${topic} to hold kcat's records` },
    )
    expect(ours.error).toBeNull()
    const dir = ours.logDirs.find((d) => d.replicas.some((r) => r.topic === topic))
    expect(dir?.error).toBeNull()
    expect(dir?.totalBytes).toBeGreaterThan(0n)
    expect(dir?.usableBytes).toBeGreaterThan(0n)
    const mine = dir?.replicas.filter((r) => r.topic === topic) ?? []
    expect(mine.map((r) => [r.partition, r.offsetLag, r.isFuture])).toEqual([
      [0, 0n, false],
      [1, 0n, false],
    ])
    expect(mine[1]?.size).toBe(0n)

    const json = (await tool('LogDirsCommand', ['--bootstrap-server', bootstrap(), '--describe', '--broker-list', '1', '--topic-list', topic]))
      .split('\n')
      .find((l) => l.startsWith('{'))
    const theirs = JSON.parse(json ?? '{}') as {
      brokers: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number; offsetLag: number }> }> }>
    }
    const theirDir = theirs.brokers[0]?.logDirs.find((d) => d.partitions.length > 0)
    expect(theirDir?.logDir).toBe(dir?.path)
    expect(
      theirDir?.partitions.map((p) => [p.partition, BigInt(p.size), BigInt(p.offsetLag)]).sort(),
    ).toEqual(mine.map((r) => [`${topic}-${r.partition}`, r.size, r.offsetLag]).sort())
  })

  it('reports a broker it cannot reach in that broker’s result', async () => {
    const [missing] = await admin.describeLogDirs([4242], { timeoutMs: 1500 })
    expect(missing?.broker).toBe(4242)
    expect(missing?.error).toBeInstanceOf(KafkaError)
    expect(missing?.error?.retriable).toBe(true)
    expect(missing?.logDirs).toEqual([])
  })

  it('describes the producers and committed transactions of Kafka’s own transactional producer', async () => {
    const topic = unique('txn-done')
    const transactionalId = unique('perf-tx')
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
    const perf = await runKafkaTool('ProducerPerformance', [
      '--topic', topic, '--num-records', '300', '--record-size', '64',
      '--throughput', '-1', '--transactional-id', transactionalId, '--transaction-duration-ms', '100',
      ...perfProducerProps(),
    ])
    expect(perf.code, perf.stderr).toBe(0)

    // EndTxn returns once the commit is prepared; the markers are written after it (PrepareCommit).
    const txn = await waitFor(
      async () => {
        const [t] = await admin.describeTransactions([transactionalId])
        return t?.state === TransactionState.PREPARE_COMMIT ? undefined : t
      },
      { timeoutMs: 15_000, message: `${transactionalId} past PrepareCommit` },
    )
    expect(txn?.error).toBeNull()
    expect(txn?.state).toBe(TransactionState.COMPLETE_COMMIT)
    expect(txn?.topicPartitions).toEqual([])
    const [theirTxn] = parseTable(await tool('TransactionsCommand', [
      '--bootstrap-server', bootstrap(), 'describe', '--transactional-id', transactionalId,
    ]))
    expect(theirTxn).toBeDefined()
    expect({
      coordinator: txn?.coordinatorId,
      producerId: txn?.producerId,
      epoch: txn?.producerEpoch,
      state: txn?.state,
      timeout: txn?.transactionTimeoutMs,
      start: txn?.transactionStartTimeMs,
    }).toEqual({
      coordinator: Number(theirTxn?.CoordinatorId),
      producerId: BigInt(theirTxn?.ProducerId ?? -1),
      epoch: Number(theirTxn?.ProducerEpoch),
      state: theirTxn?.TransactionState,
      timeout: Number(theirTxn?.TransactionTimeoutMs),
      start: Number(theirTxn?.CurrentTransactionStartTimeMs),
    })

    const [producers] = await admin.describeProducers([{ topic, partition: 0 }])
    expect(producers?.error).toBeNull()
    const [theirProducer] = parseTable(await tool('TransactionsCommand', [
      '--bootstrap-server', bootstrap(), 'describe-producers', '--topic', topic, '--partition', '0',
    ]))
    expect(producers?.activeProducers).toEqual([
      {
        producerId: BigInt(theirProducer?.ProducerId ?? -1),
        producerEpoch: Number(theirProducer?.ProducerEpoch),
        lastSequence: Number(theirProducer?.LastSequence),
        lastTimestamp: Number(theirProducer?.LastTimestamp),
        coordinatorEpoch: theirProducer?.LatestCoordinatorEpoch === 'None' ? null : Number(theirProducer?.LatestCoordinatorEpoch),
        currentTransactionStartOffset: null,
      },
    ])
    expect(theirProducer?.CurrentTransactionStartOffset).toBe('None')
    expect(producers?.activeProducers[0]?.producerId).toBe(txn?.producerId)

    // Theirs first: other test files may start transactions meanwhile, so ours can only hold more.
    const theirList = parseTable(await tool('TransactionsCommand', ['--bootstrap-server', bootstrap(), 'list']))
    const listed = await admin.listTransactions()
    const ourEntry = listed.find((l) => l.transactionalId === transactionalId)
    const theirEntry = theirList.find((l) => l.TransactionalId === transactionalId)
    expect(ourEntry).toEqual({
      transactionalId,
      producerId: BigInt(theirEntry?.ProducerId ?? -1),
      state: theirEntry?.TransactionState,
      coordinatorId: Number(theirEntry?.Coordinator),
    })
    // Both list every transactional id the coordinators hold.
    for (const entry of theirList) expect(listed.map((l) => l.transactionalId)).toContain(entry.TransactionalId)

    const byState = await admin.listTransactions({ stateFilters: [TransactionState.COMPLETE_COMMIT] })
    expect(byState.map((l) => l.transactionalId)).toContain(transactionalId)
    expect(byState.every((l) => l.state === TransactionState.COMPLETE_COMMIT)).toBe(true)
    const ongoingOnly = await admin.listTransactions({ stateFilters: [TransactionState.ONGOING] })
    expect(ongoingOnly.map((l) => l.transactionalId)).not.toContain(transactionalId)
    const byProducer = await admin.listTransactions({ producerIdFilters: [txn?.producerId ?? -1n] })
    expect(byProducer.map((l) => l.transactionalId)).toEqual([transactionalId])
    // The pattern filter is ListTransactions v2 (KIP-1152, Kafka 4.1); an older broker cannot apply it.
    if (brokerAtLeast('4.1')) {
      const byPattern = await admin.listTransactions({ transactionalIdPattern: `^${transactionalId}$` })
      expect(byPattern.map((l) => l.transactionalId)).toEqual([transactionalId])
    } else {
      await expect(admin.listTransactions({ transactionalIdPattern: `^${transactionalId}$` })).rejects.toBeInstanceOf(KafkaUnsupportedVersionError)
    }
  })

  it('follows an open transaction that TransactionsCommand also sees as ongoing', async () => {
    const topic = unique('txn-open')
    const transactionalId = unique('perf-open')
    await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1 }])
    // Slow and with a long transaction: it stays open until we kill the producer; the broker then
    // aborts it after transaction.timeout.ms.
    const producer = startBackgroundTool('ProducerPerformance', [
      '--topic', topic, '--num-records', '100000', '--record-size', '32',
      '--throughput', '50', '--transactional-id', transactionalId, '--transaction-duration-ms', '600000',
      // A tiny batch.size makes the sticky partitioner move on every few records, reaching all three soon.
      ...perfProducerProps('transaction.timeout.ms=15000', 'batch.size=100'),
    ])
    try {
      const open = await waitFor(
        async () => {
          const [t] = await admin.describeTransactions([transactionalId])
          return t?.state === TransactionState.ONGOING && t.topicPartitions.length === 3 ? t : undefined
        },
        { timeoutMs: 30_000, message: `${transactionalId} to be ongoing on all three partitions` },
      )
      expect(open.topicPartitions).toEqual([0, 1, 2].map((partition) => ({ topic, partition })))
      expect(open.transactionStartTimeMs).toBeGreaterThan(Date.now() - 60_000)
      expect(open.transactionTimeoutMs).toBe(15_000)

      const [theirs] = parseTable(await tool('TransactionsCommand', [
        '--bootstrap-server', bootstrap(), 'describe', '--transactional-id', transactionalId,
      ]))
      expect(theirs?.TransactionState).toBe('Ongoing')
      expect(BigInt(theirs?.ProducerId ?? -1)).toBe(open.producerId)
      expect(Number(theirs?.CurrentTransactionStartTimeMs)).toBe(open.transactionStartTimeMs)

      const states = await admin.describeProducers([0, 1, 2].map((partition) => ({ topic, partition })))
      for (const state of states) {
        expect(state.error).toBeNull()
        const mine = state.activeProducers.find((p) => p.producerId === open.producerId)
        expect(mine?.currentTransactionStartOffset).not.toBeNull()
      }
      const [theirProducer] = parseTable(await tool('TransactionsCommand', [
        '--bootstrap-server', bootstrap(), 'describe-producers', '--topic', topic, '--partition', '1',
      ]))
      expect(BigInt(theirProducer?.CurrentTransactionStartOffset ?? -1)).toBe(
        states[1]?.activeProducers[0]?.currentTransactionStartOffset,
      )

      const ongoing = await admin.listTransactions({ stateFilters: [TransactionState.ONGOING], durationFilterMs: 0 })
      expect(ongoing.map((l) => l.transactionalId)).toContain(transactionalId)
      const longRunning = await admin.listTransactions({ durationFilterMs: 3_600_000 })
      expect(longRunning.map((l) => l.transactionalId)).not.toContain(transactionalId)
    } finally {
      stopBackground(producer)
    }
  })

  it('reports unknown transactional ids and partitions per resource', async () => {
    const missingId = unique('no-such-tx')
    const [txn] = await admin.describeTransactions([missingId])
    expect(txn?.transactionalId).toBe(missingId)
    expect(txn?.error?.code).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND)

    const topic = unique('producers')
    await admin.createTopics([{ topic, numPartitions: 1, replicationFactor: 1 }])
    const results = await admin.describeProducers([
      { topic, partition: 0 },
      { topic, partition: 7 },
      { topic: unique('no-such-topic'), partition: 0 },
    ])
    expect(results[0]?.error).toBeNull()
    expect(results[0]?.activeProducers).toEqual([])
    expect(results[1]?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    expect(results[2]?.error?.code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
  })

  it('runs elections and reassignments through the controller, reporting per partition', async () => {
    const topic = unique('elect')
    await admin.createTopics([{ topic, numPartitions: 2, replicationFactor: 1 }])
    const missing = unique('no-such-topic')

    const elected = await admin.electLeaders(ElectionType.PREFERRED, [
      { topic, partition: 0 },
      { topic, partition: 1 },
      { topic: missing, partition: 0 },
    ])
    expect(elected.map((r) => [r.topic, r.partition, r.error?.code])).toEqual([
      [topic, 0, ErrorCode.ELECTION_NOT_NEEDED],
      [topic, 1, ErrorCode.ELECTION_NOT_NEEDED],
      [missing, 0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ])
    const [unclean] = await admin.electLeaders(ElectionType.UNCLEAN, [{ topic, partition: 0 }])
    expect(unclean?.error?.code).toBe(ErrorCode.ELECTION_NOT_NEEDED)
    // Elections everywhere report only partitions that needed one: none of ours.
    const everywhere = await admin.electLeaders(ElectionType.PREFERRED)
    expect(everywhere.filter((r) => r.topic === topic)).toEqual([])

    const altered = await admin.alterPartitionReassignments([
      { topic, partition: 0, replicas: [1] },
      { topic, partition: 1, replicas: [1, 9] },
      { topic, partition: 1, replicas: null },
      { topic: missing, partition: 0, replicas: [1] },
    ])
    // The later entry for partition 1 (a cancel) replaces the earlier one.
    expect(altered.map((r) => [r.partition, r.error?.errorName ?? null])).toEqual([
      [0, null],
      [1, 'NO_REASSIGNMENT_IN_PROGRESS'],
      [0, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ])
    const [badBroker] = await admin.alterPartitionReassignments([{ topic, partition: 1, replicas: [1, 9] }])
    expect(badBroker?.error).not.toBeNull()
    expect(badBroker?.error?.retriable).toBe(false)
    expect(await admin.listPartitionReassignments([{ topic, partition: 0 }, { topic, partition: 1 }])).toEqual([])
    const [described] = await admin.describeTopics([topic])
    expect(described?.partitions.map((p) => p.replicas)).toEqual([[1], [1]])
  })
})
