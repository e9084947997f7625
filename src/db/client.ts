import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema>;
/** A Drizzle handle: the database itself or an open transaction. */
export type Executor = Pick<Database, 'select' | 'insert' | 'update' | 'delete' | 'execute'>;

export interface DatabaseHandle {
  readonly db: Database;
  readonly sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /** Extra session settings, e.g. the sync's lock_timeout and statement_timeout. */
  readonly connection?: Record<string, string | number>;
  /** Seconds to wait for a new connection. */
  readonly connectTimeoutSeconds?: number;
}

/**
 * Seconds between failed reconnect attempts. postgres.js' default grows to 20 s for the whole pool,
 * which kept requests failing long after PostgreSQL was back; capped at 1 s, the first request after
 * a restart finds a connection within about a second.
 */
function reconnectBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1);
}

export function connectDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Ids are int8; Drizzle's bigint "number" mode converts them and the serializer asserts
    // Number.isSafeInteger, so postgres.js keeps its string default here.
    // TimeZone=UTC makes timestamptz text output UTC, which the serializer turns into `…Z` strings.
    connection: { application_name: options.applicationName ?? 'hangar-bay', TimeZone: 'UTC', ...options.connection },
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // postgres.js would fetch PostgreSQL's array types on each first connection, from a promise
    // nothing awaits: a connection lost in that moment (an outage) rejected it unhandled, which
    // ends a Node process. Nothing here reads PostgreSQL arrays (ids are bound as array literals,
    // aggregates come back as JSON), so the types are not fetched at all. (postgres.js 3.4's
    // `reserve()` then never hands over a new connection: use `begin()` for one connection.)
    fetch_types: false,
    backoff: reconnectBackoff,
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
