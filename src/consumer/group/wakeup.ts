/**
 * A wake-up call for a background loop: the loop sleeps until something asks it to look again or a
 * deadline passes. Calls made while the loop is awake are not lost: the next sleep returns at once.
 */
export class Wakeup {
  #pending = false
  #resolve: (() => void) | undefined

  /** Wakes the sleeper, or makes the next sleep return at once. */
  notify(): void {
    if (this.#resolve !== undefined) {
      const resolve = this.#resolve
      this.#resolve = undefined
      resolve()
    } else {
      this.#pending = true
    }
  }

  /** Sleeps until {@link notify} or `timeoutMs` (forever when omitted). */
  sleep(timeoutMs?: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      this.#resolve = () => {
        if (timer !== undefined) clearTimeout(timer)
        resolve()
      }
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#resolve = undefined
          resolve()
        }, Math.max(0, timeoutMs))
      }
    })
  }
}
