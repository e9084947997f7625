import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

/**
 * The zod provider emits every registered schema twice ("X" for responses, "XInput" for
 * parameters). Ours are identical either way and the reference document names them "X", so the
 * input copies are folded into their output twins.
 */
function mergeInputComponents(document: OpenApiDocument): OpenApiDocument {
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components ?? {};
  const schemas = { ...(components.schemas ?? {}) };
  const renamed = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const twin = name.endsWith('Input') ? name.slice(0, -'Input'.length) : null;
    if (twin && twin in schemas) {
      renamed.set(`#/components/schemas/${name}`, `#/components/schemas/${twin}`);
      delete schemas[name];
    }
  }
  const rewritten = JSON.parse(JSON.stringify({ ...document, components: { ...components, schemas } }), (key, value) =>
    key === '$ref' && typeof value === 'string' ? (renamed.get(value) ?? value) : value,
  ) as OpenApiDocument;
  return rewritten;
}

/** The OpenAPI 3.1 document, generated from the route schemas (api.md §11.5). */
export const openApi = fp(
  async (app: FastifyInstance, options: { version: string }) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Hangar Bay API',
          description: 'Fast, filtered listings of EVE Online public contracts.',
          version: options.version,
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (document) => mergeInputComponents(jsonSchemaTransformObject(document)),
    });
  },
  { name: 'openapi' },
);

/** GET /openapi.json and the Swagger UI under /docs, in whichever prefix context registers them. */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(app.swagger()),
  );
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: false });
}
