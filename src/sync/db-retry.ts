import { StopRun } from './model.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED',
  'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004',
]);

/** Whether `error` (or its cause, as Drizzle wraps driver errors) means the database went away. */
export function isConnectionError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** docs/sync.md §8 "Postgres restart mid-run": a step is retried after 1, 2 and 4 s, then the run fails. */
export const DB_RETRY_DELAYS_MS = [1000, 2000, 4000] as const;

export async function withDbRetry<T>(
  step: () => Promise<T>,
  sleep: (ms: number) => Promise<void>,
  onRetry?: (attempt: number, error: unknown) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await step();
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      const delay = DB_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw new StopRun('database_unavailable', 'failure');
      onRetry?.(attempt + 1, error);
      await sleep(delay);
    }
  }
}
