// Structured logs (STYLE.md §10): pino JSON to stderr, one child logger per module.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** The agent's root logger: JSON lines on stderr (fd 2), or on `destination` (tests). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    { level, base: { component: 'kto-agent' }, redact: { paths: ['token', '*.token', 'privateKey'], censor: '[redacted]' } },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
