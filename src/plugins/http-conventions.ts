import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { loggableError } from '../logger.js';
import { ClientClosedRequestError, unavailableFor } from '../services/service-errors.js';
import { RequestValidationError } from '../services/validation-errors.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const API_PREFIX = '/api/v1';
export const ALLOWED_METHODS = 'GET, HEAD';
const INTERNAL_ERROR_BODY = '{"detail":"An unexpected server error occurred."}';
const INFO_LOGGED = new Set(['trace', 'debug', 'info']);
/** nginx's "client closed request": logged and counted for a client that left before its answer. */
export const CLIENT_CLOSED_REQUEST = 499;

/** X-Request-Id: echo a well-formed incoming id, else a fresh UUIDv4 (docs/api.md §3). */
export function requestIdFor(request: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The bare route template whatever prefix or slash form matched ("/api/v1/contracts" and
 * "/contracts/" → "/contracts/"), with OpenAPI-style parameters; undefined for unmatched paths.
 */
export function canonicalHandler(routeUrl: string | undefined): string | undefined {
  if (routeUrl === undefined) return undefined;
  let template = routeUrl.startsWith(API_PREFIX) ? routeUrl.slice(API_PREFIX.length) : routeUrl;
  template = template.replace(/:([A-Za-z_]+)/g, '{$1}');
  if (template === '' ) template = '/';
  if (template === '/contracts') template = '/contracts/';
  return template.length > 1 && template.endsWith('/') && template !== '/contracts/' ? template.slice(0, -1) : template;
}

function sendJsonError(reply: FastifyReply, statusCode: number, body: string): FastifyReply {
  return reply
    .code(statusCode)
    .header('cache-control', 'no-store')
    .removeHeader('etag')
    .removeHeader('vary')
    .type('application/json; charset=utf-8')
    .send(body);
}

const startedAt = new WeakMap<FastifyRequest, number>();

/** When the request arrived (performance.now()), for the duration of an aborted request. */
export function requestStart(request: FastifyRequest): number {
  return startedAt.get(request) ?? performance.now();
}

/**
 * Cross-cutting HTTP rules of docs/api.md §2–§3: request ids, one access log line per request, error
 * bodies, 404 and 405 answers, and `Cache-Control: no-store` unless a route says otherwise.
 */
export const httpConventions = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request, reply) => {
      startedAt.set(request, performance.now());
      reply.header('x-request-id', request.id);
    });

    app.addHook('onSend', async (_request, reply, payload) => {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    const accessLine = (request: FastifyRequest, status: number, durationMs: number) => {
      // Checked first: a disabled level must not cost the query-string parse below on every request.
      if (!INFO_LOGGED.has(request.log.level)) return;
      const queryString = (request.raw.url ?? '').split('?')[1];
      // The raw search text is user content and may be sensitive: only its length is logged.
      const searchLength = queryString ? new URLSearchParams(queryString).getAll('search').at(-1)?.length : undefined;
      request.log.info(
        {
          method: request.method,
          route: canonicalHandler(request.routeOptions.url) ?? null,
          status,
          duration_ms: Math.round(durationMs * 1000) / 1000,
          ...(searchLength !== undefined ? { search_length: searchLength } : {}),
        },
        'request completed',
      );
    };
    app.addHook('onResponse', async (request, reply) => accessLine(request, reply.statusCode, reply.elapsedTime));
    // A client that leaves before its answer gets no response, so onResponse never runs for it.
    app.addHook('onRequestAbort', async (request) => accessLine(request, CLIENT_CLOSED_REQUEST, performance.now() - requestStart(request)));

    app.setNotFoundHandler((_request, reply) => sendJsonError(reply, 404, '{"detail":"Not Found"}'));

    app.setErrorHandler((error: FastifyError | RequestValidationError, request: FastifyRequest, reply: FastifyReply) => {
      if (error instanceof RequestValidationError) {
        return sendJsonError(reply, 422, JSON.stringify({ detail: error.detail }));
      }
      // Its connection is gone; the onRequestAbort hook has logged and counted it.
      if (error instanceof ClientClosedRequestError) return reply.code(CLIENT_CLOSED_REQUEST).send();
      const unavailable = unavailableFor(error);
      if (unavailable) {
        request.log.warn({ error: loggableError(unavailable.cause ?? error) }, `answered 503: ${unavailable.detail}`);
        reply.header('retry-after', String(unavailable.retryAfterSeconds));
        return sendJsonError(reply, 503, JSON.stringify({ detail: unavailable.detail }));
      }
      const status = (error as FastifyError).statusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        request.log.info({ error: loggableError(error) }, 'request rejected');
        return sendJsonError(reply, status, JSON.stringify({ detail: error.message || 'Bad Request' }));
      }
      request.log.error({ err: loggableError(error) }, 'unhandled error');
      return sendJsonError(reply, 500, INTERNAL_ERROR_BODY);
    });
  },
  { name: 'http-conventions' },
);

function methodNotAllowed(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('allow', ALLOWED_METHODS);
  return sendJsonError(reply, 405, '{"detail":"Method Not Allowed"}');
}

/** 405 for every method but GET/HEAD on a known path (docs/api.md §2); no CORS, OPTIONS included. */
export function rejectOtherMethods(app: FastifyInstance, url: string): void {
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url,
    schema: { hide: true },
    // Answered before the body is read: an unparseable or unsupported body must not turn the 405
    // into a 400 or 415.
    onRequest: async (request, reply) => methodNotAllowed(request, reply),
    handler: methodNotAllowed,
  });
}

export function frameworkErrorHandler(_error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // Malformed URLs (bad percent-encoding) never reach a route: answer like any unknown path (docs/api.md §2
  // has no 400). onRequest hooks do not run here, so the request id header is set by hand.
  reply.header('x-request-id', request.id);
  return sendJsonError(reply, 404, '{"detail":"Not Found"}');
}

/**
 * Requests Node's HTTP parser rejects (invalid bytes in the URL, oversized headers) never reach
 * Fastify; they still get a JSON body, no-store and a request id rather than a bare 400/431.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (!socket.writable) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  const body = JSON.stringify({ detail: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n` +
      `X-Request-Id: ${randomUUID()}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
