import { constants as zlib } from 'node:zlib';
import fastifyCompress from '@fastify/compress';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { roleServesApi, type AppConfig } from './config.js';
import { clientErrorHandler, frameworkErrorHandler, httpConventions, requestIdFor } from './plugins/http-conventions.js';
import { httpMetrics } from './plugins/http-metrics.js';
import { openApi, openApiRoutes } from './plugins/openapi.js';
import { contractRoutes } from './routes/contracts.routes.js';
import { contractPricesRoutes } from './routes/contract-prices.routes.js';
import { opsRoutes } from './routes/ops.routes.js';
import { rootRoutes } from './routes/root.routes.js';
import type { ContractReadService } from './services/contract-read.service.js';
import type { ContractPricesService } from './services/contract-prices.service.js';
import type { Metrics } from './services/metrics.js';
import type { ReadinessService } from './services/readiness.service.js';
import type { StatusService } from './services/status.service.js';

export interface AppDeps {
  readonly config: Pick<AppConfig, 'role' | 'environment' | 'metricsToken' | 'packageVersion'>;
  readonly contractReads: ContractReadService;
  readonly contractPrices: Pick<ContractPricesService, 'prices'>;
  readonly readiness: Pick<ReadinessService, 'check'>;
  readonly status: Pick<StatusService, 'snapshot'>;
  readonly metrics: Metrics;
  readonly logger: FastifyBaseLogger;
}

const API_PREFIX = '/api/v1';

/** The whole HTTP app (docs/api.md), with no side effects beyond what its dependencies do. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // One access line per request comes from http-conventions' onResponse hook instead.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdFor,
    // Both slash forms are served directly; a redirect would escape the web client's proxy.
    // Above Node's 16 KiB header limit, so an over-long contract_id is never cut off by the router
    // (it would answer 414) and always reaches the parser's 422 (docs/api.md §9).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16_384 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    return503OnClosing: false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(httpConventions);
  await app.register(httpMetrics, { metrics: deps.metrics });
  await app.register(fastifyCompress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    // Quality 5: most of brotli's gain on repetitive JSON at a fraction of the CPU of 11.
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } },
  });
  // @fastify/compress appends a lower-case "accept-encoding" to a Vary we already set; keep one.
  app.addHook('onSend', async (_request, reply, payload) => {
    const vary = reply.getHeader('vary');
    if (typeof vary === 'string' && vary.includes(',')) {
      const unique = [...new Map(vary.split(',').map((field) => [field.trim().toLowerCase(), field.trim()])).values()];
      reply.header('vary', unique.join(', '));
    }
    return payload;
  });
  // Fastify ends a HEAD route's onSend chain with the hook that drops the body, and the compress
  // plugin appends its hook after it, so HEAD would lose GET's Content-Encoding and Vary. Moving
  // the body-dropping hook last gives HEAD exactly GET's headers (docs/api.md §2).
  app.addHook('onRoute', (route) => {
    if (route.method !== 'HEAD' || !Array.isArray(route.onSend)) return;
    const dropBody = route.onSend.findIndex((hook) => hook.name === 'headRouteOnSendHandler');
    if (dropBody >= 0) route.onSend.push(...route.onSend.splice(dropBody, 1));
  });
  await app.register(openApi, { version: deps.config.packageVersion });

  const servesApi = roleServesApi(deps.config.role);
  // Every route answers at the bare path and under /api/v1; only the bare one is documented.
  for (const prefix of ['', API_PREFIX]) {
    const documented = prefix === '';
    await app.register(
      async (scope) => {
        await opsRoutes(scope, {
          readiness: deps.readiness,
          status: deps.status,
          metrics: deps.metrics,
          metricsToken: deps.config.metricsToken,
          documented,
        });
        if (!servesApi) return;
        await rootRoutes(scope, { environment: deps.config.environment, documented });
        await contractRoutes(scope, { contractReads: deps.contractReads, documented });
        await contractPricesRoutes(scope, { contractPrices: deps.contractPrices, documented });
        await openApiRoutes(scope);
      },
      { prefix },
    );
  }
  return app;
}
