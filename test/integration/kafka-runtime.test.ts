/**
 * Proves the test harness itself: the broker from globalSetup answers, the Kafka CLI tools run from
 * the cached jars, and kcat and the Java clients agree on what is in a topic.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { SINGLE_BOOTSTRAP, bootstrap, kafkaVersion, kcat, kcatMetadata, runKafkaTool, waitFor } from '../support/kafka.js'

const brokers = inject('kafkaBootstrap')
const usesLocalNode = process.env.KAFKA_BROKERS === undefined || process.env.KAFKA_BROKERS === ''
const kafkaMajor = Number(kafkaVersion().split('.')[0])
// Kafka 4 renamed the console tools' --property (still accepted, with a deprecation notice on stdout).
const formatterProperty = kafkaMajor >= 4 ? '--formatter-property' : '--property'
const readerProperty = kafkaMajor >= 4 ? '--reader-property' : '--property'

function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`
}

async function createTopic(topic: string, partitions: number): Promise<void> {
  const created = await runKafkaTool('TopicCommand', [
    '--bootstrap-server', brokers,
    '--create', '--topic', topic,
    '--partitions', String(partitions),
    '--replication-factor', '1',
  ])
  expect(created.code, created.stderr).toBe(0)
  expect(created.stdout).toContain(`Created topic ${topic}.`)
}

/** Reads exactly `count` records from the start of `topic` with the Java console consumer. */
async function consoleConsume(topic: string, count: number, extra: readonly string[] = []): Promise<string[]> {
  const consumed = await runKafkaTool('ConsoleConsumer', [
    '--bootstrap-server', brokers,
    '--topic', topic,
    '--from-beginning',
    '--max-messages', String(count),
    '--timeout-ms', '30000',
    formatterProperty, 'print.key=true',
    formatterProperty, 'key.separator==',
    ...extra,
  ])
  expect(consumed.code, consumed.stderr).toBe(0)
  expect(consumed.stderr).toContain(`Processed a total of ${count} messages`)
  return consumed.stdout.split('\n').filter((line) => line.length > 0)
}

describe('local Kafka runtime', () => {
  it('provides the same bootstrap to inject() and bootstrap()', () => {
    expect(brokers).toBe(bootstrap())
    if (usesLocalNode) expect(brokers).toBe(SINGLE_BOOTSTRAP)
  })

  it('answers metadata requests', async () => {
    const metadata = await kcatMetadata(brokers)
    expect(metadata.brokers.length).toBeGreaterThan(0)
    if (usesLocalNode) {
      expect(metadata.brokers).toEqual([{ id: 1, name: SINGLE_BOOTSTRAP }])
    }
  })

  it('creates and lists a topic with TopicCommand', async () => {
    const topic = uniqueTopic('runtime-topic')
    await createTopic(topic, 3)

    const listed = await runKafkaTool('TopicCommand', ['--bootstrap-server', brokers, '--list'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout.split('\n')).toContain(topic)

    const metadata = await kcatMetadata(brokers, topic)
    expect(metadata.topics[0]?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2])
  })

  it('reads with the Java console consumer what kcat produced, keys included', async () => {
    const topic = uniqueTopic('runtime-kcat-to-java')
    await createTopic(topic, 3)

    const produced = await kcat(['-b', brokers, '-P', '-t', topic, '-K', ':', '-X', 'acks=all'], {
      input: 'alpha:one\nbeta:two\ngamma:three\n',
    })
    expect(produced.code, produced.stderr).toBe(0)

    const records = await consoleConsume(topic, 3)
    // Three partitions: order is per partition only.
    expect(records.sort()).toEqual(['alpha=one', 'beta=two', 'gamma=three'])
  })

  it('reads with kcat what the Java console producer wrote, keys included', async () => {
    const topic = uniqueTopic('runtime-java-to-kcat')
    await createTopic(topic, 1)

    const produced = await runKafkaTool(
      'ConsoleProducer',
      ['--bootstrap-server', brokers, '--topic', topic, readerProperty, 'parse.key=true', readerProperty, 'key.separator=:'],
      { input: 'k1:first\nk2:second\nk3:third\n' },
    )
    expect(produced.code, produced.stderr).toBe(0)

    // -e: exit at the end of the partition; the records are there once the producer has exited.
    const consumed = await kcat(['-b', brokers, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k=%s\\n'])
    expect(consumed.code, consumed.stderr).toBe(0)
    expect(consumed.stdout.split('\n').filter((l) => l.length > 0)).toEqual(['k1=first', 'k2=second', 'k3=third'])
  })

  it('accepts kcat batches in every codec and the Java consumer decodes them', async () => {
    const topic = uniqueTopic('runtime-codecs')
    await createTopic(topic, 1)
    const codecs = ['gzip', 'snappy', 'lz4', 'zstd'] as const
    for (const codec of codecs) {
      const produced = await kcat(['-b', brokers, '-P', '-t', topic, '-K', ':', '-z', codec], {
        input: `${codec}:payload-${codec}-${'x'.repeat(200)}\n`,
      })
      expect(produced.code, `${codec}: ${produced.stderr}`).toBe(0)
    }
    const records = await consoleConsume(topic, codecs.length)
    expect(records).toEqual(codecs.map((codec) => `${codec}=payload-${codec}-${'x'.repeat(200)}`))
  })

  it.runIf(usesLocalNode && kafkaMajor >= 4)(
    'has the KIP-848 group protocol and transactions v2 finalized',
    async () => {
      const features = await runKafkaTool('FeatureCommand', ['--bootstrap-server', brokers, 'describe'])
      expect(features.code, features.stderr).toBe(0)
      const level = (name: string): string | undefined =>
        new RegExp(`Feature: ${name}\\s.*FinalizedVersionLevel: (\\S+)`).exec(features.stdout)?.[1]
      expect(Number(level('group.version'))).toBeGreaterThanOrEqual(1)
      expect(Number(level('transaction.version'))).toBeGreaterThanOrEqual(2)
    },
  )

  const autoCreate = usesLocalNode && process.env.KAFKATS_AUTO_CREATE_TOPICS !== 'false'
  it.runIf(autoCreate)('auto-creates a topic on first produce (Kafka default)', async () => {
    const topic = uniqueTopic('runtime-auto')
    const produced = await kcat(['-b', brokers, '-P', '-t', topic], { input: 'hello\n' })
    expect(produced.code, produced.stderr).toBe(0)
    const partitions = await waitFor(
      async () => {
        const t = (await kcatMetadata(brokers, topic)).topics[0]
        return t !== undefined && t.error === undefined && t.partitions.length > 0 ? t.partitions : undefined
      },
      { timeoutMs: 20_000, message: `topic ${topic} to exist` },
    )
    expect(partitions.length).toBeGreaterThan(0)
  })
})
