/**
 * `GET /types/{type_id}/contract-prices` (extensions §4.2): live single-type offers and the price
 * history of closed ones, read from PostgreSQL in one snapshot with the generation they show, behind
 * admission control, cached per (G, L, query) like the list (docs/api.md §5).
 */
import type { KeyValueCache } from '../cache/key-value-cache.js';
import type { Database, Executor } from '../db/client.js';
import {
  NO_KIND_STATS,
  utcDay,
  type ContractPriceParams,
  type ContractPricesBody,
  type HistoryDay,
  type KindStats,
} from '../domain/price-history.js';
import type { CurrentRow, KindDayRow, PriceObservationsRepository } from '../repositories/price-observations.repository.js';
import { readCached, type AbortSignalSource, type ContractReadServiceDeps, type ReadResult } from './contract-read.service.js';
import { contractPricesTagger, ifNoneMatchHits, livenessInstant } from './conditional-get.js';
import { unavailableFor } from './service-errors.js';

/** The list's conditional-GET machinery (generation, admission, cache metrics) plus the price reads. */
export interface ContractPricesServiceDeps
  extends Pick<ContractReadServiceDeps, 'generation' | 'admission' | 'now' | 'onCacheResult' | 'onCacheError' | 'cacheNamespace'> {
  readonly db: Pick<Database, 'transaction'>;
  readonly repository: PriceObservationsRepository;
  readonly readGeneration: (executor: Executor) => Promise<number>;
  /** Redis when configured (shared by replicas), else in-process. */
  readonly cache: KeyValueCache;
}

const DAY_MS = 86_400_000;
// docs/api.md §5: entries carry G and the liveness minute, and live at most until that minute ends.
const TTL_SECONDS = 65;

const toNumber = (value: number | string | null): number | null => (value === null ? null : Number(value));

function kindStats(row: KindDayRow | undefined): KindStats {
  if (!row) return NO_KIND_STATS;
  return { count: Number(row.n), min: Number(row.min), median: Number(row.median), max: Number(row.max) };
}

/** The response body; `history` has the days with an observation, ascending (rows come sorted). */
export function contractPricesBody(typeId: bigint, typeName: string | null, current: CurrentRow, history: readonly KindDayRow[]): ContractPricesBody {
  const id = Number(typeId);
  if (!Number.isSafeInteger(id)) throw new RangeError(`type_id ${typeId} is not a safe integer`);
  const days = new Map<string, HistoryDay>();
  for (const row of history) {
    const day = days.get(row.day) ?? { date: row.day, gone_early: NO_KIND_STATS, expired: NO_KIND_STATS };
    if (row.kind === 'gone_early' || row.kind === 'expired') day[row.kind] = kindStats(row);
    days.set(row.day, day);
  }
  const count = Number(current.n);
  return {
    type_id: id,
    type_name: typeName,
    current: count === 0
      ? { count: 0, min: null, p25: null, median: null }
      : { count, min: toNumber(current.min), p25: toNumber(current.p25), median: toNumber(current.median) },
    history: [...days.values()],
  };
}

/**
 * One read-only REPEATABLE READ snapshot: the generation and everything the body shows (null body:
 * the type is unknown). The benchmark's data floor replays exactly this.
 */
export function readContractPrices(
  deps: Pick<ContractPricesServiceDeps, 'db' | 'repository' | 'readGeneration'>,
  params: ContractPriceParams,
  liveAt: Date,
): Promise<{ generation: number; body: string | null }> {
  const today = utcDay(liveAt.getTime());
  const firstDay = utcDay(liveAt.getTime() - (params.days - 1) * DAY_MS);
  return deps.db.transaction(
    async (tx) => {
      const [generation, typeName, current, history] = await Promise.all([
        deps.readGeneration(tx),
        deps.repository.typeName(tx, params.typeId),
        deps.repository.current(tx, params, liveAt),
        deps.repository.history(tx, params, firstDay, today),
      ]);
      if (typeName === undefined) return { generation, body: null };
      return { generation, body: JSON.stringify(contractPricesBody(params.typeId, typeName, current, history)) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export function createContractPricesService(deps: ContractPricesServiceDeps) {
  const keyPrefix = `hangar-bay:api:v1:${deps.cacheNamespace ?? 'default'}:contract_prices`;

  return {
    /**
     * A conditional GET: a cached body of the known generation answers (or 304s) without the
     * database; otherwise the snapshot is read. An unknown type is never a 304 (docs/api.md §5).
     */
    async prices(params: ContractPriceParams, ifNoneMatch: string | undefined, aborted?: AbortSignalSource): Promise<ReadResult> {
      const liveAt = livenessInstant(deps.now());
      const tagFor = contractPricesTagger(params, liveAt);
      const answer = (body: Buffer, etag: string): ReadResult =>
        ifNoneMatchHits(ifNoneMatch, etag) ? { kind: 'not_modified', etag } : { kind: 'ok', etag, body };

      const knownTag = tagFor(deps.generation.latest());
      const hit = await readCached(deps, deps.cache, 'contract_prices', `${keyPrefix}:${knownTag}`);
      if (hit) return answer(hit, knownTag);
      let result: { generation: number; body: string | null };
      try {
        result = await deps.admission.run(() => readContractPrices(deps, params, liveAt), aborted?.());
      } catch (error) {
        throw unavailableFor(error) ?? error;
      }
      deps.generation.observe(result.generation);
      if (result.body === null) return { kind: 'not_found' };
      const etag = tagFor(result.generation);
      const body = Buffer.from(result.body);
      deps.cache.set(`${keyPrefix}:${etag}`, body, TTL_SECONDS).catch((error: unknown) => deps.onCacheError?.(error));
      return answer(body, etag);
    },
  };
}

export type ContractPricesService = ReturnType<typeof createContractPricesService>;
