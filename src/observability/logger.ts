/**
 * Logging: kafkats writes what Java's client writes at INFO and WARN (connections opened and lost,
 * rebalances, fencing, retries worth knowing about, authentication failures) to a logger the
 * application gives, and nothing by default.
 *
 * The shape is pino's (`logger.info(fields, message)`, `logger.child(bindings)`), so a pino, bunyan
 * or winston-child-compatible logger plugs in as it is; {@link consoleLogger} is a ready one for
 * quick use. kafkats never logs per record or in hot loops, and never logs credentials.
 */

/** Severity, lowest first. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error'

/** Structured fields of one log line (broker, group id, partitions …). */
export type LogFields = Readonly<Record<string, unknown>>

/** What kafkats logs to. Each method takes the fields first, then the message, as pino does. */
export interface Logger {
  trace(fields: LogFields, message: string): void
  debug(fields: LogFields, message: string): void
  info(fields: LogFields, message: string): void
  warn(fields: LogFields, message: string): void
  error(fields: LogFields, message: string): void
  /** A logger whose lines carry `bindings` too (kafkats binds clientId, role, broker, group id). */
  child(bindings: LogFields): Logger
}

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error']

const ignore = (): void => {}

/** Logs nothing: the default. */
export const silentLogger: Logger = {
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
}

export interface ConsoleLoggerOptions {
  /** Lines below this level are dropped; `'silent'` drops all. Default `'info'`. */
  readonly level?: LogLevel | 'silent'
  /** Where a line goes. Default: `process.stderr`. */
  readonly write?: (line: string) => void
  /** `'text'` (default): `time LEVEL message key=value …`; `'json'`: one JSON object per line. */
  readonly format?: 'text' | 'json'
}

/**
 * A logger for quick use: `new Kafka({ brokers, logger: consoleLogger({ level: 'debug' }) })`.
 * Errors among the fields are written as `name: message`; bigints as their digits.
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const level = options.level ?? 'info'
  const threshold = level === 'silent' ? LOG_LEVELS.length : LOG_LEVELS.indexOf(level)
  const write = options.write ?? ((line: string) => void process.stderr.write(line))
  const format = options.format ?? 'text'
  const make = (bindings: LogFields): Logger => {
    const at = (lineLevel: LogLevel) => {
      if (LOG_LEVELS.indexOf(lineLevel) < threshold) return ignore
      return (fields: LogFields, message: string) => write(formatLine(format, lineLevel, { ...bindings, ...fields }, message))
    }
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    }
  }
  return make({})
}

function formatLine(format: 'text' | 'json', level: LogLevel, fields: LogFields, message: string): string {
  const time = new Date().toISOString()
  const plain: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) plain[key] = plainValue(value)
  if (format === 'json') return `${JSON.stringify({ time, level, msg: message, ...plain }, bigintAsString)}\n`
  const pairs = Object.entries(plain).map(([key, value]) => `${key}=${textValue(value)}`)
  return `${time} ${level.toUpperCase().padEnd(5)} ${message}${pairs.length > 0 ? ` ${pairs.join(' ')}` : ''}\n`
}

function plainValue(value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value
}

function textValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'bigint') return value.toString()
  return JSON.stringify(value, bigintAsString) ?? String(value)
}

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/** Is `value` a {@link Logger}: every level method and `child`? */
export function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return [...LOG_LEVELS, 'child'].every((name) => typeof candidate[name] === 'function')
}
