/**
 * The resume bounds the chaos scenarios assert (the must-show of issue 9: a group resumes within
 * the session timeout plus one rebalance).
 *
 * One rebalance: members hear of it within a heartbeat interval, join, sync, look up their
 * committed offsets and fetch; on this two-core machine a replacement process also takes a few
 * seconds to start. Allowed: three heartbeat intervals plus 7 s.
 */

export function oneRebalanceMs(heartbeatIntervalMs: number): number {
  return 3 * heartbeatIntervalMs + 7_000
}

/** The broker-side time before a SIGKILLed broker's leaderships (and group coordinators) move: broker.session.timeout.ms of the local cluster plus the election. */
export const BROKER_FAILOVER_MS = 6_000 + 2_000

/** A member killed: its session expires, then the group rebalances once. */
export function memberKillBoundMs(sessionTimeoutMs: number, heartbeatIntervalMs: number): number {
  return sessionTimeoutMs + oneRebalanceMs(heartbeatIntervalMs)
}

/** The coordinator's broker killed: the coordinator moves, a member's session may run out, one rebalance. */
export function coordinatorKillBoundMs(sessionTimeoutMs: number, heartbeatIntervalMs: number): number {
  return BROKER_FAILOVER_MS + sessionTimeoutMs + oneRebalanceMs(heartbeatIntervalMs)
}
