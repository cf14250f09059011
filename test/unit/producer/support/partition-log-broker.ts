/**
 * A fake broker that keeps a log per partition and checks idempotent producers' sequences as
 * Kafka's leader does (per partition and producer epoch: a batch it holds among the last five is
 * a duplicate, answered with its first offset; a new epoch starts at sequence 0, otherwise the sequence must follow the last one).
 * A test scripts exceptions per batch: refuse it with an error code before or after appending it,
 * or append it and answer nothing more on that connection (a broker that hangs or dies, so the
 * client's request timeout closes the connection); a verdict given later holds back the answers
 * behind it on that connection, as a slow broker does. Partitions may be led by different nodes,
 * each a fake broker of its own that shares the logs. What the log holds at the
 * end is what a reader of the topic would see, so duplicates show as they would in kcat.
 */
import { initProducerIdApi } from '../../../../src/protocol/messages/init-producer-id.js'
import { metadataApi } from '../../../../src/protocol/messages/metadata.js'
import {
  createProduceResponsePartitionProduceResponse,
  produceApi,
  type ProduceRequest,
  type ProduceResponsePartitionProduceResponse,
} from '../../../../src/protocol/messages/produce.js'
import { decodeRecordBatches } from '../../../../src/protocol/record-batch.js'
import { startFakeBroker, type FakeBroker, type FakeRequest } from '../../../support/fake-broker.js'

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ'
export const DEDUP_WINDOW = 5

/** One batch as the broker received it. */
export interface ArrivedBatch {
  readonly node: number
  readonly partition: number
  readonly epoch: number
  readonly sequence: number
  readonly values: readonly string[]
}

/**
 * What the broker does with an arrived batch: the normal checks; a silent append, or silence
 * without appending; or an error code, before appending or (`appended`, as REQUEST_TIMED_OUT on
 * acks=all) after.
 */
export type Verdict = 'normal' | 'append-no-answer' | 'no-answer' | { readonly error: number; readonly appended?: boolean }

interface StoredBatch {
  readonly epoch: number
  readonly first: number
  readonly last: number
  readonly offset: bigint
}

interface PartitionLog {
  readonly values: string[]
  epoch: number
  lastSequence: number
  readonly recent: StoredBatch[]
}

export interface PartitionLogBroker {
  /** Node 1, the bootstrap broker. */
  readonly broker: FakeBroker
  readonly nodes: readonly FakeBroker[]
  /** Every batch received, in arrival order. */
  readonly arrived: ArrivedBatch[]
  /** The values in each partition's log, in offset order. */
  values(partition: number): readonly string[]
  close(): Promise<void>
}

const OUT_OF_ORDER_SEQUENCE_NUMBER = 45
const INVALID_PRODUCER_EPOCH = 47

export async function startPartitionLogBroker(
  partitions: number,
  decide: (batch: ArrivedBatch, arrivalIndex: number) => Verdict | Promise<Verdict>,
  /** The leader node (1, 2, ...) of each partition; all on node 1 by default. */
  leaders: readonly number[] = [],
): Promise<PartitionLogBroker> {
  const logs: PartitionLog[] = Array.from({ length: partitions }, () => ({ values: [], epoch: -1, lastSequence: -1, recent: [] }))
  const leaderOf = (partition: number): number => leaders[partition] ?? 1
  const nodeCount = Math.max(1, ...logs.map((_, i) => leaderOf(i)))
  const arrived: ArrivedBatch[] = []
  const nodes: FakeBroker[] = []
  let closeAll: () => void = () => {}
  const closed = new Promise<void>((resolve) => (closeAll = resolve))

  const append = (log: PartitionLog, b: ArrivedBatch): { errorCode: number; baseOffset: bigint } => {
    if (log.epoch >= 0 && b.epoch < log.epoch) return { errorCode: INVALID_PRODUCER_EPOCH, baseOffset: -1n }
    const last = b.sequence + b.values.length - 1
    const dup = log.recent.find((s) => s.epoch === b.epoch && s.first === b.sequence && s.last === last)
    // Kafka answers a duplicate as a success at the offset the batch first got.
    if (dup !== undefined) return { errorCode: 0, baseOffset: dup.offset }
    const inOrder = b.epoch > log.epoch ? b.sequence === 0 || log.epoch < 0 : b.sequence === log.lastSequence + 1
    if (!inOrder) return { errorCode: OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n }
    const offset = BigInt(log.values.length)
    log.values.push(...b.values)
    if (b.epoch !== log.epoch) log.recent.length = 0
    log.epoch = b.epoch
    log.lastSequence = last
    log.recent.push({ epoch: b.epoch, first: b.sequence, last, offset })
    if (log.recent.length > DEDUP_WINDOW) log.recent.shift()
    return { errorCode: 0, baseOffset: offset }
  }

  const handler = (node: number) => async ({ api, body }: FakeRequest): Promise<unknown> => {
    if (api.key === metadataApi.key) {
      return metadataApi.createResponse({
        clusterId: 'fake',
        controllerId: 1,
        brokers: nodes.map((n, i) => ({ nodeId: i + 1, host: '127.0.0.1', port: n.port, rack: null })),
        topics: [
          {
            errorCode: 0,
            name: 't',
            topicId: TOPIC_ID,
            isInternal: false,
            partitions: logs.map((_, i) => ({
              errorCode: 0,
              partitionIndex: i,
              leaderId: leaderOf(i),
              leaderEpoch: 0,
              replicaNodes: [leaderOf(i)],
              isrNodes: [leaderOf(i)],
              offlineReplicas: [],
            })),
            topicAuthorizedOperations: -2147483648,
          },
        ],
      })
    }
    if (api.key === initProducerIdApi.key) return initProducerIdApi.createResponse({ producerId: 4242n, producerEpoch: 0 })
    if (api.key !== produceApi.key) return undefined
    const request = body as ProduceRequest
    let answer = true
    const responses = []
    for (const topic of request.topicData) {
      const partitionResponses: ProduceResponsePartitionProduceResponse[] = []
      for (const p of topic.partitionData) {
        const { batches } = await decodeRecordBatches(p.records ?? new Uint8Array(0))
        const decoded = batches[0]
        const b: ArrivedBatch = {
          node,
          partition: p.index,
          epoch: decoded?.producerEpoch ?? -1,
          sequence: decoded?.baseSequence ?? -1,
          values: (decoded?.records ?? []).map((r) => Buffer.from(r.value ?? new Uint8Array(0)).toString()),
        }
        arrived.push(b)
        const verdict = await decide(b, arrived.length - 1)
        const log = logs[p.index] as PartitionLog
        let result: { errorCode: number; baseOffset: bigint }
        if (typeof verdict === 'object') {
          if (verdict.appended === true) append(log, b)
          result = { errorCode: verdict.error, baseOffset: -1n }
        } else if (verdict === 'no-answer') {
          result = { errorCode: 0, baseOffset: -1n }
          answer = false
        } else {
          result = append(log, b)
          if (verdict === 'append-no-answer') answer = false
        }
        partitionResponses.push(createProduceResponsePartitionProduceResponse({ index: p.index, ...result }))
      }
      responses.push({ name: topic.name, topicId: topic.topicId, partitionResponses })
    }
    if (answer) return produceApi.createResponse({ responses })
    // Nothing more is answered on this connection (its answers go out in order).
    await closed
    return undefined
  }
  for (let n = 1; n <= nodeCount; n++) nodes.push(await startFakeBroker(handler(n)))
  return {
    broker: nodes[0] as FakeBroker,
    nodes,
    arrived,
    values: (partition) => logs[partition]?.values ?? [],
    close: async () => {
      closeAll()
      for (const n of nodes) await n.close()
    },
  }
}
