/**
 * A partitioned in-memory log served by a {@link FakeBroker}: Fetch with real KIP-227 session
 * semantics on the broker side (full requests open a session, incremental ones add, alter and
 * forget partitions; the broker serves each partition from the offset its session holds),
 * ListOffsets (earliest / latest) and OffsetForLeaderEpoch. A client that sends its sessions wrong
 * gets data from the wrong offsets and makes no progress, so tests that read the whole log check
 * the session logic end to end.
 */
import { createFetchResponsePartitionData } from '../../../src/protocol/messages/fetch.js'
import { encodeRecordBatch } from '../../../src/protocol/record-batch.js'
import type { FakeBroker, FakeTopic } from './fake-broker.js'

export interface StoredBatch {
  readonly baseOffset: bigint
  readonly lastOffset: bigint
  readonly bytes: Buffer
}

interface SessionEntry {
  fetchOffset: bigint
  maxBytes: number
  currentLeaderEpoch: number
}

export interface FetchSeen {
  readonly sessionId: number
  readonly sessionEpoch: number
  readonly sent: string[]
  readonly forgotten: string[]
  readonly maxBytes: number
  readonly maxWaitMs: number
}

export class FakeLog {
  readonly topic: FakeTopic
  readonly partitions: StoredBatch[][]
  /** Top-level error codes to answer with, keyed by the number of the Fetch request (1 = the first). */
  readonly fetchErrors = new Map<number, number>()
  /** Per partition: an error code to answer once instead of data. */
  readonly partitionErrors = new Map<number, number>()
  /** Per leader epoch: where it ends (OffsetForLeaderEpoch); default: the log end. */
  readonly epochEnds = new Map<number, bigint>()
  readonly fetches: FetchSeen[] = []
  /** Largest response (records bytes) sent, for memory tests. */
  largestResponse = 0
  /** Longest a long poll is held (the request's maxWaitMs, capped so tests stay short). */
  longPollCapMs = 100
  // Long polls waiting for an append.
  readonly #appendWaiters = new Set<() => void>()
  readonly #sessions = new Map<number, { epoch: number; partitions: Map<number, SessionEntry> }>()
  #nextSessionId = 7

  constructor(topic: FakeTopic) {
    this.topic = topic
    this.partitions = Array.from({ length: topic.partitions }, () => [])
  }

  /** Appends records of `size` bytes each, `perBatch` per batch, with the topic's leader epoch. */
  async append(partition: number, count: number, options: { perBatch?: number; size?: number; epoch?: number } = {}): Promise<void> {
    const log = this.partitions[partition] as StoredBatch[]
    const perBatch = options.perBatch ?? 1
    for (let written = 0; written < count; ) {
      const n = Math.min(perBatch, count - written)
      const baseOffset = this.endOffset(partition)
      const records = Array.from({ length: n }, (_, i) => ({
        timestamp: 1_700_000_000_000n + baseOffset + BigInt(i),
        key: Buffer.from(`k${baseOffset + BigInt(i)}`),
        value: Buffer.from(`p${partition}-${baseOffset + BigInt(i)}`.padEnd(options.size ?? 0, '.')),
      }))
      const bytes = await encodeRecordBatch({ baseOffset, records, partitionLeaderEpoch: options.epoch ?? this.topic.leaderEpoch ?? 0 })
      log.push({ baseOffset, lastOffset: baseOffset + BigInt(n - 1), bytes })
      written += n
    }
    for (const wake of [...this.#appendWaiters]) wake()
  }

  endOffset(partition: number): bigint {
    const log = this.partitions[partition] as StoredBatch[]
    return log.length === 0 ? 0n : (log[log.length - 1] as StoredBatch).lastOffset + 1n
  }

  /** Installs the Fetch, ListOffsets and OffsetForLeaderEpoch handlers on `broker`. */
  serve(broker: FakeBroker): void {
    broker.topics.push(this.topic)
    broker.on('ListOffsets', (request) => ({
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: 0,
          timestamp: -1n,
          offset: p.timestamp === -2n ? 0n : this.endOffset(p.partitionIndex),
          leaderEpoch: this.topic.leaderEpoch ?? 0,
        })),
      })),
    }))
    broker.on('OffsetForLeaderEpoch', (request) => ({
      topics: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => ({
          errorCode: 0,
          partition: p.partition,
          leaderEpoch: p.leaderEpoch,
          endOffset: this.epochEnds.get(p.leaderEpoch) ?? this.endOffset(p.partition),
        })),
      })),
    }))
    broker.on('Fetch', async (request, version) => {
      const byId = version >= 13
      const forgotten: string[] = []
      const sent = request.topics.flatMap((t) => t.partitions.map((p) => `${p.partition}@${p.fetchOffset}`))
      for (const f of request.forgottenTopicsData) for (const p of f.partitions) forgotten.push(String(p))
      this.fetches.push({
        sessionId: request.sessionId,
        sessionEpoch: request.sessionEpoch,
        sent,
        forgotten,
        maxBytes: request.maxBytes,
        maxWaitMs: request.maxWaitMs,
      })
      const injected = this.fetchErrors.get(this.fetches.length)
      if (injected !== undefined) {
        if (injected === 70) this.#sessions.delete(request.sessionId)
        return { errorCode: injected, sessionId: 0, responses: [] }
      }
      let sessionId: number
      let entries: Map<number, SessionEntry>
      const full = request.sessionEpoch === 0
      if (full) {
        this.#sessions.delete(request.sessionId)
        sessionId = this.#nextSessionId++
        entries = new Map()
        this.#sessions.set(sessionId, { epoch: 1, partitions: entries })
      } else {
        const session = this.#sessions.get(request.sessionId)
        if (session === undefined) return { errorCode: 70, sessionId: 0, responses: [] }
        if (session.epoch !== request.sessionEpoch) return { errorCode: 71, sessionId: 0, responses: [] }
        session.epoch++
        sessionId = request.sessionId
        entries = session.partitions
        for (const f of request.forgottenTopicsData) for (const p of f.partitions) entries.delete(p)
      }
      for (const t of request.topics) {
        if (byId ? t.topicId !== this.topic.id : t.topic !== this.topic.name) throw new Error(`unexpected topic ${t.topic}/${t.topicId}`)
        for (const p of t.partitions) entries.set(p.partition, { fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch })
      }
      let answer = this.#answer(entries, request.maxBytes, full)
      if (!full && answer.length === 0 && request.maxWaitMs > 0) {
        // Long poll, as a broker holds it: answered once data arrives for a partition of the
        // session (appends elsewhere do not count) or when the wait is over.
        const deadline = Date.now() + Math.min(request.maxWaitMs, this.longPollCapMs)
        while (answer.length === 0 && Date.now() < deadline) {
          await this.#appendOrTimeout(deadline - Date.now())
          answer = this.#answer(entries, request.maxBytes, full)
        }
      }
      return {
        errorCode: 0,
        sessionId,
        responses: answer.length === 0 ? [] : [{ topic: this.topic.name, topicId: this.topic.id, partitions: answer }],
      }
    })
  }

  #appendOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#appendWaiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#appendWaiters.add(done)
    })
  }

  #answer(entries: Map<number, SessionEntry>, maxBytes: number, full: boolean) {
    const out = []
    let budget = maxBytes
    let total = 0
    for (const [partition, entry] of entries) {
      const error = this.partitionErrors.get(partition)
      if (error !== undefined) {
        this.partitionErrors.delete(partition)
        out.push(this.#partitionData(partition, error, null))
        continue
      }
      // KIP-320: a client behind or ahead of the leader's epoch gets no data.
      const leaderEpoch = this.topic.leaderEpoch ?? 0
      if (entry.currentLeaderEpoch >= 0 && entry.currentLeaderEpoch !== leaderEpoch) {
        out.push(this.#partitionData(partition, entry.currentLeaderEpoch < leaderEpoch ? 74 : 75, null))
        continue
      }
      if (entry.fetchOffset > this.endOffset(partition)) {
        out.push(this.#partitionData(partition, 1, null))
        continue
      }
      const chunks: Buffer[] = []
      let size = 0
      for (const batch of this.partitions[partition] as StoredBatch[]) {
        if (batch.lastOffset < entry.fetchOffset) continue
        // KIP-74: the first batch of the response always goes, whatever the limits.
        const first = total === 0 && size === 0
        if (!first && (size + batch.bytes.length > entry.maxBytes || size + batch.bytes.length > budget)) break
        chunks.push(batch.bytes)
        size += batch.bytes.length
      }
      budget -= size
      total += size
      if (size > 0 || full) out.push(this.#partitionData(partition, 0, size > 0 ? Buffer.concat(chunks) : null))
    }
    this.largestResponse = Math.max(this.largestResponse, total)
    return out
  }

  #partitionData(partition: number, errorCode: number, records: Buffer | null) {
    const end = this.endOffset(partition)
    return createFetchResponsePartitionData({
      partitionIndex: partition,
      errorCode,
      highWatermark: end,
      lastStableOffset: end,
      logStartOffset: 0n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records,
    })
  }
}
