import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server-level URL for creating per-file databases. */
    adminDatabaseUrl: string;
    /** A migrated database that each test file clones with CREATE DATABASE … TEMPLATE. */
    templateDatabase: string;
    /** Redis for tests, or '' when none is configured. */
    redisUrl: string;
  }
}

let embedded: EmbeddedDatabase | null = null;
let dataDir: string | null = null;
let adminUrl = '';
let template = '';

/**
 * Real PostgreSQL for every test run: TEST_DATABASE_URL / DATABASE_URL when set (CI), otherwise
 * an embedded server this setup starts itself, so `npm test` passes on a fresh machine.
 */
export async function setup(project: TestProject): Promise<void> {
  adminUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
  if (adminUrl === '') {
    // A server of its own per run: concurrent runs must not stop each other's database.
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-test-postgres-'));
    // As root the server runs as the postgres user, which must be able to reach its data directory.
    chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedDatabase({ dataDir: path.join(dataDir, 'data') });
    adminUrl = embedded.url;
    console.log(`tests: no TEST_DATABASE_URL/DATABASE_URL, using an embedded PostgreSQL in ${dataDir}`);
  }
  template = `hb_template_${process.pid}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await runMigrations(withDatabase(adminUrl, template));

  const redisUrl = process.env.TEST_REDIS_URL || process.env.REDIS_URL || '';
  if (redisUrl === '') console.log('tests: no TEST_REDIS_URL/REDIS_URL: Redis-only tests are SKIPPED');
  project.provide('adminDatabaseUrl', adminUrl);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', redisUrl);
}

export async function teardown(): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const leftovers = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`hb\\_%\\_${process.pid}\\_%`} OR datname = ${template}`;
    for (const { datname } of leftovers) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  if (embedded?.ownedByThisProcess) await embedded.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
