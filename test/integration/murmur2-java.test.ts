/**
 * Cross-checks murmur2 and partitionForKey against the Kafka Java client itself: 1,000 pseudo-random
 * keys go through org.apache.kafka.common.utils.Utils.murmur2 and BuiltInPartitioner.partitionForKey
 * (test/fixtures/java/Murmur2Cli.java, run by `java` as a single-file program) and through ours.
 *
 * kafka-clients is looked up, in order, in $KAFKATS_KAFKA_CLIENTS_CLASSPATH (a Java class path), in the
 * jar cache of scripts/kafka-local.sh ($KAFKATS_KAFKA_CACHE or ~/.cache/kafkats/kafka, <version>/lib),
 * and in the local Maven repository. Without Java or the jar the test is skipped and says why.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { murmur2 } from '../../src/producer/murmur2.js'
import { partitionForKey } from '../../src/producer/partition-for-key.js'
import { kafkaVersion } from '../support/kafka.js'

const CLI = fileURLToPath(new URL('../fixtures/java/Murmur2Cli.java', import.meta.url))
const KEY_COUNT = 1000
const PARTITION_COUNTS = [1, 3, 7, 12, 100, 1000]
const SEED = Number(process.env.KAFKATS_MURMUR2_SEED ?? 0x6b61666b)

const javaAvailable = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0
const classPath = javaAvailable ? findKafkaClients() : undefined
const skipReason = !javaAvailable
  ? 'no `java` on PATH'
  : classPath === undefined
    ? 'no kafka-clients jar (run `npm run kafka -- fetch`, or set KAFKATS_KAFKA_CLIENTS_CLASSPATH)'
    : undefined

if (skipReason !== undefined) console.warn(`murmur2-java: skipped, ${skipReason}`)

describe.skipIf(skipReason !== undefined)(`murmur2 against the Java client${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it(`agrees with Utils.murmur2 and BuiltInPartitioner on ${KEY_COUNT} random keys (seed ${SEED})`, async () => {
    const keys = randomKeys(SEED, KEY_COUNT)
    expect(new Set(keys.map((k) => k.length % 4))).toEqual(new Set([0, 1, 2, 3]))

    const input = keys.map((k) => Buffer.from(k).toString('hex')).join('\n') + '\n'
    const lines = (await runJava(classPath!, input)).trimEnd().split('\n')
    expect(lines).toHaveLength(keys.length)

    const mismatches: string[] = []
    keys.forEach((key, i) => {
      const ours = [murmur2(key), ...PARTITION_COUNTS.map((n) => partitionForKey(key, n))].join(' ')
      if (ours !== lines[i]) mismatches.push(`key ${Buffer.from(key).toString('hex')}: java ${lines[i]}, ours ${ours}`)
    })
    expect(mismatches.slice(0, 10), `${mismatches.length} of ${keys.length} keys differ (seed ${SEED})`).toEqual([])
  })
})

/** The class path for kafka-clients (plus slf4j-api, which Utils loads), or undefined. */
function findKafkaClients(): string | undefined {
  const explicit = process.env.KAFKATS_KAFKA_CLIENTS_CLASSPATH
  if (explicit) return explicit

  const cacheRoot = process.env.KAFKATS_KAFKA_CACHE ?? join(homedir(), '.cache', 'kafkats', 'kafka')
  const preferred = kafkaVersion()
  const cachedVersions = listDir(cacheRoot).sort((a, b) => Number(b === preferred) - Number(a === preferred))
  for (const version of cachedVersions) {
    const lib = join(cacheRoot, version, 'lib')
    if (listDir(lib).some((f) => /^kafka-clients-.*\.jar$/.test(f))) return join(lib, '*')
  }

  const m2 = join(homedir(), '.m2', 'repository')
  const clients = newestJar(join(m2, 'org', 'apache', 'kafka', 'kafka-clients'), 'kafka-clients')
  if (clients === undefined) return undefined
  const slf4j = newestJar(join(m2, 'org', 'slf4j', 'slf4j-api'), 'slf4j-api')
  return slf4j === undefined ? clients : [clients, slf4j].join(delimiter)
}

function newestJar(artifactDir: string, artifact: string): string | undefined {
  const versions = listDir(artifactDir).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
  for (const version of versions) {
    const jar = join(artifactDir, version, `${artifact}-${version}.jar`)
    if (existsSync(jar)) return jar
  }
  return undefined
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

function runJava(cp: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', cp, CLI, ...PARTITION_COUNTS.map(String)]
    const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 90_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`Murmur2Cli exited with ${code}: ${stderr}`))
    })
    child.stdin.end(input)
  })
}

/** Deterministic keys: raw bytes of every length 0..80, some longer, and UTF-8 text with multi-byte characters. */
function randomKeys(seed: number, count: number): Uint8Array[] {
  const next = mulberry32(seed)
  const int = (below: number): number => Math.floor(next() * below)
  const keys: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2) {
      const chars: number[] = []
      for (let n = int(24); n > 0; n--) chars.push(pickCodePoint(int))
      keys.push(new TextEncoder().encode(String.fromCodePoint(...chars)))
    } else {
      const length = i % 50 === 0 ? 100 + int(400) : int(81)
      const key = new Uint8Array(length)
      for (let j = 0; j < length; j++) key[j] = int(256)
      keys.push(key)
    }
  }
  return keys
}

function pickCodePoint(int: (below: number) => number): number {
  switch (int(4)) {
    case 0:
      return 0x20 + int(0x5f) // ASCII
    case 1:
      return 0xa0 + int(0x700) // 2-byte UTF-8
    case 2:
      return 0x3040 + int(0x6000) // 3-byte UTF-8 (kana, CJK)
    default:
      return 0x1f300 + int(0x300) // 4-byte UTF-8 (emoji)
  }
}

// Small seeded PRNG so a failure can be reproduced with KAFKATS_MURMUR2_SEED.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
