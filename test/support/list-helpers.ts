import { afterAll, beforeAll, expect } from 'vitest';
import { buildTestApp, type TestApp } from './app.js';
import { useTestDatabase } from './database.js';
import { replaceContracts, type ContractSpec } from './fixtures.js';
import { validateAgainst } from './openapi-validator.js';

/** What every list test reads of a GET /contracts/ body; tests reading more extend it. */
export interface ListBody {
  total: number;
  page: number;
  size: number;
  items: { contract_id: number }[];
}

/** An `it.each` row: a query string and the ids of the contracts it matches, ascending. */
export type Row = readonly [query: string, expected: readonly number[]];

/** GET /contracts/?`query`, which must answer 200 with a body valid against ContractListResponse. */
export async function list<Body extends ListBody = ListBody>(t: TestApp, query: string): Promise<Body> {
  const response = await t.app.inject({ url: `/contracts/?${query}` });
  expect(response.statusCode, response.body).toBe(200);
  const body: unknown = response.json();
  expect(validateAgainst('ContractListResponse', body)).toBeNull();
  return body as Body;
}

/** The full matched set of `query` (every page at size=100), checked against `total`. */
export async function matchedIds(t: TestApp, query: string): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page += 1) {
    const body = await list(t, [query, 'size=100', `page=${page}`].filter((part) => part !== '').join('&'));
    ids.push(...body.items.map((item) => item.contract_id));
    if (body.items.length < 100) {
      expect(ids.length).toBe(body.total);
      break;
    }
  }
  expect(new Set(ids).size).toBe(ids.length);
  return ids.sort((a, b) => a - b);
}

export type UseFixture = (specs: readonly ContractSpec[], env?: Record<string, string>) => { readonly t: TestApp };

/**
 * A database of the test file's own, with the taxonomy reference rows, and the `useFixture` of its
 * describe blocks: it re-seeds the store with `specs` and builds a fresh app (with `env`, clock fixed
 * at `now`) for the enclosing block. A fresh app also means a fresh result cache and generation
 * tracker, so no block sees another's bodies.
 */
export function useFixtureDatabase(now: Date): UseFixture {
  const database = useTestDatabase({ taxonomy: true });
  return (specs, env) => {
    let app: TestApp | undefined;
    beforeAll(async () => {
      await replaceContracts(database.db.db, specs, now);
      app = await buildTestApp({ databaseUrl: database.db.url, now: () => now, env });
    });
    afterAll(async () => {
      await app?.close();
    });
    return {
      get t() {
        if (!app) throw new Error('fixture not ready');
        return app;
      },
    };
  };
}
