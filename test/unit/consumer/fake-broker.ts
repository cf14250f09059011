/**
 * A scripted Kafka broker on 127.0.0.1 for unit tests: it speaks the real wire protocol (the
 * generated codecs), answers ApiVersions, Metadata and FindCoordinator itself, and hands every
 * other request to a handler the test sets. It records each request it decoded, so tests can
 * assert what the client sent (fetch sessions, commits) and make the broker answer with errors a
 * real one rarely gives (FETCH_SESSION_ID_NOT_FOUND, OFFSET_OUT_OF_RANGE, ILLEGAL_GENERATION …).
 */
import { createServer, type Server, type Socket } from 'node:net'
import { Cluster } from '../../../src/cluster/cluster.js'
import { FrameDecoder } from '../../../src/network/frame-decoder.js'
import type { ApiDescriptor } from '../../../src/protocol/api.js'
import { decodeRequestFrame, encodeResponseFrame } from '../../../src/protocol/header.js'
import { apis } from '../../../src/protocol/messages/index.js'

type Apis = typeof apis
export type ApiName = keyof Apis
type RequestOf<N extends ApiName> = Apis[N] extends ApiDescriptor<infer Req, unknown> ? Req : never
type ResponseOf<N extends ApiName> = Apis[N] extends ApiDescriptor<unknown, infer Res> ? Res : never

/** Answers one request; `undefined` leaves it unanswered (the client times out). */
export type Handler<N extends ApiName> = (
  request: RequestOf<N>,
  version: number,
) => Partial<ResponseOf<N>> | undefined | Promise<Partial<ResponseOf<N>> | undefined>

export interface FakeTopic {
  readonly name: string
  /** 22-character base64url topic id. */
  readonly id: string
  readonly partitions: number
  /** Leader epoch reported for every partition (default 0). */
  leaderEpoch?: number
}

export interface Received {
  readonly api: ApiName
  readonly version: number
  readonly body: unknown
  /** Which client connection carried it (numbered in accept order). */
  readonly connection: number
}

export class FakeBroker {
  readonly topics: FakeTopic[] = []
  readonly received: Received[] = []
  /** Highest version advertised per API (default: the codec's highest stable one). */
  readonly maxVersions = new Map<ApiName, number>()
  readonly #handlers = new Map<ApiName, Handler<ApiName>>()
  readonly #server: Server
  readonly #sockets = new Set<Socket>()
  #accepted = 0
  port = 0

  private constructor() {
    this.#server = createServer((socket) => this.#serve(socket))
  }

  static async start(): Promise<FakeBroker> {
    const broker = new FakeBroker()
    await new Promise<void>((resolve) => broker.#server.listen(0, '127.0.0.1', resolve))
    const address = broker.#server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    broker.port = address.port
    return broker
  }

  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  on<N extends ApiName>(api: N, handler: Handler<N>): this {
    this.#handlers.set(api, handler as unknown as Handler<ApiName>)
    return this
  }

  /** Requests of one API received so far, decoded. */
  requests<N extends ApiName>(api: N): Array<{ version: number; body: RequestOf<N>; connection: number }> {
    return this.received
      .filter((r) => r.api === api)
      .map((r) => ({ version: r.version, body: r.body as RequestOf<N>, connection: r.connection }))
  }

  /** Drops every client connection (as a broker restart would). */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy()
  }

  async close(): Promise<void> {
    this.dropConnections()
    await new Promise((resolve) => this.#server.close(resolve))
  }

  #serve(socket: Socket): void {
    const connection = ++this.#accepted
    this.#sockets.add(socket)
    socket.on('close', () => this.#sockets.delete(socket))
    socket.on('error', () => {})
    const decoder = new FrameDecoder(64 * 1024 * 1024)
    // Answers go out in request order, as a broker's do, even when a handler is slow.
    let tail: Promise<void> = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, (frame) => {
        const request = decodeRequestFrame(frame)
        const name = (Object.keys(apis) as ApiName[]).find((n) => apis[n].key === request.header.apiKey) as ApiName
        this.received.push({ api: name, version: request.header.apiVersion, body: request.body, connection })
        const answer = this.#answer(name, request.body, request.header.apiVersion)
        tail = tail.then(async () => {
          const body = await answer
          if (body === undefined || socket.destroyed) return
          const api = apis[name] as ApiDescriptor<unknown, unknown>
          socket.write(encodeResponseFrame(api, request.header.apiVersion, request.header.correlationId, api.createResponse(body)))
        })
      })
    })
  }

  async #answer(name: ApiName, body: unknown, version: number): Promise<object | undefined> {
    const handler = this.#handlers.get(name)
    if (handler !== undefined) return (await handler(body as never, version)) as object | undefined
    if (name === 'ApiVersions') {
      return {
        errorCode: 0,
        apiKeys: (Object.keys(apis) as ApiName[]).map((n) => {
          const api = apis[n] as ApiDescriptor<unknown, unknown>
          const stableMax = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion
          return { apiKey: api.key, minVersion: api.minVersion, maxVersion: this.maxVersions.get(n) ?? stableMax }
        }),
      }
    }
    if (name === 'Metadata') {
      return {
        clusterId: 'fake',
        controllerId: 1,
        brokers: [{ nodeId: 1, host: '127.0.0.1', port: this.port, rack: null }],
        topics: this.topics.map((t) => ({
          errorCode: 0,
          name: t.name,
          topicId: t.id,
          isInternal: false,
          topicAuthorizedOperations: -2147483648,
          partitions: Array.from({ length: t.partitions }, (_, i) => ({
            errorCode: 0,
            partitionIndex: i,
            leaderId: 1,
            leaderEpoch: t.leaderEpoch ?? 0,
            replicaNodes: [1],
            isrNodes: [1],
            offlineReplicas: [],
          })),
        })),
      }
    }
    if (name === 'FindCoordinator') {
      const coordinator = { key: '', nodeId: 1, host: '127.0.0.1', port: this.port, errorCode: 0, errorMessage: null }
      return version >= 4 ? { coordinators: [coordinator] } : { ...coordinator }
    }
    if (name === 'OffsetFetch') {
      // A group that has committed nothing.
      const request = body as RequestOf<'OffsetFetch'>
      return version >= 8 ? { groups: request.groups.map((g) => ({ groupId: g.groupId, errorCode: 0, topics: [] })) } : { errorCode: 0, topics: [] }
    }
    throw new Error(`fake broker: no handler for ${name}`)
  }
}

/** A cluster core pointed at a fake broker, with short timeouts for tests. */
export function clusterFor(broker: FakeBroker, overrides: { requestTimeoutMs?: number; defaultApiTimeoutMs?: number } = {}): Cluster {
  return new Cluster({
    clientId: 'consumer-unit',
    brokers: [broker.address],
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: overrides.requestTimeoutMs ?? 2_000,
    metadataMaxAgeMs: 300_000,
    retryBackoff: { initialMs: 10, maxMs: 50 },
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
    connectionsMaxIdleMs: 0,
    defaultApiTimeoutMs: overrides.defaultApiTimeoutMs ?? 2_000,
    softwareName: 'kafkats-test',
    softwareVersion: '0',
  })
}
