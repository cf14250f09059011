/**
 * A request frame in chunks keeps large byte fields (record batches) in their own buffers and is,
 * written in order, the same bytes as the frame in one buffer.
 */
import { describe, expect, it } from 'vitest'
import { decodeRequestFrame, encodeRequestFrame, encodeRequestFrameChunks } from '../../../src/protocol/header.js'
import { produceApi } from '../../../src/protocol/messages/produce.js'
import { Writer } from '../../../src/protocol/writer.js'

const big = Buffer.alloc(10_000, 7)
const small = Buffer.alloc(100, 9)

function request(topicId: string) {
  return produceApi.createRequest({
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [
      { name: 't', topicId, partitionData: [{ index: 0, records: big }, { index: 1, records: small }] },
      { name: 'u', topicId, partitionData: [{ index: 0, records: big }] },
    ],
  })
}

describe('request frames in chunks', () => {
  it.each([3, 9, produceApi.maxVersion])('Produce v%i: the same bytes, the large batches by reference', (version) => {
    const body = request(version >= 13 ? 'AAAAAAAAAAAAAAAAAAAAAQ' : 'AAAAAAAAAAAAAAAAAAAAAA')
    const chunks = encodeRequestFrameChunks(produceApi, version, 41, 'client', body, 4096)
    const whole = encodeRequestFrame(produceApi, version, 41, 'client', body)
    expect(Buffer.concat(chunks)).toEqual(whole)
    expect(chunks.filter((c) => c === big)).toHaveLength(2)
    expect(chunks).not.toContain(small)
    const decoded = decodeRequestFrame(whole.subarray(4))
    expect(decoded.header.correlationId).toBe(41)
  })

  it('copies into one buffer when finish() is asked of a writer that kept bytes by reference', () => {
    const w = new Writer(16, { referenceFrom: 8 })
    const at = w.reserveInt32()
    w.raw(Buffer.from('0123456789')).int16(5)
    w.setInt32(at, w.length - 4)
    expect(w.length).toBe(16)
    expect(w.finish()).toEqual(Buffer.concat([Buffer.from([0, 0, 0, 12]), Buffer.from('0123456789'), Buffer.from([0, 5])]))
  })
})
