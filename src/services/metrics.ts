import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CachedRoute, CacheResult } from './contract-read.service.js';

export interface ScrapeTimeSources {
  /** The newest generation the process knows of (no database read at scrape time). */
  generation(): number | null;
  /** Unix seconds of the newest successful or partial run, read on the probe connection (bounded by its timeouts). */
  lastIngestSuccess(): Promise<number | null>;
}

/**
 * One Prometheus registry per app instance (tests build many), holding the HTTP metrics of
 * docs/api.md §11.4. Gauges backed by Postgres are read at scrape time so API-only replicas report them.
 */
export function createMetrics(sources: ScrapeTimeSources) {
  const registry = new Registry();
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by canonical route template, method and status.',
    labelNames: ['handler', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by canonical route template and method.',
    labelNames: ['handler', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const inProgress = new Gauge({
    name: 'hangar_bay_requests_inprogress',
    help: 'HTTP requests being served.',
    labelNames: ['handler', 'method'] as const,
    registers: [registry],
  });
  const responseCache = new Counter({
    name: 'hangar_bay_response_cache_total',
    help: 'API result-cache lookups by route and result.',
    labelNames: ['route', 'result'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'hangar_bay_data_generation',
    help: 'Data generation counter stored in Postgres, as this process last learnt it.',
    registers: [registry],
    collect() {
      const generation = sources.generation();
      if (generation !== null) this.set(generation);
    },
  });
  new Gauge({
    name: 'hangar_bay_last_ingest_success_timestamp',
    help: 'Unix time the newest successful or partial sync run finished.',
    registers: [registry],
    async collect() {
      const seconds = await sources.lastIngestSuccess().catch(() => null);
      if (seconds !== null) this.set(seconds);
    },
  });

  return {
    registry,
    http: { requests: httpRequests, duration: httpDuration, inProgress },
    recordCacheResult(route: CachedRoute, result: CacheResult) {
      responseCache.inc({ route, result });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
