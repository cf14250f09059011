/**
 * Kafka's EndToEndLatency as the Java reference, through the consume benchmark's runner of Kafka's
 * tools (same JVM flags, GNU time for CPU and RSS). It is a ping-pong, not a fixed rate: it sends
 * one record, waits until its consumer (all partitions assigned, no group join) has it, and only
 * then sends the next, and it prints whole-millisecond percentiles.
 */

import { runEndToEndLatency, type JavaContext } from '../consume/java.js'
import type { LatencyJob, LatencyReport } from './job.js'

export type { JavaContext }

export async function runJavaEndToEnd(job: LatencyJob, records: number, ctx: JavaContext): Promise<LatencyReport> {
  const report = await runEndToEndLatency({ mode: 'latency', ...job }, records, ctx)
  const { mode: _mode, ...rest } = report
  return { ...rest, settings: { ...report.settings, acks: '1 (its --producer-acks)', partitions: job.partitions } }
}
