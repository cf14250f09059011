/**
 * Records what a diagnostics TracingChannel publishes, for tests of kafkats' channels: every
 * event with its context, in order. `stop()` unsubscribes (call it after each test).
 */
import { tracingChannel } from 'node:diagnostics_channel'

export type TraceEvent = 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'

export interface TraceRecorder<C extends object> {
  readonly events: Array<{ readonly event: TraceEvent; readonly context: C }>
  /** Contexts of `event`, in order. */
  of(event: TraceEvent): C[]
  /** Contexts that ended (asyncEnd, or `end` of a synchronous trace that failed). */
  ended(): C[]
  stop(): void
}

/** Subscribes to every event of the channel `name`; `onStart` may change the context (add headers). */
export function recordTraces<C extends object>(name: string, onStart: (context: C) => void = () => {}): TraceRecorder<C> {
  const events: Array<{ event: TraceEvent; context: C }> = []
  const on = (event: TraceEvent) => (message: unknown) => {
    events.push({ event, context: message as C })
    if (event === 'start') onStart(message as C)
  }
  const handlers = { start: on('start'), end: on('end'), asyncStart: on('asyncStart'), asyncEnd: on('asyncEnd'), error: on('error') }
  const channel = tracingChannel<unknown, C>(name)
  channel.subscribe(handlers)
  let stopped = false
  return {
    events,
    of: (event) => events.filter((e) => e.event === event).map((e) => e.context),
    ended: () => events.filter((e) => e.event === 'asyncEnd').map((e) => e.context),
    stop: () => {
      if (stopped) return
      stopped = true
      channel.unsubscribe(handlers)
    },
  }
}

/** Waits until `done()` holds, polling each turn of the event loop, for at most `timeoutMs`. */
export async function waitFor(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise<void>((resolve) => setTimeout(resolve, 5))
  }
}
