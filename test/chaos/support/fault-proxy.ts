/**
 * A fault-injecting TCP proxy on loopback between clients and the chaos cluster's brokers.
 *
 * Each broker of scripts/kafka-local.sh's cluster has a second listener (PROXIED) on its port + 5
 * that advertises port + 6; one proxy per broker listens on port + 6 and forwards to port + 5, so a
 * client bootstrapped at the proxy ports sees only proxy ports in every Metadata and
 * FindCoordinator answer and stays behind the proxy. Nothing is rewritten in flight.
 *
 * The proxy reads the Kafka framing (a 4-byte size, then the request header's api key and
 * correlation id, or the response's correlation id) so that faults can pick requests by API:
 *
 * - `delay`: hold every matching response for a while before passing it on;
 * - `drop`: swallow the next N matching responses, which the broker produced after acting on the
 *   request (a Produce was appended, an OffsetCommit stored), then cut that connection or leave it
 *   silent so the client's request times out;
 * - `cut`: reset every open connection at once.
 *
 * It is test support for kafkats' own clients; it adds no protocol knowledge beyond the headers.
 */
import { createServer, type Server, Socket } from 'node:net'

/** Kafka API keys the scenarios pick faults by. */
export const ApiKey = { Produce: 0, Fetch: 1, OffsetCommit: 8, Heartbeat: 12, JoinGroup: 11, SyncGroup: 14 } as const

export interface DropRule {
  apiKey: number
  /** How many responses to swallow (in total, across connections). */
  count: number
  /** After swallowing: reset the connection (the client sees a disconnect) or keep it silent. */
  then: 'cut' | 'silence'
}

export interface DelayRule {
  /** Responses of these API keys are held; all APIs when omitted. */
  apiKeys?: readonly number[]
  ms: number
}

export interface FaultStats {
  connections: number
  cuts: number
  dropped: number
  delayed: number
}

interface Route {
  listenPort: number
  targetPort: number
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.connect(port, '127.0.0.1')
  })
}

/** Splits a byte stream into Kafka frames (size prefix included), keeping partial frames across chunks. */
class FrameSplitter {
  #pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk])
    let offset = 0
    while (this.#pending.length - offset >= 4) {
      const size = this.#pending.readInt32BE(offset)
      if (this.#pending.length - offset < 4 + size) break
      onFrame(this.#pending.subarray(offset, offset + 4 + size))
      offset += 4 + size
    }
    this.#pending = offset === this.#pending.length ? Buffer.alloc(0) : this.#pending.subarray(offset)
  }
}

/** One client connection and its upstream socket. */
class ProxiedConnection {
  readonly #client: Socket
  readonly #broker: Socket
  readonly #proxy: FaultProxy
  // Correlation id → api key of the requests in flight on this connection.
  readonly #inFlight = new Map<number, number>()
  #silenced = false
  // Responses go back in order, even when some are delayed.
  #tail: Promise<void> = Promise.resolve()

  constructor(client: Socket, targetPort: number, proxy: FaultProxy) {
    this.#client = client
    this.#proxy = proxy
    this.#broker = new Socket()
    this.#broker.connect(targetPort, '127.0.0.1')
    const requests = new FrameSplitter()
    const responses = new FrameSplitter()
    client.on('data', (chunk: Buffer) =>
      requests.push(chunk, (frame) => {
        if (frame.length >= 12) this.#inFlight.set(frame.readInt32BE(8), frame.readInt16BE(4))
        this.#broker.write(frame)
      }),
    )
    this.#broker.on('data', (chunk: Buffer) => responses.push(chunk, (frame) => this.#onResponse(frame)))
    const end = (): void => this.close()
    for (const socket of [client, this.#broker]) {
      socket.on('error', end)
      socket.on('close', end)
    }
  }

  #onResponse(frame: Buffer): void {
    if (this.#silenced || frame.length < 8) return
    const correlationId = frame.readInt32BE(4)
    const apiKey = this.#inFlight.get(correlationId) ?? -1
    this.#inFlight.delete(correlationId)
    const drop = this.#proxy.takeDrop(apiKey)
    if (drop !== null) {
      if (drop === 'cut') this.cut()
      else this.#silenced = true
      return
    }
    const delayMs = this.#proxy.delayFor(apiKey)
    this.#tail = this.#tail.then(async () => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      if (!this.#client.destroyed) this.#client.write(frame)
    })
  }

  /** A fault: resets the client's side (it sees ECONNRESET) and closes the broker's. */
  cut(): void {
    if (this.#client.destroyed) return
    this.#proxy.stats.cuts++
    this.#proxy.lastFaultAt = Date.now()
    this.#client.resetAndDestroy()
    this.close()
  }

  /** Either side went away: close the other. */
  close(): void {
    if (!this.#client.destroyed) this.#client.destroy()
    if (!this.#broker.destroyed) this.#broker.destroy()
    this.#proxy.closed(this)
  }
}

export class FaultProxy {
  readonly #servers: Server[] = []
  readonly #connections = new Set<ProxiedConnection>()
  readonly #routes: readonly Route[]
  #drops: DropRule[] = []
  #delay: DelayRule | null = null
  readonly stats: FaultStats = { connections: 0, cuts: 0, dropped: 0, delayed: 0 }
  /** When a response was last dropped or a connection last cut (ms since the epoch). */
  lastFaultAt = 0

  private constructor(routes: readonly Route[]) {
    this.#routes = routes
  }

  /** Proxies for the chaos cluster's brokers (broker ports as in scripts/kafka-local.sh). */
  static async start(brokerPorts: readonly number[]): Promise<FaultProxy> {
    const proxy = new FaultProxy(brokerPorts.map((port) => ({ listenPort: port + 6, targetPort: port + 5 })))
    for (const route of proxy.#routes) {
      if (!(await reachable(route.targetPort))) {
        throw new Error(
          `nothing listens on 127.0.0.1:${route.targetPort}, the PROXIED listener of a cluster broker: the running cluster predates it; stop it (scripts/kafka-local.sh cluster-stop) and run again`,
        )
      }
      const server = createServer((client) => {
        proxy.stats.connections++
        proxy.#connections.add(new ProxiedConnection(client, route.targetPort, proxy))
      })
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(route.listenPort, '127.0.0.1', resolve)
      })
      proxy.#servers.push(server)
    }
    return proxy
  }

  /** The bootstrap list that keeps a client behind the proxy. */
  get bootstrap(): string {
    return this.#routes.map((r) => `127.0.0.1:${r.listenPort}`).join(',')
  }

  get openConnections(): number {
    return this.#connections.size
  }

  /** Swallows the next `count` responses of `apiKey` (after the broker acted on the requests). */
  drop(rule: DropRule): void {
    this.#drops.push({ ...rule })
  }

  /** How many responses the drop rules still have to swallow. */
  get pendingDrops(): number {
    return this.#drops.reduce((n, r) => n + r.count, 0)
  }

  /** Holds responses (of some APIs) for `ms` before passing them on; `null` stops delaying. */
  delay(rule: DelayRule | null): void {
    this.#delay = rule
  }

  /** Resets every open connection, as a network partition that heals at once would. */
  cutAll(): void {
    for (const c of [...this.#connections]) c.cut()
  }

  /** Stops every fault; connections stay. */
  heal(): void {
    this.#drops = []
    this.#delay = null
  }

  async close(): Promise<void> {
    this.heal()
    this.cutAll()
    await Promise.all(this.#servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }

  /** @internal The drop action for a response of `apiKey`, counting it, or null to pass it on. */
  takeDrop(apiKey: number): DropRule['then'] | null {
    const rule = this.#drops.find((r) => r.apiKey === apiKey && r.count > 0)
    if (rule === undefined) return null
    rule.count--
    this.stats.dropped++
    this.lastFaultAt = Date.now()
    this.#drops = this.#drops.filter((r) => r.count > 0)
    return rule.then
  }

  /** @internal How long to hold a response of `apiKey`. */
  delayFor(apiKey: number): number {
    const rule = this.#delay
    if (rule === null || (rule.apiKeys !== undefined && !rule.apiKeys.includes(apiKey))) return 0
    this.stats.delayed++
    return rule.ms
  }

  /** @internal */
  closed(connection: ProxiedConnection): void {
    this.#connections.delete(connection)
  }
}
