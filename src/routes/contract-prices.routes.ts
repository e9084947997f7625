import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { rejectOtherMethods } from '../plugins/http-conventions.js';
import { contractPricesParamsSchema, contractPricesQuerySchema, parseContractPricesRequest } from '../services/contract-prices.params.js';
import type { ContractPricesService } from '../services/contract-prices.service.js';
import type { RawQuery } from '../services/contract-query.params.js';
import { ifNoneMatch, sendConditional } from './contracts.routes.js';
import { contractPricesResponseSchema, detailMessageSchema, httpValidationErrorSchema } from './schemas.js';

export interface ContractPricesRoutesOptions {
  readonly contractPrices: Pick<ContractPricesService, 'prices'>;
  readonly documented: boolean;
}

export async function contractPricesRoutes(app: FastifyInstance, options: ContractPricesRoutesOptions): Promise<void> {
  const { contractPrices, documented } = options;
  app.withTypeProvider<ZodTypeProvider>().route({
    method: 'GET',
    url: '/types/:type_id/contract-prices',
    schema: {
      hide: !documented,
      operationId: 'get_type_contract_prices_types__type_id__contract_prices_get',
      tags: ['Prices'],
      summary: 'Contract prices of one item type',
      description:
        'Unit prices of live single-type offers now, and per UTC day of the window the closed ones, gone early ' +
        '(accepted or withdrawn) or expired.',
      params: contractPricesParamsSchema,
      querystring: contractPricesQuerySchema,
      response: { 200: contractPricesResponseSchema, 404: detailMessageSchema, 422: httpValidationErrorSchema },
    },
    // The schemas document; the path and the query are parsed together in the handler so that every
    // error of the request is reported at once (docs/api.md §6.3), which per-part validation cannot.
    validatorCompiler: () => (data: unknown) => ({ value: data }),
    handler: async (request, reply) => {
      const { type_id: rawTypeId } = request.params as unknown as { type_id: string };
      const params = parseContractPricesRequest(rawTypeId, request.query as unknown as RawQuery);
      const result = await contractPrices.prices(params, ifNoneMatch(request.headers['if-none-match']), () => request.signal);
      return sendConditional(reply, result, '{"detail":"Type not found"}');
    },
  });
  rejectOtherMethods(app, '/types/:type_id/contract-prices');
}
