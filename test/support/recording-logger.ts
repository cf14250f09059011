/** A Logger for tests that keeps every line, with the bindings of its children merged in. */
import type { LogFields, Logger, LogLevel } from '../../src/observability/logger.js'

export interface LogLine {
  readonly level: LogLevel
  readonly fields: LogFields
  readonly message: string
}

export function recordingLogger(lines: LogLine[], bindings: LogFields = {}): Logger {
  const at = (level: LogLevel) => (fields: LogFields, message: string) => {
    lines.push({ level, fields: { ...bindings, ...fields }, message })
  }
  return {
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  }
}
