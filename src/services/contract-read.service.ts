/**
 * The read side's orchestration: conditional GETs (docs/api.md §5), the result caches, and the choice
 * between the read model (memory, no database) and the SQL path (admission-controlled database
 * work). Both produce the same bytes; the model answers whenever it serves.
 */
import type { KeyValueCache } from '../cache/key-value-cache.js';
import type { ContractListParams } from '../domain/contract-query.js';
import { contractDetailJson } from '../domain/contract-wire.js';
import { coverageAsOf, listRowJson, renderedRows, renderListBody } from '../domain/list-body.js';
import { renderTaxonomy } from '../domain/taxonomy.js';
import type { ReadModel } from '../read-model/read-model.js';
import { detailTagger, ifNoneMatchHits, listTagger, livenessInstant, taxonomyTagger } from './conditional-get.js';
import type { DbAdmission } from './db-admission.js';
import type { GenerationTracker } from './generation-tracker.js';
import { unavailableFor } from './service-errors.js';
import { createSingleFlight } from './single-flight.js';
import type { SqlReads } from './sql-reads.js';

export type CachedRoute = 'list' | 'detail' | 'taxonomy' | 'contract_prices';
/**
 * The request's AbortSignal, asked for only when database work begins: making one costs an
 * AbortController and a listener, which answers from memory never need.
 */
export type AbortSignalSource = () => AbortSignal;
export type CacheResult = 'hit' | 'miss' | 'error';

/** A conditional GET's outcome: a body (already JSON) or "not modified", always with its ETag. */
export type ReadResult =
  | { readonly kind: 'ok'; readonly etag: string; readonly body: Buffer }
  | { readonly kind: 'not_modified'; readonly etag: string }
  | { readonly kind: 'not_found' };

export interface ContractReadServiceDeps {
  readonly sql: SqlReads;
  /** Null when READ_MODEL=off: every answer comes from the SQL path. */
  readonly model: Pick<ReadModel, 'list' | 'taxonomy' | 'detail' | 'hold' | 'lookup' | 'servingGeneration'> | null;
  /** Results computed by PostgreSQL: Redis when configured (shared by replicas), else in-process. */
  readonly sharedCache: KeyValueCache;
  /** Results of the read model, which are cheaper to recompute than to fetch from Redis: in-process. */
  readonly localCache: KeyValueCache;
  readonly generation: Pick<GenerationTracker, 'latest' | 'observe'>;
  readonly admission: DbAdmission;
  readonly now: () => Date;
  readonly onCacheResult?: (route: CachedRoute, result: CacheResult) => void;
  readonly onCacheError?: (error: unknown) => void;
  /** Distinguishes databases sharing one Redis; replicas of one deployment share it. */
  readonly cacheNamespace?: string;
}

// docs/api.md §5: entries live at most 10 minutes and every key carries the generation. Entries whose
// key carries the liveness minute can never be looked up after that minute (docs/read-path.md §5).
const DETAIL_TTL_SECONDS = 600;
const MINUTE_KEY_MARGIN_SECONDS = 5;
const KEY_PREFIX = 'hangar-bay:api:v1';
/** Bodies travel as text from the SQL path and as bytes from the read model. */
const asBuffer = (body: string | Buffer): Buffer => (Buffer.isBuffer(body) ? body : Buffer.from(body));

/** Tags remembered to tell a repeated model answer from a one-off (about 100 bytes each). */
const RECENT_TAGS = 20_000;

/** A cache lookup counted by route; a failing cache is a miss (and reported), never an error. */
export async function readCached(
  deps: Pick<ContractReadServiceDeps, 'onCacheResult' | 'onCacheError'>,
  cache: Pick<KeyValueCache, 'get'>,
  route: CachedRoute,
  key: string,
): Promise<Buffer | null> {
  try {
    const hit = await cache.get(key);
    deps.onCacheResult?.(route, hit ? 'hit' : 'miss');
    return hit;
  } catch (error) {
    deps.onCacheResult?.(route, 'error');
    deps.onCacheError?.(error);
    return null;
  }
}

export function createContractReadService(deps: ContractReadServiceDeps) {
  const keyPrefix = `${KEY_PREFIX}:${deps.cacheNamespace ?? 'default'}`;
  const flights = createSingleFlight<{ generation: number; value: string | Buffer | null }>();

  const cached = (cache: KeyValueCache, route: CachedRoute, key: string) => readCached(deps, cache, route, key);

  function store(cache: KeyValueCache, key: string, body: Buffer, ttlSeconds: number): void {
    cache.set(key, body, ttlSeconds).catch((error: unknown) => deps.onCacheError?.(error));
  }

  function untilMinuteEnds(liveAt: Date): number {
    return Math.max(1, (liveAt.getTime() + 60_000 - deps.now().getTime()) / 1000) + MINUTE_KEY_MARGIN_SECONDS;
  }

  /** Database work: bounded by admission control, identical concurrent misses computed once. */
  async function fromDatabase(
    key: string,
    compute: () => Promise<{ generation: number; value: string | Buffer | null }>,
    aborted: AbortSignalSource | undefined,
  ): Promise<{ generation: number; value: string | Buffer | null }> {
    try {
      const result = await flights.run(key, (shared) => deps.admission.run(compute, shared), aborted?.());
      deps.generation.observe(result.generation);
      return result;
    } catch (error) {
      throw unavailableFor(error) ?? error;
    }
  }

  function answer(body: string | Buffer, etag: string, ifNoneMatch: string | undefined): ReadResult {
    if (ifNoneMatchHits(ifNoneMatch, etag)) return { kind: 'not_modified', etag };
    return { kind: 'ok', etag, body: typeof body === 'string' ? Buffer.from(body) : body };
  }

  /**
   * The SQL path's conditional GET: 304 from the known generation, else a cached body of that
   * generation, else computed in a snapshot and cached under the generation actually read.
   */
  async function sqlConditional(
    route: 'list' | 'taxonomy',
    ifNoneMatch: string | undefined,
    tagFor: (generation: number) => string,
    ttlSeconds: number,
    compute: () => Promise<{ generation: number; value: string | Buffer }>,
    aborted: AbortSignalSource | undefined,
  ): Promise<ReadResult> {
    const knownTag = tagFor(deps.generation.latest());
    if (ifNoneMatchHits(ifNoneMatch, knownTag)) return { kind: 'not_modified', etag: knownTag };
    const hit = await cached(deps.sharedCache, route, `${keyPrefix}:${route}:${knownTag}`);
    if (hit) return answer(hit, knownTag, ifNoneMatch);
    const { generation, value } = await fromDatabase(`${route}:${knownTag}`, compute, aborted);
    const etag = tagFor(generation);
    const body = asBuffer(value!);
    store(deps.sharedCache, `${keyPrefix}:${route}:${etag}`, body, ttlSeconds);
    return answer(body, etag, ifNoneMatch);
  }

  /**
   * Model answers are cheap to recompute and mostly asked once (every new filter combination): one
   * is kept only when its tag was asked for recently, so unique queries do not churn the cache.
   */
  const recentlyAsked = new Set<string>();
  const askedBefore = (key: string) => {
    if (recentlyAsked.delete(key)) return true;
    recentlyAsked.add(key);
    if (recentlyAsked.size > RECENT_TAGS) recentlyAsked.delete(recentlyAsked.values().next().value!);
    return false;
  };

  /** The model's conditional GET, or null when the model does not answer. */
  async function modelConditional(
    route: 'list' | 'taxonomy',
    ifNoneMatch: string | undefined,
    tagFor: (generation: number) => string,
    ttlSeconds: number,
    compute: () => { generation: number; body: string | Buffer } | null,
  ): Promise<ReadResult | null> {
    const generation = deps.model?.servingGeneration() ?? null;
    if (generation === null) return null;
    const knownTag = tagFor(generation);
    if (ifNoneMatchHits(ifNoneMatch, knownTag)) return { kind: 'not_modified', etag: knownTag };
    const hit = await cached(deps.localCache, route, `${keyPrefix}:${route}:${knownTag}`);
    if (hit) return answer(hit, knownTag, ifNoneMatch);
    const computed = compute();
    if (!computed) return null;
    const etag = tagFor(computed.generation);
    const body = asBuffer(computed.body);
    const key = `${keyPrefix}:${route}:${etag}`;
    if (askedBefore(key)) store(deps.localCache, key, body, ttlSeconds);
    return answer(body, etag, ifNoneMatch);
  }

  return {
    async list(params: ContractListParams, ifNoneMatch: string | undefined, aborted?: AbortSignalSource): Promise<ReadResult> {
      const liveAt = livenessInstant(deps.now());
      const tagFor = listTagger(params, liveAt);
      const ttl = untilMinuteEnds(liveAt);
      const fromModel = await modelConditional('list', ifNoneMatch, tagFor, ttl, () => {
        const computed = deps.model!.list(params, liveAt.getTime() * 1000);
        if (!computed) return null;
        const body = renderListBody({ counts: computed.counts, rows: computed.rows, page: params.page, size: params.size, coverage: computed.coverage });
        return { generation: computed.generation, body };
      });
      if (fromModel) return fromModel;
      return sqlConditional('list', ifNoneMatch, tagFor, ttl, async () => {
        const { generation, value } = await deps.sql.list(params, liveAt);
        const body = renderListBody({
          counts: value.counts,
          rows: renderedRows(value.rows.map(listRowJson)),
          page: params.page,
          size: params.size,
          coverage: { ingestedRegionIds: value.coverage.ingestedRegionIds, asOf: coverageAsOf(value.coverage.asOf) },
        });
        return { generation, value: body };
      }, aborted);
    },

    async taxonomy(ifNoneMatch: string | undefined, aborted?: AbortSignalSource): Promise<ReadResult> {
      const liveAt = livenessInstant(deps.now());
      const tagFor = taxonomyTagger(liveAt);
      const ttl = untilMinuteEnds(liveAt);
      const fromModel = await modelConditional('taxonomy', ifNoneMatch, tagFor, ttl, () => {
        const computed = deps.model!.taxonomy(liveAt.getTime() * 1000);
        return computed && { generation: computed.generation, body: renderTaxonomy(computed.facts) };
      });
      if (fromModel) return fromModel;
      return sqlConditional('taxonomy', ifNoneMatch, tagFor, ttl, async () => {
        const { generation, value } = await deps.sql.taxonomy(liveAt);
        return { generation, value: renderTaxonomy(value) };
      }, aborted);
    },

    /**
     * The serving model answers every contract it holds: open ones rendered from its columns, closed
     * ones and auctions from the bodies it read (and keeps until the contract changes). One it knows
     * of but has not read yet is read once and handed to it. One it does not hold may have been
     * committed a moment ago, so the database is asked (the SQL path). A miss is one single-statement read.
     */
    async detail(contractId: bigint, ifNoneMatch: string | undefined, aborted?: AbortSignalSource): Promise<ReadResult> {
      const tagFor = detailTagger(contractId);
      // Every stored id is below 2^53, so a larger one rounds to a number no stored id equals.
      const fromModel = deps.model?.detail(Number(contractId));
      if (fromModel) return answer(fromModel.body, tagFor(fromModel.generation), ifNoneMatch);
      const read = async () => {
        const { generation, row, items, bids } = await deps.sql.detail(contractId);
        return { generation, value: row === null ? null : contractDetailJson(row, items, bids) };
      };
      const known = deps.model?.lookup(Number(contractId));
      if (known?.stamp !== undefined) {
        const etag = tagFor(known.generation);
        if (ifNoneMatchHits(ifNoneMatch, etag)) return { kind: 'not_modified', etag };
        const { generation, value } = await fromDatabase(`detail:${contractId}`, read, aborted);
        if (value === null) return { kind: 'not_found' };
        const body = asBuffer(value);
        // Read at the model's generation, the body is the one its stamp names; a newer read is served
        // under its own generation and not kept (the stamp it would need is not known yet).
        if (generation === known.generation) deps.model!.hold(Number(contractId), known.stamp, body);
        return answer(body, tagFor(generation), ifNoneMatch);
      }
      // A resource that may not exist answers 304 only once it is known to exist (a cached body, or
      // the read), so neither `*` nor a forged tag turns a 404 into a 304 (docs/api.md §5).
      const knownTag = tagFor(deps.generation.latest());
      const hit = await cached(deps.sharedCache, 'detail', `${keyPrefix}:detail:${knownTag}`);
      if (hit) return answer(hit, knownTag, ifNoneMatch);
      const { generation, value } = await fromDatabase(`detail:${contractId}`, read, aborted);
      if (value === null) return { kind: 'not_found' };
      const etag = tagFor(generation);
      const body = asBuffer(value);
      store(deps.sharedCache, `${keyPrefix}:detail:${etag}`, body, DETAIL_TTL_SECONDS);
      return answer(body, etag, ifNoneMatch);
    },
  };
}

export type ContractReadService = ReturnType<typeof createContractReadService>;
