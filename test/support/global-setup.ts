import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';
import postgres from 'postgres';
import { freePort, startEmbeddedDatabase } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server-level URL for creating per-file databases. */
    adminDatabaseUrl: string;
    /** A migrated database that each test file clones with CREATE DATABASE … TEMPLATE. */
    templateDatabase: string;
    /** Redis for tests, or '' when none can be had. */
    redisUrl: string;
  }
}

interface TestServers {
  adminUrl: string;
  template: string;
  redisUrl: string;
  stop(): Promise<void>;
}

interface SharedServers {
  users: number;
  ready: Promise<TestServers>;
}

// The routes and integration projects both name this setup; their servers are one set, started by
// whichever comes first and stopped when the last one is done.
const SHARED = Symbol.for('hangar-bay.test-servers');
type WithShared = typeof globalThis & { [SHARED]?: SharedServers };

export async function setup(project: TestProject): Promise<void> {
  const global = globalThis as WithShared;
  global[SHARED] ??= { users: 0, ready: startServers() };
  global[SHARED].users += 1;
  const servers = await global[SHARED].ready;
  project.provide('adminDatabaseUrl', servers.adminUrl);
  project.provide('templateDatabase', servers.template);
  project.provide('redisUrl', servers.redisUrl);
}

export async function teardown(): Promise<void> {
  const global = globalThis as WithShared;
  const shared = global[SHARED];
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  delete global[SHARED];
  await (await shared.ready).stop();
}

/**
 * Real PostgreSQL and Redis for every test run: TEST_DATABASE_URL / DATABASE_URL and
 * TEST_REDIS_URL / REDIS_URL when set (CI); otherwise servers of this run's own, so `npm test`
 * passes on a fresh machine and still exercises Redis when `redis-server` is installed.
 */
async function startServers(): Promise<TestServers> {
  const stops: (() => Promise<void>)[] = [];
  let adminUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
  if (adminUrl === '') {
    // A server of its own per run: concurrent runs must not stop each other's database.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-test-postgres-'));
    // As root the server runs as the postgres user, which must be able to reach its data directory.
    chmodSync(dataDir, 0o755);
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(dataDir, 'data') });
    adminUrl = embedded.url;
    stops.push(async () => {
      if (embedded.ownedByThisProcess) await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    console.log(`tests: no TEST_DATABASE_URL/DATABASE_URL, using an embedded PostgreSQL in ${dataDir}`);
  }
  const template = `hb_template_${process.pid}_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  await runMigrations(withDatabase(adminUrl, template));
  stops.unshift(() => dropTestDatabases(adminUrl, template));

  let redisUrl = process.env.TEST_REDIS_URL || process.env.REDIS_URL || '';
  if (redisUrl === '') {
    const privateRedis = await startPrivateRedis();
    if (privateRedis === null) {
      console.log('tests: no TEST_REDIS_URL/REDIS_URL and no redis-server on PATH: Redis-only tests are SKIPPED');
    } else {
      redisUrl = privateRedis.url;
      stops.push(privateRedis.stop);
      console.log(`tests: no TEST_REDIS_URL/REDIS_URL, using a private redis-server at ${redisUrl}`);
    }
  }
  return {
    adminUrl,
    template,
    redisUrl,
    async stop() {
      for (const stop of stops) await stop().catch((error: unknown) => console.error('tests: teardown step failed', error));
    },
  };
}

async function dropTestDatabases(adminUrl: string, template: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const leftovers = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`hb\\_%\\_${process.pid}\\_%`} OR datname = ${template}`;
    for (const { datname } of leftovers) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A throwaway redis-server on a free loopback port, keeping nothing on disk; null when none is installed. */
async function startPrivateRedis(): Promise<{ url: string; stop(): Promise<void> } | null> {
  const port = await freePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return null;
  const url = `redis://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // Refused connections while the server starts are expected; connect() reports them.
  client.on('error', () => {});
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await client.connect();
        await client.ping();
        return { url, stop };
      } catch (error) {
        if (attempt >= 50 || child.exitCode !== null) {
          console.log(`tests: redis-server did not come up on port ${port} (${String(error)})`);
          await stop();
          return null;
        }
        client.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.disconnect();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
