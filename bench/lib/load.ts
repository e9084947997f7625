/**
 * Load generators: autocannon (programmatic, in this process) against an HTTP server in another
 * process, and a closed-loop async driver for the data floor (the service's SQL without HTTP).
 * Latencies are recorded per response at full resolution (autocannon's own histogram is whole ms).
 */
import autocannon from 'autocannon';
import { cpuSeconds } from './procs.js';

export interface LoadResult {
  /** Completed responses (or floor requests) in the measured window. */
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Milliseconds. */
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
  readonly meanResponseBytes: number | null;
  /** CPU time the server process used per response in the measured window, µs (null: not measured). */
  readonly serverCpuMicrosPerRequest: number | null;
}

export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  summary() {
    return summarize(this.values.subarray(0, this.count));
  }
}

/** Deterministic PRNG (mulberry32), so every run replays the same request sequence. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface HttpLoadOptions {
  /** Origin, e.g. http://127.0.0.1:8123 */
  readonly origin: string;
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** A fixed path, or a function giving the path of every request (called once per request). */
  readonly path: string | (() => string);
  readonly headers?: Record<string, string>;
  /** The server's pid, to charge its CPU time to the measured responses. */
  readonly serverPid?: number;
}

function runAutocannon(options: HttpLoadOptions, seconds: number, record: boolean): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies = new LatencyRecorder();
    let bytes = 0;
    const request: autocannon.Request =
      typeof options.path === 'string'
        ? { method: 'GET', path: options.path }
        : {
            method: 'GET',
            path: '/',
            setupRequest: (req) => ({ ...req, path: (options.path as () => string)() }),
          };
    const started = performance.now();
    const cpuBefore = record && options.serverPid !== undefined ? cpuSeconds(options.serverPid) : null;
    const instance = autocannon(
      {
        url: options.origin,
        connections: options.connections,
        duration: seconds,
        timeout: 30,
        headers: options.headers ?? {},
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsed = (performance.now() - started) / 1000;
        const cpuAfter = cpuBefore !== null ? cpuSeconds(options.serverPid!) : null;
        const summary = latencies.summary();
        const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, Number(stat.count)]));
        resolve({
          requests: summary.n,
          seconds: elapsed,
          rps: summary.n / Math.max(elapsed, 1e-9),
          p50: summary.p50,
          p95: summary.p95,
          p99: summary.p99,
          mean: summary.mean,
          max: summary.max,
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
          meanResponseBytes: summary.n > 0 ? bytes / summary.n : null,
          serverCpuMicrosPerRequest:
            cpuBefore !== null && cpuAfter !== null && summary.n > 0 ? ((cpuAfter - cpuBefore) * 1e6) / summary.n : null,
        });
      },
    );
    if (record) {
      instance.on('response', (_client, _status, resBytes, responseTime) => {
        latencies.add(responseTime);
        bytes += resBytes;
      });
    }
  });
}

/** Warm-up (discarded), then the measured run. */
export async function httpLoad(options: HttpLoadOptions): Promise<LoadResult> {
  if (options.warmupSeconds > 0) await runAutocannon(options, options.warmupSeconds, false);
  return runAutocannon(options, options.seconds, true);
}

export interface FloorLoadOptions {
  readonly connections: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  /** One request's work; `sequence` counts requests across all workers. */
  readonly work: (sequence: number) => Promise<unknown>;
}

async function closedLoop(options: FloorLoadOptions, seconds: number, sequenceStart: { next: number }, record: boolean) {
  const latencies = new LatencyRecorder();
  let errors = 0;
  let firstError: unknown = null;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sequence = sequenceStart.next++;
      const t0 = performance.now();
      try {
        await options.work(sequence);
        if (record) latencies.add(performance.now() - t0);
      } catch (error) {
        errors += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (errors > 0) console.error(`bench: floor errors: ${errors} (first: ${firstError instanceof Error ? firstError.message : String(firstError)})`);
  return { latencies, errors, elapsed };
}

/**
 * `connections` concurrent callers, each issuing its next request as soon as the previous one
 * finished (what autocannon does per connection), for warm-up then the measured window.
 */
export async function floorLoad(options: FloorLoadOptions): Promise<LoadResult> {
  const sequence = { next: 0 };
  if (options.warmupSeconds > 0) await closedLoop(options, options.warmupSeconds, sequence, false);
  const { latencies, errors, elapsed } = await closedLoop(options, options.seconds, sequence, true);
  const summary = latencies.summary();
  return {
    requests: summary.n,
    seconds: elapsed,
    rps: summary.n / Math.max(elapsed, 1e-9),
    p50: summary.p50,
    p95: summary.p95,
    p99: summary.p99,
    mean: summary.mean,
    max: summary.max,
    non2xx: 0,
    errors,
    statusCodes: {},
    meanResponseBytes: null,
    serverCpuMicrosPerRequest: null,
  };
}

/** Latencies in ms (a load window's, or the sequential "cold" probes'). */
export function summarize(values: ArrayLike<number>) {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    n,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    mean: n > 0 ? sum / n : Number.NaN,
    max: n > 0 ? sorted[n - 1]! : Number.NaN,
  };
}
