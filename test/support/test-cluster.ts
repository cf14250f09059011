/**
 * A `Cluster` for unit tests against fake brokers and closed ports on 127.0.0.1: short timeouts and
 * backoffs, no idle reaper. Tests override what their scenario depends on.
 */
import { Cluster, type ClusterOptions } from '../../src/cluster/cluster.js'

export function testCluster(options: Partial<ClusterOptions> = {}): Cluster {
  return new Cluster({
    clientId: 'kafkats-unit',
    brokers: ['127.0.0.1:1'],
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 2_000,
    metadataMaxAgeMs: 300_000,
    retryBackoff: { initialMs: 20, maxMs: 50 },
    reconnectBackoffMs: 10,
    reconnectBackoffMaxMs: 50,
    connectionsMaxIdleMs: 0,
    defaultApiTimeoutMs: 300,
    softwareName: 'kafkats-test',
    softwareVersion: '0',
    ...options,
  })
}
