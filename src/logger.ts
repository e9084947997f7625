import { pino, type Logger } from 'pino';
import type { AppConfig } from './config.js';

/** JSON logs; secrets are redacted wherever they could appear in a logged object. */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'environment'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'hangar-bay', environment: config.environment },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', 'authorization', 'databaseUrl', 'redisUrl', 'metricsToken'],
      censor: '<redacted>',
    },
  });
}

/** What a log line may say about an error: never SQL bind values (Drizzle puts them in its message). */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const query = (error as { query?: unknown }).query;
  if (typeof query === 'string' && 'params' in error) {
    const cause = error.cause instanceof Error ? error.cause : undefined;
    return {
      type: error.name,
      message: cause ? `query failed: ${cause.message}` : 'query failed',
      code: (cause as { code?: string } | undefined)?.code,
      query,
      // Frames only: the stack's head repeats the message, and Drizzle's message lists the bind values.
      stack: (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n'),
      cause_stack: cause?.stack,
    };
  }
  return { type: error.name, message: error.message, stack: error.stack };
}
