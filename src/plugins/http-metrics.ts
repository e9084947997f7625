import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../services/metrics.js';
import { canonicalHandler, CLIENT_CLOSED_REQUEST, requestStart } from './http-conventions.js';

/** Request counters, durations and in-flight gauges by canonical route template (docs/api.md §11.4). */
export const httpMetrics = fp(
  async (app: FastifyInstance, options: { metrics: Pick<Metrics, 'http'> }) => {
    const { requests, duration, inProgress } = options.metrics.http;
    app.addHook('onRequest', async (request) => {
      const handler = canonicalHandler(request.routeOptions.url);
      if (handler !== undefined) inProgress.inc({ handler, method: request.method });
    });
    const finished = (request: FastifyRequest, status: number, seconds: number) => {
      // Unmatched paths are not recorded: arbitrary URLs must not create series.
      const handler = canonicalHandler(request.routeOptions.url);
      if (handler === undefined) return;
      inProgress.dec({ handler, method: request.method });
      requests.inc({ handler, method: request.method, status: String(status) });
      duration.observe({ handler, method: request.method }, seconds);
    };
    app.addHook('onResponse', async (request, reply) => finished(request, reply.statusCode, reply.elapsedTime / 1000));
    app.addHook('onRequestAbort', async (request) =>
      finished(request, CLIENT_CLOSED_REQUEST, (performance.now() - requestStart(request)) / 1000),
    );
  },
  { name: 'http-metrics' },
);
