import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import postgres from 'postgres';

/** One sync run at a time across every replica and the CLI (docs/sync.md §5.7). */
export interface RunLock {
  acquire(): Promise<'acquired' | 'held' | 'unavailable'>;
  /** True once the lock can no longer be trusted; the run must stop at its next safe point. */
  isLost(): boolean;
  release(): Promise<void>;
}

export const REDIS_LOCK_KEY = 'hangar-bay:sync:lock';
const LOCK_TTL_MS = 60_000;
const RENEW_EVERY_MS = 20_000;
const LOST_AFTER_FAILING_MS = 40_000;

const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * A client that is still connecting (just created by a CLI run or at startup, or reconnecting) is
 * not "unreachable" yet: without an offline queue its commands would fail at once.
 */
const READY_WAIT_MS = 2_000;

function whenReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

export interface RedisLockOptions {
  readonly key?: string;
  readonly ttlMs?: number;
  readonly renewEveryMs?: number;
  readonly lostAfterFailingMs?: number;
  readonly onLost?: (reason: string) => void;
}

/**
 * SET NX PX with a random 128-bit token, renewed by compare-and-PEXPIRE and released by
 * compare-and-DEL, so a holder never extends or deletes another holder's lock.
 */
export function createRedisRunLock(redis: Redis, options: RedisLockOptions = {}): RunLock {
  const key = options.key ?? REDIS_LOCK_KEY;
  const ttlMs = options.ttlMs ?? LOCK_TTL_MS;
  const token = randomBytes(16).toString('hex');
  let timer: NodeJS.Timeout | null = null;
  let lost = false;
  let lastRenewedAt = 0;

  const markLost = (reason: string) => {
    if (lost) return;
    lost = true;
    if (timer) clearInterval(timer);
    timer = null;
    options.onLost?.(reason);
  };

  return {
    async acquire() {
      let reply: string | null;
      try {
        await whenReady(redis, READY_WAIT_MS);
        reply = await redis.set(key, token, 'PX', ttlMs, 'NX');
      } catch {
        // Never fall back to another lock: replicas seeing Redis differently would both run.
        return 'unavailable';
      }
      if (reply !== 'OK') return 'held';
      lastRenewedAt = Date.now();
      timer = setInterval(() => {
        redis
          .eval(RENEW_SCRIPT, 1, key, token, String(ttlMs))
          .then((renewed) => {
            if (Number(renewed) === 1) lastRenewedAt = Date.now();
            else markLost('lock key gone or taken by another holder');
          })
          .catch(() => {
            if (Date.now() - lastRenewedAt >= (options.lostAfterFailingMs ?? LOST_AFTER_FAILING_MS)) markLost('renewal failing');
          });
      }, options.renewEveryMs ?? RENEW_EVERY_MS);
      timer.unref();
      return 'acquired';
    },
    isLost: () => lost,
    async release() {
      if (timer) clearInterval(timer);
      timer = null;
      await redis.eval(RELEASE_SCRIPT, 1, key, token).catch(() => {});
    },
  };
}

// A fixed 64-bit key for pg_try_advisory_lock; any constant works as long as every process uses it.
export const ADVISORY_LOCK_KEY = 4_845_112_290_117_751n;
const CONNECTION_CHECK_MS = 5_000;

/**
 * Without Redis: a session-level advisory lock on a dedicated connection held for the whole run;
 * if that connection drops, Postgres frees the lock and the run is told it lost it.
 */
export function createAdvisoryRunLock(databaseUrl: string, options: { onLost?: (reason: string) => void } = {}): RunLock {
  let client: postgres.Sql | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lost = false;
  let backendPid: number | null = null;

  const shutdown = async () => {
    if (timer) clearInterval(timer);
    timer = null;
    const current = client;
    client = null;
    await current?.end({ timeout: 2 }).catch(() => {});
  };

  return {
    async acquire() {
      client = postgres(databaseUrl, { max: 1, idle_timeout: 0, max_lifetime: null, onnotice: () => {}, connection: { application_name: 'hangar-bay-sync-lock' } });
      try {
        const [row] = await client<{ locked: boolean; pid: number }[]>`
          SELECT pg_try_advisory_lock(${ADVISORY_LOCK_KEY.toString()}::bigint) AS locked, pg_backend_pid() AS pid`;
        backendPid = row?.pid ?? null;
        if (!row?.locked) {
          await shutdown();
          return 'held';
        }
      } catch {
        await shutdown();
        return 'unavailable';
      }
      const markLost = () => {
        if (lost) return;
        lost = true;
        options.onLost?.('lock connection lost');
        void shutdown();
      };
      timer = setInterval(() => {
        // The lock lives exactly as long as its backend: a failed probe, or a probe answered by a
        // new backend after a silent reconnect, means it is gone.
        if (!client) return;
        client<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`
          .then(([probe]) => {
            if (probe?.pid !== backendPid) markLost();
          })
          .catch(markLost);
      }, CONNECTION_CHECK_MS);
      timer.unref();
      return 'acquired';
    },
    isLost: () => lost,
    async release() {
      if (client && !lost) await client`SELECT pg_advisory_unlock(${ADVISORY_LOCK_KEY.toString()}::bigint)`.catch(() => {});
      await shutdown();
    },
  };
}

/**
 * Holds every given lock or none, acquired in order: the advisory lock always comes first, so a
 * process with Redis and one without (a worker and a shell's `npm run sync`) still exclude each
 * other; Redis adds a lock that replicas see even when their databases' sessions differ.
 */
export function createRunLocks(locks: readonly RunLock[]): RunLock {
  const held: RunLock[] = [];
  const releaseHeld = async () => {
    for (const lock of held.splice(0).reverse()) await lock.release();
  };
  return {
    async acquire() {
      for (const lock of locks) {
        const result = await lock.acquire();
        if (result !== 'acquired') {
          await releaseHeld();
          return result;
        }
        held.push(lock);
      }
      return 'acquired';
    },
    isLost: () => locks.some((lock) => lock.isLost()),
    release: releaseHeld,
  };
}
