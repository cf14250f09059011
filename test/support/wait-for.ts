/** Waiting on a condition with a deadline: the test suite's replacement for sleeps. */

export interface WaitForOptions {
  timeoutMs?: number
  intervalMs?: number
  /**
   * Says what was awaited; it leads the error thrown at the deadline. A function is called at the
   * deadline, so the message can describe the state then (not when the wait began).
   */
  message?: string | (() => string)
}

/**
 * Polls `condition` until it returns a truthy value (which is returned) or the deadline passes.
 * A throw from `condition` counts as "not yet"; the last one is attached to the timeout error.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 30_000
  const intervalMs = options.intervalMs ?? 250
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  let attempts = 0
  for (;;) {
    attempts++
    try {
      const value = await condition()
      if (value) return value as NonNullable<T>
    } catch (error) {
      lastError = error
    }
    const remaining = deadline - Date.now()
    if (remaining <= 0) break
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)))
  }
  const what = typeof options.message === 'function' ? options.message() : (options.message ?? 'condition')
  const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : ''
  throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms (${attempts} attempts)${detail}`, {
    cause: lastError,
  })
}
