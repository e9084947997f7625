/**
 * Where the embedded PostgreSQL's binaries and data live, so that the account the server runs as
 * can reach them. PostgreSQL refuses to run as root, so a root process runs it as the `postgres`
 * system user, which cannot traverse a private directory such as `/root` or a `mktemp -d` clone:
 * there the binaries are staged, and the data directory placed, under a shared base instead
 * (ROOT_INSTALL_BASE unless a test gives its own).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** Persistent home of a root install's server binaries and relocated data directories. */
export const ROOT_INSTALL_BASE = '/var/lib/hangar-bay';
const SERVER_USER = 'postgres';

export interface ServerAccount {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
}

/** A problem the operator has to fix; reported in one line by the caller. */
export class PlacementError extends Error {}

function run(command: string, args: string[], options: { uid?: number; gid?: number } = {}): { ok: boolean; out: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { ok: result.status === 0, out: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error?.message ?? ''}`.trim() };
}

/** The account the server runs as: none for a normal user, the `postgres` user (created if missing) for root. */
export function serverAccount(): ServerAccount | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = () => {
    const uid = run('id', ['-u', SERVER_USER]);
    const gid = run('id', ['-g', SERVER_USER]);
    return uid.ok && gid.ok ? { user: SERVER_USER, uid: Number(uid.out), gid: Number(gid.out) } : null;
  };
  const existing = lookup();
  if (existing) return existing;
  const groupExists = run('getent', ['group', SERVER_USER]).ok;
  const created = run('useradd', [
    '--system',
    ...(groupExists ? ['--gid', SERVER_USER] : ['--user-group']),
    '--no-create-home',
    '--home-dir', '/nonexistent',
    '--shell', '/usr/sbin/nologin',
    SERVER_USER,
  ]);
  const account = lookup();
  if (!account) {
    throw new PlacementError(`PostgreSQL cannot run as root and the "${SERVER_USER}" system user could not be created (${created.out || 'useradd failed'})`);
  }
  return account;
}

/** Whether `account` can search (traverse) `target`, which implies every directory above it. */
export function reachableBy(account: ServerAccount, target: string): boolean {
  // /bin/sh rather than process.execPath: Node itself may live in a private directory (nvm under /root).
  return run('/bin/sh', ['-c', 'test -x "$1"', 'sh', target], { uid: account.uid, gid: account.gid }).ok;
}

/**
 * The server binaries' directory (holding bin/, lib/, share/) as the server account can run them:
 * `sourceDir` itself when reachable, else a copy under ROOT_INSTALL_BASE, made once per version
 * and published with a rename so that a crash mid-copy never leaves a partial tree in use.
 */
export function stageBinaries(sourceDir: string, version: string, account: ServerAccount | null, base = ROOT_INSTALL_BASE): string {
  if (account === null || reachableBy(account, path.join(sourceDir, 'bin', 'postgres'))) return sourceDir;
  const staged = path.join(base, `postgres-${version}`);
  if (existsSync(path.join(staged, 'bin', 'postgres'))) return staged;
  ensureSharedDirectory(base);
  const partial = `${staged}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  // The real directory, not a link to it (a link would be copied as the same unreachable link);
  // verbatimSymlinks: lib/ holds relative soname links that must stay relative in the copy.
  cpSync(realpathSync(sourceDir), partial, { recursive: true, verbatimSymlinks: true });
  try {
    renameSync(partial, staged);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    // Another process published the same version first: its copy is as good as ours.
    if (!existsSync(path.join(staged, 'bin', 'postgres'))) throw error;
  }
  return staged;
}

export interface DataPlacement {
  /** Where the server keeps its files: the configured directory, or its relocated target. */
  readonly dataDir: string;
  /** A symlink this call created at the configured path (pointing at `dataDir`), to remove on a failed first start. */
  readonly createdLink: string | null;
}

/**
 * The data directory as the server account can use it. For root, a configured directory that
 * the server account cannot reach is relocated under ROOT_INSTALL_BASE/data, and the configured
 * path becomes a symlink to it, so the operator still finds the data where they asked for it and
 * every later start (and `db:seed` joining a running server) resolves to the same place.
 */
export function placeDataDirectory(configured: string, account: ServerAccount | null, base = ROOT_INSTALL_BASE): DataPlacement {
  const resolved = existsSync(configured) ? realpathSync(configured) : configured;
  if (account === null) {
    mkdirSync(path.dirname(resolved), { recursive: true });
    return { dataDir: resolved, createdLink: null };
  }
  const parent = path.dirname(resolved);
  mkdirSync(parent, { recursive: true });
  if (reachableBy(account, parent)) return { dataDir: resolved, createdLink: null };
  if (isDanglingSymlink(configured)) {
    throw new PlacementError(`${configured} is a symlink to ${readlinkSync(configured)}, which does not exist; remove the link or restore its target`);
  }
  // An empty directory is what an earlier failed first start left behind: nothing to keep.
  if (existsSync(configured) && readdirSync(configured).length === 0) rmSync(configured, { recursive: true });
  if (existsSync(configured)) {
    throw new PlacementError(`the "${account.user}" user cannot reach the existing data directory ${resolved}; move it to a directory that user can traverse and set EMBEDDED_DB_DIR there`);
  }
  const digest = createHash('sha256').update(resolved).digest('hex').slice(0, 12);
  const target = path.join(base, 'data', `${path.basename(resolved)}-${digest}`);
  ensureSharedDirectory(base);
  ensureSharedDirectory(path.dirname(target));
  symlinkSync(target, configured, 'dir');
  return { dataDir: target, createdLink: configured };
}

function isDanglingSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink() && !existsSync(file);
  } catch {
    return false;
  }
}

/** Root-owned, world-traversable (0755): the server account may enter but not alter it. */
function ensureSharedDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
}

/** A data directory for `account` to own, mode 0700 as PostgreSQL requires. */
export function createOwnedDirectory(dir: string, account: ServerAccount | null): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dir, account.uid, account.gid);
}

/**
 * A private scratch directory the server account owns, beside `dataDir` (whose parent that account
 * can reach by construction; the system temporary directory may be private too).
 */
export function privateScratchDirectory(dataDir: string, account: ServerAccount | null): string {
  const dir = `${dataDir}.initdb-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  createOwnedDirectory(dir, account);
  return dir;
}
