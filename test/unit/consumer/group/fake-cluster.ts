/**
 * A scripted stand-in for the Cluster a membership talks to: requests go to per-API handlers the
 * test supplies (which may hold a response back), every request is recorded, and the metadata
 * cache is fed from snapshots the test controls.
 */
import type { Cluster } from '../../../../src/cluster/cluster.js'
import { MetadataCache, type MetadataChanges, type MetadataSnapshot } from '../../../../src/cluster/metadata-cache.js'
import type { ApiDescriptor } from '../../../../src/protocol/api.js'
import type { AssignmentListener, TopicPartition } from '../../../../src/consumer/membership.js'
import { resolveConsumerOptions, type ConsumerOptions } from '../../../../src/consumer/options.js'
import type { MembershipContext } from '../../../../src/consumer/group-factory.js'
import type { KafkaError } from '../../../../src/errors.js'

type Handler = (request: never, version: number) => unknown

export interface SentRequest {
  readonly api: string
  readonly request: Record<string, unknown>
  readonly version: number
  /** The node it went to (-1 for any broker). */
  readonly nodeId: number
}

export class FakeCluster {
  readonly metadata = new MetadataCache()
  readonly options = { clientId: 'fake', requestTimeoutMs: 30_000, retryBackoff: { initialMs: 1, maxMs: 5 }, metadataMaxAgeMs: 60_000 }
  readonly requests: SentRequest[] = []
  readonly handlers = new Map<string, Handler>()
  readonly interest = new Set<string>()
  isClosed = false
  forgotten = 0
  refreshes = 0
  /** What the next metadata refresh returns. */
  snapshot: MetadataSnapshot = { brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }], topics: [] }
  readonly #listeners = new Set<(changes: MetadataChanges) => void>()
  readonly #versions = new Map<string, number>()

  /** Answers `api` (by name) with `handler`; the request is built at `version` (default: the API's newest). */
  on<Req, Res>(api: ApiDescriptor<Req, Res>, handler: (request: Req, version: number) => Res | Promise<Res>, version?: number): void {
    this.handlers.set(api.name, handler as Handler)
    if (version !== undefined) this.#versions.set(api.name, version)
  }

  sent(api: string): Array<Record<string, unknown>> {
    return this.requests.filter((r) => r.api === api).map((r) => r.request)
  }

  /** The coordinator FindCoordinator names next. */
  coordinatorId = 1
  /** Nodes that refused our last connection: the pool is backing off from them. */
  readonly backingOff = new Set<number>()
  readonly pool = {
    backoffRemainingMs: (endpoint: { port: number }): number => (this.backingOff.has(endpoint.port) ? 500 : 0),
  }

  /** Node n listens on port n, so the pool stand-in can tell nodes apart. */
  endpointOf(target: { nodeId: number }): { host: string; port: number } {
    return { host: '127.0.0.1', port: target.nodeId }
  }

  async coordinator(): Promise<number> {
    return this.coordinatorId
  }

  forgetCoordinator(): void {
    this.forgotten++
  }

  async sendTo<Req, Res>(target: unknown, api: ApiDescriptor<Req, Res>, build: (version: number) => Req): Promise<Res> {
    const version = this.#versions.get(api.name) ?? api.maxVersion
    const request = build(version)
    const nodeId = typeof target === 'object' && target !== null && 'nodeId' in target ? (target as { nodeId: number }).nodeId : -1
    this.requests.push({ api: api.name, request: request as Record<string, unknown>, version, nodeId })
    const handler = this.handlers.get(api.name)
    if (handler === undefined) throw new Error(`no handler for ${api.name}`)
    // A network round trip is never answered within the same turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve))
    return (await handler(request as never, version)) as Res
  }

  addTopicsOfInterest(topics: Iterable<string>): void {
    for (const t of topics) this.interest.add(t)
  }

  removeTopicsOfInterest(topics: Iterable<string>): void {
    for (const t of topics) this.interest.delete(t)
  }

  async refreshMetadata(topics: Iterable<string> = []): Promise<void> {
    this.addTopicsOfInterest(topics)
    this.refreshes++
    this.applyMetadata(this.snapshot, [...this.interest])
  }

  async fetchMetadata(): Promise<MetadataSnapshot> {
    return this.snapshot
  }

  applyMetadata(snapshot: MetadataSnapshot, requested: readonly string[] | null): MetadataChanges {
    const changes = this.metadata.apply(snapshot, requested)
    if (changes.partitionCountChanged.length + changes.removed.length > 0) for (const l of this.#listeners) l(changes)
    return changes
  }

  onMetadataChange(listener: (changes: MetadataChanges) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Puts topics (name → [topic id, partition count]) in the next refresh's answer. */
  setTopics(topics: Record<string, [string, number]>): void {
    this.snapshot = {
      brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092 }],
      topics: Object.entries(topics).map(([name, [topicId, count]]) => ({
        errorCode: 0,
        name,
        topicId,
        isInternal: false,
        partitions: Array.from({ length: count }, (_, p) => ({
          errorCode: 0,
          partitionIndex: p,
          leaderId: 1,
          leaderEpoch: 0,
          replicaNodes: [1],
          isrNodes: [1],
        })),
      })),
    }
  }
}

export type Call = { kind: 'assigned' | 'revoked' | 'lost'; partitions: string[] }

/** Records listener calls, in order, alongside the requests the membership sent. */
export class CallLog implements AssignmentListener {
  readonly calls: Call[] = []
  constructor(readonly cluster: FakeCluster) {}
  /** Interleaved view: listener calls and request names in the order they happened. */
  readonly timeline: string[] = []

  async assigned(partitions: readonly TopicPartition[]): Promise<void> {
    this.#record('assigned', partitions)
  }
  async revoked(partitions: readonly TopicPartition[]): Promise<void> {
    this.#record('revoked', partitions)
  }
  async lost(partitions: readonly TopicPartition[]): Promise<void> {
    this.#record('lost', partitions)
  }

  #record(kind: Call['kind'], partitions: readonly TopicPartition[]): void {
    const names = partitions.map((p) => `${p.topic}-${p.partition}`)
    this.calls.push({ kind, partitions: names })
    this.timeline.push(`${kind}:${names.join(',')}@${this.cluster.requests.length}`)
  }
}

export function context(
  cluster: FakeCluster,
  listener: AssignmentListener,
  options: ConsumerOptions<never, never>,
  fatal: KafkaError[],
  errors: KafkaError[] = [],
): MembershipContext {
  return {
    cluster: cluster as unknown as Cluster,
    options: resolveConsumerOptions({ groupId: 'g', ...options }),
    groupId: 'g',
    listener,
    onFatalError: (error) => fatal.push(error),
    onError: (error) => errors.push(error),
  }
}

/** Polls `condition` every few milliseconds until it holds, failing after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** A response the test releases later. */
export { deferred } from '../../../support/deferred.js'
