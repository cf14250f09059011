/**
 * Failover proofs of the shared core against the local three-broker cluster: replicas moved by a
 * reassignment, leadership followed after a broker crash (SIGKILL), the preferred leader restored
 * by an election after the restart, and a client that keeps working while a broker dies and comes
 * back. Kafka's TopicCommand and ClusterTool are the independent readers.
 * Skipped with KAFKATS_SKIP_CLUSTER=1.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Admin, ElectionType, ErrorCode, Kafka, KafkaError } from '../../../src/index.js'
import { brokerAtLeast } from '../../support/broker-version.js'
import {
  type ClusterBroker,
  clusterBrokerAddress,
  kcat,
  killBroker,
  restartBroker,
  runKafkaTool,
  startCluster,
  stopCluster,
  waitFor,
} from '../../support/kafka.js'

const skip = process.env.KAFKATS_SKIP_CLUSTER === '1'

interface DescribedPartition {
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}

/** Partition lines of `TopicCommand --describe` ("Partition: 0  Leader: 3  Replicas: 3,1,2  Isr: 3,1,2"). */
function parseTopicCommand(stdout: string): DescribedPartition[] {
  const ids = (list: string): number[] => (list === '' ? [] : list.split(',').map(Number))
  const partitions: DescribedPartition[] = []
  for (const line of stdout.split('\n')) {
    const match = /Partition: (\d+)\s+Leader: (-?\d+|none)\s+Replicas: ([\d,]*)\s+Isr: ([\d,]*)/.exec(line)
    if (match === null) continue
    partitions.push({
      partition: Number(match[1]),
      leader: match[2] === 'none' ? -1 : Number(match[2]),
      replicas: ids(match[3] ?? ''),
      isr: ids(match[4] ?? ''),
    })
  }
  return partitions.sort((a, b) => a.partition - b.partition)
}

describe.skipIf(skip)('failover on the three-broker cluster', () => {
  const suffix = randomBytes(4).toString('hex')
  let bootstrapServers = ''
  let kafka: Kafka
  let admin: Admin
  // Anything that escapes a promise chain or a callback anywhere in the client ends up here.
  const processErrors: unknown[] = []
  const onProcessError = (error: unknown): void => {
    processErrors.push(error)
  }

  beforeAll(async () => {
    bootstrapServers = await startCluster()
    kafka = new Kafka({ clientId: 'failover-test', brokers: bootstrapServers.split(',') })
    admin = kafka.admin()
    process.on('unhandledRejection', onProcessError)
    process.on('uncaughtException', onProcessError)
  })

  afterAll(async () => {
    process.off('unhandledRejection', onProcessError)
    process.off('uncaughtException', onProcessError)
    await kafka?.close()
    await stopCluster()
  })

  async function topicCommand(topic: string, servers = bootstrapServers): Promise<DescribedPartition[]> {
    const result = await runKafkaTool('TopicCommand', ['--bootstrap-server', servers, '--describe', '--topic', topic])
    if (result.code !== 0) throw new Error(`TopicCommand --describe ${topic} failed: ${result.stderr}`)
    return parseTopicCommand(result.stdout)
  }

  async function partitionsOf(topic: string): Promise<DescribedPartition[]> {
    const [description] = await admin.describeTopics([topic])
    if (description === undefined || description.error !== null) throw description?.error ?? new Error(`no ${topic}`)
    return description.partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }))
  }

  it('moves a partition’s replicas with a reassignment', async () => {
    const topic = `reassign-${suffix}`
    const [created] = await admin.createTopics([{ topic, replicaAssignment: [{ partition: 0, replicas: [1, 2] }] }])
    expect(created?.error).toBeNull()
    const produced = await kcat(['-b', bootstrapServers, '-P', '-t', topic, '-X', 'acks=all'], {
      input: Array.from({ length: 200 }, (_, i) => `moving-${i}`).join('\n') + '\n',
    })
    expect(produced.code, produced.stderr).toBe(0)

    const [altered] = await admin.alterPartitionReassignments([{ topic, partition: 0, replicas: [2, 3] }])
    expect(altered?.error).toBeNull()

    await waitFor(
      async () => {
        const ongoing = await admin.listPartitionReassignments([{ topic, partition: 0 }])
        const [p] = await partitionsOf(topic)
        return ongoing.length === 0 && p?.replicas.join() === '2,3' && [...(p?.isr ?? [])].sort().join() === '2,3'
      },
      { timeoutMs: 60_000, intervalMs: 300, message: `${topic}-0 to move to brokers 2 and 3` },
    )
    const [theirs] = await topicCommand(topic)
    expect(theirs?.replicas).toEqual([2, 3])
    expect(theirs?.leader === 2 || theirs?.leader === 3).toBe(true)

    // The data followed: broker 3 now holds the replica, broker 1 (eventually) no longer does.
    await waitFor(
      async () => {
        const dirs = await admin.describeLogDirs([1, 3])
        const holds = (broker: number): boolean =>
          dirs.find((d) => d.broker === broker)?.logDirs.some((dir) => dir.replicas.some((r) => r.topic === topic && r.size > 0n)) ?? false
        return !holds(1) && holds(3)
      },
      { timeoutMs: 30_000, intervalMs: 300, message: `${topic}-0 data to move from broker 1 to broker 3` },
    )
    // Cancelling a finished reassignment is reported per partition.
    const [cancelled] = await admin.alterPartitionReassignments([{ topic, partition: 0, replicas: null }])
    expect(cancelled?.error?.code).toBe(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS)
  })

  // Leadership of this topic moves off broker 1 when it dies and back by a preferred election.
  const failoverTopic = `failover-${suffix}`
  let leaderEpochBefore = -1

  it('follows the new leader after the leader’s broker is killed', async () => {
    const [created] = await admin.createTopics([
      {
        topic: failoverTopic,
        replicaAssignment: [
          { partition: 0, replicas: [1, 2, 3] },
          { partition: 1, replicas: [2, 3, 1] },
        ],
        configs: { 'min.insync.replicas': '2' },
      },
    ])
    expect(created?.error).toBeNull()
    const before = await waitFor(
      async () => {
        const [p0] = await partitionsOf(failoverTopic)
        return p0?.leader === 1 && p0.isr.length === 3 ? p0 : undefined
      },
      { timeoutMs: 30_000, message: `${failoverTopic}-0 led by broker 1 with a full ISR` },
    )
    expect(before.leader).toBe(1)
    const [described] = await admin.describeTopics([failoverTopic])
    leaderEpochBefore = described?.partitions[0]?.leaderEpoch ?? -1
    expect(leaderEpochBefore).toBeGreaterThanOrEqual(0)

    const killedAt = Date.now()
    await killBroker(1)

    // The controller fences broker 1 after broker.session.timeout.ms (6 s in the script), then
    // elects a new leader with a higher epoch; the shared metadata must follow within a bound.
    const after = await waitFor(
      async () => {
        const [d] = await admin.describeTopics([failoverTopic])
        const p0 = d?.partitions[0]
        return p0 !== undefined && p0.leader !== 1 && p0.leader >= 0 && p0.leaderEpoch > leaderEpochBefore ? p0 : undefined
      },
      { timeoutMs: 30_000, intervalMs: 200, message: `${failoverTopic}-0 to get a leader other than broker 1` },
    )
    expect(Date.now() - killedAt).toBeLessThan(30_000)
    expect([2, 3]).toContain(after.leader)
    expect(after.isr).not.toContain(1)

    // The cluster description drops the fenced broker, and lists it as fenced when asked, as
    // ClusterTool does.
    const cluster = await waitFor(
      async () => {
        const c = await admin.describeCluster()
        return c.brokers.every((b) => b.nodeId !== 1) ? c : undefined
      },
      { timeoutMs: 20_000, message: 'broker 1 to drop out of the cluster description' },
    )
    expect(cluster.brokers.map((b) => b.nodeId)).toEqual([2, 3])
    expect(cluster.controller === null ? -1 : cluster.controller.nodeId).not.toBe(1)
    // Fenced brokers are DescribeCluster v2 (KIP-1073) and ClusterTool list-endpoints, both Kafka 4.0.
    // An older broker cannot be asked: the option is dropped and only the live brokers come back.
    if (brokerAtLeast('4.0')) {
      const withFenced = await admin.describeCluster({ includeFencedBrokers: true })
      const listed = await runKafkaTool('ClusterTool', [
        'list-endpoints', '--bootstrap-server', bootstrapServers, '--include-fenced-brokers',
      ])
      expect(listed.code, listed.stderr).toBe(0)
      const theirStates = listed.stdout
        .split('\n')
        .map((line) => /^(\d+)\s+\S+\s+\d+\s+\S+\s+(fenced|unfenced)/.exec(line.trim()))
        .filter((m) => m !== null)
        .map((m) => [Number(m[1]), m[2] === 'fenced'])
        .sort()
      expect(withFenced.brokers.map((b) => [b.nodeId, b.isFenced])).toEqual(theirStates)
      expect(withFenced.brokers.find((b) => b.nodeId === 1)?.isFenced).toBe(true)
    } else {
      const withoutFenced = await admin.describeCluster({ includeFencedBrokers: true })
      expect(withoutFenced.brokers.map((b) => [b.nodeId, b.isFenced])).toEqual([
        [2, false],
        [3, false],
      ])
    }

    const [theirs] = await topicCommand(failoverTopic, `${clusterBrokerAddress(2)},${clusterBrokerAddress(3)}`)
    expect(theirs?.leader).toBe(after.leader)
  })

  it('restores the preferred leader with an election once the broker is back in the ISR', async () => {
    expect(leaderEpochBefore).toBeGreaterThanOrEqual(0)
    await restartBroker(1)
    await waitFor(
      async () => {
        const [p0] = await partitionsOf(failoverTopic)
        return p0?.isr.includes(1) === true
      },
      { timeoutMs: 60_000, intervalMs: 300, message: `broker 1 to rejoin the ISR of ${failoverTopic}-0` },
    )

    const results = await admin.electLeaders(ElectionType.PREFERRED, [
      { topic: failoverTopic, partition: 0 },
      { topic: failoverTopic, partition: 1 },
    ])
    expect(results.map((r) => [r.partition, r.error?.code ?? 0])).toEqual([
      [0, 0],
      // Partition 1 kept its preferred leader (broker 2) throughout.
      [1, ErrorCode.ELECTION_NOT_NEEDED],
    ])
    const restored = await waitFor(
      async () => {
        const [d] = await admin.describeTopics([failoverTopic])
        const p0 = d?.partitions[0]
        return p0?.leader === 1 ? p0 : undefined
      },
      { timeoutMs: 20_000, message: `${failoverTopic}-0 to be led by broker 1 again` },
    )
    expect(restored.leaderEpoch).toBeGreaterThan(leaderEpochBefore + 1)
    const theirs = await topicCommand(failoverTopic)
    expect(theirs.map((p) => [p.partition, p.leader])).toEqual([
      [0, 1],
      [1, 2],
    ])
  })

  it('keeps serving admin calls while a broker dies and comes back', async () => {
    const victim: ClusterBroker = 3
    const topic = `busy-${suffix}`
    const partitions = [0, 1, 2].map((partition) => ({ topic, partition }))
    const [created] = await admin.createTopics([
      {
        topic,
        replicaAssignment: [
          { partition: 0, replicas: [1, 2, 3] },
          { partition: 1, replicas: [2, 3, 1] },
          { partition: 2, replicas: [3, 1, 2] },
        ],
      },
    ])
    expect(created?.error).toBeNull()

    interface Call {
      name: string
      startedAt: number
      endedAt: number
      /** Per-resource or whole-call failures; empty when the call fully succeeded. */
      errors: unknown[]
    }
    const calls: Call[] = []
    let newTopics = 0
    const timed = async (name: string, run: () => Promise<unknown[]>): Promise<Call> => {
      const startedAt = Date.now()
      let errors: unknown[]
      try {
        errors = await run()
      } catch (error) {
        errors = [error]
      }
      const call = { name, startedAt, endedAt: Date.now(), errors }
      calls.push(call)
      return call
    }
    const errorsOf = (results: ReadonlyArray<{ error: KafkaError | null }>): unknown[] =>
      results.filter((r) => r.error !== null).map((r) => r.error)
    // Calls that any live broker can serve must always succeed; the others reach broker 3 (its log
    // dirs) or the leaders of a partition it led, and may fail, retriably, while it is down.
    const alwaysOk = new Set(['describeTopics', 'describeCluster', 'createTopics'])
    const iteration = (): Promise<Call[]> =>
      Promise.all([
        timed('describeTopics', async () => errorsOf(await admin.describeTopics([topic]))),
        timed('describeCluster', async () => {
          const c = await admin.describeCluster()
          return c.brokers.length >= 2 ? [] : [new Error(`only ${c.brokers.length} brokers`)]
        }),
        timed('createTopics', async () =>
          // Each name is new: TOPIC_ALREADY_EXISTS means an earlier attempt of this same call was
          // carried out by a broker that died before answering, and the retry found its topic (Java's
          // admin reports it the same way). The topic exists, which is what the call asked for.
          errorsOf(await admin.createTopics([{ topic: `busy-new-${suffix}-${newTopics++}`, numPartitions: 1, replicationFactor: 2 }])).filter(
            (e) => !(e instanceof KafkaError && e.code === ErrorCode.TOPIC_ALREADY_EXISTS),
          ),
        ),
        timed('listOffsets', async () =>
          errorsOf(await admin.listOffsets(partitions.map((p) => ({ ...p, spec: 'latest' as const })), { timeoutMs: 5_000 })),
        ),
        timed('describeProducers', async () => errorsOf(await admin.describeProducers(partitions, { timeoutMs: 5_000 }))),
        timed('describeLogDirs', async () => errorsOf(await admin.describeLogDirs([1, 2, 3], { timeoutMs: 5_000 }))),
      ])

    // Roots that only talk to the controller after the kill, so nothing else refreshes their
    // metadata. Each learnt a random live broker as controller; with twelve, some almost surely
    // learnt the victim (1 - (2/3)^12 > 99 %), and those must route around it at once.
    const quietRoots = Array.from(
      { length: 12 },
      (_, i) => new Kafka({ clientId: `failover-quiet-${i}`, brokers: bootstrapServers.split(',') }),
    )
    await Promise.all(quietRoots.map((root) => root.admin().describeTopics([topic])))
    const controllerCallMs = async (): Promise<number[]> =>
      Promise.all(
        quietRoots.map(async (root) => {
          const startedAt = Date.now()
          await root.admin().listPartitionReassignments(undefined, { timeoutMs: 20_000 })
          return Date.now() - startedAt
        }),
      )

    let stop = false
    let iterations = 0
    const loop = (async () => {
      while (!stop) {
        await iteration()
        iterations++
      }
    })()

    try {
      await waitFor(() => iterations >= 2, { timeoutMs: 30_000, message: 'two iterations before the kill' })
      expect(calls.flatMap((c) => c.errors)).toEqual([])

      const killedAt = Date.now()
      await killBroker(victim)
      const iterationsAtKill = iterations
      expect(Math.max(...(await controllerCallMs()))).toBeLessThan(5_000)
      // Down long enough to be fenced, and for leadership of partition 2 to move.
      await waitFor(
        async () => {
          const [d] = await admin.describeTopics([topic])
          const leader = d?.partitions[2]?.leader ?? -1
          return leader >= 0 && leader !== victim && iterations >= iterationsAtKill + 2
        },
        { timeoutMs: 40_000, intervalMs: 300, message: `leadership of ${topic}-2 to leave broker ${victim}` },
      )
      await restartBroker(victim)
      const restartedAt = Date.now()
      expect(Math.max(...(await controllerCallMs()))).toBeLessThan(5_000)

      // After the restart every call succeeds again, three iterations in a row.
      let clean = 0
      await waitFor(
        async () => {
          const round = await iteration()
          clean = round.every((c) => c.errors.length === 0) ? clean + 1 : 0
          return clean >= 3
        },
        { timeoutMs: 60_000, intervalMs: 100, message: 'three clean iterations after the restart' },
      )
      stop = true
      await loop

      const failed = calls.filter((c) => c.errors.length > 0)
      for (const call of failed) {
        // Only calls that must reach the dead broker fail, only around the outage, and only retriably.
        expect(alwaysOk.has(call.name), `${call.name} failed: ${String(call.errors[0])}`).toBe(false)
        expect(call.startedAt).toBeGreaterThanOrEqual(killedAt - 1_000)
        expect(call.startedAt).toBeLessThanOrEqual(restartedAt + 10_000)
        for (const error of call.errors) {
          expect(error, `${call.name}: ${String(error)}`).toBeInstanceOf(KafkaError)
          expect((error as KafkaError).retriable, `${call.name}: ${String(error)}`).toBe(true)
        }
      }
      // Calls any live broker can serve were never stuck on the dead one.
      const slowest = Math.max(...calls.filter((c) => alwaysOk.has(c.name)).map((c) => c.endedAt - c.startedAt))
      expect(slowest).toBeLessThan(15_000)
      // The outage was observed: log dirs of broker 3 failed while it was down.
      expect(failed.some((c) => c.name === 'describeLogDirs')).toBe(true)
      expect(processErrors).toEqual([])
    } finally {
      stop = true
      await loop
      await Promise.all(quietRoots.map((root) => root.close()))
    }
  })
})
