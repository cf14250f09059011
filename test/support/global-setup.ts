/**
 * Vitest globalSetup of the integration project.
 *
 * - KAFKA_BROKERS set: tests use that cluster; nothing is started.
 * - Otherwise: the single local node is started with scripts/kafka-local.sh and stopped at teardown.
 *   A node that is already running is reused (and left running) only when it is ours: the script's
 *   pid file in its work dir names a live JVM whose command line carries that work dir's
 *   server.properties, and it runs the requested KAFKA_VERSION. Anything else holding 127.0.0.1:9092
 *   makes the start fail rather than run tests against an unknown broker.
 *   KAFKATS_KEEP_KAFKA=1 leaves a node this setup started running after the tests.
 *
 * Tests read the address with `inject('kafkaBootstrap')` or `bootstrap()` (env KAFKATS_BOOTSTRAP).
 */
import type { TestProject } from 'vitest/node'
import { isSingleRunning, startSingle, stopSingle } from './kafka.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBootstrap: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS
  if (external !== undefined && external !== '') {
    project.provide('kafkaBootstrap', external)
    process.env.KAFKATS_BOOTSTRAP = external
    return async () => {
      delete process.env.KAFKATS_BOOTSTRAP
    }
  }

  const reused = await isSingleRunning()
  const started = Date.now()
  const address = await startSingle()
  if (reused) {
    console.log(`[kafka] reusing the local single node at ${address}`)
  } else {
    console.log(`[kafka] single node up at ${address} in ${Date.now() - started} ms`)
  }
  project.provide('kafkaBootstrap', address)
  process.env.KAFKATS_BOOTSTRAP = address

  return async () => {
    delete process.env.KAFKATS_BOOTSTRAP
    if (reused || process.env.KAFKATS_KEEP_KAFKA === '1') return
    await stopSingle()
  }
}
