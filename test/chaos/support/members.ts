/**
 * Group members as separate processes, so that SIGKILL is a real crash: kafkats members
 * (./kafkats-member.ts under tsx) and Java members (Kafka's VerifiableConsumer from the broker's
 * jars, with ./java/HoldingRangeAssignor on the classpath). Both feed a {@link GroupObserver}.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { runCommand, runKafkaScript } from '../../support/kafka.js'
import type { GroupObserver } from './group-observer.js'
import type { KafkatsMemberConfig } from './kafkats-member.js'

export type ClientKind = 'kafkats' | 'java'

export interface GroupSettings {
  bootstrap: string
  topic: string
  groupId: string
  groupProtocol: 'classic' | 'consumer'
  /** Classic only; KIP-848 groups take the broker's (10 s on the local cluster). */
  sessionTimeoutMs: number
  heartbeatIntervalMs: number
  maxPollIntervalMs: number
  /** While this file exists, the group leader's assignor waits (see kafkats-member.ts). */
  holdFile?: string
}

const KAFKATS_MEMBER = fileURLToPath(new URL('./kafkats-member.ts', import.meta.url))
const JAVA_ASSIGNOR = fileURLToPath(new URL('./java/HoldingRangeAssignor.java', import.meta.url))
const WORK = join(tmpdir(), `kafkats-chaos-java-${process.getuid?.() ?? 0}`)

/** One member process. */
export class MemberProcess {
  readonly name: string
  readonly kind: ClientKind
  readonly #child: ChildProcess
  readonly #exited: Promise<void>
  readonly stderr: string[] = []
  #alive = true

  constructor(name: string, kind: ClientKind, child: ChildProcess, observer: GroupObserver) {
    this.name = name
    this.kind = kind
    this.#child = child
    observer.add(name)
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()))
    child.once('exit', () => {
      this.#alive = false
      observer.died(name)
    })
    // KAFKATS_CHAOS_STDERR_DIR keeps each member's whole stderr in <dir>/<name>.stderr for a post-mortem.
    const stderrDir = process.env.KAFKATS_CHAOS_STDERR_DIR
    child.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 200) this.stderr.push(chunk.toString())
      if (stderrDir !== undefined) appendFileSync(join(stderrDir, `${name}.stderr`), chunk)
    })
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
    lines.on('line', kind === 'kafkats' ? (line) => kafkatsLine(observer, name, line) : (line) => javaLine(observer, name, line))
  }

  get alive(): boolean {
    return this.#alive
  }

  get pid(): number | undefined {
    return this.#child.pid
  }

  /** SIGKILL: no LeaveGroup, no last commit, sockets reset by the kernel. */
  async kill(): Promise<void> {
    if (!this.#alive) return
    this.#child.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM (the member leaves its group), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.#alive) return
    this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs)
    await this.#exited
    clearTimeout(timer)
  }
}

function kafkatsLine(observer: GroupObserver, name: string, line: string): void {
  if (line.startsWith('r ')) {
    const [, p, from, to] = line.split(' ')
    observer.received(name, Number(p), Number(from), Number(to ?? from))
    return
  }
  if (!line.startsWith('{')) return
  const event = JSON.parse(line) as { ev: string; partitions?: number[]; name?: string; message?: string }
  if (event.ev === 'assigned') observer.assigned(name, event.partitions ?? [])
  else if (event.ev === 'revoked' || event.ev === 'lost') observer.revoked(name, event.partitions ?? [])
  else if (event.ev === 'error') observer.error(name, `${event.name}: ${event.message}`)
}

interface JavaEvent {
  name: string
  partitions?: Array<{ topic: string; partition: number; count?: number; minOffset?: number; maxOffset?: number }>
}

function javaLine(observer: GroupObserver, name: string, line: string): void {
  if (!line.startsWith('{')) return
  let event: JavaEvent
  try {
    event = JSON.parse(line) as JavaEvent
  } catch {
    return
  }
  const partitions = (event.partitions ?? []).map((p) => p.partition)
  switch (event.name) {
    case 'partitions_assigned':
      observer.assigned(name, partitions)
      break
    case 'partitions_revoked':
    case 'partitions_lost':
      observer.revoked(name, partitions)
      break
    case 'records_consumed':
      for (const p of event.partitions ?? []) {
        if (p.minOffset !== undefined && p.maxOffset !== undefined) observer.received(name, p.partition, p.minOffset, p.maxOffset)
      }
      break
  }
}

/** Starts a kafkats member process. */
export function spawnKafkatsMember(name: string, settings: GroupSettings, observer: GroupObserver): MemberProcess {
  const config: KafkatsMemberConfig = { ...settings, clientId: name, holdMaxMs: 20_000 }
  const child = spawn(process.execPath, ['--import', 'tsx', KAFKATS_MEMBER], {
    env: { ...process.env, KAFKATS_CHAOS_MEMBER: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new MemberProcess(name, 'kafkats', child, observer)
}

let javaSetup: Promise<{ classpath: string; log4j: string }> | undefined

/** Compiles the holding assignor against the broker's jars (once) and returns the classpath. */
function prepareJava(): Promise<{ classpath: string; log4j: string }> {
  javaSetup ??= (async () => {
    const lib = (await runKafkaScript(['classpath'], { timeoutMs: 600_000 })).stdout.trim().split('\n').pop() ?? ''
    if (!lib.endsWith('*')) throw new Error(`kafka-local.sh classpath printed ${lib}`)
    mkdirSync(WORK, { recursive: true })
    const compiled = join(WORK, 'HoldingRangeAssignor.class')
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(JAVA_ASSIGNOR).mtimeMs) {
      const javac = await runCommand('javac', ['-nowarn', '-cp', lib, '-d', WORK, JAVA_ASSIGNOR], { timeoutMs: 120_000 })
      if (javac.code !== 0) throw new Error(`javac HoldingRangeAssignor failed: ${javac.stderr}`)
    }
    const log4j = join(WORK, 'log4j2.xml')
    writeFileSync(
      log4j,
      '<Configuration status="WARN"><Appenders><Console name="E" target="SYSTEM_ERR"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>' +
        '<Loggers><Root level="WARN"><AppenderRef ref="E"/></Root></Loggers></Configuration>\n',
    )
    return { classpath: `${lib}:${WORK}`, log4j }
  })()
  return javaSetup
}

/** Starts Kafka's VerifiableConsumer (the Java client) as a member with the same settings. */
export async function spawnJavaMember(name: string, settings: GroupSettings, observer: GroupObserver): Promise<MemberProcess> {
  const { classpath, log4j } = await prepareJava()
  const config = join(WORK, `${name}-${settings.groupId}.properties`)
  const props = [`client.id=${name}`, `max.poll.interval.ms=${settings.maxPollIntervalMs}`]
  if (settings.groupProtocol === 'classic') props.push(`heartbeat.interval.ms=${settings.heartbeatIntervalMs}`)
  writeFileSync(config, `${props.join('\n')}\n`)
  const args = [
    '-Xmx256m',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-XX:-UsePerfData',
    `-Dlog4j2.configurationFile=${log4j}`,
    ...(settings.holdFile === undefined ? [] : [`-Dkafkats.holdFile=${settings.holdFile}`, '-Dkafkats.holdMaxMs=20000']),
    '-cp',
    classpath,
    'org.apache.kafka.tools.VerifiableConsumer',
    '--bootstrap-server',
    settings.bootstrap,
    '--topic',
    settings.topic,
    '--group-id',
    settings.groupId,
    '--group-protocol',
    settings.groupProtocol,
    '--reset-policy',
    'earliest',
    '--command-config',
    config,
  ]
  if (settings.groupProtocol === 'classic') {
    args.push('--session-timeout', String(settings.sessionTimeoutMs), '--assignment-strategy', 'HoldingRangeAssignor')
  }
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  return new MemberProcess(name, 'java', child, observer)
}

export function spawnMember(kind: ClientKind, name: string, settings: GroupSettings, observer: GroupObserver): Promise<MemberProcess> {
  return kind === 'kafkats' ? Promise.resolve(spawnKafkatsMember(name, settings, observer)) : spawnJavaMember(name, settings, observer)
}
