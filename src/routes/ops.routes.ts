import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { rejectOtherMethods } from '../plugins/http-conventions.js';
import type { Metrics } from '../services/metrics.js';
import type { ReadinessService } from '../services/readiness.service.js';
import type { StatusService } from '../services/status.service.js';
import { renderStatusPage } from './status-page.js';
import { readinessSchema } from './schemas.js';
import { z } from 'zod';

export interface OpsRoutesOptions {
  readonly readiness: Pick<ReadinessService, 'check'>;
  readonly status: Pick<StatusService, 'snapshot'>;
  readonly metrics: Pick<Metrics, 'registry'>;
  readonly metricsToken: string;
  readonly documented: boolean;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time bearer check; comparing digests keeps the comparison length-independent. */
function bearerMatches(header: string | undefined, token: string): boolean {
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${token}`));
}

export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  /** The operator pages (/metrics, /status) share METRICS_TOKEN when it is set; false once a 401 is sent. */
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (options.metricsToken === '' || bearerMatches(request.headers.authorization, options.metricsToken)) return true;
    void reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .header('cache-control', 'no-store')
      .type('application/json; charset=utf-8')
      .send('{"detail":"Unauthorized"}');
    return false;
  };

  typed.get(
    '/health',
    {
      schema: {
        hide: !options.documented,
        operationId: 'health_health_get',
        tags: ['Operations'],
        summary: 'Liveness',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }),
  );
  rejectOtherMethods(app, '/health');

  typed.get(
    '/ready',
    {
      schema: {
        hide: !options.documented,
        operationId: 'ready_ready_get',
        tags: ['Operations'],
        summary: 'Readiness and sync freshness',
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const { statusCode, body } = await options.readiness.check();
      return reply.code(statusCode).header('cache-control', 'no-store').send(body);
    },
  );
  rejectOtherMethods(app, '/ready');

  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const text = await options.metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(options.metrics.registry.contentType).send(text);
  });
  rejectOtherMethods(app, '/metrics');

  app.get('/status', { schema: { hide: true } }, async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const snapshot = await options.status.snapshot();
    // Still a page when the database cannot be read (it says so), but not a healthy one.
    if (snapshot.database === null) void reply.code(503).header('retry-after', '5');
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(renderStatusPage(snapshot));
  });
  rejectOtherMethods(app, '/status');
}
