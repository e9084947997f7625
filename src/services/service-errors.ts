/**
 * The answers for work that could not be done (docs/read-path.md §3–§4): 503s with Retry-After for an
 * overloaded or unavailable database, and 499 for a client that went away. Never a 500 for a
 * dependency that is down.
 */
export class ServiceUnavailableError extends Error {
  readonly statusCode = 503;

  constructor(
    readonly detail: string,
    readonly retryAfterSeconds: number,
    cause?: unknown,
  ) {
    super(detail, { cause });
    this.name = 'ServiceUnavailableError';
  }

  static overloaded(cause?: unknown): ServiceUnavailableError {
    return new ServiceUnavailableError('Service overloaded, retry shortly', 1, cause);
  }

  static databaseDown(cause?: unknown): ServiceUnavailableError {
    return new ServiceUnavailableError('Database unavailable, retry shortly', 5, cause);
  }
}

/** The client closed the connection before its answer was ready (logged and counted as 499). */
export class ClientClosedRequestError extends Error {
  readonly statusCode = 499;

  constructor() {
    super('client closed the request');
    this.name = 'ClientClosedRequestError';
  }
}

// postgres.js connection failures, and SQLSTATE classes 08 (connection exception), 57P0x
// (shutdown, cannot connect now) and 53300 (too many connections).
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
const STATEMENT_TIMEOUT = '57014';

/** The database error behind `error` (Drizzle wraps the driver's as `cause`), mapped to a 503, or null. */
export function unavailableFor(error: unknown): ServiceUnavailableError | null {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof ServiceUnavailableError) return current;
    const code = (current as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (code === STATEMENT_TIMEOUT) return ServiceUnavailableError.overloaded(current);
    if (CONNECTION_CODES.has(code) || code.startsWith('08')) return ServiceUnavailableError.databaseDown(current);
  }
  return null;
}
