/**
 * ApiVersions negotiation: the first request on every connection. It tells us, per API, the
 * version range the broker accepts, and the cluster's finalized features (such as
 * `transaction.version`). Each request then goes out at the highest version both sides support.
 */

import { KafkaBrokerError, KafkaUnsupportedVersionError } from '../errors.js'
import type { ApiDescriptor } from '../protocol/api.js'
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/header.js'
import { apiVersionsApi, type ApiVersionsResponse } from '../protocol/messages/api-versions.js'
import type { Connection } from './connection.js'

const UNSUPPORTED_VERSION = 35

/** What one broker supports. */
export class BrokerVersions {
  readonly #ranges: ReadonlyMap<number, { readonly min: number; readonly max: number }>
  readonly #features: ReadonlyMap<string, number>
  /** Epoch of the finalized features, -1 when the broker did not report them. */
  readonly featuresEpoch: bigint

  constructor(response: ApiVersionsResponse) {
    this.#ranges = new Map(response.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]))
    this.#features = new Map(response.finalizedFeatures.map((f) => [f.name, f.maxVersionLevel]))
    this.featuresEpoch = response.finalizedFeaturesEpoch
  }

  /** The broker's range for an API key, or undefined if it does not support the API. */
  range(apiKey: number): { readonly min: number; readonly max: number } | undefined {
    return this.#ranges.get(apiKey)
  }

  /** A finalized feature level (`transaction.version`, `metadata.version` …), 0 if not finalized. */
  feature(name: string): number {
    return this.#features.get(name) ?? 0
  }

  /**
   * The highest version of `api` both sides support. Our own highest version is skipped while the
   * schema marks it unstable. Throws KafkaUnsupportedVersionError when the ranges do not meet.
   */
  pick<Req, Res>(api: ApiDescriptor<Req, Res>, broker: string): number {
    const theirs = this.#ranges.get(api.key)
    const ourMax = api.latestVersionUnstable ? api.maxVersion - 1 : api.maxVersion
    if (theirs === undefined) {
      throw new KafkaUnsupportedVersionError(`broker ${broker} does not support ${api.name}`)
    }
    const version = Math.min(ourMax, theirs.max)
    if (version < api.minVersion || version < theirs.min) {
      throw new KafkaUnsupportedVersionError(
        `broker ${broker} supports ${api.name} v${theirs.min}-${theirs.max}, kafkats v${api.minVersion}-${ourMax}: ` +
          'the broker is too old (or too new) for this client',
      )
    }
    return version
  }
}

export interface NegotiateOptions {
  clientId: string | null
  /** Sent as ClientSoftwareName (KIP-511); brokers show it in their metrics. */
  softwareName: string
  softwareVersion: string
  timeoutMs?: number
}

/**
 * Sends ApiVersions at the newest version we know. A broker that does not know that version
 * answers with a v0 body holding UNSUPPORTED_VERSION and its own range for ApiVersions; we then
 * retry at the highest version it does support, as Kafka's clients do.
 */
export async function negotiateApiVersions(connection: Connection, options: NegotiateOptions): Promise<BrokerVersions> {
  let version = apiVersionsApi.maxVersion
  for (let attempt = 0; attempt < 2; attempt++) {
    const request = apiVersionsApi.createRequest({
      clientSoftwareName: options.softwareName,
      clientSoftwareVersion: options.softwareVersion,
    })
    const frame = await connection.request(
      (correlationId) => encodeRequestFrame(apiVersionsApi, version, correlationId, options.clientId, request),
      { timeoutMs: options.timeoutMs },
    )
    const { body } = decodeResponseFrame(apiVersionsApi, version, frame as Buffer)
    if (body.errorCode === 0) return new BrokerVersions(body)
    if (body.errorCode !== UNSUPPORTED_VERSION) throw new KafkaBrokerError(body.errorCode)
    const theirs = body.apiKeys.find((k) => k.apiKey === apiVersionsApi.key)
    version = Math.min(theirs?.maxVersion ?? 0, apiVersionsApi.maxVersion)
  }
  throw new KafkaUnsupportedVersionError(`broker ${connection.address} rejected every ApiVersions version offered`)
}
