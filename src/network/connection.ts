/**
 * One TCP connection to one broker: framing, correlation ids, pipelined requests matched in order,
 * per-request timeouts and write backpressure.
 *
 * The connection knows nothing of Kafka APIs: callers hand it a function that encodes a request
 * frame for a given correlation id, and get back the raw response frame (response header + body).
 * Decoding is the caller's job, so this module stays on the network side of the layering.
 */

import { Socket, connect as netConnect } from 'node:net'
import {
  KafkaAuthenticationError,
  KafkaNetworkError,
  KafkaProtocolError,
  KafkaStateError,
  KafkaTimeoutError,
} from '../errors.js'
import { FrameDecoder } from './frame-decoder.js'
import { FrameReader } from './frame-reader.js'

/** A request frame: one buffer, or chunks written in order as one. */
export type RequestFrame = Uint8Array | readonly Uint8Array[]

/** Opens the byte stream to a broker. The security issue plugs TLS in here. */
export type SocketFactory = (host: string, port: number) => Socket

export interface ConnectionOptions {
  host: string
  port: number
  /** How long to wait for the TCP (and later TLS) connection. */
  connectionTimeoutMs?: number
  /** Default deadline for a response, counted from when the request is handed to the connection. */
  requestTimeoutMs?: number
  /** The largest response frame accepted; larger ones are a protocol error, not an allocation. */
  maxFrameBytes?: number
  socketFactory?: SocketFactory
}

/** Options of one request. */
export interface RequestOptions {
  /** False for requests the broker never answers (Produce with acks=0). */
  expectResponse?: boolean
  /** Overrides the connection's default request timeout. */
  timeoutMs?: number
  /** Part of the task that {@link Connection.runExclusive} runs (re-authentication): not held back. */
  exclusive?: boolean
}

interface InFlight {
  readonly correlationId: number
  readonly resolve: (frame: Buffer) => void
  readonly reject: (error: Error) => void
  timer: NodeJS.Timeout | undefined
}

type State = 'idle' | 'connecting' | 'open' | 'closed'

const DEFAULT_MAX_FRAME = 512 * 1024 * 1024

export class Connection {
  readonly host: string
  readonly port: number
  readonly #connectionTimeoutMs: number
  readonly #requestTimeoutMs: number
  readonly #socketFactory: SocketFactory
  // A plain TCP socket of our own reads frames in place (FrameReader); a given factory's socket
  // (TLS, tests) delivers 'data' chunks (FrameDecoder).
  readonly #reader: FrameReader | undefined
  readonly #decoder: FrameDecoder | undefined

  #state: State = 'idle'
  #socket: Socket | undefined
  #connecting: Promise<void> | undefined
  #nextCorrelationId = 0
  // Requests written (or queued to be written) and awaiting a response, oldest first. Kafka answers
  // in request order on one connection, so the head is the only frame that may arrive next.
  readonly #inFlight: InFlight[] = []
  #inFlightHead = 0
  #closeError: Error | undefined
  #lastActivity = Date.now()
  readonly #closeListeners: Array<(error: Error | undefined) => void> = []
  // Set while runExclusive's task owns the connection; other requests wait for it.
  #exclusive: Promise<void> | undefined
  readonly #drainWaiters: Array<() => void> = []

  constructor(options: ConnectionOptions) {
    this.host = options.host
    this.port = options.port
    this.#connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME
    if (options.socketFactory === undefined) {
      const reader = new FrameReader(maxFrameBytes)
      this.#reader = reader
      this.#socketFactory = (host, port) =>
        netConnect({
          host,
          port,
          noDelay: true,
          onread: { buffer: () => reader.target(), callback: (bytes: number) => this.#onRead(bytes) },
        })
    } else {
      this.#decoder = new FrameDecoder(maxFrameBytes)
      this.#socketFactory = options.socketFactory
    }
  }

  /** `host:port` of the broker. */
  get address(): string {
    return `${this.host}:${this.port}`
  }

  get isOpen(): boolean {
    return this.#state === 'open'
  }

  get isClosed(): boolean {
    return this.#state === 'closed'
  }

  /** Requests awaiting a response. */
  get inFlightCount(): number {
    return this.#inFlight.length - this.#inFlightHead
  }

  /** Milliseconds since the last request or response; the pool closes idle connections with it. */
  get idleMs(): number {
    return this.inFlightCount > 0 ? 0 : Date.now() - this.#lastActivity
  }

  /** True while the socket's write buffer is above its high-water mark. */
  get needsDrain(): boolean {
    return this.#socket?.writableNeedDrain ?? false
  }

  /** Registers a listener called once when the connection closes, with the reason if it failed. */
  onClose(listener: (error: Error | undefined) => void): void {
    if (this.#state === 'closed') listener(this.#closeError)
    else this.#closeListeners.push(listener)
  }

  /** Opens the socket. Safe to call more than once; a closed connection cannot be reopened. */
  connect(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve()
    if (this.#state === 'closed') {
      return Promise.reject(new KafkaStateError(`connection to ${this.address} is closed`, { cause: this.#closeError }))
    }
    this.#connecting ??= this.#open()
    return this.#connecting
  }

  #open(): Promise<void> {
    this.#state = 'connecting'
    return new Promise<void>((resolve, reject) => {
      let socket: Socket
      try {
        socket = this.#socketFactory(this.host, this.port)
      } catch (cause) {
        const error = new KafkaNetworkError(`cannot connect to ${this.address}`, { broker: this.address, cause })
        this.#fail(error)
        reject(error)
        return
      }
      this.#socket = socket
      const timer = setTimeout(() => {
        const error = new KafkaTimeoutError(`connecting to ${this.address} took over ${this.#connectionTimeoutMs} ms`)
        this.#fail(error)
        reject(error)
      }, this.#connectionTimeoutMs)

      const onConnectError = (cause: Error): void => {
        clearTimeout(timer)
        const error =
          tlsAuthenticationFailure(cause, this.address) ??
          new KafkaNetworkError(`cannot connect to ${this.address}: ${cause.message}`, { broker: this.address, cause })
        this.#fail(error)
        reject(error)
      }
      socket.once('error', onConnectError)
      // A TLS socket signals readiness with 'secureConnect'; a plain one with 'connect'.
      const readyEvent = 'encrypted' in socket ? 'secureConnect' : 'connect'
      socket.once(readyEvent, () => {
        clearTimeout(timer)
        socket.off('error', onConnectError)
        if (this.#state !== 'connecting') {
          socket.destroy()
          return
        }
        this.#state = 'open'
        this.#lastActivity = Date.now()
        if (this.#decoder !== undefined) socket.on('data', (chunk: Buffer) => this.#onData(chunk))
        // With TLS 1.3 a broker that rejects our client certificate says so after the handshake.
        socket.on('error', (cause) =>
          this.#fail(
            tlsAuthenticationFailure(cause, this.address) ??
              new KafkaNetworkError(`connection to ${this.address} failed: ${cause.message}`, {
                broker: this.address,
                cause,
              }),
          ),
        )
        socket.on('close', () =>
          this.#fail(new KafkaNetworkError(`connection to ${this.address} closed by the broker`, { broker: this.address })),
        )
        resolve()
      })
    })
  }

  /**
   * Sends one request. `encode` receives the correlation id to put in the header and returns the
   * whole frame including its size prefix, in one buffer or as chunks written together (a request
   * that keeps its record batches in their own buffers); chunks must not change until written. Resolves with the response frame (header + body), or with
   * `null` when no response is expected.
   *
   * A timed-out request closes the connection and fails every request in flight on it: Kafka cannot
   * cancel a request, so the outcome of all of them is unknown.
   */
  async request(encode: (correlationId: number) => RequestFrame, options: RequestOptions = {}): Promise<Buffer | null> {
    if (this.#state !== 'open') await this.connect()
    if (this.#exclusive !== undefined && options.exclusive !== true) {
      while (this.#exclusive !== undefined) await this.#exclusive
      // The task may have failed the connection (a refused re-authentication): say why.
      if (this.#state === 'closed' && this.#closeError !== undefined) throw this.#closeError
    }
    const socket = this.#socket
    if (this.#state !== 'open' || socket === undefined) {
      throw new KafkaStateError(`connection to ${this.address} is closed`, { cause: this.#closeError })
    }
    const correlationId = this.#nextCorrelationId
    this.#nextCorrelationId = (this.#nextCorrelationId + 1) & 0x7fffffff
    const frame = encode(correlationId)
    this.#lastActivity = Date.now()

    if (options.expectResponse === false) {
      await this.#write(socket, frame)
      return null
    }

    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs
    const response = new Promise<Buffer>((resolve, reject) => {
      const entry: InFlight = { correlationId, resolve, reject, timer: undefined }
      entry.timer = setTimeout(() => {
        this.#fail(
          new KafkaTimeoutError(
            `request ${correlationId} to ${this.address} got no response within ${timeoutMs} ms; connection closed`,
          ),
        )
      }, timeoutMs)
      this.#inFlight.push(entry)
    })
    // The write and the response are awaited together so a failed write surfaces as the rejection
    // of this request (the connection fails every in-flight entry, this one included).
    this.#write(socket, frame).catch(() => {})
    return response
  }

  #write(socket: Socket, frame: RequestFrame): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (error: Error | null | undefined): void => {
        if (error) reject(new KafkaNetworkError(`write to ${this.address} failed`, { broker: this.address, cause: error }))
      }
      let flushed: boolean
      if (frame instanceof Uint8Array) {
        flushed = socket.write(frame, done)
      } else {
        // Corked, the chunks leave in one writev call.
        socket.cork()
        const last = frame.length - 1
        for (let i = 0; i < last; i++) socket.write(frame[i] as Uint8Array)
        flushed = socket.write(frame[last] ?? new Uint8Array(0), done)
        socket.uncork()
      }
      if (flushed) resolve()
      else socket.once('drain', () => resolve())
    })
  }

  #onData(chunk: Buffer): void {
    this.#lastActivity = Date.now()
    try {
      this.#decoder!.push(chunk, this.#frameListener)
    } catch (error) {
      this.#fail(error instanceof Error ? error : new KafkaProtocolError(String(error)))
    }
  }

  // The socket wrote `bytes` bytes where the reader's last target() said.
  // True keeps the socket reading (false would pause it).
  #onRead(bytes: number): boolean {
    if (this.#state !== 'open') return true
    this.#lastActivity = Date.now()
    try {
      this.#reader!.received(bytes, this.#frameListener)
    } catch (error) {
      this.#fail(error instanceof Error ? error : new KafkaProtocolError(String(error)))
    }
    return true
  }

  readonly #frameListener = (frame: Buffer): void => this.#onFrame(frame)

  #onFrame(frame: Buffer): void {
    const head = this.#inFlight[this.#inFlightHead]
    if (head === undefined) {
      throw new KafkaProtocolError(`unexpected response frame from ${this.address}: no request in flight`)
    }
    if (frame.length < 4) throw new KafkaProtocolError(`response frame from ${this.address} too short for a header`)
    const correlationId = frame.readInt32BE(0)
    if (correlationId !== head.correlationId) {
      throw new KafkaProtocolError(
        `correlation id mismatch from ${this.address}: expected ${head.correlationId}, got ${correlationId}`,
      )
    }
    this.#inFlight[this.#inFlightHead] = undefined as unknown as InFlight
    this.#inFlightHead++
    // Compact the queue now and then rather than shifting on every response.
    if (this.#inFlightHead > 1024 && this.#inFlightHead * 2 > this.#inFlight.length) {
      this.#inFlight.splice(0, this.#inFlightHead)
      this.#inFlightHead = 0
    }
    if (head.timer !== undefined) clearTimeout(head.timer)
    head.resolve(frame)
    if (this.#drainWaiters.length > 0 && this.inFlightCount === 0) {
      for (const waiter of this.#drainWaiters.splice(0)) waiter()
    }
  }

  /**
   * Runs `task` alone on this connection: requests made meanwhile wait until it ends, and it starts
   * once every request already in flight has its response. Re-authentication (KIP-368) needs this,
   * since a broker reads SASL frames only when no other request is interleaved. The task's own
   * requests pass `exclusive: true`.
   */
  async runExclusive<T>(task: () => Promise<T>): Promise<T> {
    while (this.#exclusive !== undefined) await this.#exclusive
    let release!: () => void
    this.#exclusive = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      if (this.inFlightCount > 0 && this.#state === 'open') {
        await new Promise<void>((resolve) => this.#drainWaiters.push(resolve))
      }
      return await task()
    } finally {
      this.#exclusive = undefined
      release()
    }
  }

  #fail(error: Error): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#closeError = error
    this.#socket?.destroy()
    const pending = this.#inFlight.splice(this.#inFlightHead)
    this.#inFlight.length = 0
    this.#inFlightHead = 0
    for (const entry of pending) {
      if (entry.timer !== undefined) clearTimeout(entry.timer)
      entry.reject(error)
    }
    for (const waiter of this.#drainWaiters.splice(0)) waiter()
    for (const listener of this.#closeListeners.splice(0)) listener(error)
  }

  /** Closes the connection because of `error`: requests in flight or waiting fail with it. */
  closeWithError(error: Error): void {
    this.#fail(error)
  }

  /**
   * Closes the connection. Requests still in flight fail with a {@link KafkaStateError}.
   */
  close(): void {
    if (this.#state === 'closed') return
    this.#fail(new KafkaStateError(`connection to ${this.address} closed by the client`))
    this.#closeError = undefined
  }
}

// OpenSSL's verification results (X509_V_ERR_* without the prefix) as Node reports them.
const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
])

/**
 * A TLS failure that retrying cannot fix (the broker's certificate does not verify or does not
 * name it, or the broker refused ours) as a non-retriable authentication error, like Java's
 * SslAuthenticationException; undefined for anything else.
 */
function tlsAuthenticationFailure(cause: Error, broker: string): KafkaAuthenticationError | undefined {
  const code = (cause as { code?: unknown }).code
  if (typeof code !== 'string') return undefined
  if (!TLS_VERIFY_CODES.has(code) && !code.startsWith('ERR_TLS_CERT') && !code.startsWith('ERR_SSL_')) return undefined
  return new KafkaAuthenticationError(`TLS with ${broker} failed: ${cause.message}`, {
    broker,
    mechanism: 'TLS',
    errorName: 'SSL_AUTHENTICATION_FAILED',
    code: -1,
    cause,
  })
}
