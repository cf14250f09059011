/**
 * Soak: one producer at a steady rate and a group of consumers in this process, one member closed
 * and recreated every RESTART_MS, for KAFKATS_SOAK_MS (default 3 minutes; `npm run soak` runs an
 * hour). Memory, event-loop delay and live handles are sampled every SAMPLE_MS.
 *
 * Asserts: after warm-up (the first 20 %), heap after GC (RSS when no GC can be forced) is flat
 * within 10 % (median of the last third against the first third), sockets and timers do not grow,
 * every acknowledged record is consumed at least once, and once everything is closed the process
 * holds no more sockets or timers than before the run. Runs of 10 minutes or more write their
 * samples to bench/results/soak-<time>.json and a chart next to it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, inject, it } from 'vitest'
import { Kafka, type Consumer, type KafkaError } from '../../src/index.js'
import { waitFor } from '../support/wait-for.js'
import { soakChart } from './soak-chart.js'
import { SoakSampler, drift, resourceCounts, thirdsAfterWarmup } from './soak-sampler.js'

const DURATION_MS = Number(process.env.KAFKATS_SOAK_MS ?? 180_000)
const RATE_PER_S = Number(process.env.KAFKATS_SOAK_RATE ?? 2_000)
const MEMBERS = 3
const PARTITIONS = 6
const RESTART_MS = 30_000
const SAMPLE_MS = 10_000
const TICK_MS = 20
const WARMUP_FRACTION = 0.2
const MEMORY_TOLERANCE = 0.1
/** Records in flight beyond which producing pauses (the broker is behind; do not pile up memory). */
const MAX_IN_FLIGHT = 20_000
const VALUE_PADDING = 'x'.repeat(90)
const GROUP_PROTOCOL = process.env.KAFKATS_SOAK_GROUP_PROTOCOL === 'consumer' ? 'consumer' : 'classic'
const LONG_FORM = DURATION_MS >= 600_000
const RESULTS_DIR = fileURLToPath(new URL('../../bench/results/', import.meta.url))

/** One bit per record sequence number; preallocated so that tracking does not itself grow memory. */
class Bitmap {
  readonly #bits: Uint8Array
  constructor(readonly capacity: number) {
    this.#bits = new Uint8Array(Math.ceil(capacity / 8))
  }
  /** Sets bit `i`; true when it was clear. */
  set(i: number): boolean {
    const mask = 1 << (i & 7)
    const byte = this.#bits[i >> 3]!
    if ((byte & mask) !== 0) return false
    this.#bits[i >> 3] = byte | mask
    return true
  }
  has(i: number): boolean {
    return (this.#bits[i >> 3]! & (1 << (i & 7))) !== 0
  }
}

const bootstrap = inject('kafkaBootstrap')
const brokers = bootstrap.split(',')

class Member {
  readonly kafka: Kafka
  readonly consumer: Consumer
  readonly running: Promise<void>

  constructor(clientId: string, groupId: string, topic: string, onValue: (value: Buffer) => void, errors: KafkaError[]) {
    this.kafka = new Kafka({ clientId, brokers })
    this.consumer = this.kafka.consumer({ groupId, groupProtocol: GROUP_PROTOCOL, autoOffsetReset: 'earliest' })
    this.consumer.on('error', (error) => errors.push(error))
    this.running = this.consumer
      .subscribe({ topics: [topic] })
      .then(() => this.consumer.run({ eachMessage: async (m) => onValue(m.value as Buffer) }))
    this.running.catch(() => {})
  }

  async close(): Promise<void> {
    await this.consumer.disconnect()
    await this.kafka.close()
    await this.running.catch(() => {})
  }
}

describe('soak', () => {
  it(
    `produces ${RATE_PER_S}/s and consumes with member restarts for ${DURATION_MS / 1000} s without growing`,
    async () => {
      const baseline = resourceCounts()
      const adminKafka = new Kafka({ clientId: 'soak-admin', brokers })
      const admin = adminKafka.admin()
      const topic = `soak-${randomUUID()}`
      const groupId = `soak-group-${randomUUID()}`
      const [created] = await admin.createTopics([{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }])
      expect(created?.error ?? null).toBeNull()

      const capacity = Math.ceil((RATE_PER_S * DURATION_MS) / 1000 + RATE_PER_S * 5)
      const acked = new Bitmap(capacity)
      const consumed = new Bitmap(capacity)
      let sent = 0
      let ackedCount = 0
      let inFlight = 0
      let consumedUnique = 0
      let consumedTotal = 0
      const sendErrors: unknown[] = []
      const consumerErrors: KafkaError[] = []
      const onValue = (value: Buffer): void => {
        consumedTotal++
        const seq = Number.parseInt(value.toString('latin1', 0, value.indexOf(0x3a)), 10)
        if (seq >= 0 && seq < capacity && consumed.set(seq)) consumedUnique++
      }

      const producerKafka = new Kafka({ clientId: 'soak-producer', brokers })
      const producer = producerKafka.producer({ lingerMs: 5 })
      let generation = 0
      const members: Member[] = Array.from(
        { length: MEMBERS },
        (_, i) => new Member(`soak-member-${i}-g${generation}`, groupId, topic, onValue, consumerErrors),
      )
      let restarts = 0

      const startedAt = Date.now()
      const endAt = startedAt + DURATION_MS
      const sampler = new SoakSampler(startedAt)

      const produceLoop = async (): Promise<void> => {
        while (Date.now() < endAt) {
          const target = Math.min(capacity, Math.floor(((Date.now() - startedAt) * RATE_PER_S) / 1000))
          while (sent < target && inFlight < MAX_IN_FLIGHT) {
            const seq = sent++
            inFlight++
            producer.send({ topic, key: `k${seq}`, value: `${seq}:${VALUE_PADDING}` }).then(
              () => {
                inFlight--
                if (acked.set(seq)) ackedCount++
              },
              (error: unknown) => {
                inFlight--
                sendErrors.push(error)
              },
            )
          }
          await sleep(TICK_MS)
        }
      }
      const restartLoop = async (): Promise<void> => {
        for (;;) {
          // Half a sampling interval off the samples, so a sample never lands mid-restart by design.
          const next = startedAt + (restarts + 1) * RESTART_MS - SAMPLE_MS / 2
          if (next >= endAt) return
          await sleep(next - Date.now())
          const slot = restarts % MEMBERS
          await members[slot]!.close()
          generation++
          members[slot] = new Member(`soak-member-${slot}-g${generation}`, groupId, topic, onValue, consumerErrors)
          restarts++
        }
      }
      const sampleLoop = async (): Promise<void> => {
        for (let n = 1; startedAt + n * SAMPLE_MS <= endAt; n++) {
          await sleep(Math.max(0, startedAt + n * SAMPLE_MS - Date.now()))
          const s = sampler.sample({ produced: ackedCount, consumed: consumedTotal, restarts })
          if (LONG_FORM || n % 6 === 0) {
            console.log(
              `[soak] ${(s.t / 1000).toFixed(0)} s: acked ${s.produced}, consumed ${s.consumed}, rss ${(s.rss / 2 ** 20).toFixed(1)} MiB, ` +
                `heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MiB, loop p99 ${s.loopDelayP99} ms, sockets ${s.sockets}, timers ${s.timers}`,
            )
          }
        }
      }
      await Promise.all([produceLoop(), restartLoop(), sampleLoop()])
      sampler.stop()

      await waitFor(() => inFlight === 0, { timeoutMs: 120_000, message: 'every send settled' })
      await waitFor(() => consumedUnique >= ackedCount, {
        timeoutMs: 180_000,
        intervalMs: 500,
        message: `all ${ackedCount} acknowledged records consumed`,
      })
      let missing = 0
      let firstMissing = -1
      for (let seq = 0; seq < sent; seq++) {
        if (acked.has(seq) && !consumed.has(seq)) {
          missing++
          if (firstMissing < 0) firstMissing = seq
        }
      }

      for (const m of members) await m.close()
      await producer.disconnect()
      await producerKafka.close()
      await admin.deleteTopics([topic]).catch(() => {})
      await adminKafka.close()

      // With everything closed the process must be back where it started: no socket, no timer left.
      const leftover = await waitFor(
        () => {
          const now = resourceCounts()
          const sockets = (now.TCPSocketWrap ?? 0) - (baseline.TCPSocketWrap ?? 0)
          const timers = (now.Timeout ?? 0) - (baseline.Timeout ?? 0)
          return sockets <= 0 && timers <= 0 ? { sockets, timers } : null
        },
        { timeoutMs: 30_000, message: 'sockets and timers back to the baseline after close' },
      ).catch((error: unknown) => ({ error, now: resourceCounts(), baseline }))

      const samples = sampler.samples
      const thirds = thirdsAfterWarmup(samples, DURATION_MS * WARMUP_FRACTION)
      const memoryKey = sampler.gcForced ? 'heapUsed' : 'rss'
      const memory = drift(thirds, (s) => s[memoryKey])
      const rss = drift(thirds, (s) => s.rss)
      const sockets = drift(thirds, (s) => s.sockets)
      const timers = drift(thirds, (s) => s.timers)
      const p99s = samples.map((s) => s.loopDelayP99)
      const summary = {
        durationMs: Date.now() - startedAt,
        ratePerS: RATE_PER_S,
        groupProtocol: GROUP_PROTOCOL,
        members: MEMBERS,
        restarts,
        sent,
        acked: ackedCount,
        sendErrors: sendErrors.length,
        consumedTotal,
        consumedUnique,
        duplicates: consumedTotal - consumedUnique,
        missing,
        consumerErrors: consumerErrors.map((e) => `${e.name}: ${e.message}`).slice(0, 20),
        gcForced: sampler.gcForced,
        memoryMeasure: memoryKey,
        memory,
        rss,
        sockets,
        timers,
        loopDelayP99Max: Math.max(...p99s),
        loopDelayMax: Math.max(...samples.map((s) => s.loopDelayMax)),
        leftover,
      }
      console.log(`[soak] summary ${JSON.stringify(summary)}`)
      if (LONG_FORM) {
        const stamp = new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')
        mkdirSync(RESULTS_DIR, { recursive: true })
        writeFileSync(`${RESULTS_DIR}soak-${stamp}.json`, `${JSON.stringify({ summary, samples }, null, 2)}\n`)
        const subtitle = `${(summary.durationMs / 60_000).toFixed(0)} min · ${RATE_PER_S} records/s · ${MEMBERS} ${GROUP_PROTOCOL} members, one restarted every ${RESTART_MS / 1000} s · Node ${process.version}`
        writeFileSync(`${RESULTS_DIR}soak-${stamp}.svg`, soakChart(samples, subtitle))
      }

      expect(sendErrors, 'sends that failed').toHaveLength(0)
      expect(missing, `acknowledged records never consumed (first: ${firstMissing})`).toBe(0)
      expect(restarts).toBeGreaterThanOrEqual(Math.floor(DURATION_MS / RESTART_MS) - 1)
      expect(memory.growth, `${memoryKey} growth after warm-up`).toBeLessThanOrEqual(MEMORY_TOLERANCE)
      // Counts of handles: the median of the last third may not exceed that of the first.
      expect(sockets.last, 'open sockets, last third vs first third').toBeLessThanOrEqual(sockets.first)
      expect(timers.last, 'timers, last third vs first third').toBeLessThanOrEqual(timers.first + 1)
      expect('error' in leftover ? leftover : null, 'handles left after close').toBeNull()
    },
    DURATION_MS + 600_000,
  )
})
