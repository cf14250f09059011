/**
 * Proves the three-broker harness: the cluster starts, an RF-3 topic survives a broker crash
 * (leadership moves off the killed broker), and the broker rejoins the ISR after a restart.
 * Skipped with KAFKATS_SKIP_CLUSTER=1.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CLUSTER_BOOTSTRAP,
  type ClusterBroker,
  type KcatPartition,
  clusterBrokerAddress,
  kcat,
  kcatMetadata,
  killBroker,
  restartBroker,
  runKafkaScript,
  runKafkaTool,
  startCluster,
  stopCluster,
  waitFor,
} from '../support/kafka.js'

const skip = process.env.KAFKATS_SKIP_CLUSTER === '1'
const ALL_BROKERS: readonly ClusterBroker[] = [1, 2, 3]

interface DescribedPartition {
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}

/** Parses `TopicCommand --describe` partition lines ("Partition: 0  Leader: 3  Replicas: 3,1,2  Isr: 3,1,2"). */
function parseDescribe(stdout: string): DescribedPartition[] {
  const ids = (list: string): number[] => (list === '' ? [] : list.split(',').map(Number))
  const partitions: DescribedPartition[] = []
  for (const line of stdout.split('\n')) {
    const match = /Partition: (\d+)\s+Leader: (-?\d+|none)\s+Replicas: ([\d,]*)\s+Isr: ([\d,]*)/.exec(line)
    if (match === null) continue
    const [, partition = '', leader = '', replicas = '', isr = ''] = match
    partitions.push({
      partition: Number(partition),
      leader: leader === 'none' ? -1 : Number(leader),
      replicas: ids(replicas),
      isr: ids(isr),
    })
  }
  return partitions
}

async function describeTopic(bootstrapServers: string, topic: string): Promise<DescribedPartition[]> {
  const described = await runKafkaTool('TopicCommand', ['--bootstrap-server', bootstrapServers, '--describe', '--topic', topic])
  if (described.code !== 0) throw new Error(`TopicCommand --describe failed: ${described.stderr}`)
  return parseDescribe(described.stdout)
}

describe.skipIf(skip)('local three-broker cluster', () => {
  const topic = `cluster-failover-${randomBytes(4).toString('hex')}`
  let bootstrapServers = ''

  beforeAll(async () => {
    bootstrapServers = await startCluster()
  })

  afterAll(async () => {
    await stopCluster()
  })

  it('starts three brokers that all register', async () => {
    expect(bootstrapServers).toBe(CLUSTER_BOOTSTRAP)
    const metadata = await kcatMetadata(bootstrapServers)
    expect(metadata.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3])
    expect(metadata.brokers.map((b) => b.name).sort()).toEqual(ALL_BROKERS.map(clusterBrokerAddress))
  })

  it('moves leadership off a killed broker and takes it back into the ISR after a restart', async () => {
    const created = await runKafkaTool('TopicCommand', [
      '--bootstrap-server', bootstrapServers,
      '--create', '--topic', topic,
      '--partitions', '3', '--replication-factor', '3',
      '--config', 'min.insync.replicas=2',
    ])
    expect(created.code, created.stderr).toBe(0)

    const initial = await waitFor(
      async () => {
        const partitions = await describeTopic(bootstrapServers, topic)
        return partitions.length === 3 && partitions.every((p) => p.isr.length === 3) ? partitions : undefined
      },
      { timeoutMs: 30_000, intervalMs: 500, message: `all partitions of ${topic} with a full ISR` },
    )
    for (const p of initial) expect([...p.replicas].sort()).toEqual([1, 2, 3])

    const victimPartition = initial[0]
    if (victimPartition === undefined) throw new Error('no partition 0')
    const victim = victimPartition.leader as ClusterBroker
    const survivors = ALL_BROKERS.filter((n) => n !== victim)
    const survivorBootstrap = survivors.map(clusterBrokerAddress).join(',')

    await killBroker(victim)

    // The controller fences the dead broker after broker.session.timeout.ms (6 s in the script).
    const afterKill = await waitFor(
      async () => {
        const partitions = await describeTopic(survivorBootstrap, topic)
        const moved = partitions.length === 3 &&
          partitions.every((p) => survivors.includes(p.leader as ClusterBroker) && !p.isr.includes(victim))
        return moved ? partitions : undefined
      },
      { timeoutMs: 60_000, intervalMs: 500, message: `leadership of ${topic} to leave broker ${victim}` },
    )
    expect(afterKill.find((p) => p.partition === victimPartition.partition)?.leader).not.toBe(victim)

    // librdkafka sees the same: leaders only on the surviving brokers.
    const seen = await kcatMetadata(survivorBootstrap, topic)
    const kcatPartitions: KcatPartition[] = seen.topics[0]?.partitions ?? []
    expect(kcatPartitions).toHaveLength(3)
    for (const p of kcatPartitions) expect(survivors).toContain(p.leader)

    // Two of three replicas still satisfy min.insync.replicas=2, so acks=all writes succeed.
    const produced = await kcat(['-b', survivorBootstrap, '-P', '-t', topic, '-X', 'acks=all'], {
      input: 'written-while-degraded\n',
    })
    expect(produced.code, produced.stderr).toBe(0)

    await restartBroker(victim)

    await waitFor(
      async () => {
        const partitions = await describeTopic(bootstrapServers, topic)
        return partitions.length === 3 && partitions.every((p) => p.isr.includes(victim))
      },
      { timeoutMs: 60_000, intervalMs: 500, message: `broker ${victim} to rejoin the ISR of ${topic}` },
    )
  })

  it('stops every node', async () => {
    await stopCluster()
    const status = await runKafkaScript(['status', 'cluster'], { timeoutMs: 10_000 })
    expect(status.code).not.toBe(0)
    expect(status.stdout).not.toContain('running')
  })
})
