/**
 * Which records a reader sees of transactional producers' writes (Java `IsolationLevel`):
 * `read_committed` stops at the last stable offset and skips aborted transactions,
 * `read_uncommitted` reads everything up to the high watermark. Shared by the consumer's fetches
 * and the admin's offset lookups.
 */
export type IsolationLevel = 'read_uncommitted' | 'read_committed'

/** The wire value of an isolation level in Fetch and ListOffsets requests. */
export function isolationLevelCode(level: IsolationLevel): number {
  return level === 'read_committed' ? 1 : 0
}
