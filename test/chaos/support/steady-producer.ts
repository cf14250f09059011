/**
 * A kafkats idempotent producer (acks=all) writing at a steady rate, round-robin over a topic's
 * partitions with explicit partition numbers. Each value is `<partition>:<seq>`, seq counting per
 * partition in send order, so an independent reader can check loss, duplicates and order.
 */
import type { Kafka, Producer, ProducerOptions, RecordMetadata } from '../../../src/index.js'

export interface SteadyProducerOptions {
  topic: string
  partitions: number
  recordsPerSecond: number
  /** Sends outstanding at most; the producer pauses above it (a broker is down, say). */
  maxOutstanding?: number
}

export class SteadyProducer {
  readonly #producer: Producer
  readonly #options: Required<SteadyProducerOptions>
  /** Acknowledged seqs per partition, in the order the acks came. */
  readonly acked: number[][]
  readonly failures: unknown[] = []
  /** Per partition: when the newest acknowledged record was sent. */
  readonly lastAckedSentAt: number[]
  #sent = 0
  #outstanding = new Set<Promise<void>>()
  #timer: NodeJS.Timeout | undefined
  #started = 0

  constructor(kafka: Kafka, options: SteadyProducerOptions, producerOptions: ProducerOptions = {}) {
    this.#options = { maxOutstanding: 5_000, ...options }
    this.acked = Array.from({ length: options.partitions }, () => [])
    this.lastAckedSentAt = Array.from({ length: options.partitions }, () => 0)
    this.#producer = kafka.producer({ acks: 'all', enableIdempotence: true, lingerMs: 5, deliveryTimeoutMs: 300_000, requestTimeoutMs: 10_000, ...producerOptions })
  }

  get sent(): number {
    return this.#sent
  }

  get ackedCount(): number {
    return this.acked.reduce((n, list) => n + list.length, 0)
  }

  /** True once every partition has an acknowledged record sent at or after `since`. */
  flowingSince(since: number): boolean {
    return this.lastAckedSentAt.every((at) => at >= since)
  }

  async start(): Promise<void> {
    await this.#producer.connect()
    this.#started = Date.now()
    const tickMs = 20
    this.#timer = setInterval(() => {
      // Catch up to the rate since the start, so that a stall is followed by the records it owed.
      const due = Math.floor(((Date.now() - this.#started) * this.#options.recordsPerSecond) / 1_000)
      while (this.#sent < due && this.#outstanding.size < this.#options.maxOutstanding) this.#sendOne()
    }, tickMs)
  }

  /** Stops sending and waits for every outstanding send to settle. */
  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await Promise.all(this.#outstanding)
  }

  async close(): Promise<void> {
    await this.stop()
    await this.#producer.disconnect()
  }

  #sendOne(): void {
    const i = this.#sent++
    const partition = i % this.#options.partitions
    const seq = Math.floor(i / this.#options.partitions)
    const sentAt = Date.now()
    const p: Promise<void> = this.#producer
      .send({ topic: this.#options.topic, partition, value: `${partition}:${seq}` })
      .then(
        (_m: RecordMetadata) => {
          this.acked[partition]?.push(seq)
          if (sentAt > (this.lastAckedSentAt[partition] ?? 0)) this.lastAckedSentAt[partition] = sentAt
        },
        (error: unknown) => {
          this.failures.push(error)
        },
      )
      .finally(() => this.#outstanding.delete(p))
    this.#outstanding.add(p)
  }
}
