/**
 * The idempotent producer across broker crashes: three brokers, replication factor 3,
 * min.insync.replicas 2, acks=all. Records are produced while the brokers leading the partitions
 * are killed (SIGKILL) and restarted in turn; kcat, an independent reader, must then find every
 * acknowledged record exactly once and in send order within its partition.
 *
 * The cluster runs with auto.create.topics.enable=false, which also lets this file show that a
 * send to a missing topic fails with a typed error instead of creating it.
 * Skipped with KAFKATS_SKIP_CLUSTER=1.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ElectionType, ErrorCode, Kafka, KafkaBrokerError, KafkaTimeoutError, type RecordMetadata } from '../../../src/index.js'
import { type ClusterBroker, kcat, killBroker, restartBroker, startCluster, stopCluster, waitFor } from '../../support/kafka.js'

const skip = process.env.KAFKATS_SKIP_CLUSTER === '1'
const RECORDS = Number(process.env.KAFKATS_FAILOVER_RECORDS ?? 200_000)
const PARTITIONS = 6

describe.skipIf(skip)('idempotent producer across broker crashes', () => {
  let bootstrap = ''
  let kafka: Kafka
  const topic = `producer-failover-${randomBytes(4).toString('hex')}`
  const previousAutoCreate = process.env.KAFKATS_AUTO_CREATE_TOPICS

  beforeAll(async () => {
    process.env.KAFKATS_AUTO_CREATE_TOPICS = 'false'
    bootstrap = await startCluster()
    kafka = new Kafka({ clientId: 'producer-failover', brokers: bootstrap.split(','), retryBackoffMaxMs: 500 })
    const [created] = await kafka.admin().createTopics([
      { topic, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } },
    ])
    expect(created?.error).toBeNull()
  }, 240_000)

  afterAll(async () => {
    await kafka?.close()
    await stopCluster()
    if (previousAutoCreate === undefined) delete process.env.KAFKATS_AUTO_CREATE_TOPICS
    else process.env.KAFKATS_AUTO_CREATE_TOPICS = previousAutoCreate
  }, 120_000)

  it(`delivers ${RECORDS} records exactly once and in order while leaders are killed and restarted`, async () => {
    const producer = kafka.producer({ acks: 'all', lingerMs: 5, deliveryTimeoutMs: 180_000, requestTimeoutMs: 10_000 })
    await producer.connect()
    const admin = kafka.admin()
    const leaders = async (): Promise<number[]> =>
      ((await admin.describeTopics([topic]))[0]?.partitions ?? []).map((p) => p.leader)

    // Each record says which partition it is for and its place in that partition's send order.
    const acked: bigint[][] = Array.from({ length: PARTITIONS }, () => [])
    const failures: unknown[] = []
    let sent = 0
    // Production is released in quarters: one before the first crash and one as each broker is
    // killed, so records are in flight through every crash, failover and recovery.
    let allowance = RECORDS / 4
    const window = new Set<Promise<unknown>>()
    const produce = (async () => {
      while (sent < RECORDS) {
        if (sent >= allowance) {
          await new Promise((resolve) => setTimeout(resolve, 20))
          continue
        }
        const i = sent++
        const partition = i % PARTITIONS
        const seq = Math.floor(i / PARTITIONS)
        const p: Promise<unknown> = producer
          .send({ topic, partition, value: `${partition}:${seq}` })
          .then((m: RecordMetadata) => acked[partition]?.push(BigInt(seq)), (e: unknown) => failures.push(e))
          .finally(() => window.delete(p))
        window.add(p)
        // Keep a bounded number of sends outstanding.
        if (window.size >= 2_000) await Promise.race(window)
        if (i % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve))
      }
      await Promise.all(window)
    })()

    // Kill each broker in turn while it leads partitions, and bring it back.
    let crashes = 0
    for (const broker of [1, 2, 3] as ClusterBroker[]) {
      await waitFor(async () => (await leaders()).includes(broker), { timeoutMs: 60_000, message: `broker ${broker} leads a partition` })
      const sentBefore = sent
      await killBroker(broker)
      crashes++
      allowance += RECORDS / 4
      await waitFor(async () => !(await leaders()).includes(broker) && !(await leaders()).includes(-1), {
        timeoutMs: 60_000,
        message: `leadership to move off broker ${broker}`,
      })
      await restartBroker(broker)
      await waitFor(
        async () => ((await admin.describeTopics([topic]))[0]?.partitions ?? []).every((p) => p.isr.includes(broker)),
        { timeoutMs: 120_000, message: `broker ${broker} back in every ISR` },
      )
      // Records kept flowing while this broker was down and rejoining.
      expect(sent).toBeGreaterThan(sentBefore)
      // Move leadership back so the next crash hits leaders again.
      await admin.electLeaders(ElectionType.PREFERRED)
    }
    expect(crashes).toBe(3)
    await produce
    await producer.disconnect()
    expect(failures).toEqual([])

    const total = acked.reduce((n, list) => n + list.length, 0)
    expect(total).toBe(RECORDS)
    const read = await kcat(['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-c', String(total), '-e', '-q', '-f', '%p %s\n'], {
      timeoutMs: 180_000,
    })
    expect(read.code, read.stderr).toBe(0)
    const found: bigint[][] = Array.from({ length: PARTITIONS }, () => [])
    for (const line of read.stdout.split('\n')) {
      if (line === '') continue
      const [p, value] = line.split(' ')
      const [forPartition, seq] = (value as string).split(':')
      expect(forPartition).toBe(p)
      found[Number(p)]?.push(BigInt(seq as string))
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const seqs = found[p] as bigint[]
      // Exactly once and in send order: the partition holds 0, 1, 2, … with no gap or repeat.
      const expected = [...(acked[p] as bigint[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      expect(seqs.length, `partition ${p}`).toBe(expected.length)
      expect(seqs, `partition ${p}`).toEqual(expected)
      expect(seqs.every((s, i) => s === BigInt(i)), `partition ${p} in order without gaps`).toBe(true)
    }
  }, 600_000)

  it('fails a send to a topic that does not exist when auto-creation is off, with a typed error', async () => {
    const producer = kafka.producer({ maxBlockMs: 2_000 })
    const error = await producer.send({ topic: `missing-${randomBytes(4).toString('hex')}`, value: 'v' }).catch((e: unknown) => e)
    await producer.disconnect()
    expect(error).toBeInstanceOf(KafkaTimeoutError)
    expect((error as KafkaTimeoutError).cause).toBeInstanceOf(KafkaBrokerError)
    expect(((error as KafkaTimeoutError).cause as KafkaBrokerError).code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    const topics = await kafka.admin().listTopics()
    expect(topics.some((t) => t.startsWith('missing-'))).toBe(false)
  })
})
