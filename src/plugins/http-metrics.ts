import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../services/metrics.js';
import { canonicalHandler } from './http-conventions.js';

/** Request counters, durations and in-flight gauges by canonical route template (api.md §11.4). */
export const httpMetrics = fp(
  async (app: FastifyInstance, options: { metrics: Pick<Metrics, 'http'> }) => {
    const { requests, duration, inProgress } = options.metrics.http;
    app.addHook('onRequest', async (request) => {
      const handler = canonicalHandler(request.routeOptions.url);
      if (handler !== undefined) inProgress.inc({ handler, method: request.method });
    });
    app.addHook('onResponse', async (request, reply) => {
      // Unmatched paths are not recorded: arbitrary URLs must not create series.
      const handler = canonicalHandler(request.routeOptions.url);
      if (handler === undefined) return;
      inProgress.dec({ handler, method: request.method });
      requests.inc({ handler, method: request.method, status: String(reply.statusCode) });
      duration.observe({ handler, method: request.method }, reply.elapsedTime / 1000);
    });
  },
  { name: 'http-metrics' },
);
