/**
 * Where the generator's input comes from: Kafka's message schemas as `kafka-clients-<version>.jar`
 * ships them (`common/message/*.json`), for the Kafka release the generated code is pinned to.
 * The jar is the one scripts/kafka-local.sh caches from Maven Central; when it is not cached yet,
 * the script fetches it. The schemas are read straight out of the jar, never copied anywhere.
 */

import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Jar } from './jar.js'
import { parseSchema, readSchemas, type RawSchema } from './json.js'

/**
 * The Kafka release whose schemas src/protocol/messages is generated from. Independent of the
 * KAFKA_VERSION a test run starts its broker with, so a compatibility run on an older broker
 * still checks the committed code against the schemas it was generated from.
 */
export const PROTOCOL_KAFKA_VERSION = '4.4.0'

const SCHEMA_PREFIX = 'common/message/'
const KAFKA_LOCAL_SCRIPT = fileURLToPath(new URL('../kafka-local.sh', import.meta.url))
const VERSION_PATTERN = /^\d+\.\d+\.\d+$/

/** The jar cache of scripts/kafka-local.sh (KAFKATS_KAFKA_CACHE, default ~/.cache/kafkats/kafka). */
export function kafkaCacheRoot(): string {
  return process.env.KAFKATS_KAFKA_CACHE ?? join(homedir(), '.cache', 'kafkats', 'kafka')
}

/** The cached kafka-clients jar of `version`, or undefined when that version was never fetched completely. */
export function cachedClientsJar(version: string): string | undefined {
  const lib = join(kafkaCacheRoot(), version, 'lib')
  const jar = join(lib, `kafka-clients-${version}.jar`)
  // `.complete` is written last by the script's fetch, so a half-finished fetch is not used.
  return existsSync(join(lib, '.complete')) && existsSync(jar) ? jar : undefined
}

/**
 * The kafka-clients jar of `version`, fetched with `scripts/kafka-local.sh fetch` when it is not
 * cached (needs Maven and Java, as the integration tier does). Concurrent callers are safe: the
 * script serializes fetches of one version with a lock and the later ones find the jar cached.
 */
export function kafkaClientsJar(version: string = PROTOCOL_KAFKA_VERSION): string {
  const cached = cachedClientsJar(version)
  if (cached !== undefined) return cached
  const fetched = spawnSync('bash', [KAFKA_LOCAL_SCRIPT, 'fetch'], {
    env: { ...process.env, KAFKA_VERSION: version },
    // The script reports progress on stderr; Maven's resolution can take a minute on a first run.
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 20 * 60_000,
  })
  const jar = cachedClientsJar(version)
  if (jar === undefined) {
    const why = fetched.error?.message ?? `exited with ${String(fetched.status ?? fetched.signal)}`
    throw new Error(`could not fetch kafka-clients ${version} with scripts/kafka-local.sh fetch (${why})`)
  }
  return jar
}

/** Every message schema in a kafka-clients jar, sorted by file name so output order is stable. */
export function readSchemasFromJar(jarPath: string): RawSchema[] {
  const jar = new Jar(jarPath)
  const names = jar
    .names()
    .filter((n) => n.startsWith(SCHEMA_PREFIX) && n.endsWith('.json') && !n.slice(SCHEMA_PREFIX.length).includes('/'))
    .sort()
  if (names.length === 0) throw new Error(`${jarPath} holds no ${SCHEMA_PREFIX}*.json schemas`)
  return names.map((n) => parseSchema(n.slice(SCHEMA_PREFIX.length), jar.read(n).toString('utf8')))
}

/**
 * Resolves what the generator was given: nothing (the pinned release), a Kafka version (`4.4.0`),
 * a path to a kafka-clients jar, or a folder of schema files. Returns the jar or folder path.
 */
export function resolveSchemaSource(argument?: string): string {
  if (argument === undefined || argument === '') return kafkaClientsJar()
  if (VERSION_PATTERN.test(argument)) return kafkaClientsJar(argument)
  return resolve(argument)
}

/** Reads the schemas from a jar (`*.jar`) or from a folder of `*.json` files. */
export function readSchemaSource(source: string): RawSchema[] {
  if (source.endsWith('.jar')) return readSchemasFromJar(source)
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new Error(`${source} is neither a kafka-clients jar nor a folder of schema files`)
  }
  return readSchemas(source)
}
