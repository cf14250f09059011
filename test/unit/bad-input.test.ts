/**
 * Bad input at every public entry point (issue 9): wrong types, NaN, negative or huge numbers,
 * oversized headers, unknown option names, calls in the wrong state. Each row must fail with a
 * typed error at once (a synchronous throw, or a rejection within 100 ms), and the client must
 * stay usable: after every row a valid call on the same client succeeds. Against a fake broker
 * that knows topic `t` and acknowledges every Produce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  Kafka,
  KafkaConfigError,
  KafkaError,
  KafkaRecordError,
  KafkaStateError,
  type Admin,
  type AdminOptions,
  type Consumer,
  type ConsumerOptions,
  type KafkaOptions,
  type Producer,
  type ProducerOptions,
} from '../../src/index.js'
import { createProduceResponsePartitionProduceResponse } from '../../src/protocol/messages/produce.js'
import { FakeBroker } from './consumer/fake-broker.js'

let broker: FakeBroker
let kafka: Kafka
let producer: Producer
let admin: Admin
let consumer: Consumer
let groupConsumer: Consumer

beforeAll(async () => {
  broker = await FakeBroker.start()
  broker.topics.push({ name: 't', id: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: 2 })
  let offset = 0n
  broker.on('InitProducerId', () => ({ errorCode: 0, producerId: 9n, producerEpoch: 0 }))
  broker.on('Produce', (request) => ({
    responses: request.topicData.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) =>
        createProduceResponsePartitionProduceResponse({ index: p.index, errorCode: 0, baseOffset: offset++ }),
      ),
    })),
  }))
  kafka = new Kafka({ clientId: 'bad-input', brokers: [broker.address], retryBackoffMs: 5, retryBackoffMaxMs: 20 })
  producer = kafka.producer({ lingerMs: 0 })
  admin = kafka.admin()
  consumer = kafka.consumer()
  groupConsumer = kafka.consumer({ groupId: 'bad-input-group', autoCommit: false })
})

afterAll(async () => {
  await kafka.close()
  await broker.close()
})

type ErrorClass = abstract new (...args: never[]) => KafkaError

interface Row {
  readonly name: string
  readonly call: () => unknown
  readonly error: ErrorClass
  readonly message: RegExp
}

/** Runs `call`; returns its error and how long it took to fail. */
async function failure(call: () => unknown): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  let result: unknown
  try {
    result = call()
  } catch (error) {
    return { error, ms: performance.now() - started }
  }
  if (!(result instanceof Promise)) throw new Error(`returned ${String(result)} instead of failing`)
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 5_000)
  })
  const outcome = await Promise.race([result.then(() => 'resolved' as const, (error: unknown) => ({ error })), late])
  clearTimeout(timer)
  if (outcome === 'late' || outcome === 'resolved') throw new Error(`expected a rejection, got ${outcome}`)
  return { error: outcome.error, ms: performance.now() - started }
}

const tp = { topic: 't', partition: 0 }

const rows: Row[] = [
  // --- the Kafka root and the factories
  { name: 'Kafka without options', call: () => new Kafka(undefined as never), error: KafkaConfigError, message: /^options: expected an object/ },
  { name: 'Kafka brokers as a string', call: () => new Kafka({ brokers: 'h:1' as never }), error: KafkaConfigError, message: /^brokers: .*got a string/ },
  { name: 'Kafka broker without a port', call: () => new Kafka({ brokers: ['host'] }), error: KafkaConfigError, message: /"host" is not a "host:port"/ },
  { name: 'Kafka broker port 0', call: () => new Kafka({ brokers: ['h:0'] }), error: KafkaConfigError, message: /brokers/ },
  { name: 'Kafka NaN timeout', call: () => new Kafka({ brokers: ['h:1'], requestTimeoutMs: NaN }), error: KafkaConfigError, message: /^requestTimeoutMs: .*NaN/ },
  { name: 'Kafka huge timeout', call: () => new Kafka({ brokers: ['h:1'], connectionTimeoutMs: 2 ** 40 }), error: KafkaConfigError, message: /^connectionTimeoutMs/ },
  { name: 'Kafka unknown option', call: () => new Kafka({ brokers: ['h:1'], requestTimeout: 5 } as never), error: KafkaConfigError, message: /unknown option requestTimeout; did you mean requestTimeoutMs\?/ },
  { name: 'Kafka ssl as a string', call: () => new Kafka({ brokers: ['h:1'], ssl: 'yes' as never }), error: KafkaConfigError, message: /^ssl:/ },
  { name: 'Kafka sasl without mechanism', call: () => new Kafka({ brokers: ['h:1'], sasl: {} as never }), error: KafkaConfigError, message: /^sasl\.mechanism/ },
  { name: 'producer lingerMS', call: () => kafka.producer({ lingerMS: 5 } as never), error: KafkaConfigError, message: /unknown option lingerMS; did you mean lingerMs\?/ },
  { name: 'producer options null', call: () => kafka.producer(null as never), error: KafkaConfigError, message: /^producer options: expected an object/ },
  { name: 'producer negative batchSize', call: () => kafka.producer({ batchSize: -1 }), error: KafkaConfigError, message: /^batchSize/ },
  { name: 'producer NaN lingerMs', call: () => kafka.producer({ lingerMs: NaN }), error: KafkaConfigError, message: /^lingerMs/ },
  { name: 'producer acks 2', call: () => kafka.producer({ acks: 2 as never }), error: KafkaConfigError, message: /^acks/ },
  { name: 'producer serializer without serialize', call: () => kafka.producer({ keySerializer: {} as never }), error: KafkaConfigError, message: /^keySerializer/ },
  { name: 'consumer checkCrcs as a string', call: () => kafka.consumer({ checkCrcs: 'no' as never }), error: KafkaConfigError, message: /^checkCrcs/ },
  { name: 'consumer allowAutoCreateTopics as a number', call: () => kafka.consumer({ allowAutoCreateTopics: 0 as never }), error: KafkaConfigError, message: /^allowAutoCreateTopics/ },
  { name: 'consumer groupRemoteAssignor empty', call: () => kafka.consumer({ groupRemoteAssignor: '' }), error: KafkaConfigError, message: /^groupRemoteAssignor/ },
  { name: 'consumer assignor with a bad rebalanceProtocol', call: () => kafka.consumer({ partitionAssigners: [{ name: 'mine', rebalanceProtocol: 'eagre' as never, assign: () => new Map() }] }), error: KafkaConfigError, message: /^partitionAssigners\[mine\]\.rebalanceProtocol/ },
  { name: 'consumer unknown option', call: () => kafka.consumer({ groupID: 'g' } as never), error: KafkaConfigError, message: /did you mean groupId\?/ },
  { name: 'consumer huge maxPollRecords', call: () => kafka.consumer({ maxPollRecords: 2 ** 31 }), error: KafkaConfigError, message: /^maxPollRecords/ },
  { name: 'consumer heartbeat above session', call: () => kafka.consumer({ sessionTimeoutMs: 1000, heartbeatIntervalMs: 5000 }), error: KafkaConfigError, message: /^heartbeatIntervalMs/ },
  { name: 'admin unknown option', call: () => kafka.admin({ timeout: 5 } as never), error: KafkaConfigError, message: /unknown option timeout; did you mean timeoutMs\?/ },
  { name: 'admin negative timeoutMs', call: () => kafka.admin({ timeoutMs: -1 }), error: KafkaConfigError, message: /^timeoutMs/ },

  // --- send / sendBatch
  { name: 'send a number key', call: () => producer.send({ topic: 't', key: 42 as never, value: 'v' }), error: KafkaRecordError, message: /^key: .*got a number \(42\)/ },
  { name: 'send an object value', call: () => producer.send({ topic: 't', value: { a: 1 } as never }), error: KafkaRecordError, message: /^value: .*got an object/ },
  { name: 'send a Symbol value', call: () => producer.send({ topic: 't', value: Symbol('v') as never }), error: KafkaRecordError, message: /^value: .*got a symbol/ },
  { name: 'send a header of the wrong type', call: () => producer.send({ topic: 't', value: 'v', headers: { h: 5 as never } }), error: KafkaRecordError, message: /^headers\.h: .*got a number \(5\)/ },
  { name: 'send an oversized header', call: () => producer.send({ topic: 't', value: 'v', headers: { h: 'x'.repeat(2 * 1024 * 1024) } }), error: KafkaRecordError, message: /exceeds maxRequestSize/ },
  { name: 'send a NaN partition', call: () => producer.send({ topic: 't', value: 'v', partition: NaN }), error: KafkaRecordError, message: /^partition: .*NaN/ },
  { name: 'send a partition the topic lacks', call: () => producer.send({ topic: 't', value: 'v', partition: 7 }), error: KafkaRecordError, message: /partition 7 does not exist/ },
  { name: 'send a negative timestamp', call: () => producer.send({ topic: 't', value: 'v', timestamp: -1 }), error: KafkaRecordError, message: /^timestamp/ },
  { name: 'send without a topic', call: () => producer.send({ value: 'v' } as never), error: KafkaRecordError, message: /^topic:/ },
  { name: 'send kafkajs-style', call: () => producer.send({ topic: 't', messages: [{ value: 'v' }] } as never), error: KafkaRecordError, message: /sendBatch/ },
  { name: 'send no record', call: () => producer.send(undefined as never), error: KafkaRecordError, message: /^record: expected an object/ },
  { name: 'sendBatch of an object', call: () => producer.sendBatch({ topic: 't', value: 'v' } as never), error: KafkaRecordError, message: /^sendBatch: expected an array/ },
  { name: 'beginTransaction on a non-transactional producer', call: () => producer.beginTransaction(), error: KafkaStateError, message: /not transactional/ },

  // --- consumer calls
  { name: 'assign a string', call: () => consumer.assign('t' as never), error: KafkaConfigError, message: /^assign: expected an array/ },
  { name: 'assign a NaN partition', call: () => consumer.assign([{ topic: 't', partition: NaN }]), error: KafkaConfigError, message: /^assign: partition of t .*NaN/ },
  { name: 'assign a negative offset', call: () => consumer.assign([{ topic: 't', partition: 0, offset: -5n }]), error: KafkaConfigError, message: /^assign: expected an offset >= 0/ },
  { name: 'seek without a partition', call: () => consumer.seek(undefined as never, 0n), error: KafkaConfigError, message: /^seek: expected \{ topic, partition \}/ },
  { name: 'seek a partition not assigned', call: () => consumer.seek({ topic: 't', partition: 1 }, 0n), error: KafkaStateError, message: /not assigned/ },
  { name: 'pause a number', call: () => consumer.pause(1 as never), error: KafkaConfigError, message: /^pause: expected an array/ },
  { name: 'resume a bad entry', call: () => consumer.resume([{ topic: 5 } as never]), error: KafkaConfigError, message: /^resume: topic must be/ },
  { name: 'subscribe a string', call: () => groupConsumer.subscribe('t' as never), error: KafkaConfigError, message: /wrap the topics/ },
  { name: 'subscribe with no topics', call: () => groupConsumer.subscribe({ topics: [] }), error: KafkaConfigError, message: /^subscribe:/ },
  { name: 'subscribe without a groupId', call: () => consumer.subscribe({ topics: ['t'] }), error: KafkaConfigError, message: /groupId is required/ },
  { name: 'commit without a groupId', call: () => consumer.commit(), error: KafkaConfigError, message: /no groupId/ },
  { name: 'commit a NaN partition', call: () => groupConsumer.commit([{ topic: 't', partition: NaN, offset: 1n }]), error: KafkaConfigError, message: /^commit: partition of t/ },
  { name: 'commit a number offset', call: () => groupConsumer.commit([{ topic: 't', partition: 0, offset: 1 as never }]), error: KafkaConfigError, message: /must be a bigint >= 0, got a number/ },
  { name: 'commit a string', call: () => groupConsumer.commit('t' as never), error: KafkaConfigError, message: /^commit: expected a message or a list/ },
  { name: 'run without handlers', call: () => consumer.run({} as never), error: KafkaConfigError, message: /eachMessage or eachBatch/ },
  { name: 'run with nothing', call: () => consumer.run(undefined as never), error: KafkaConfigError, message: /^run: expected/ },
  { name: 'run with a signal that is not an AbortSignal', call: () => consumer.run({ eachMessage: async () => {}, signal: 'stop' as never }), error: KafkaConfigError, message: /^run\(\): signal must be an AbortSignal/ },
  { name: 'connect with options that are not an object', call: () => consumer.connect(5 as never), error: KafkaConfigError, message: /^connect\(\): options must be an object/ },
  { name: 'commit with a signal that is not an AbortSignal', call: () => groupConsumer.commit(undefined, { signal: {} as never }), error: KafkaConfigError, message: /^commit\(\): signal must be an AbortSignal/ },
  { name: 'messages with a signal that is not an AbortSignal', call: () => consumer.messages({ signal: true as never }), error: KafkaConfigError, message: /^messages\(\): signal must be an AbortSignal/ },
  { name: 'run with 0 workers', call: () => consumer.run({ eachMessage: async () => {}, partitionsConsumedConcurrently: 0 }), error: KafkaConfigError, message: /partitionsConsumedConcurrently/ },

  // --- admin calls
  { name: 'createTopics NaN partitions', call: () => admin.createTopics([{ topic: 'x', numPartitions: NaN }]), error: KafkaConfigError, message: /^createTopics: numPartitions of x: .*NaN/ },
  { name: 'createTopics huge replication', call: () => admin.createTopics([{ topic: 'x', replicationFactor: 100_000 }]), error: KafkaConfigError, message: /replicationFactor of x/ },
  { name: 'createTopics without a name', call: () => admin.createTopics([{ numPartitions: 1 } as never]), error: KafkaConfigError, message: /topic must be a non-empty string/ },
  { name: 'createTopics config as a number', call: () => admin.createTopics([{ topic: 'x', configs: { 'retention.ms': 5 as never } }]), error: KafkaConfigError, message: /config retention\.ms of x must be a string/ },
  { name: 'createTopics of a string', call: () => admin.createTopics('x' as never), error: KafkaConfigError, message: /expected an array/ },
  { name: 'createPartitions count -1', call: () => admin.createPartitions([{ topic: 't', count: -1 }]), error: KafkaConfigError, message: /count of t/ },
  { name: 'deleteTopics of numbers', call: () => admin.deleteTopics([1 as never]), error: KafkaConfigError, message: /topic name must be a non-empty string/ },
  { name: 'describeTopics of a string', call: () => admin.describeTopics('t' as never), error: KafkaConfigError, message: /expected an array of topic names/ },
  { name: 'admin call with a signal that is not an AbortSignal', call: () => admin.listTopics({ signal: 'stop' as never }), error: KafkaConfigError, message: /^call options: signal must be an AbortSignal/ },
  { name: 'admin call NaN timeoutMs', call: () => admin.deleteTopics(['x'], { timeoutMs: NaN }), error: KafkaConfigError, message: /^timeoutMs: .*NaN/ },
  // Calls on many resources report per resource (the Admin contract): the group's own error.
  {
    name: 'admin call field the encoder cannot write',
    call: async () => {
      const [result] = await admin.describeGroups([42 as never])
      throw result?.error
    },
    error: KafkaConfigError,
    message: /FindCoordinator request: a field has a value that cannot be sent/,
  },
]

// Every option of every role, typed so that an option added to a role's interface without a row
// here fails the type check. A symbol is a valid value for none of them: each must be refused with
// an error that names it.
const ROOT_OPTIONS: Record<keyof KafkaOptions, true> = {
  brokers: true, clientId: true, ssl: true, sasl: true, connectionTimeoutMs: true, requestTimeoutMs: true,
  metadataMaxAgeMs: true, retryBackoffMs: true, retryBackoffMaxMs: true, reconnectBackoffMs: true,
  reconnectBackoffMaxMs: true, connectionsMaxIdleMs: true, defaultApiTimeoutMs: true, logger: true,
}
const PRODUCER_OPTIONS: Record<keyof ProducerOptions, true> = {
  acks: true, enableIdempotence: true, lingerMs: true, batchSize: true, bufferMemory: true, maxBlockMs: true,
  compressionType: true, maxInFlightRequestsPerConnection: true, requestTimeoutMs: true, deliveryTimeoutMs: true,
  retries: true, retryBackoffMs: true, retryBackoffMaxMs: true, maxRequestSize: true, partitioner: true,
  transactionalId: true, transactionTimeoutMs: true, keySerializer: true, valueSerializer: true,
}
const CONSUMER_OPTIONS: Record<keyof ConsumerOptions, true> = {
  groupId: true, groupProtocol: true, groupInstanceId: true, sessionTimeoutMs: true, heartbeatIntervalMs: true,
  maxPollIntervalMs: true, partitionAssigners: true, groupRemoteAssignor: true, autoCommit: true,
  autoCommitIntervalMs: true, autoOffsetReset: true, isolationLevel: true, fetchMinBytes: true, fetchMaxBytes: true,
  maxPartitionFetchBytes: true, fetchMaxWaitMs: true, fetchBufferMaxBytes: true, maxPollRecords: true,
  checkCrcs: true, allowAutoCreateTopics: true, keyDeserializer: true, valueDeserializer: true,
}
const ADMIN_OPTIONS: Record<keyof AdminOptions, true> = { timeoutMs: true }

const naming = (name: string): RegExp => new RegExp(`^${name}\\b`)
for (const name of Object.keys(ROOT_OPTIONS)) {
  rows.push({ name: `Kafka option ${name} as a symbol`, call: () => new Kafka({ brokers: ['h:1'], [name]: Symbol(name) } as never), error: KafkaConfigError, message: naming(name) })
}
for (const name of Object.keys(PRODUCER_OPTIONS)) {
  rows.push({ name: `producer option ${name} as a symbol`, call: () => kafka.producer({ [name]: Symbol(name) } as never), error: KafkaConfigError, message: naming(name) })
}
for (const name of Object.keys(CONSUMER_OPTIONS)) {
  rows.push({ name: `consumer option ${name} as a symbol`, call: () => kafka.consumer({ [name]: Symbol(name) } as never), error: KafkaConfigError, message: naming(name) })
}
for (const name of Object.keys(ADMIN_OPTIONS)) {
  rows.push({ name: `admin option ${name} as a symbol`, call: () => kafka.admin({ [name]: Symbol(name) } as never), error: KafkaConfigError, message: naming(name) })
}

/** A valid call on every client used above, after each row. */
async function stillUsable(): Promise<void> {
  await expect(producer.send({ topic: 't', value: 'ok' })).resolves.toMatchObject({ topic: 't' })
  await expect(admin.listTopics()).resolves.toEqual(['t'])
  consumer.assign([tp])
  expect(consumer.assignment()).toEqual([tp])
  consumer.assign([])
}

describe('bad input at every public entry point', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s: a typed error at once, and the client stays usable', async (_name, row) => {
    const { error, ms } = await failure(row.call)
    expect(error).toBeInstanceOf(row.error)
    expect((error as KafkaError).retriable).toBe(false)
    expect((error as Error).message).toMatch(row.message)
    expect(ms).toBeLessThan(100)
    await stillUsable()
  })
})

describe('calls in the wrong state', () => {
  it('run twice, or the iterator during run: the second fails at once; the first goes on', async () => {
    const c = kafka.consumer()
    const running = c.run({ eachMessage: async () => {} })
    const second = await failure(() => c.run({ eachMessage: async () => {} }))
    expect(second.error).toBeInstanceOf(KafkaStateError)
    expect((second.error as Error).message).toMatch(/already consuming/)
    expect(second.ms).toBeLessThan(100)
    const iterated = await failure(() => c[Symbol.asyncIterator]().next())
    expect(iterated.error).toBeInstanceOf(KafkaStateError)
    await c.stop()
    await expect(running).resolves.toBeUndefined()
    await c.disconnect()
  })

  it('assign on a subscribed consumer, subscribe on an assigned one', async () => {
    const c = kafka.consumer({ groupId: 'g-state' })
    c.assign([tp])
    const { error } = await failure(() => c.subscribe({ topics: ['t'] }))
    expect(error).toBeInstanceOf(KafkaStateError)
    expect((error as Error).message).toMatch(/assign\(\[\]\) first/)
    c.assign([])
    await c.disconnect()
  })

  it('send, connect and transactions after disconnect fail at once; a new producer works', async () => {
    const p = kafka.producer({ lingerMs: 0 })
    await p.send({ topic: 't', value: 'before' })
    await p.disconnect()
    for (const call of [() => p.send({ topic: 't', value: 'after' }), () => p.connect(), () => p.sendBatch([{ topic: 't', value: 'x' }])]) {
      const { error, ms } = await failure(call)
      expect(error).toBeInstanceOf(KafkaStateError)
      expect(ms).toBeLessThan(100)
    }
    await expect(kafka.producer({ lingerMs: 0 }).send({ topic: 't', value: 'new' })).resolves.toMatchObject({ topic: 't' })
  })

  it('a transactional producer: send or beginTransaction before initTransactions say what to call', async () => {
    const p = kafka.producer({ transactionalId: 'tx-bad-input' })
    const { error } = await failure(() => p.send({ topic: 't', value: 'v' }))
    expect(error).toBeInstanceOf(KafkaStateError)
    expect((error as Error).message).toMatch(/initTransactions\(\)/)
    expect(() => p.beginTransaction()).toThrow(KafkaStateError)
    await p.disconnect()
  })

  it('every call of a closed root fails at once', async () => {
    const root = new Kafka({ brokers: [broker.address] })
    const c = root.consumer()
    const a = root.admin()
    await root.close()
    for (const call of [() => root.producer(), () => root.admin(), () => root.consumer(), () => a.listTopics(), () => c.connect()]) {
      const { error, ms } = await failure(call)
      expect(error).toBeInstanceOf(KafkaStateError)
      expect(ms).toBeLessThan(100)
    }
  })
})
