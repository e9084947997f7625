/**
 * The shared context of the fake ESI's handlers and the reply shape they produce. Handlers build
 * replies; only server.ts writes them to the socket (gzip, error-limit headers, delivery faults).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ErrorLimiter, Recorder } from './accounting.js';
import { httpDate, type FakeClock } from './clock.js';
import type { FaultStore } from './faults.js';
import type { Population } from './population.js';
import type { Rng } from './random.js';
import type { FakeEsiOptions } from './types.js';
import type { Universe } from './universe.js';

export type ResolvedOptions = Required<Omit<FakeEsiOptions, 'faults' | 'startTime'>>;

export interface FakeEnv {
  readonly options: ResolvedOptions;
  readonly clock: FakeClock;
  readonly pop: Population;
  readonly universe: Universe;
  readonly faults: FaultStore;
  readonly recorder: Recorder;
  readonly limiter: ErrorLimiter;
  /** Latency jitter only: it never influences a byte served. */
  readonly jitterRng: Rng;
}

export interface Reply {
  status: number;
  /** Lower-case names; null removes a header the server would add. */
  headers: Record<string, string | null>;
  /** Uncompressed body; null or empty = none. */
  body: Buffer | null;
  /** A cached gzip of the body, when the handler keeps one. */
  gzip?: () => Buffer;
  /** E1: the Expires this answer carries, for the early-poll bookkeeping. */
  expiresMs?: number;
}

export function jsonBody(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string | null> = {}): Reply {
  return { status, headers, body: jsonBody(value) };
}

/** ESI's error shape: `{"error": "..."}`. */
export function errorReply(status: number, message: string, headers: Record<string, string | null> = {}): Reply {
  return jsonReply(status, { error: message }, headers);
}

/** Fast compression: the fake must not be what a benchmark measures (level does not change the JSON). */
export function gzip(body: Buffer): Buffer {
  return gzipSync(body, { level: 1 });
}

/** A quoted body hash, like ESI's ETags. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 56)}"`;
}

/** Cache headers of a cached route: Cache-Control, Expires, Last-Modified (and max-age in that mode). */
export function cacheHeaders(env: FakeEnv, lastModified: number, expires: number): Record<string, string> {
  const maxAge = Math.max(0, Math.floor((expires - env.clock.now()) / 1000));
  return {
    'cache-control': env.options.cacheControl === 'max-age' ? `public, max-age=${maxAge}` : 'public',
    expires: httpDate(expires),
    'last-modified': httpDate(lastModified),
  };
}

/** A 200 JSON reply with an ETag and cache headers. */
export function cachedJson(env: FakeEnv, value: unknown, lastModified: number, expires: number): Reply {
  const body = jsonBody(value);
  return { status: 200, headers: { ...cacheHeaders(env, lastModified, expires), etag: etagOf(body) }, body };
}
