/**
 * The root object of kafkats. It owns the one connection pool and metadata cache that every
 * producer, consumer and admin client made from it shares.
 */

import { isIP } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { Admin, type AdminOptions } from './admin/admin.js'
import { Cluster } from './cluster/cluster.js'
import { KafkaStateError } from './errors.js'
import { Consumer } from './consumer/consumer.js'
import type { ConsumerOptions } from './consumer/options.js'
import type { ProducerOptions } from './producer/options.js'
import { Producer } from './producer/producer.js'
import { resolveKafkaOptions, type KafkaOptions, type ResolvedKafkaOptions } from './kafka-options.js'
import type { SocketFactory } from './network/connection.js'
import { createSaslAuthenticator } from './network/sasl/authenticate.js'
import type { Deserializer, Serializer } from './serde/serde.js'
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from './version.js'

/** What a producer without a key or value serializer can send: strings (as UTF-8) and bytes. */
export type DefaultProducerType = string | Uint8Array | null

/** What a consumer without a key or value deserializer hands out: the bytes, as `Buffer`s. */
export type DefaultConsumerType = Buffer | null

// A serializer may be left out only when the default one can take every value of the type.
type KeySerializerNeeded<K> = [K] extends [DefaultProducerType] ? unknown : { keySerializer: Serializer<K> }
type ValueSerializerNeeded<V> = [V] extends [DefaultProducerType] ? unknown : { valueSerializer: Serializer<V> }
// A deserializer may be left out only when every value the default one gives is of the type.
type KeyDeserializerNeeded<K> = [DefaultConsumerType] extends [K] ? unknown : { keyDeserializer: Deserializer<K> }
type ValueDeserializerNeeded<V> = [DefaultConsumerType] extends [V] ? unknown : { valueDeserializer: Deserializer<V> }

/**
 * The arguments of {@link Kafka.producer}: the options, which must name a serializer for a key or
 * value type the default one (strings and bytes) cannot send, and may be left out when none is
 * needed. So `kafka.producer<number, number>()` does not compile: numbers need serializers.
 */
export type ProducerArgs<K, V> = [K, V] extends [DefaultProducerType, DefaultProducerType]
  ? [options?: ProducerOptions<K, V>]
  : [options: ProducerOptions<K, V> & KeySerializerNeeded<K> & ValueSerializerNeeded<V>]

/**
 * The arguments of {@link Kafka.consumer}: the options, which must name a deserializer for a key
 * or value type other than what the default one gives (`Buffer | null`), and may be left out when
 * none is needed. So `kafka.consumer<number, number>()` does not compile.
 */
export type ConsumerArgs<K, V> = [DefaultConsumerType, DefaultConsumerType] extends [K, V]
  ? [options?: ConsumerOptions<K, V>]
  : [options: ConsumerOptions<K, V> & KeyDeserializerNeeded<K> & ValueDeserializerNeeded<V>]

/** Something the root closes when it is closed. */
interface Closeable {
  close(): Promise<void> | void
}

/**
 * A connection to one Kafka cluster.
 *
 * ```ts
 * const kafka = new Kafka({ clientId: 'orders', brokers: ['127.0.0.1:9092'] })
 * const admin = kafka.admin()
 * await admin.createTopics([{ topic: 'orders', numPartitions: 6, replicationFactor: 3 }])
 * await kafka.close()
 * ```
 *
 * Constructing it validates the options (a {@link KafkaConfigError} names a bad one) and opens
 * nothing: connections are made on first use.
 */
export class Kafka {
  readonly #options: ResolvedKafkaOptions
  readonly #cluster: Cluster
  readonly #children = new Set<Closeable>()
  #closed = false

  constructor(options: KafkaOptions) {
    this.#options = resolveKafkaOptions(options)
    const o = this.#options
    this.#cluster = new Cluster({
      clientId: o.clientId,
      brokers: o.brokers,
      connectionTimeoutMs: o.connectionTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      metadataMaxAgeMs: o.metadataMaxAgeMs,
      retryBackoff: { initialMs: o.retryBackoffMs, maxMs: o.retryBackoffMaxMs },
      reconnectBackoffMs: o.reconnectBackoffMs,
      reconnectBackoffMaxMs: o.reconnectBackoffMaxMs,
      connectionsMaxIdleMs: o.connectionsMaxIdleMs,
      defaultApiTimeoutMs: o.defaultApiTimeoutMs,
      logger: o.logger,
      softwareName: CLIENT_SOFTWARE_NAME,
      softwareVersion: CLIENT_SOFTWARE_VERSION,
      socketFactory: o.ssl === undefined ? undefined : tlsSocketFactory(o.ssl),
      authenticate:
        o.sasl === undefined
          ? undefined
          : createSaslAuthenticator(o.sasl, { clientId: o.clientId, requestTimeoutMs: o.requestTimeoutMs }),
    })
  }

  /** The client id sent with every request. */
  get clientId(): string {
    return this.#options.clientId
  }

  /** An admin client on this root's shared connections and metadata. */
  admin(options: AdminOptions = {}): Admin {
    this.#assertOpen()
    const admin = new Admin(this.#cluster, options, () => this.#children.delete(admin))
    this.#children.add(admin)
    return admin
  }

  /**
   * A producer on this root's shared connections and metadata. The key and value types are those
   * of the serializers given (`kafka.producer({ valueSerializer: jsonSerde<Order>() })` sends
   * `Order | null` values), else strings and bytes ({@link DefaultProducerType}). Types that need
   * a serializer must come with one: see {@link ProducerArgs}.
   */
  producer<K = DefaultProducerType, V = DefaultProducerType>(...args: ProducerArgs<K, V>): Producer<K, V> {
    this.#assertOpen()
    // Only a missing argument means none: a null one is refused by the option checks.
    const options: ProducerOptions<K, V> = args[0] === undefined ? {} : args[0]
    const producer: Producer<K, V> = new Producer<K, V>(this.#cluster, options, () => this.#children.delete(producer))
    this.#children.add(producer)
    return producer
  }

  /**
   * A consumer on this root's shared connections and metadata. The key and value types are those
   * of the deserializers given (an async deserializer's resolved type), else `Buffer | null`
   * ({@link DefaultConsumerType}); a type the default cannot give needs its deserializer (see
   * {@link ConsumerArgs}). With a `groupId` it can `subscribe()` through the group or `assign()`
   * partitions and commit for the group; without one, `assign()` only.
   */
  consumer<K = DefaultConsumerType, V = DefaultConsumerType>(...args: ConsumerArgs<K, V>): Consumer<K, V> {
    this.#assertOpen()
    const options: ConsumerOptions<K, V> = args[0] === undefined ? {} : args[0]
    const consumer: Consumer<K, V> = new Consumer<K, V>(this.#cluster, options, () => this.#children.delete(consumer))
    this.#children.add(consumer)
    return consumer
  }

  /**
   * Closes every producer, consumer and admin client made from this root, then every connection.
   * Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.allSettled([...this.#children].map((c) => c.close()))
    this.#children.clear()
    this.#cluster.close()
  }

  #assertOpen(): void {
    if (this.#closed) throw new KafkaStateError('this Kafka client is closed')
  }
}

function tlsSocketFactory(options: NonNullable<ResolvedKafkaOptions['ssl']>): SocketFactory {
  // Hostname checking stays on unless the caller turns it off; SNI uses the broker's host name
  // (not an IP address, which RFC 6066 forbids as a server name; certificates are checked against it anyway).
  return (host, port) => tlsConnect({ ...(isIP(host) === 0 ? { servername: host } : {}), ...options, host, port })
}
