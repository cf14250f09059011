import { describe, expect, it } from 'vitest'
import { bufferView } from '../../../src/protocol/buffer-view.js'
import { decodeRecordBatches, encodeRecordBatch } from '../../../src/protocol/record-batch.js'

describe('bufferView', () => {
  it('is a Buffer over the same memory, with every Buffer method', () => {
    const backing = Buffer.from('xxhello, kafka!yy')
    const view = bufferView(backing.buffer, backing.byteOffset + 2, 13)
    expect(Buffer.isBuffer(view)).toBe(true)
    expect(view).toBeInstanceOf(Buffer)
    expect(view.toString()).toBe('hello, kafka!')
    expect(view.readUInt8(0)).toBe('h'.charCodeAt(0))
    expect(view.equals(Buffer.from('hello, kafka!'))).toBe(true)
    const part = view.subarray(7, 12)
    expect(Buffer.isBuffer(part)).toBe(true)
    expect(part.toString()).toBe('kafka')
    backing[2] = 'H'.charCodeAt(0)
    expect(view.toString('latin1', 0, 5)).toBe('Hello')
    expect(Buffer.concat([view, Buffer.from('?')]).toString()).toBe('Hello, kafka!?')
  })

  it('is what decoded records carry as key, value and header values', async () => {
    const batch = await encodeRecordBatch({
      baseOffset: 0n,
      records: [{ timestamp: 1n, key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('hv') }] }],
    })
    const [decoded] = (await decodeRecordBatches(batch)).batches
    const first = decoded && 'records' in decoded ? decoded.records[0] : undefined
    const record = first !== undefined && 'headers' in first ? first : undefined
    for (const bytes of [record?.key, record?.value, record?.headers[0]?.value]) expect(Buffer.isBuffer(bytes)).toBe(true)
    expect(record?.value?.buffer).toBe(batch.buffer)
  })
})
