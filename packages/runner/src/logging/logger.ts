/**
 * Structured JSON logs (pino), pretty on a TTY. Secrets are removed twice: known field names are redacted by
 * pino, and every serialized line is scrubbed of the registered secret values before it is written.
 */
import { REDACTED } from '@tickstock/market-time/redact';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/env.js';
import type { SecretScrubber } from './secrets.js';

export type { Logger };

export interface LoggerOptions {
  level: LogLevel;
  scrubber: SecretScrubber;
  /** Where lines go; default stderr (stdout is for command output such as `--json`). */
  destination?: NodeJS.WritableStream;
  /** Human-readable lines; default: when the destination is a TTY. */
  pretty?: boolean;
  name?: string;
}

const REDACT_PATHS = [
  'apiKey',
  'password',
  'token',
  'authorization',
  '*.apiKey',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * The runner's logger: pino JSON lines on stderr (human-readable on a TTY), fields named like secrets redacted, and
 * every line scrubbed of the secrets registered with `scrubber` before it is written. Library use: give the same
 * logger and scrubber to the runner's classes that take them (`ImportCoordinator`, `Worker`, `ImportScheduler`).
 */
export function createLogger(options: LoggerOptions): Logger {
  const dest = options.destination ?? process.stderr;
  const pretty = options.pretty ?? Boolean((dest as NodeJS.WriteStream).isTTY);
  let sink: NodeJS.WritableStream = dest;
  if (pretty) {
    // pino-pretty as a synchronous stream (no worker thread), writing to the real destination.
    const { default: pinoPretty } = require_('pino-pretty') as { default: (o: object) => NodeJS.WritableStream };
    sink = pinoPretty({ destination: dest, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true });
  }
  const scrubbing = {
    write(line: string) {
      sink.write(options.scrubber.scrub(line));
    },
  };
  return pino(
    {
      name: options.name ?? 'tickstock',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    scrubbing,
  );
}

import { createRequire } from 'node:module';

const require_ = createRequire(import.meta.url);
