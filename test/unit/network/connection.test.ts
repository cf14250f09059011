import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaNetworkError, KafkaProtocolError, KafkaStateError, KafkaTimeoutError } from '../../../src/errors.js'
import { Connection } from '../../../src/network/connection.js'
import { FrameDecoder } from '../../../src/network/frame-decoder.js'

// A loopback peer that speaks only Kafka's framing: each request frame is `correlationId int32 + text`,
// and the behaviour decides what, if anything, goes back.
type Behaviour = (request: { correlationId: number; text: string }, socket: Socket) => void

const servers: Server[] = []
const connections: Connection[] = []

async function peer(behaviour: Behaviour): Promise<number> {
  const server = createServer((socket) => {
    const decoder = new FrameDecoder(1 << 20)
    socket.on('data', (chunk) =>
      decoder.push(chunk, (f) => behaviour({ correlationId: f.readInt32BE(0), text: f.subarray(4).toString() }, socket)),
    )
    socket.on('error', () => {})
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

function reply(socket: Socket, correlationId: number, text: string): void {
  const body = Buffer.from(text)
  const out = Buffer.alloc(8 + body.length)
  out.writeInt32BE(4 + body.length, 0)
  out.writeInt32BE(correlationId, 4)
  body.copy(out, 8)
  socket.write(out)
}

function encoder(text: string): (correlationId: number) => Buffer {
  return (correlationId) => {
    const body = Buffer.from(text)
    const out = Buffer.alloc(8 + body.length)
    out.writeInt32BE(4 + body.length, 0)
    out.writeInt32BE(correlationId, 4)
    body.copy(out, 8)
    return out
  }
}

function open(port: number, requestTimeoutMs = 5_000): Connection {
  const connection = new Connection({ host: '127.0.0.1', port, requestTimeoutMs })
  connections.push(connection)
  return connection
}

afterEach(async () => {
  for (const c of connections.splice(0)) c.close()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

describe('Connection', () => {
  it('receives a response of megabytes written in pieces, and the small one after it, intact', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024)
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 256
    const port = await peer(({ correlationId, text }, socket) => {
      if (text !== 'big') return reply(socket, correlationId, 'small')
      const out = Buffer.alloc(8 + big.length)
      out.writeInt32BE(4 + big.length, 0)
      out.writeInt32BE(correlationId, 4)
      big.copy(out, 8)
      // Odd-sized writes, so reads end inside the size prefix and the header too.
      for (let at = 0; at < out.length; at += 65_533) socket.write(out.subarray(at, at + 65_533))
    })
    const connection = open(port)
    const [first, second] = await Promise.all([connection.request(encoder('big')), connection.request(encoder('after'))])
    expect(first!.subarray(4).equals(big)).toBe(true)
    expect(second!.subarray(4).toString()).toBe('small')
  })

  it('pipelines many requests and matches responses by correlation id in order', async () => {
    const port = await peer(({ correlationId, text }, socket) => reply(socket, correlationId, text.toUpperCase()))
    const connection = open(port)
    const texts = Array.from({ length: 200 }, (_, i) => `request-${i}`)
    const responses = await Promise.all(texts.map((t) => connection.request(encoder(t))))
    expect(responses.map((r) => r?.subarray(4).toString())).toEqual(texts.map((t) => t.toUpperCase()))
    expect(connection.inFlightCount).toBe(0)
  })

  it('resolves requests that expect no response without queueing them', async () => {
    const seen: string[] = []
    const port = await peer(({ correlationId, text }, socket) => {
      seen.push(text)
      if (text !== 'fire') reply(socket, correlationId, 'ack')
    })
    const connection = open(port)
    await expect(connection.request(encoder('fire'), { expectResponse: false })).resolves.toBeNull()
    const answer = await connection.request(encoder('ask'))
    expect(answer?.subarray(4).toString()).toBe('ack')
    expect(seen).toEqual(['fire', 'ask'])
  })

  it('closes the connection and fails every in-flight request when one times out', async () => {
    const port = await peer(() => {})
    const connection = open(port, 200)
    const first = connection.request(encoder('a'))
    const second = connection.request(encoder('b'), { timeoutMs: 60_000 })
    await expect(first).rejects.toBeInstanceOf(KafkaTimeoutError)
    await expect(second).rejects.toBeInstanceOf(KafkaTimeoutError)
    expect(connection.isClosed).toBe(true)
    await expect(connection.request(encoder('c'))).rejects.toBeInstanceOf(KafkaStateError)
  })

  it('treats a response with the wrong correlation id as a protocol error', async () => {
    const port = await peer(({ correlationId }, socket) => reply(socket, correlationId + 7, 'x'))
    const connection = open(port)
    await expect(connection.request(encoder('a'))).rejects.toBeInstanceOf(KafkaProtocolError)
    expect(connection.isClosed).toBe(true)
  })

  it('fails in-flight requests with a retriable network error when the broker hangs up', async () => {
    const port = await peer((_, socket) => socket.destroy())
    const connection = open(port)
    const error = await connection.request(encoder('a')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaNetworkError)
    expect((error as KafkaNetworkError).retriable).toBe(true)
    expect((error as KafkaNetworkError).broker).toBe(`127.0.0.1:${port}`)
  })

  it('reports a refused connection as a network error naming the broker', async () => {
    const port = await peer(() => {})
    await new Promise((resolve) => (servers.pop() as Server).close(resolve))
    const error = await open(port).connect().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaNetworkError)
    expect(String((error as Error).message)).toContain(`127.0.0.1:${port}`)
  })

  it('rejects in-flight requests when closed by the client', async () => {
    const port = await peer(() => {})
    const connection = open(port)
    const pending = connection.request(encoder('a'))
    await connection.connect()
    connection.close()
    await expect(pending).rejects.toBeInstanceOf(KafkaStateError)
  })
})
