// Structured logging: JSON lines with ISO timestamps and level names (`"level":"info"`), or pretty,
// coloured lines on a terminal. Writes are synchronous so lines keep their order up to
// process.exit. Secrets are redacted by path here, so no call site has to remember.
import { type Logger, pino } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogLevel } from './config.js';

export type { Logger };

export const REDACTED_PATHS = [
  'token',
  '*.token',
  'headers["x-storageapi-token"]',
  'headers.authorization',
  '*.headers["x-storageapi-token"]',
  '*.headers.authorization',
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'SecretAccessKey',
  'SessionToken',
  // Azure and GCS upload credentials (files/prepare on Azure and GCP stacks).
  'absCredentials',
  '*.absCredentials',
  '*.*.absCredentials',
  '*.access_token',
  '*.*.access_token',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/**
 * Where the process logs: pretty, coloured lines when stdout is a terminal (a person reads them),
 * JSON lines otherwise (a log collector reads them). Both synchronous, in the main thread: a
 * worker-thread transport could lose or reorder the last lines before process.exit.
 */
export function createStdoutDestination(
  isTerminal: boolean,
  /** Tests only: where to write instead of stdout. */
  output?: NodeJS.WritableStream,
): pino.DestinationStream {
  if (!isTerminal) return output ?? pino.destination({ dest: 1, sync: true });
  return pinoPretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    ...(output ? { destination: output } : {}),
  });
}
