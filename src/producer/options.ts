/**
 * Producer options: the Java producer's settings camelCased, with Kafka 4.x defaults, and the same
 * consistency rules (idempotence needs acks=all and at most 5 requests in flight; a transactional id
 * needs idempotence; the delivery timeout covers linger plus one request).
 */

import { KafkaConfigError } from '../errors.js'
import type { CompressionName } from '../protocol/compression/index.js'
import type { Serializer } from '../serde/serde.js'
import {
  booleanOption,
  checkOptionNames,
  describeValue,
  durationOption,
  nonEmptyStringOption,
  oneOf,
  optionsObject,
  pluginOption,
  sizeOption,
  type OptionNames,
} from '../util/options.js'
import type { PartitionerChoice } from './partitioner.js'

/** How many replicas must have a record before the leader acknowledges it. */
export type Acks = 0 | 1 | -1 | 'all'

/** Options of {@link Kafka.producer}. Times are milliseconds, sizes bytes. */
export interface ProducerOptions<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  /** `'all'`/-1: every in-sync replica (default); 1: the leader; 0: no acknowledgement at all. */
  acks?: Acks
  /** Exactly-once per partition across retries (default true; needs acks=all). */
  enableIdempotence?: boolean
  /** Wait this long for more records before sending a batch that is not full. Default 5. */
  lingerMs?: number
  /** Target size of one partition's batch. Default 16384. */
  batchSize?: number
  /** Memory for records waiting to be sent; `send` waits up to `maxBlockMs` when it is full. Default 33554432. */
  bufferMemory?: number
  /** How long `send` may wait for metadata or buffer memory. Default 60000. */
  maxBlockMs?: number
  /** Default `'none'`. */
  compressionType?: CompressionName
  /** Produce requests in flight per broker. Default 5 (at most 5 with idempotence). */
  maxInFlightRequestsPerConnection?: number
  /** Time a broker has to answer a produce request. Default: the root's `requestTimeoutMs`. */
  requestTimeoutMs?: number
  /** Upper bound from `send` to its outcome, retries included. Default 120000. */
  deliveryTimeoutMs?: number
  /** Times a failed batch is retried (the delivery timeout is the real bound). Default 2147483647. */
  retries?: number
  /** First delay before retrying a batch. Default: the root's `retryBackoffMs`. */
  retryBackoffMs?: number
  /** Upper bound of that delay. Default: the root's `retryBackoffMaxMs`. */
  retryBackoffMaxMs?: number
  /** Largest produce request, and so the largest record. Default 1048576. */
  maxRequestSize?: number
  /** Where keyless records go: `'default'` (sticky, KIP-794), `'round-robin'`, or a function. */
  partitioner?: PartitionerChoice
  /** Enables transactions; must be unique per producer instance. */
  transactionalId?: string
  /** How long the coordinator lets a transaction stay open. Default 60000. */
  transactionTimeoutMs?: number
  /** Serializes keys. Default: strings as UTF-8, bytes as they are. */
  keySerializer?: Serializer<K>
  /** Serializes values. Default: strings as UTF-8, bytes as they are. */
  valueSerializer?: Serializer<V>
}

/** Producer options with every default applied. */
export interface ResolvedProducerOptions {
  acks: 0 | 1 | -1
  enableIdempotence: boolean
  lingerMs: number
  batchSize: number
  bufferMemory: number
  maxBlockMs: number
  compressionType: CompressionName
  maxInFlightRequestsPerConnection: number
  requestTimeoutMs: number
  deliveryTimeoutMs: number
  retries: number
  retryBackoffMs: number
  retryBackoffMaxMs: number
  maxRequestSize: number
  partitioner: PartitionerChoice
  transactionalId: string | null
  transactionTimeoutMs: number
}

const COMPRESSION_NAMES: readonly CompressionName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd']

// Every producer option, so a misspelt one is an error rather than a silently unused default.
const PRODUCER_OPTION_NAMES: OptionNames<ProducerOptions> = {
  acks: true,
  enableIdempotence: true,
  lingerMs: true,
  batchSize: true,
  bufferMemory: true,
  maxBlockMs: true,
  compressionType: true,
  maxInFlightRequestsPerConnection: true,
  requestTimeoutMs: true,
  deliveryTimeoutMs: true,
  retries: true,
  retryBackoffMs: true,
  retryBackoffMaxMs: true,
  maxRequestSize: true,
  partitioner: true,
  transactionalId: true,
  transactionTimeoutMs: true,
  keySerializer: true,
  valueSerializer: true,
}

// Names other Node.js Kafka clients use for the same settings.
const PRODUCER_OPTION_HINTS: Readonly<Record<string, string>> = {
  idempotent: 'enableIdempotence',
  maxInFlightRequests: 'maxInFlightRequestsPerConnection',
  transactionTimeout: 'transactionTimeoutMs',
  compression: 'compressionType',
  createPartitioner: 'partitioner',
}

export function resolveProducerOptions(
  options: ProducerOptions<never, never>,
  root: { requestTimeoutMs: number; retryBackoffMs: number; retryBackoffMaxMs: number },
): ResolvedProducerOptions {
  optionsObject('producer', options)
  checkOptionNames('producer', options, PRODUCER_OPTION_NAMES, PRODUCER_OPTION_HINTS)
  const acksOption = oneOf<Acks>('acks', options.acks, ['all', -1, 0, 1], 'all')
  const acks = acksOption === 'all' ? -1 : acksOption
  const maxInFlight = sizeOption('maxInFlightRequestsPerConnection', options.maxInFlightRequestsPerConnection, 5, 1)
  const retries = sizeOption('retries', options.retries, 2 ** 31 - 1, 0)
  const transactionalId = nonEmptyStringOption('transactionalId', options.transactionalId)
  pluginOption('keySerializer', options.keySerializer, 'serialize')
  pluginOption('valueSerializer', options.valueSerializer, 'serialize')

  // Java's rule: idempotence is on by default but quietly off when the user picked settings that
  // rule it out; asking for it explicitly with such settings is an error.
  const idempotenceCompatible = acks === -1 && maxInFlight <= 5 && retries > 0
  const enableIdempotence = booleanOption(
    'enableIdempotence',
    options.enableIdempotence,
    idempotenceCompatible || transactionalId !== null,
  )
  if (enableIdempotence && !idempotenceCompatible) {
    throw new KafkaConfigError(
      'enableIdempotence: requires acks=all, maxInFlightRequestsPerConnection <= 5 and retries > 0',
    )
  }
  if (transactionalId !== null && !enableIdempotence) {
    throw new KafkaConfigError('transactionalId: transactions require enableIdempotence')
  }

  const compressionType = oneOf('compressionType', options.compressionType, COMPRESSION_NAMES, 'none')
  const partitioner = options.partitioner ?? 'default'
  if (partitioner !== 'default' && partitioner !== 'round-robin' && typeof partitioner !== 'function') {
    throw new KafkaConfigError(`partitioner: expected 'default', 'round-robin' or a function, got ${describeValue(partitioner)}`)
  }

  const lingerMs = durationOption('lingerMs', options.lingerMs, 5)
  const requestTimeoutMs = durationOption('requestTimeoutMs', options.requestTimeoutMs, root.requestTimeoutMs, 1)
  let deliveryTimeoutMs = durationOption('deliveryTimeoutMs', options.deliveryTimeoutMs, 120_000, 1)
  if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
    if (options.deliveryTimeoutMs !== undefined) {
      throw new KafkaConfigError('deliveryTimeoutMs: must be at least lingerMs + requestTimeoutMs')
    }
    deliveryTimeoutMs = lingerMs + requestTimeoutMs
  }
  const retryBackoffMs = durationOption('retryBackoffMs', options.retryBackoffMs, root.retryBackoffMs)
  return {
    acks,
    enableIdempotence,
    lingerMs,
    batchSize: sizeOption('batchSize', options.batchSize, 16_384, 0),
    bufferMemory: sizeOption('bufferMemory', options.bufferMemory, 33_554_432, 1),
    maxBlockMs: durationOption('maxBlockMs', options.maxBlockMs, 60_000),
    compressionType,
    maxInFlightRequestsPerConnection: maxInFlight,
    requestTimeoutMs,
    deliveryTimeoutMs,
    retries,
    retryBackoffMs,
    retryBackoffMaxMs: durationOption(
      'retryBackoffMaxMs',
      options.retryBackoffMaxMs,
      Math.max(root.retryBackoffMaxMs, retryBackoffMs),
    ),
    maxRequestSize: sizeOption('maxRequestSize', options.maxRequestSize, 1_048_576, 1),
    partitioner,
    transactionalId,
    transactionTimeoutMs: durationOption('transactionTimeoutMs', options.transactionTimeoutMs, 60_000, 1),
  }
}
