/**
 * The client side of KIP-227 fetch sessions: what each request carries (full, then incremental
 * with only added/altered partitions and forgotten ones) and how session errors restart it.
 */
import { describe, expect, it } from 'vitest'
import { FetchSession, nextSessionEpoch, type SessionPartition } from '../../../src/consumer/fetch-session.js'
import { buildFetchTopics, buildForgottenTopics } from '../../../src/consumer/fetcher.js'

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ'
const ID_B = 'AAAAAAAAAAAAAAAAAAAAAg'

function p(topic: string, partition: number, fetchOffset: bigint, extra: Partial<SessionPartition> = {}): SessionPartition {
  return { topic, topicId: topic === 'a' ? ID_A : ID_B, partition, fetchOffset, currentLeaderEpoch: 0, maxBytes: 1024, ...extra }
}

const names = (ps: readonly SessionPartition[]): string[] => ps.map((x) => `${x.topic}-${x.partition}@${x.fetchOffset}`)

/** A session that has completed its full request and got session id 42. */
function established(partitions: SessionPartition[]): FetchSession {
  const s = new FetchSession()
  s.build(partitions, true)
  expect(s.handleResponse(0, 42, [])).toBe(true)
  return s
}

describe('FetchSession', () => {
  it('starts with a full request asking for a new session (id 0, epoch 0)', () => {
    const s = new FetchSession()
    const r = s.build([p('a', 0, 0n), p('a', 1, 5n)], true)
    expect(r).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true, toForget: [] })
    expect(names(r.toSend)).toEqual(['a-0@0', 'a-1@5'])
  })

  it('goes incremental once the broker gives a session id, sending only what changed', () => {
    const s = established([p('a', 0, 0n), p('a', 1, 5n), p('b', 0, 9n)])
    // a-0 advanced, a-1 unchanged, b-0's leader epoch changed, b-1 added, nothing removed.
    const r = s.build([p('a', 0, 100n), p('a', 1, 5n), p('b', 0, 9n, { currentLeaderEpoch: 1 }), p('b', 1, 0n)], true)
    expect(r).toMatchObject({ sessionId: 42, sessionEpoch: 1, full: false })
    expect(names(r.toSend)).toEqual(['a-0@100', 'b-0@9', 'b-1@0'])
    expect(r.toForget).toEqual([])
  })

  it('forgets partitions that are no longer fetched (paused, buffered, revoked)', () => {
    const s = established([p('a', 0, 0n), p('a', 1, 5n), p('b', 0, 9n)])
    const r = s.build([p('a', 1, 5n)], true)
    expect(r.toSend).toEqual([])
    expect(names(r.toForget)).toEqual(['a-0@0', 'b-0@9'])
    expect(buildForgottenTopics(r.toForget)).toEqual([
      { topic: 'a', topicId: ID_A, partitions: [0] },
      { topic: 'b', topicId: ID_B, partitions: [0] },
    ])
    // Forgotten partitions come back as added.
    s.handleResponse(0, 42, [])
    const back = s.build([p('a', 1, 5n), p('b', 0, 9n)], true)
    expect(back.sessionEpoch).toBe(2)
    expect(names(back.toSend)).toEqual(['b-0@9'])
  })

  it('treats a recreated topic (same name, new id) as forgotten and added', () => {
    const s = established([p('a', 0, 3n)])
    const r = s.build([p('a', 0, 3n, { topicId: ID_B })], true)
    expect(r.toSend.map((x) => x.topicId)).toEqual([ID_B])
    expect(r.toForget.map((x) => x.topicId)).toEqual([ID_A])
  })

  it('counts epochs up and wraps from 2^31-1 to 1', () => {
    const s = established([p('a', 0, 0n)])
    for (let i = 1; i <= 3; i++) {
      expect(s.build([p('a', 0, BigInt(i))], true).sessionEpoch).toBe(i)
      s.handleResponse(0, 42, [{ topic: 'a', partition: 0 }])
    }
    expect(s.sessionEpoch).toBe(4)
    expect(nextSessionEpoch(2 ** 31 - 2)).toBe(2 ** 31 - 1)
    expect(nextSessionEpoch(2 ** 31 - 1)).toBe(1)
  })

  it('FETCH_SESSION_ID_NOT_FOUND: the next request is full and asks for a brand new session', () => {
    const s = established([p('a', 0, 0n)])
    s.build([p('a', 0, 1n)], true)
    expect(s.handleResponse(70, 0, [])).toBe(false)
    const r = s.build([p('a', 0, 1n)], true)
    expect(r).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
  })

  it('INVALID_FETCH_SESSION_EPOCH: full with the old id, which closes it and opens a new one', () => {
    const s = established([p('a', 0, 0n)])
    s.build([p('a', 0, 1n)], true)
    expect(s.handleResponse(71, 0, [])).toBe(false)
    const r = s.build([p('a', 0, 1n), p('b', 0, 0n)], true)
    expect(r).toMatchObject({ sessionId: 42, sessionEpoch: 0, full: true })
    expect(names(r.toSend)).toEqual(['a-0@1', 'b-0@0'])
  })

  it('a failed request (connection lost) restarts the session with a full request', () => {
    const s = established([p('a', 0, 0n)])
    s.build([p('a', 0, 1n)], true)
    s.handleError()
    expect(s.build([p('a', 0, 1n)], true)).toMatchObject({ sessionId: 42, sessionEpoch: 0, full: true })
  })

  it('an incremental answer naming a partition outside the session is inconsistent: start over', () => {
    const s = established([p('a', 0, 0n)])
    s.build([p('a', 0, 1n)], true)
    expect(s.handleResponse(0, 42, [{ topic: 'zzz', partition: 0 }])).toBe(false)
    expect(s.build([p('a', 0, 1n)], true).full).toBe(true)
  })

  it('a broker that creates no session (id 0) gets full requests every time', () => {
    const s = new FetchSession()
    s.build([p('a', 0, 0n)], true)
    s.handleResponse(0, 0, [])
    expect(s.build([p('a', 0, 1n)], true)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true })
  })

  it('switching between topic names and ids restarts the session', () => {
    const s = established([p('a', 0, 0n)])
    expect(s.build([p('a', 0, 0n)], false).full).toBe(true)
  })

  it('groups request partitions by topic with the fields a consumer sends', () => {
    expect(buildFetchTopics([p('a', 0, 1n), p('b', 2, 3n), p('a', 4, 5n, { currentLeaderEpoch: 7, maxBytes: 99 })])).toEqual([
      {
        topic: 'a',
        topicId: ID_A,
        partitions: [
          expect.objectContaining({ partition: 0, fetchOffset: 1n, currentLeaderEpoch: 0, partitionMaxBytes: 1024, lastFetchedEpoch: -1, logStartOffset: -1n }),
          expect.objectContaining({ partition: 4, fetchOffset: 5n, currentLeaderEpoch: 7, partitionMaxBytes: 99 }),
        ],
      },
      { topic: 'b', topicId: ID_B, partitions: [expect.objectContaining({ partition: 2, fetchOffset: 3n })] },
    ])
  })
})
