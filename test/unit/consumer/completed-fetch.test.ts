/**
 * Walking one partition's fetched bytes: read_committed filtering of aborted transactions (the
 * response's abortedTransactions list plus the control batches), control batches never handed
 * out, records before the fetch offset skipped, chunks of at most `max` records, and a truncated
 * last batch left for the next fetch. Batches are built with the record-batch encoders.
 */
import { describe, expect, it } from 'vitest'
import { AbortedTransactionFilter } from '../../../src/consumer/aborted-transactions.js'
import { CompletedFetch, type MessageBuilder } from '../../../src/consumer/completed-fetch.js'
import { CompressionType } from '../../../src/protocol/compression/index.js'
import { ControlRecordType, decodeRecordBatches, encodeControlBatch, encodeRecordBatch } from '../../../src/protocol/record-batch.js'

interface Seen {
  offset: bigint
  value: string
  epoch: number
}

const build: MessageBuilder<Seen> = (record, batch) => ({
  offset: record.offset,
  value: Buffer.from(record.value ?? new Uint8Array()).toString(),
  epoch: batch.partitionLeaderEpoch,
})

function data(baseOffset: bigint, values: string[], txn?: { producerId: bigint }, compression: CompressionType = CompressionType.NONE): Promise<Buffer> {
  return encodeRecordBatch({
    baseOffset,
    partitionLeaderEpoch: 5,
    compression,
    records: values.map((v) => ({ timestamp: 1_700_000_000_000n, key: null, value: Buffer.from(v) })),
    ...(txn === undefined ? {} : { producerId: txn.producerId, producerEpoch: 0, baseSequence: 0, isTransactional: true }),
  })
}

function marker(offset: bigint, producerId: bigint, type: 0 | 1): Buffer {
  return encodeControlBatch({
    type,
    coordinatorEpoch: 0,
    producerId,
    producerEpoch: 0,
    timestamp: 1_700_000_000_000n,
    baseOffset: offset,
    partitionLeaderEpoch: 5,
  })
}

async function takeAll(fetch: CompletedFetch, max = 1000): Promise<Seen[]> {
  const out: Seen[] = []
  while (!fetch.isExhausted) await fetch.take(max, build, out)
  return out
}

// Offsets: 0-1 plain, 2-3 producer 7 (aborted), 4-5 producer 8 (committed), 6 ABORT(7),
// 7 COMMIT(8), 8-9 producer 7 again (a new transaction, committed), 10 COMMIT(7), 11 plain.
async function mixedLog(): Promise<{ bytes: Buffer; aborted: Array<{ producerId: bigint; firstOffset: bigint }> }> {
  const bytes = Buffer.concat([
    await data(0n, ['plain-0', 'plain-1']),
    await data(2n, ['aborted-2', 'aborted-3'], { producerId: 7n }),
    await data(4n, ['committed-4', 'committed-5'], { producerId: 8n }, CompressionType.GZIP),
    marker(6n, 7n, ControlRecordType.ABORT),
    marker(7n, 8n, ControlRecordType.COMMIT),
    await data(8n, ['again-8', 'again-9'], { producerId: 7n }),
    marker(10n, 7n, ControlRecordType.COMMIT),
    await data(11n, ['plain-11']),
  ])
  return { bytes, aborted: [{ producerId: 7n, firstOffset: 2n }] }
}

describe('read_committed', () => {
  it('skips the aborted transaction, keeps committed and plain records, hides every marker', async () => {
    const { bytes, aborted } = await mixedLog()
    const fetch = new CompletedFetch({ generation: 0, fetchOffset: 0n, records: bytes, abortedTransactions: aborted, checkCrcs: true })
    const seen = await takeAll(fetch)
    expect(seen.map((s) => s.value)).toEqual(['plain-0', 'plain-1', 'committed-4', 'committed-5', 'again-8', 'again-9', 'plain-11'])
    expect(fetch.nextOffset).toBe(12n)
    expect(seen.every((s) => s.epoch === 5)).toBe(true)
  })

  it('read_uncommitted shows the aborted records but still no markers', async () => {
    const { bytes } = await mixedLog()
    const fetch = new CompletedFetch({ generation: 0, fetchOffset: 0n, records: bytes, abortedTransactions: null, checkCrcs: true })
    const seen = await takeAll(fetch)
    expect(seen.map((s) => s.offset)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 8n, 9n, 11n])
    expect(fetch.nextOffset).toBe(12n)
  })

  it('moves past a response holding only an aborted transaction and its marker', async () => {
    const bytes = Buffer.concat([await data(20n, ['x', 'y', 'z'], { producerId: 3n }), marker(23n, 3n, ControlRecordType.ABORT)])
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 20n,
      records: bytes,
      abortedTransactions: [{ producerId: 3n, firstOffset: 20n }],
      checkCrcs: true,
    })
    expect(await takeAll(fetch)).toEqual([])
    expect(fetch.nextOffset).toBe(24n)
  })

  it('an aborted transaction of one producer does not hide another producer interleaved with it', async () => {
    const filter = new AbortedTransactionFilter([
      { producerId: 2n, firstOffset: 10n },
      { producerId: 1n, firstOffset: 0n },
    ])
    const batches = (
      await decodeRecordBatches(
        Buffer.concat([
          await data(0n, ['a'], { producerId: 1n }),
          await data(1n, ['b'], { producerId: 2n }), // producer 2's aborted txn starts at 10: this one committed
          marker(2n, 1n, ControlRecordType.ABORT),
          await data(3n, ['c'], { producerId: 1n }), // after its ABORT marker: a new transaction
          await data(10n, ['d'], { producerId: 2n }),
        ]),
      )
    ).batches
    expect(batches.map((b) => filter.skip(b))).toEqual([true, false, true, false, true])
  })
})

describe('CompletedFetch', () => {
  it('hands out at most max records per take, resuming inside a batch', async () => {
    const values = Array.from({ length: 7 }, (_, i) => `v${i}`)
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 0n,
      records: await data(0n, values, undefined, CompressionType.LZ4),
      abortedTransactions: null,
      checkCrcs: true,
    })
    const chunks: string[][] = []
    while (!fetch.isExhausted) {
      const out: Seen[] = []
      await fetch.take(3, build, out)
      if (out.length > 0) chunks.push(out.map((s) => s.value))
      if (out.length > 0) expect(fetch.nextOffset).toBe(out[out.length - 1]!.offset + 1n)
    }
    expect(chunks).toEqual([['v0', 'v1', 'v2'], ['v3', 'v4', 'v5'], ['v6']])
  })

  it('skips records before the fetch offset in a batch that starts earlier', async () => {
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 102n,
      records: await data(100n, ['a', 'b', 'c', 'd'], undefined, CompressionType.SNAPPY),
      abortedTransactions: null,
      checkCrcs: true,
    })
    expect((await takeAll(fetch)).map((s) => s.offset)).toEqual([102n, 103n])
  })

  it('leaves a truncated last batch for the next fetch', async () => {
    const whole = await data(0n, ['first'])
    const cut = await data(1n, ['second', 'third'])
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 0n,
      records: Buffer.concat([whole, cut.subarray(0, cut.length - 5)]),
      abortedTransactions: null,
      checkCrcs: true,
    })
    const before = fetch.bytesLeft
    expect((await takeAll(fetch)).map((s) => s.value)).toEqual(['first'])
    expect(fetch.nextOffset).toBe(1n)
    expect(before).toBe(whole.length + cut.length - 5)
    expect(fetch.bytesLeft).toBe(0)
  })

  it('moves past an empty batch kept by compaction', async () => {
    const empty = await encodeRecordBatch({ baseOffset: 0n, records: [], lastOffsetDelta: 4 })
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 0n,
      records: Buffer.concat([empty, await data(5n, ['after'])]),
      abortedTransactions: null,
      checkCrcs: true,
    })
    expect((await takeAll(fetch)).map((s) => s.offset)).toEqual([5n])
  })

  it('fails on a corrupt batch and stays before it', async () => {
    const good = await data(0n, ['ok'])
    const bad = await data(1n, ['broken'])
    bad.writeUInt8((bad[bad.length - 1] as number) ^ 0xff, bad.length - 1)
    const fetch = new CompletedFetch({
      generation: 0,
      fetchOffset: 0n,
      records: Buffer.concat([good, bad]),
      abortedTransactions: null,
      checkCrcs: true,
    })
    const out: Seen[] = []
    await expect(takeAll(fetch)).rejects.toThrow(/CRC/)
    await expect(fetch.take(10, build, out)).rejects.toThrow(/CRC/)
    expect(fetch.nextOffset).toBe(1n)
  })
})

describe('CompletedFetch.endOffset: where the next fetch starts, read off the batch headers', () => {
  it('is past the last complete batch, control batches and aborted ranges included, and equals nextOffset once exhausted', async () => {
    const { bytes, aborted } = await mixedLog()
    for (const abortedTransactions of [aborted, null]) {
      const fetch = new CompletedFetch({ generation: 0, fetchOffset: 0n, records: bytes, abortedTransactions, checkCrcs: true })
      expect(fetch.endOffset).toBe(12n)
      await takeAll(fetch)
      expect(fetch.nextOffset).toBe(fetch.endOffset)
    }
  })

  it('does not count a truncated last batch', async () => {
    const whole = Buffer.concat([await data(0n, ['a', 'b']), await data(2n, ['c', 'd', 'e'])])
    const fetch = new CompletedFetch({ generation: 0, fetchOffset: 0n, records: whole.subarray(0, whole.length - 3), abortedTransactions: null, checkCrcs: true })
    expect(fetch.endOffset).toBe(2n)
    await takeAll(fetch)
    expect(fetch.nextOffset).toBe(2n)
  })

  it('is the fetch offset when nothing is complete, and not before it for a batch that starts earlier', async () => {
    const batch = await data(10n, ['x', 'y', 'z'], undefined, CompressionType.LZ4)
    expect(new CompletedFetch({ generation: 0, fetchOffset: 10n, records: batch.subarray(0, 20), abortedTransactions: null, checkCrcs: true }).endOffset).toBe(10n)
    expect(new CompletedFetch({ generation: 0, fetchOffset: 12n, records: batch, abortedTransactions: null, checkCrcs: true }).endOffset).toBe(13n)
    expect(new CompletedFetch({ generation: 0, fetchOffset: 20n, records: batch, abortedTransactions: null, checkCrcs: true }).endOffset).toBe(20n)
  })
})
