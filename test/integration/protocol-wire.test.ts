/**
 * The codec against a real broker over a plain socket: ApiVersions negotiation, Metadata,
 * CreateTopics, Produce of one batch per codec that kcat (librdkafka) then reads back, and Fetch of
 * batches that kcat wrote with each codec.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Connection } from '../../src/network/connection.js'
import type { ApiDescriptor } from '../../src/protocol/api.js'
import { negotiateApiVersions, type BrokerVersions } from '../../src/network/api-versions.js'
import { sendRequest } from '../../src/network/send-request.js'
import { decodeResponseFrame, encodeRequestHeader } from '../../src/protocol/header.js'
import { CompressionType } from '../../src/protocol/compression/index.js'
import { apiVersionsApi } from '../../src/protocol/messages/api-versions.js'
import { createTopicsApi } from '../../src/protocol/messages/create-topics.js'
import { createFetchRequestPartition, createFetchRequestTopic, fetchApi } from '../../src/protocol/messages/fetch.js'
import { metadataApi, type MetadataResponse } from '../../src/protocol/messages/metadata.js'
import { produceApi } from '../../src/protocol/messages/produce.js'
import { decodeRecordBatches, encodeRecordBatch, type DataRecordBatch } from '../../src/protocol/record-batch.js'
import { Writer } from '../../src/protocol/writer.js'
import { bootstrap, kcat, waitFor } from '../support/kafka.js'

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
type Codec = (typeof CODECS)[number]
const CODEC_ID: Record<Codec, CompressionType> = {
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
}

const clientId = 'kafkats-wire-test'
let connection: Connection
let versions: BrokerVersions
let brokerAddress: string

function send<Req, Res>(api: Parameters<typeof sendRequest<Req, Res>>[1], body: Req): Promise<Res> {
  return sendRequest(connection, api, versions.pick(api, brokerAddress), body, { clientId })
}

async function metadata(topics: string[] | null): Promise<MetadataResponse> {
  return send(
    metadataApi,
    metadataApi.createRequest({
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })),
      allowAutoTopicCreation: false,
    }),
  )
}

async function createTopic(name: string, partitions: number): Promise<string> {
  const response = await send(
    createTopicsApi,
    createTopicsApi.createRequest({
      topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 30_000,
    }),
  )
  const result = response.topics[0]
  expect(result?.errorCode, result?.errorMessage ?? '').toBe(0)
  // CreateTopics returns once the controller has the topic; wait until this broker leads it.
  return waitFor(
    async () => {
      const topic = (await metadata([name])).topics[0]
      const ready = topic?.errorCode === 0 && topic.partitions.length === partitions && topic.partitions.every((p) => p.leaderId >= 0)
      return ready ? topic.topicId : undefined
    },
    { timeoutMs: 30_000, intervalMs: 100, message: `leaders for ${name}` },
  )
}

beforeAll(async () => {
  const first = bootstrap().split(',')[0] as string
  const [host, port] = first.split(':') as [string, string]
  brokerAddress = first
  connection = new Connection({ host, port: Number(port), requestTimeoutMs: 30_000 })
  await connection.connect()
  versions = await negotiateApiVersions(connection, { clientId, softwareName: 'kafkats', softwareVersion: '0.1.0' })
})

afterAll(() => connection?.close())

describe('ApiVersions', () => {
  it('negotiates versions within both ranges for the APIs a client needs', () => {
    const apis: ApiDescriptor<unknown, unknown>[] = [produceApi, fetchApi, metadataApi, createTopicsApi, apiVersionsApi]
    for (const api of apis) {
      const range = versions.range(api.key)
      expect(range, api.name).toBeDefined()
      const picked = versions.pick(api, brokerAddress)
      expect(picked).toBeGreaterThanOrEqual(Math.max(api.minVersion, range?.min ?? 0))
      expect(picked).toBeLessThanOrEqual(Math.min(api.maxVersion, range?.max ?? 0))
    }
  })

  it('reads the broker v0 answer to an ApiVersions version it does not know (KIP-511)', async () => {
    const future = 99
    const frame = await connection.request((correlationId) => {
      const w = new Writer()
      const sizeAt = w.reserveInt32()
      encodeRequestHeader(w, { apiKey: apiVersionsApi.key, apiVersion: future, correlationId, clientId }, 2)
      w.compactString('kafkats').compactString('0.1.0').uint8(0)
      w.setInt32(sizeAt, w.length - 4)
      return w.finish()
    })
    const decoded = decodeResponseFrame(apiVersionsApi, future, frame as Buffer)
    expect(decoded.version).toBe(0)
    expect(decoded.body.errorCode).toBe(35)
    const own = decoded.body.apiKeys.find((k) => k.apiKey === apiVersionsApi.key)
    expect(own?.maxVersion).toBeGreaterThanOrEqual(3)
  })
})

describe('Metadata and CreateTopics', () => {
  it('describes the cluster and a topic created through the codec', async () => {
    const name = `wire-create-${randomUUID()}`
    const topicId = await createTopic(name, 3)
    const response = await metadata([name])
    expect(response.clusterId).toBeTruthy()
    expect(response.brokers.some((b) => `${b.host}:${b.port}` === brokerAddress)).toBe(true)
    const topic = response.topics[0]
    expect(topic?.name).toBe(name)
    expect(topic?.topicId).toBe(topicId)
    expect(topic?.topicId).not.toBe('AAAAAAAAAAAAAAAAAAAAAA')
    expect(topic?.partitions.map((p) => p.partitionIndex).sort()).toEqual([0, 1, 2])
  })

  it('reports a per-topic error for a duplicate topic without failing the request', async () => {
    const name = `wire-dup-${randomUUID()}`
    await createTopic(name, 1)
    const response = await send(
      createTopicsApi,
      createTopicsApi.createRequest({
        topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 10_000,
      }),
    )
    expect(response.topics[0]?.errorCode).toBe(36) // TOPIC_ALREADY_EXISTS
  })
})

describe('Produce: one batch per codec, read back by kcat', () => {
  it.each(CODECS)('%s', async (codec) => {
    const name = `wire-produce-${codec}-${randomUUID()}`
    const topicId = await createTopic(name, 1)
    const now = BigInt(Date.now())
    const records = Array.from({ length: 50 }, (_, i) => ({
      timestamp: now + BigInt(i),
      key: Buffer.from(`key-${i}`),
      value: Buffer.from(`value-${i}-${'x'.repeat(i * 7)}`),
      headers: [{ key: 'h', value: Buffer.from(`hv-${i}`) }],
    }))
    const batch = await encodeRecordBatch({ records, compression: CODEC_ID[codec] })
    const response = await send(
      produceApi,
      produceApi.createRequest({
        acks: -1,
        timeoutMs: 30_000,
        topicData: [{ name, topicId, partitionData: [{ index: 0, records: batch }] }],
      }),
    )
    const partition = response.responses[0]?.partitionResponses[0]
    expect(partition?.errorCode, partition?.errorMessage ?? '').toBe(0)
    expect(partition?.baseOffset).toBe(0n)

    const read = await kcat(['-C', '-b', brokerAddress, '-t', name, '-p', '0', '-o', 'beginning', '-c', '50', '-e', '-q',
      '-f', '%o|%k|%s|%h\\n'])
    expect(read.code, read.stderr).toBe(0)
    const lines = read.stdout.trim().split('\n')
    expect(lines).toEqual(records.map((r, i) => `${i}|key-${i}|${r.value.toString()}|h=hv-${i}`))
  })
})

describe('Fetch: batches kcat wrote with each codec', () => {
  it.each(CODECS)('%s', async (codec) => {
    const name = `wire-fetch-${codec}-${randomUUID()}`
    const topicId = await createTopic(name, 1)
    const values = Array.from({ length: 40 }, (_, i) => `kcat-${codec}-${i}-${'y'.repeat(i * 5)}`)
    const written = await kcat(['-P', '-b', brokerAddress, '-t', name, '-p', '0', '-z', codec, '-K', ':',
      '-X', 'linger.ms=50', '-X', 'batch.num.messages=1000'], {
      input: values.map((v, i) => `k${i}:${v}`).join('\n') + '\n',
    })
    expect(written.code, written.stderr).toBe(0)

    const decoded: DataRecordBatch[] = []
    let offset = 0n
    for (const deadline = Date.now() + 30_000; offset < BigInt(values.length) && Date.now() < deadline; ) {
      const response = await send(
        fetchApi,
        fetchApi.createRequest({
          replicaId: -1,
          maxWaitMs: 500,
          minBytes: 1,
          maxBytes: 1 << 20,
          isolationLevel: 0,
          topics: [
            createFetchRequestTopic({
              topic: name,
              topicId,
              partitions: [createFetchRequestPartition({ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 })],
            }),
          ],
        }),
      )
      expect(response.errorCode).toBe(0)
      const data = response.responses[0]?.partitions[0]
      expect(data?.errorCode).toBe(0)
      const { batches } = await decodeRecordBatches(data?.records ?? new Uint8Array(0))
      for (const batch of batches) {
        if (batch.isControl) continue
        decoded.push(batch)
        offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n
      }
    }
    expect(decoded.length).toBeGreaterThan(0)
    for (const batch of decoded) expect(batch.compression).toBe(CODEC_ID[codec])
    const records = decoded.flatMap((b) => b.records)
    expect(records.map((r) => r.offset)).toEqual(values.map((_, i) => BigInt(i)))
    expect(records.map((r) => Buffer.from(r.key ?? []).toString())).toEqual(values.map((_, i) => `k${i}`))
    expect(records.map((r) => Buffer.from(r.value ?? []).toString())).toEqual(values)
  })
})
