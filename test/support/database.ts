import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { insertTaxonomy } from './fixtures.js';

export interface TestDatabase extends DatabaseHandle {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database of its own for one test file (cloned from the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const template = inject('templateDatabase');
  // The template name carries the runner's pid, so teardown can find leftovers of this run.
  const runTag = template.replace(/^hb_template_/, '');
  const name = `hb_${randomBytes(4).toString('hex')}_${runTag}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const handle = connectDatabase(url, { max: 5 });
  return {
    ...handle,
    url,
    name,
    async drop() {
      await handle.close();
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/**
 * A database of the calling test file's (or describe block's) own: created before its tests, with the
 * taxonomy reference rows when `taxonomy` is set, and dropped after them. `db` throws until created.
 */
export function useTestDatabase(options: { readonly taxonomy?: boolean } = {}): { readonly db: TestDatabase } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    if (options.taxonomy) await insertTaxonomy(db.db);
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get db() {
      if (!db) throw new Error('test database not ready');
      return db;
    },
  };
}

/**
 * Row helpers on the test database `database()` returns at call time (a getter: files create and
 * replace their databases in hooks): every row, the first row, the data generation G, and the number
 * of contracts matching a condition.
 */
export function queryHelpers(database: () => TestDatabase) {
  const q = async <T = Record<string, unknown>>(query: SQL) => [...(await database().db.execute(query))] as T[];
  const one = async <T = Record<string, unknown>>(query: SQL) => (await q<T>(query))[0]!;
  const generation = async () => Number((await one<{ g: string }>(sql`SELECT generation AS g FROM sync_state`)).g);
  const count = async (where: SQL) => Number((await one<{ n: string }>(sql`SELECT count(*) AS n FROM contracts WHERE ${where}`)).n);
  return { q, one, generation, count };
}

/** Holds an ACCESS EXCLUSIVE lock on contracts, so every statement reading it waits. */
export async function lockContracts(url: string): Promise<{ release(): Promise<void> }> {
  const locker = postgres(url, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holding = locker.begin(async (tx) => {
    await tx`LOCK TABLE contracts IN ACCESS EXCLUSIVE MODE`;
    locked();
    await released;
  });
  await isLocked;
  return {
    async release() {
      release();
      await holding;
      await locker.end();
    },
  };
}
