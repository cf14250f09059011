/**
 * The client side of one broker's fetch session (KIP-227, Java `FetchSessionHandler`).
 *
 * The first request is full (session id 0, epoch 0) and asks the broker for a session. Once the
 * broker answers with a session id, requests are incremental: epoch 1, 2, … and only partitions
 * added to the session or altered (fetch offset, max bytes, leader epoch, topic id changed) are
 * sent, plus the partitions to forget. The broker answers only for partitions with data or errors.
 *
 * On FETCH_SESSION_ID_NOT_FOUND the next request starts from scratch (id 0, epoch 0); on any other
 * session error, a connection failure or an inconsistent response it is full with the old id and
 * epoch 0, which closes the broker's session and opens a new one.
 */

import { ErrorCode } from '../protocol/error-codes.js'
import { partitionKey } from '../common/topic-partition.js'

/** What a fetch asks for in one partition. */
export interface SessionPartition {
  readonly topic: string
  /** Topic id (Fetch v13+); the all-zero id when unknown. */
  readonly topicId: string
  readonly partition: number
  readonly fetchOffset: bigint
  readonly currentLeaderEpoch: number
  readonly maxBytes: number
}

/** The session part of one Fetch request. */
export interface SessionRequest {
  readonly sessionId: number
  readonly sessionEpoch: number
  /** True when every partition is listed (a new session, or no session). */
  readonly full: boolean
  /** The partitions to put in the request's topics. */
  readonly toSend: readonly SessionPartition[]
  /** Partitions the broker's session must drop (incremental requests only). */
  readonly toForget: readonly SessionPartition[]
}

const INITIAL_EPOCH = 0
const MAX_EPOCH = 2 ** 31 - 1

/** The epoch after `epoch` in an incremental session: 1, 2, … 2^31-1, then 1 again (0 means full). */
export function nextSessionEpoch(epoch: number): number {
  return epoch >= MAX_EPOCH ? 1 : epoch + 1
}

function sameRequest(a: SessionPartition, b: SessionPartition, useTopicIds: boolean): boolean {
  return (
    a.fetchOffset === b.fetchOffset &&
    a.maxBytes === b.maxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    (!useTopicIds || a.topicId === b.topicId)
  )
}

export class FetchSession {
  #id = 0
  #epoch = INITIAL_EPOCH
  // What the broker's session holds, as last sent.
  #partitions = new Map<string, SessionPartition>()
  #usesTopicIds: boolean | null = null
  // The request in flight: its full flag and partitions, to check the response against.
  #lastWasFull = true

  get sessionId(): number {
    return this.#id
  }

  get sessionEpoch(): number {
    return this.#epoch
  }

  /** Partitions in the session as the broker knows them. */
  get partitions(): ReadonlyMap<string, SessionPartition> {
    return this.#partitions
  }

  /**
   * The session fields and partitions of the next request, which must fetch exactly `next`
   * (in the order given). The session then assumes the broker holds `next`.
   */
  build(next: readonly SessionPartition[], useTopicIds: boolean): SessionRequest {
    if (this.#usesTopicIds !== null && this.#usesTopicIds !== useTopicIds) this.#epoch = INITIAL_EPOCH
    this.#usesTopicIds = useTopicIds
    const nextMap = new Map<string, SessionPartition>()
    for (const p of next) nextMap.set(partitionKey(p.topic, p.partition), p)
    const previous = this.#partitions
    this.#partitions = nextMap

    if (this.#epoch === INITIAL_EPOCH) {
      this.#lastWasFull = true
      return { sessionId: this.#id, sessionEpoch: INITIAL_EPOCH, full: true, toSend: next, toForget: [] }
    }
    const toSend: SessionPartition[] = []
    const toForget: SessionPartition[] = []
    for (const [k, p] of nextMap) {
      const known = previous.get(k)
      if (known === undefined || !sameRequest(known, p, useTopicIds)) toSend.push(p)
      // A topic recreated under the same name: the old id must leave the session.
      if (known !== undefined && useTopicIds && known.topicId !== p.topicId) toForget.push(known)
    }
    for (const [k, p] of previous) if (!nextMap.has(k)) toForget.push(p)
    this.#lastWasFull = false
    return { sessionId: this.#id, sessionEpoch: this.#epoch, full: false, toSend, toForget }
  }

  /**
   * Takes the response's top-level error and session id, and the partitions it answered for.
   * Returns false when the response cannot be trusted as a session answer (its partitions should
   * still be processed; the next request is full).
   */
  handleResponse(errorCode: number, sessionId: number, answered: Iterable<{ topic: string; partition: number }>): boolean {
    if (errorCode !== ErrorCode.NONE) {
      if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND) this.#id = 0
      this.#epoch = INITIAL_EPOCH
      return false
    }
    if (this.#lastWasFull) {
      this.#id = sessionId
      this.#epoch = sessionId === 0 ? INITIAL_EPOCH : 1
      return true
    }
    // An incremental answer may only name partitions of the session.
    for (const tp of answered) {
      if (!this.#partitions.has(partitionKey(tp.topic, tp.partition))) {
        this.#epoch = INITIAL_EPOCH
        return false
      }
    }
    if (sessionId !== this.#id) {
      this.#epoch = INITIAL_EPOCH
      return false
    }
    this.#epoch = nextSessionEpoch(this.#epoch)
    return true
  }

  /** The request failed (connection lost, timeout): close the session and open a new one next time. */
  handleError(): void {
    this.#epoch = INITIAL_EPOCH
  }
}
