import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EsiResponseEvent } from './esi-client.js';
import type { PauseEvent } from './governor.js';

/** The hooks the governor and client take, bound to the ESI metrics of docs/sync.md §5.6. */
export interface EsiMetrics {
  onResponse(event: EsiResponseEvent): void;
  onPause(event: PauseEvent): void;
  onErrorLimitRemain(remain: number): void;
  onInflightChange(inflight: number): void;
}

/**
 * Registers `hangar_bay_esi_requests_total{route,status}`, `hangar_bay_esi_request_duration_seconds{route}`,
 * `hangar_bay_esi_error_limit_remain`, `hangar_bay_esi_pauses_total{reason}` and `hangar_bay_esi_inflight`
 * on `registry`. Labels are route templates, never concrete ids, to keep cardinality fixed.
 */
export function createEsiMetrics(registry: Registry): EsiMetrics {
  const requests = new Counter({
    name: 'hangar_bay_esi_requests_total',
    help: 'ESI attempts by route template and HTTP status (error: no status received).',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'hangar_bay_esi_request_duration_seconds',
    help: 'ESI attempt duration from admission to the last body byte, by route template.',
    labelNames: ['route'] as const,
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60],
    registers: [registry],
  });
  const errorLimitRemain = new Gauge({
    name: 'hangar_bay_esi_error_limit_remain',
    help: 'Last X-ESI-Error-Limit-Remain received from ESI.',
    registers: [registry],
  });
  const pauses = new Counter({
    name: 'hangar_bay_esi_pauses_total',
    help: 'Governor pauses by reason (error_limit, 420, 429, downtime).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const inflight = new Gauge({
    name: 'hangar_bay_esi_inflight',
    help: 'ESI requests in flight.',
    registers: [registry],
  });
  const lowWater = new Gauge({
    name: 'hangar_bay_esi_error_limit_low_water',
    help: 'Lowest X-ESI-Error-Limit-Remain seen by this process.',
    registers: [registry],
  });
  let lowest: number | null = null;
  for (const reason of ['error_limit', '420', '429', 'downtime']) pauses.inc({ reason }, 0);

  return {
    onResponse({ route, status, seconds }) {
      requests.inc({ route, status: String(status) });
      duration.observe({ route }, seconds);
    },
    onPause({ reason }) {
      pauses.inc({ reason });
    },
    onErrorLimitRemain(remain) {
      errorLimitRemain.set(remain);
      if (lowest === null || remain < lowest) {
        lowest = remain;
        lowWater.set(remain);
      }
    },
    onInflightChange(count) {
      inflight.set(count);
    },
  };
}
