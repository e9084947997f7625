import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { rejectOtherMethods } from '../plugins/http-conventions.js';
import type { ContractReadService, ReadResult } from '../services/contract-read.service.js';
import {
  contractListQuerySchema,
  parseContractIdParam,
  parseContractListQuery,
  type RawQuery,
} from '../services/contract-query.params.js';
import type { ContractListParams } from '../domain/contract-query.js';
import { RequestValidationError } from '../services/validation-errors.js';
import {
  contractDetailSchema,
  contractIdParamsSchema,
  contractListResponseSchema,
  detailMessageSchema,
  httpValidationErrorSchema,
  taxonomyResponseSchema,
} from './schemas.js';

export interface ContractRoutesOptions {
  readonly contractReads: Pick<ContractReadService, 'list' | 'detail' | 'taxonomy'>;
  readonly documented: boolean;
}

// The documented zod schemas describe the parameters; parsing follows docs/api.md §6.2 exactly
// (repeated keys, int64 as BigInt, pydantic-compatible 422 bodies), which zod's coercion cannot.
function parsingWith<T>(parse: (raw: never) => T) {
  return () => (data: unknown) => {
    try {
      return { value: parse(data as never) };
    } catch (error) {
      if (error instanceof RequestValidationError) return { error };
      throw error;
    }
  };
}

/** Sends a conditional GET's outcome with the caching headers of docs/api.md §5 (404 with `notFoundBody`). */
export function sendConditional(reply: FastifyReply, result: ReadResult, notFoundBody: string): FastifyReply {
  if (result.kind === 'not_found') {
    return reply.code(404).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(notFoundBody);
  }
  reply.header('etag', result.etag).header('cache-control', 'public, no-cache').header('vary', 'Accept-Encoding');
  if (result.kind === 'not_modified') return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(result.body);
}

/** Repeated If-None-Match headers are one list (RFC 9110 §5.3). */
export const ifNoneMatch = (header: string | string[] | undefined) => (Array.isArray(header) ? header.join(',') : header);

export async function contractRoutes(app: FastifyInstance, options: ContractRoutesOptions): Promise<void> {
  const { contractReads, documented } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/contracts/',
    schema: {
      hide: !documented,
      operationId: 'list_public_contracts_contracts__get',
      tags: ['Contracts'],
      summary: 'List public contracts',
      description: 'Filtered, sorted, paginated live public contracts with segment counts and coverage.',
      querystring: contractListQuerySchema,
      response: { 200: contractListResponseSchema, 422: httpValidationErrorSchema },
    },
    validatorCompiler: parsingWith((raw: RawQuery) => parseContractListQuery(raw)),
    handler: async (request, reply) => {
      const params = request.query as unknown as ContractListParams;
      return sendConditional(reply, await contractReads.list(params, ifNoneMatch(request.headers['if-none-match']), () => request.signal), '');
    },
  });
  rejectOtherMethods(app, '/contracts/');

  typed.route({
    method: 'GET',
    url: '/contracts/taxonomy',
    schema: {
      hide: !documented,
      operationId: 'get_contract_taxonomy_contracts_taxonomy_get',
      tags: ['Contracts'],
      summary: 'Category and group option lists',
      response: { 200: taxonomyResponseSchema },
    },
    handler: async (request, reply) =>
      sendConditional(reply, await contractReads.taxonomy(ifNoneMatch(request.headers['if-none-match']), () => request.signal), ''),
  });
  rejectOtherMethods(app, '/contracts/taxonomy');

  typed.route({
    method: 'GET',
    url: '/contracts/:contract_id',
    schema: {
      hide: !documented,
      operationId: 'get_contract_contracts__contract_id__get',
      tags: ['Contracts'],
      summary: 'One contract with all its items',
      params: contractIdParamsSchema,
      response: { 200: contractDetailSchema, 404: detailMessageSchema, 422: httpValidationErrorSchema },
    },
    validatorCompiler: ({ httpPart }) =>
      httpPart === 'params'
        ? parsingWith((raw: { contract_id: string }) => ({ contract_id: parseContractIdParam(raw.contract_id) }))()
        : (data: unknown) => ({ value: data }),
    handler: async (request, reply) => {
      const { contract_id: contractId } = request.params as unknown as { contract_id: bigint };
      const result = await contractReads.detail(contractId, ifNoneMatch(request.headers['if-none-match']), () => request.signal);
      return sendConditional(reply, result, '{"detail":"Contract not found"}');
    },
  });
  rejectOtherMethods(app, '/contracts/:contract_id');
}
