/**
 * The PostgreSQL server the benchmark uses: TEST_DATABASE_URL / DATABASE_URL when set (scratch
 * databases `hb_bench_<pid>_<label>` are created on it and dropped afterwards), else an embedded
 * server (src/db/embedded.ts) in a temporary directory, stopped and removed at the end.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { runMigrations } from '../../src/db/migrate.js';
import { onCleanup, onExitKill } from './procs.js';

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export interface DatabaseServer {
  readonly kind: 'external' | 'embedded';
  readonly adminUrl: string;
  /** Server version string (`SHOW server_version`). */
  readonly version: string;
  /** A fresh, migrated database; dropped by `drop()` or at cleanup. */
  createDatabase(label: string): Promise<ScratchDatabase>;
  stop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(adminUrl: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function startDatabaseServer(log: (line: string) => void): Promise<DatabaseServer> {
  const external = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
  let adminUrl = external;
  let stopServer: () => Promise<void> = async () => {};
  if (external === '') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-bench-postgres-'));
    // As root the server runs as the postgres user, which must be able to reach its data directory.
    chmodSync(dir, 0o755);
    const dataDir = path.join(dir, 'data');
    const started = performance.now();
    const embedded = await startEmbeddedDatabase({ dataDir });
    log(`embedded PostgreSQL in ${dir} (${Math.round(performance.now() - started)} ms)`);
    adminUrl = embedded.url;
    const unregisterKill = onExitKill(() => {
      // The process is exiting without the async cleanup: stop the postmaster (fast shutdown).
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
    });
    stopServer = async () => {
      unregisterKill();
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    log('using the PostgreSQL server of TEST_DATABASE_URL / DATABASE_URL (scratch databases only)');
  }
  const unregisterStop = onCleanup('stop database server', () => stopServer());
  const version = await admin(adminUrl, async (sql) => (await sql<{ server_version: string }[]>`SHOW server_version`)[0]!.server_version);
  const created = new Set<string>();

  const dropDatabase = async (name: string) => {
    await admin(adminUrl, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    created.delete(name);
  };
  const unregisterDrops = onCleanup('drop scratch databases', async () => {
    for (const name of [...created]) await dropDatabase(name);
  });

  return {
    kind: external === '' ? 'embedded' : 'external',
    adminUrl,
    version,
    async createDatabase(label) {
      const name = `hb_bench_${process.pid}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await admin(adminUrl, async (sql) => {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await sql.unsafe(`CREATE DATABASE ${name}`);
      });
      created.add(name);
      const url = withDatabase(adminUrl, name);
      await runMigrations(url);
      return { name, url, drop: () => dropDatabase(name) };
    },
    async stop() {
      unregisterDrops();
      for (const name of [...created]) await dropDatabase(name);
      unregisterStop();
      await stopServer();
    },
  };
}
