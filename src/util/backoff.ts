/**
 * Exponential backoff with jitter, as Kafka's clients use for reconnects and retries:
 * `initialMs * multiplier^attempt`, capped at `maxMs`, then spread by ±`jitter` so that many clients
 * failing together do not retry in lockstep.
 */
export interface BackoffOptions {
  initialMs: number
  maxMs: number
  multiplier?: number
  /** Fraction of the delay to randomise in both directions; 0.2 means ±20 %. */
  jitter?: number
}

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const multiplier = options.multiplier ?? 2
  const jitter = options.jitter ?? 0.2
  if (options.initialMs >= options.maxMs) return options.maxMs
  const exp = Math.min(options.maxMs, options.initialMs * multiplier ** Math.max(0, attempt))
  const spread = exp * jitter * (random() * 2 - 1)
  return Math.max(0, Math.round(Math.min(options.maxMs * (1 + jitter), exp + spread)))
}
