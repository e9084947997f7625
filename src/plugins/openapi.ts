import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { rejectOtherMethods } from './http-conventions.js';

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

type JsonObject = Record<string, unknown>;
type DocumentParameter = { name: string; in: string; description?: string; schema?: JsonObject };

/**
 * @fastify/swagger drops every keyword beside a `$ref` (an OpenAPI 3.0 rule), which would lose the
 * `default` and `description` of `sort_by` and `sort_direction` (docs/api.md §11.5 asks for the defaults;
 * 3.1 and the reference document keep them). They are noted per route and put back afterwards.
 */
function keepQueryRefSiblings() {
  const siblings = new Map<string, JsonObject>();
  const transform: typeof jsonSchemaTransform = (input) => {
    const result = jsonSchemaTransform(input);
    const query = (result.schema as { querystring?: { properties?: Record<string, JsonObject> } }).querystring;
    const path = result.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    for (const [name, schema] of Object.entries(query?.properties ?? {})) {
      if (typeof schema.$ref !== 'string') continue;
      const { $ref: _ref, ...rest } = schema;
      if (Object.keys(rest).length > 0) siblings.set(`${path} ${name}`, rest);
    }
    return result;
  };
  const restore = (document: OpenApiDocument): OpenApiDocument => {
    const paths = (document as { paths?: Record<string, Record<string, { parameters?: DocumentParameter[] }>> }).paths ?? {};
    for (const [path, operations] of Object.entries(paths)) {
      for (const operation of Object.values(operations)) {
        for (const parameter of operation.parameters ?? []) {
          const kept = parameter.in === 'query' ? siblings.get(`${path} ${parameter.name}`) : undefined;
          if (kept === undefined) continue;
          parameter.schema = { ...parameter.schema, ...kept };
          if (parameter.description === undefined && typeof kept.description === 'string') parameter.description = kept.description;
        }
      }
    }
    return document;
  };
  return { transform, restore };
}

/** The OpenAPI 3.1 document, generated from the route schemas (docs/api.md §11.5). */
export const openApi = fp(
  async (app: FastifyInstance, options: { version: string }) => {
    const refSiblings = keepQueryRefSiblings();
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Hangar Bay API',
          description: 'Fast, filtered listings of EVE Online public contracts.',
          version: options.version,
        },
      },
      transform: refSiblings.transform,
      transformObject: (document) => refSiblings.restore(mergeInputComponents(jsonSchemaTransformObject(document))),
    });
  },
  { name: 'openapi' },
);

/** GET /openapi.json and the Swagger UI under /docs, in whichever prefix context registers them. */
export async function openApiRoutes(app: FastifyInstance): Promise<void> {
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(app.swagger()),
  );
  rejectOtherMethods(app, '/openapi.json');
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: false });
  // A scope of its own: the Swagger UI plugin's routes are registered when it loads, after this one.
  await app.register(async (scope) => rejectOtherMethods(scope, '/docs'));
}
