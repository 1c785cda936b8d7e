/**
 * Levelled logger for kernel-lib. Library code never prints directly: it logs here,
 * and applications choose the level or replace the sink.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogSink = (level: Exclude<LogLevel, 'silent'>, message: string) => void;

const defaultSink: LogSink = (level, message) => {
  process.stderr.write(`[medsynth ${level}] ${message}\n`);
};

let currentLevel: LogLevel = parseLevel(process.env.MEDSYNTH_LOG_LEVEL) ?? 'info';
let sink: LogSink = defaultSink;
const warnedKeys = new Set<string>();

function parseLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined || value === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new Error(`MEDSYNTH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
}

export function setLogLevel(level: LogLevel): void {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`setLogLevel: level must be one of ${LOG_LEVELS.join(', ')}, got '${level}'`);
  }
  currentLevel = level;
}

/** Replaces the sink; returns the previous one so tests can restore it. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

function emit(level: Exclude<LogLevel, 'silent'>, message: string): void {
  if (LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(currentLevel)) return;
  sink(level, message);
}

export const log = {
  debug: (message: string) => emit('debug', message),
  info: (message: string) => emit('info', message),
  warn: (message: string) => emit('warn', message),
  error: (message: string) => emit('error', message),
  /** Logs a warning once per `key` for the life of the process. */
  warnOnce: (key: string, message: string) => {
    if (warnedKeys.has(key)) return;
    warnedKeys.add(key);
    emit('warn', message);
  },
};
