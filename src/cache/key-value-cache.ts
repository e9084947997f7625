import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

/**
 * The disposable store behind the API's result cache and the ESI client's page cache (docs/sync.md §1 I7):
 * Redis when REDIS_URL is set, otherwise a bounded in-process LRU. Callers treat every failure as
 * a miss; nothing may depend on an entry being there.
 */
export interface KeyValueCache {
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer, ttlSeconds: number): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /** Throws when the backing store cannot be reached (readiness probe). */
  ping(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createMemoryCache(maxBytes = 64 * 1024 * 1024): KeyValueCache {
  const lru = new LRUCache<string, Buffer>({
    maxSize: maxBytes,
    sizeCalculation: (value, key) => value.length + key.length,
    ttlAutopurge: false,
  });
  return {
    async get(key) {
      return lru.get(key) ?? null;
    },
    async set(key, value, ttlSeconds) {
      lru.set(key, value, { ttl: ttlSeconds * 1000 });
    },
    async del(keys) {
      for (const key of keys) lru.delete(key);
    },
    async ping() {},
    async close() {
      lru.clear();
    },
  };
}

export interface RedisCacheOptions {
  /** Called on connection errors; ioredis reconnects by itself. */
  onError?: (error: Error) => void;
}

export function createRedisClient(url: string, options: RedisCacheOptions = {}): Redis {
  const client = new Redis(url, {
    // docs/sync.md §7: a command timeout ≤ 500 ms and no offline queue, so an outage fails fast and the
    // API falls back to Postgres instead of queueing requests behind a dead connection.
    commandTimeout: 500,
    // A Redis that accepts connections but never answers: commandTimeout rejects the caller, but the
    // command would stay queued on the socket; a silent socket is dropped instead, so memory stays bounded.
    socketTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  client.on('error', (error: Error) => options.onError?.(error));
  return client;
}

export function createRedisCache(client: Redis): KeyValueCache {
  return {
    async get(key) {
      if (client.status !== 'ready') throw new Error(`redis not ready (${client.status})`);
      return client.getBuffer(key);
    },
    async set(key, value, ttlSeconds) {
      // Fire-and-forget writes are dropped, not queued, while the connection is not ready.
      if (client.status !== 'ready') return;
      await client.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    async del(keys) {
      if (keys.length > 0) await client.del(...keys);
    },
    async ping(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      if (client.status !== 'ready') {
        // One reconnect attempt within the probe's budget (docs/api.md §11.3).
        if (client.status === 'end' || client.status === 'close') client.connect().catch(() => {});
        await withDeadline(timeoutMs, 'redis not ready', (done) => {
          client.once('ready', done);
          return () => client.removeListener('ready', done);
        });
      }
      await withDeadline(Math.max(1, deadline - Date.now()), 'redis ping timeout', (done, fail) => {
        client.ping().then(() => done(), fail);
        return () => {};
      });
    },
    async close() {
      client.disconnect();
    },
  };
}

/**
 * Waits for `subscribe`'s callback, at most `timeoutMs`; whichever way it ends, the listener and
 * the timer are removed, so a probe repeated during an outage leaves nothing behind.
 */
function withDeadline(
  timeoutMs: number,
  message: string,
  subscribe: (done: () => void, fail: (error: unknown) => void) => () => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let unsubscribe: () => void = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(message));
    }, timeoutMs);
    unsubscribe = subscribe(
      () => {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      },
      (error) => {
        clearTimeout(timer);
        unsubscribe();
        reject(error);
      },
    );
  });
}
