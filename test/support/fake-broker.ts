/**
 * A broker stand-in on 127.0.0.1 for unit tests of the shared core: it speaks Kafka's framing with
 * kafkats' own codecs, answers ApiVersions with every version the codecs know, and hands every
 * other request to a handler the test supplies. It tests client logic, not the wire: integration
 * tests do that against real Kafka.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { FrameDecoder } from '../../src/network/frame-decoder.js'
import type { ApiDescriptor } from '../../src/protocol/api.js'
import { decodeRequestFrame, encodeResponseFrame } from '../../src/protocol/header.js'
import { apiByKey, apiVersionsApi } from '../../src/protocol/messages/index.js'

export interface FakeRequest {
  readonly api: ApiDescriptor<unknown, unknown>
  readonly version: number
  readonly body: unknown
}

/** Returns the response body, `undefined` to send nothing, or a promise of either. */
export type FakeHandler = (request: FakeRequest) => unknown

export interface FakeBroker {
  readonly port: number
  readonly address: string
  /** Requests seen, by API name, ApiVersions included. */
  readonly counts: Map<string, number>
  close(): Promise<void>
}

export async function startFakeBroker(handler: FakeHandler): Promise<FakeBroker> {
  const counts = new Map<string, number>()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const decoder = new FrameDecoder(64 * 1024 * 1024)
    // Answers go out in request order, as a real broker's do.
    let chain: Promise<void> = Promise.resolve()
    socket.on('data', (chunk: Buffer) =>
      decoder.push(chunk, (frame) => {
        const { header, api, body } = decodeRequestFrame(frame)
        counts.set(api.name, (counts.get(api.name) ?? 0) + 1)
        chain = chain.then(async () => {
          const response =
            api.key === apiVersionsApi.key
              ? apiVersionsApi.createResponse({
                  apiKeys: [...apiByKey.values()].map((a) => ({ apiKey: a.key, minVersion: a.minVersion, maxVersion: a.maxVersion })),
                })
              : await handler({ api, version: header.apiVersion, body })
          if (response === undefined || socket.destroyed) return
          socket.write(encodeResponseFrame(api, header.apiVersion, header.correlationId, response))
        })
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('fake broker has no port')
  return {
    port: address.port,
    address: `127.0.0.1:${address.port}`,
    counts,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** A port on 127.0.0.1 that nothing listens on any more: connecting to it is refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  await new Promise((resolve) => server.close(resolve))
  return address.port
}
