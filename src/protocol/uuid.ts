/**
 * Kafka UUIDs (topic ids, incarnation ids) travel as 16 bytes and are shown as 22 characters of
 * URL-safe base64 without padding, the form Kafka's own tools print. kafkats uses that text form
 * everywhere above the codec, so ids can be compared with `===` and used as map keys.
 */

import { KafkaProtocolError } from '../errors.js'

/** The all-zero UUID, meaning "no id" in Kafka's protocol. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Text form of 16 bytes. */
export function uuidFromBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('base64url')
}

/** The 16 bytes of a UUID's text form; throws on anything that is not exactly 16 bytes. */
export function uuidToBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.length !== 16 || text.length !== 22) {
    throw new KafkaProtocolError(`invalid UUID ${JSON.stringify(text)}: expected 22 base64url characters`)
  }
  return bytes
}
