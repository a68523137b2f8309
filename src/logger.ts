// Structured JSON logging. Secrets are redacted by path here, so no call site has to remember.
import { type Logger, pino } from 'pino';
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
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
