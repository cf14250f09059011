/**
 * Vitest globalSetup of the integration project.
 *
 * - KAFKA_BROKERS set: tests use that cluster; nothing is started.
 * - Otherwise: the single local node of scripts/kafka-local.sh, taken as a lease for this vitest
 *   process (`single-acquire <pid>`). A node already running is shared only when it is ours: the
 *   script's pid file in its work dir names a live JVM whose command line carries that work dir's
 *   server.properties, and it runs the requested KAFKA_VERSION. Anything else holding 127.0.0.1:9092
 *   makes the start fail instead of running tests against an unknown broker.
 *   At teardown the lease is released; the node stops when no other live test run holds a lease,
 *   unless it was started by hand (`npm run kafka -- single-start`) or KAFKATS_KEEP_KAFKA=1.
 *
 * Tests read the address with `inject('kafkaBootstrap')` or `bootstrap()` (env KAFKATS_BOOTSTRAP).
 */
import type { TestProject } from 'vitest/node'
import { acquireSingle, isSingleRunning, releaseSingle } from './kafka.js'

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

  const alreadyRunning = await isSingleRunning()
  const started = Date.now()
  const address = await acquireSingle()
  console.log(
    alreadyRunning
      ? `[kafka] sharing the running local single node at ${address}`
      : `[kafka] single node up at ${address} in ${Date.now() - started} ms`,
  )
  project.provide('kafkaBootstrap', address)
  process.env.KAFKATS_BOOTSTRAP = address

  return async () => {
    delete process.env.KAFKATS_BOOTSTRAP
    if (process.env.KAFKATS_KEEP_KAFKA === '1') return
    await releaseSingle()
  }
}
