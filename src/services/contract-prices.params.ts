/**
 * Request parsing for `GET /types/{type_id}/contract-prices` (extensions §4.2) with the list route's
 * grammar and 422 vocabulary (docs/api.md §6.2–6.3): the same codecs and readers, a table of its own.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ContractPriceParams } from '../domain/price-history.js';
import {
  boundedInt,
  compareBigint,
  efficiency,
  id,
  laxBoolean,
  parseInt64PathParam,
  rawParam,
  readList,
  readScalar,
  RequestValidationError,
  runs,
  type RawQuery,
  type ValidationErrorItem,
} from './contract-query.params.js';

export const PRICE_DAYS_DEFAULT = 30;
export const PRICE_DAYS_MAX = 365;
const days = boundedInt(1, PRICE_DAYS_MAX);

/**
 * Parses the path's type_id and the query together, so that every error of the request is reported
 * at once (path first, then the parameters in table order).
 * @throws RequestValidationError
 */
export function parseContractPricesRequest(rawTypeId: string, raw: RawQuery): ContractPriceParams {
  const errors: ValidationErrorItem[] = [];
  let typeId = 0n;
  try {
    typeId = parseInt64PathParam('type_id', rawTypeId);
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    errors.push(...error.detail);
  }
  const params: ContractPriceParams = {
    typeId,
    days: readScalar('days', days, rawParam(raw, 'days'), PRICE_DAYS_DEFAULT, errors),
    regionIds: readList('region_ids', id, compareBigint, rawParam(raw, 'region_ids'), errors),
    isBpc: readScalar<boolean | null>('is_bpc', laxBoolean, rawParam(raw, 'is_bpc'), null, errors),
    minRuns: readScalar<bigint | null>('min_runs', runs, rawParam(raw, 'min_runs'), null, errors),
    minMe: readScalar<bigint | null>('min_me', efficiency, rawParam(raw, 'min_me'), null, errors),
    minTe: readScalar<bigint | null>('min_te', efficiency, rawParam(raw, 'min_te'), null, errors),
  };
  if (errors.length > 0) throw new RequestValidationError(errors);
  return params;
}

/** 16 hex of SHA-256 over the effective parameters (defaults filled in, lists sorted), for ETags and cache keys. */
export function contractPricesQueryHash(params: ContractPriceParams): string {
  const canonical = JSON.stringify(
    [
      ['type_id', params.typeId],
      ['days', params.days],
      ['region_ids', params.regionIds],
      ['is_bpc', params.isBpc],
      ['min_runs', params.minRuns],
      ['min_me', params.minMe],
      ['min_te', params.minTe],
    ].filter(([, value]) => value !== null),
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  return createHash('sha256').update(`contract-prices:${canonical}`).digest('hex').slice(0, 16);
}

/** Documents the parameters in OpenAPI; parsing is done by `parseContractPricesRequest`. */
export const contractPricesQuerySchema = z.object({
  days: days.doc.default(PRICE_DAYS_DEFAULT).describe('History window in days, ending today (UTC).'),
  region_ids: z.array(id.doc).optional().describe('Listing regions to include (repeat the key for several).'),
  is_bpc: laxBoolean.doc.optional().describe('Only blueprint copies (true) or only lots without a copy (false).'),
  min_runs: runs.doc.optional().describe('Minimum blueprint-copy runs of the lot (its smallest).'),
  min_me: efficiency.doc.optional().describe('Minimum material efficiency of the lot (its smallest).'),
  min_te: efficiency.doc.optional().describe('Minimum time efficiency of the lot (its smallest).'),
});

export const contractPricesParamsSchema = z.object({ type_id: z.int().meta({ format: 'int64', minimum: undefined, maximum: undefined }) });
