/** HTTP conditional-request rules of docs/api.md §4–§5: the liveness instant, entity tags, If-None-Match. */
import { createHash } from 'node:crypto';
import { canonicalQueryKey } from './contract-query.params.js';
import type { ContractListParams } from '../domain/contract-query.js';
import type { ContractPriceParams } from '../domain/price-history.js';
import { contractPricesQueryHash } from './contract-prices.params.js';

/** The liveness instant L: the request's arrival truncated down to the whole UTC minute (docs/api.md §4). */
export function livenessInstant(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000);
}

/** Weak comparison of If-None-Match against our (weak) tag; `*` matches anything (RFC 9110 §13.1.2). */
export function ifNoneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const candidate of trimmed.split(',')) {
    if (candidate.trim().replace(/^W\//, '') === opaque) return true;
  }
  return false;
}

const minutesOf = (liveAt: Date) => Math.floor(liveAt.getTime() / 60_000);

/** A (G, L, query) tag as a function of G; the query hash is computed once per request. */
function queryTagger(queryHash: string, liveAt: Date): (generation: number) => string {
  const minutes = minutesOf(liveAt);
  return (generation) => `W/"${generation}.${minutes}.${queryHash}"`;
}

/** The list tag (G, L, canonical query) as a function of G. */
export function listTagger(params: ContractListParams, liveAt: Date): (generation: number) => string {
  return queryTagger(createHash('sha256').update(canonicalQueryKey(params)).digest('hex').slice(0, 16), liveAt);
}

/** The contract-prices tag (G, L, canonical query) as a function of G. */
export function contractPricesTagger(params: ContractPriceParams, liveAt: Date): (generation: number) => string {
  return queryTagger(contractPricesQueryHash(params), liveAt);
}

export function taxonomyTagger(liveAt: Date): (generation: number) => string {
  const minutes = minutesOf(liveAt);
  return (generation) => `W/"${generation}.${minutes}.taxonomy"`;
}

/** Detail ignores liveness, so its tag depends on the generation and the id only. */
export function detailTagger(contractId: bigint): (generation: number) => string {
  return (generation) => `W/"${generation}.${contractId}"`;
}
