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
