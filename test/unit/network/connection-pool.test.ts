import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { KafkaNetworkError, KafkaStateError } from '../../../src/errors.js'
import type { Connection } from '../../../src/network/connection.js'
import { ConnectionPool } from '../../../src/network/connection-pool.js'

const servers: Server[] = []
const pools: ConnectionPool[] = []

async function listen(onSocket: (socket: Socket) => void = () => {}): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    socket.on('error', () => {})
    onSocket(socket)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, accepted: () => accepted }
}

function pool(options: ConstructorParameters<typeof ConnectionPool>[0] = {}): ConnectionPool {
  const p = new ConnectionPool(options)
  pools.push(p)
  return p
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

afterEach(async () => {
  for (const p of pools.splice(0)) p.close()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

describe('ConnectionPool', () => {
  it('gives each purpose its own socket and reuses it', async () => {
    const server = await listen()
    const p = pool()
    const endpoint = { host: '127.0.0.1', port: server.port }
    const produce = await p.get(endpoint, 'produce')
    const fetch = await p.get(endpoint, 'fetch')
    expect(produce).not.toBe(fetch)
    expect(await p.get(endpoint, 'produce')).toBe(produce)
    await until(() => server.accepted() === 2)
    expect(p.size).toBe(2)
  })

  it('shares one attempt between concurrent callers', async () => {
    const server = await listen()
    const p = pool()
    const endpoint = { host: '127.0.0.1', port: server.port }
    const all = await Promise.all(Array.from({ length: 10 }, () => p.get(endpoint)))
    expect(new Set(all).size).toBe(1)
    await until(() => server.accepted() === 1)
  })

  it('runs the handshake before handing out a connection, and fails the caller if it fails', async () => {
    const server = await listen()
    const seen: Connection[] = []
    const p = pool({
      onConnect: async (c) => {
        seen.push(c)
        if (seen.length === 1) throw new KafkaStateError('handshake refused')
      },
      reconnectBackoffMs: 1,
      reconnectBackoffMaxMs: 1,
    })
    const endpoint = { host: '127.0.0.1', port: server.port }
    await expect(p.get(endpoint)).rejects.toThrow('handshake refused')
    expect(seen[0]?.isClosed).toBe(true)
    const second = await p.get(endpoint)
    expect(second).toBe(seen[1])
    expect(second.isOpen).toBe(true)
  })

  it('waits out a backoff before reconnecting to an address that just failed', async () => {
    const server = await listen()
    await new Promise((resolve) => (servers.pop() as Server).close(resolve))
    const p = pool({ reconnectBackoffMs: 300, reconnectBackoffMaxMs: 300 })
    const endpoint = { host: '127.0.0.1', port: server.port }
    await expect(p.get(endpoint)).rejects.toBeInstanceOf(KafkaNetworkError)
    const started = Date.now()
    await expect(p.get(endpoint)).rejects.toBeInstanceOf(KafkaNetworkError)
    expect(Date.now() - started).toBeGreaterThanOrEqual(240)
  })

  it('replaces a connection the broker closed', async () => {
    const sockets: Socket[] = []
    const server = await listen((s) => sockets.push(s))
    const p = pool()
    const endpoint = { host: '127.0.0.1', port: server.port }
    const first = await p.get(endpoint)
    await until(() => sockets.length === 1)
    sockets[0]?.destroy()
    await until(() => first.isClosed)
    const second = await p.get(endpoint)
    expect(second).not.toBe(first)
    expect(second.isOpen).toBe(true)
  })

  it('closes connections left idle', async () => {
    const server = await listen()
    const p = pool({ connectionsMaxIdleMs: 100 })
    const connection = await p.get({ host: '127.0.0.1', port: server.port })
    await until(() => connection.isClosed)
    expect(p.size).toBe(0)
  })

  it('refuses new connections once closed', async () => {
    const server = await listen()
    const p = pool()
    const connection = await p.get({ host: '127.0.0.1', port: server.port })
    p.close()
    expect(connection.isClosed).toBe(true)
    await expect(p.get({ host: '127.0.0.1', port: server.port })).rejects.toBeInstanceOf(KafkaStateError)
  })
})
