/**
 * The embedded PostgreSQL (src/db/embedded.ts): runs from any install location, as root too,
 * keeps a generated password per data directory, and fails in one line without leaving a
 * half-made directory behind.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseError, installedBinaries, runningEmbeddedPort, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';

const isRoot = process.getuid?.() === 0;
const started: EmbeddedDatabase[] = [];
const tempDirs: string[] = [];

function tempDir(prefix: string, mode: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, mode);
  tempDirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof startEmbeddedDatabase>[0]): Promise<EmbeddedDatabase> {
  const database = await startEmbeddedDatabase(options);
  if (database.ownedByThisProcess) started.push(database);
  return database;
}

async function query<T extends object>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function passwordOf(url: string): string {
  return decodeURIComponent(new URL(url).password);
}

afterEach(async () => {
  for (const database of started.splice(0)) await database.stop();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL placement', () => {
  it.skipIf(!isRoot)(
    'as root from a private (0700) directory the postgres user cannot traverse: binaries staged and data relocated, restart keeps the data',
    async () => {
      const base = tempDir('hangar-bay-root-base-', 0o755);
      const clone = tempDir('hangar-bay-private-clone-', 0o700);
      const installed = installedBinaries();
      // The binaries reached through the private directory, as in a clone under /root.
      symlinkSync(installed.dir, path.join(clone, 'native'));
      const configured = path.join(clone, '.data', 'postgres');
      const options = { dataDir: configured, binaries: { dir: path.join(clone, 'native'), version: installed.version }, rootInstallBase: base };

      const first = await start(options);
      expect(first.ownedByThisProcess).toBe(true);
      expect(path.dirname(first.dataDir)).toBe(path.join(base, 'data'));
      expect(lstatSync(configured).isSymbolicLink()).toBe(true);
      expect(existsSync(path.join(base, `postgres-${installed.version}`, 'bin', 'postgres'))).toBe(true);
      const [where] = await query<{ data_directory: string; user: string }>(
        first.url,
        "SELECT current_setting('data_directory') AS data_directory, current_user AS user",
      );
      expect(where).toEqual({ data_directory: first.dataDir, user: 'postgres' });
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      expect(statSync(first.dataDir).uid).toBe(postgresUid);
      expect(statSync(first.dataDir).mode & 0o777).toBe(0o700);
      await query(first.url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');

      await first.stop();
      started.splice(started.indexOf(first), 1);
      expect(runningEmbeddedPort(first.dataDir)).toBeNull();

      const second = await start(options);
      expect(second.dataDir).toBe(first.dataDir);
      expect(passwordOf(second.url)).toBe(passwordOf(first.url));
      expect(await query(second.url, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    },
  );

  it('a generated superuser password per data directory, in a file only its owner can read', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const one = await start({ dataDir: path.join(parent, 'one') });
    const two = await start({ dataDir: path.join(parent, 'two') });
    const file = path.join(one.dataDir, 'hangar-bay.password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(file).uid).toBe(statSync(one.dataDir).uid);
    expect(readFileSync(file, 'utf8').trim()).toBe(passwordOf(one.url));
    expect(passwordOf(one.url)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(passwordOf(two.url)).not.toBe(passwordOf(one.url));
    await expect(query(one.url.replace(encodeURIComponent(passwordOf(one.url)), 'hangar-bay'), 'SELECT 1')).rejects.toThrow(/password authentication failed/);
  });

  it('a second start on a running directory joins it instead of starting another server', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const owner = await start({ dataDir: path.join(parent, 'data') });
    const joined = await start({ dataDir: path.join(parent, 'data') });
    expect(joined.ownedByThisProcess).toBe(false);
    expect(joined.url).toBe(owner.url);
    expect(await query(joined.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('a data directory made with the former constant password is given a generated one', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const dataDir = path.join(parent, 'data');
    const before = await start({ dataDir });
    await query(before.url, "ALTER ROLE postgres PASSWORD 'hangar-bay'");
    await before.stop();
    started.splice(started.indexOf(before), 1);
    rmSync(path.join(dataDir, 'hangar-bay.password'));

    const after = await start({ dataDir });
    expect(passwordOf(after.url)).not.toBe('hangar-bay');
    expect(readFileSync(path.join(dataDir, 'hangar-bay.password'), 'utf8').trim()).toBe(passwordOf(after.url));
    expect(await query(after.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});

describe('embedded PostgreSQL failures: one line with PostgreSQL\'s own words, nothing half-made', () => {
  /**
   * A copy of the real binaries (reachable by the postgres user wherever the clone is) with the
   * given tools replaced by shell scripts.
   */
  function binariesWith(scripts: Record<string, string>): { dir: string; version: string } {
    const dir = path.join(tempDir('hangar-bay-fake-binaries-', 0o755), 'native');
    cpSync(installedBinaries().dir, dir, { recursive: true, verbatimSymlinks: true });
    for (const [tool, script] of Object.entries(scripts)) {
      rmSync(path.join(dir, 'bin', tool));
      writeFileSync(path.join(dir, 'bin', tool), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    }
    return { dir, version: `fake-${path.basename(path.dirname(dir))}` };
  }

  async function failure(promise: Promise<unknown>): Promise<EmbeddedDatabaseError> {
    const error = await promise.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EmbeddedDatabaseError);
    return error as EmbeddedDatabaseError;
  }

  it('initdb failing: its message, the way out, and no data directory left', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const dataDir = path.join(parent, 'data');
    const binaries = binariesWith({ initdb: 'echo "initdb: error: could not create directory: No space left on device" >&2; exit 1' });
    const error = await failure(startEmbeddedDatabase({ dataDir, binaries, rootInstallBase: parent }));
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toContain('initdb: error: could not create directory: No space left on device');
    expect(error.message).toContain('DATABASE_URL');
    expect(error.message).toContain('EMBEDDED_DB_DIR');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the server not starting after a fresh initdb: its last messages, and the new directory removed', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const dataDir = path.join(parent, 'data');
    const binaries = binariesWith({
      pg_ctl: 'echo "LOG:  could not bind IPv4 address \\"127.0.0.1\\": Address already in use"; echo "FATAL:  could not create any TCP/IP sockets" >&2; exit 1',
    });
    const error = await failure(startEmbeddedDatabase({ dataDir, binaries, rootInstallBase: parent }));
    expect(error.message.split('\n')).toHaveLength(1);
    expect(error.message).toContain('FATAL:  could not create any TCP/IP sockets');
    expect(error.message).toContain('could not bind IPv4 address');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an existing data directory that fails to start is reported and left exactly as it was', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const dataDir = path.join(parent, 'data');
    const made = await start({ dataDir });
    await made.stop();
    started.splice(started.indexOf(made), 1);
    const conf = path.join(dataDir, 'postgresql.conf');
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}\nshared_buffers = 'lots'\n`);

    const error = await failure(startEmbeddedDatabase({ dataDir }));
    expect(error.message).toMatch(/invalid value for parameter "shared_buffers": "lots"/);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'hangar-bay.password'))).toBe(true);
  });

  it('a directory that is neither empty nor a PostgreSQL data directory is refused, untouched', async () => {
    const parent = tempDir('hangar-bay-embedded-', 0o755);
    const dataDir = path.join(parent, 'data');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'notes.txt'), 'mine');
    const error = await failure(startEmbeddedDatabase({ dataDir }));
    expect(error.message).toContain('is neither empty nor a PostgreSQL data directory');
    expect(readFileSync(path.join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
  });
});
