/**
 * E1 (region listing pages) and E2 (contract items) with ESI's semantics and the listing/item
 * faults of docs/sync.md §8 applied on the way out.
 */
import { ITEM_BEARING_TYPES, OPTIONAL_LISTING_FIELDS, listingRow } from './contracts.js';
import type { ActiveFault, FaultHook } from './faults.js';
import { OPTIONAL_ITEM_FIELDS, buildItems } from './items.js';
import { mix32, unitHash } from './random.js';
import { cacheHeaders, errorReply, etagOf, gzip, jsonBody, type FakeEnv, type Reply } from './reply.js';
import { entryId, type Generation, type RenderedPage } from './universe.js';

export const PAGE_SIZE = 1000;
const PAST_END = 'Requested page does not exist!';
const HOUR_MS = 3_600_000;

function renderEntry(env: FakeEnv, entry: unknown): Record<string, unknown> | unknown {
  if (typeof entry !== 'number') return entry;
  const record = env.universe.store.get(entry);
  return record ? listingRow(env.pop, record) : { contract_id: entry };
}

function cachedPage(gen: Generation, key: string, render: () => unknown[]): RenderedPage {
  let page = gen.pages.get(key);
  if (!page) {
    const body = jsonBody(render());
    page = { body, etag: etagOf(body) };
    gen.pages.set(key, page);
  }
  return page;
}

function strip(row: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) delete row[field];
}

function applyRowFaults(
  env: FakeEnv,
  rows: unknown[],
  badType: ActiveFault | undefined,
  stripped: ActiveFault | undefined,
  defaultFields: readonly string[],
): void {
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const fields = row as Record<string, unknown>;
    const id = entryId(fields);
    if (badType && env.faults.selectsRow(badType, id, 0.01) && 'type' in fields) {
      fields.type = badType.spec.kind === 'bad-type' ? (badType.spec.value ?? 'barter_v2') : fields.type;
    }
    if (stripped && env.faults.selectsRow(stripped, id, 1) && stripped.spec.kind === 'strip-optional') {
      strip(fields, stripped.spec.fields ?? defaultFields);
    }
  }
}

/** E1 `GET /contracts/public/{region_id}?page=N`. */
export function listingPage(env: FakeEnv, regionId: number, page: number, hook: FaultHook): Reply {
  const region = env.universe.region(regionId);
  if (!region) return errorReply(404, 'Region not found');
  const stale = hook.take('stale');
  const gen = stale ? region.previous : region.current;
  let entries = gen.entries;
  let variant = '';
  const drop = hook.take('mass-drop');
  if (drop) {
    const keep = drop.keep ?? Math.max(1, Math.floor(entries.length * 0.05));
    entries = entries.slice(0, keep);
    variant = `drop${keep}:`;
  }
  const pages = Math.max(1, Math.ceil(entries.length / PAGE_SIZE));
  const expires = region.current.expires;
  const lmFault = hook.take('last-modified', (s) => s.page !== undefined || page >= 2);
  const lastModified = gen.lastModified + (lmFault ? (lmFault.offsetSeconds ?? -1800) * 1000 : 0);
  const xpages = hook.take('xpages-change', (s) => s.page !== undefined || page >= 2);
  const headers: Record<string, string | null> = {
    ...cacheHeaders(env, lastModified, expires),
    'x-pages': String(pages + (xpages ? (xpages.delta ?? 1) : 0)),
  };

  if (hook.take('page-past-end', (s) => s.page !== undefined || page > pages)) {
    const body = jsonBody({ error: PAST_END });
    return { status: 200, headers: { ...headers, etag: etagOf(body) }, body, expiresMs: expires };
  }
  if (page > pages) return errorReply(404, PAST_END);

  const slice = entries.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const ids = slice.map(entryId);
  const badType = hook.takeFault('bad-type', (f) => ids.some((id) => env.faults.selectsRow(f, id, 0.01)));
  const stripped = hook.takeFault('strip-optional', (f) => ids.some((id) => env.faults.selectsRow(f, id, 1)));
  const duplicate = hook.take('duplicate-id', (s) => s.page !== undefined || page >= 2);
  const short = hook.take('short-page');

  let rendered: RenderedPage;
  if (!badType && !stripped && !duplicate && !short) {
    rendered = cachedPage(gen, `${variant}${page}`, () => slice.map((e) => renderEntry(env, e)));
  } else {
    const rows = slice.map((e) => renderEntry(env, e));
    applyRowFaults(env, rows, badType, stripped, OPTIONAL_LISTING_FIELDS);
    if (duplicate) {
      // The previous page's last contract shows up again, as when a listing shifts mid-sweep.
      const previous = page >= 2 ? entries[(page - 1) * PAGE_SIZE - 1] : undefined;
      if (previous !== undefined && rows.length > 0) rows[0] = renderEntry(env, previous);
      else if (rows.length > 1) rows[1] = renderEntry(env, slice[0]);
    }
    if (short) rows.length = Math.min(rows.length, short.rows ?? PAGE_SIZE - 1);
    const body = jsonBody(rows);
    rendered = { body, etag: etagOf(body) };
  }
  const cache = rendered;
  return {
    status: 200,
    headers: { ...headers, etag: rendered.etag },
    body: rendered.body,
    gzip: () => (cache.gzip ??= gzip(cache.body)),
    expiresMs: expires,
  };
}

/** Items cache on a per-contract hourly grid, so Last-Modified/Expires do not depend on request times. */
function itemsCacheWindow(env: FakeEnv, contractId: number): { lastModified: number; expires: number } {
  const period = env.options.itemsCacheSeconds * 1000;
  const phase = (mix32(env.options.seed, contractId, 'items-phase') % env.options.itemsCacheSeconds) * 1000;
  const lastModified = Math.floor((env.clock.now() - phase) / period) * period + phase;
  return { lastModified, expires: lastModified + period };
}

/** E2 `GET /contracts/public/items/{contract_id}?page=N`. */
export function itemsPage(env: FakeEnv, contractId: number, page: number, hook: FaultHook): Reply {
  const record = env.universe.record(contractId);
  if (!record) return errorReply(404, 'Contract not found!');
  const badType = hook.takeFault('bad-type', (f) => env.faults.selectsRow(f, contractId, 0.01));
  const type = badType && badType.spec.kind === 'bad-type' ? (badType.spec.value ?? 'barter_v2') : record.type;
  if (!ITEM_BEARING_TYPES.has(type)) {
    env.recorder.itemsBadType();
    return errorReply(400, 'Only item_exchange and auction contracts have items');
  }
  const { lastModified, expires } = itemsCacheWindow(env, contractId);
  const now = env.clock.now();
  const goneAt = Math.min(record.departedAt ?? Infinity, record.expires);
  if (now >= goneAt) {
    // ESI keeps answering 204 (cache headers, no body) for a while after a contract leaves.
    if (now < goneAt + HOUR_MS) return { status: 204, headers: cacheHeaders(env, lastModified, expires), body: null };
    return errorReply(404, 'Contract not found!');
  }
  if (unitHash(env.options.seed, contractId, 'forbidden') < env.options.forbiddenShare) {
    return errorReply(403, 'Contract not public');
  }
  const headers = cacheHeaders(env, lastModified, expires);
  const empty = hook.take('empty-items');
  if (empty) {
    const body = empty.body === 'none' ? Buffer.alloc(0) : Buffer.from('[]');
    return { status: 200, headers: { ...headers, 'x-pages': '1', etag: etagOf(body) }, body };
  }
  const big = hook.take('big-items');
  const count = big ? (big.rows ?? 1500) : env.universe.itemCount(record);
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  if (page > pages) return errorReply(404, PAST_END);
  const all = buildItems(env.pop, record, count);
  const rows = all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  if (hook.take('duplicate-id', (s) => s.page !== undefined || page >= 2)) {
    const previous = page >= 2 ? all[(page - 1) * PAGE_SIZE - 1] : undefined;
    if (previous && rows.length > 0) rows[0] = { ...previous };
    else if (rows.length > 1) rows[1] = { ...rows[0] };
  }
  const stripped = hook.takeFault('strip-optional', (f) => env.faults.selectsRow(f, contractId, 1));
  if (stripped && stripped.spec.kind === 'strip-optional') {
    for (const row of rows) strip(row, stripped.spec.fields ?? OPTIONAL_ITEM_FIELDS);
  }
  const body = jsonBody(rows);
  return { status: 200, headers: { ...headers, 'x-pages': String(pages), etag: etagOf(body) }, body };
}
