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
}

export function connectDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Ids are int8; Drizzle's bigint "number" mode converts them and the serializer asserts
    // Number.isSafeInteger, so postgres.js keeps its string default here.
    // TimeZone=UTC makes timestamptz text output UTC, which the serializer turns into `…Z` strings.
    connection: { application_name: options.applicationName ?? 'hangar-bay', TimeZone: 'UTC', ...options.connection },
    connect_timeout: 10,
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
