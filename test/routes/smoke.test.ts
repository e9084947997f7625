import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { insertContracts, insertTaxonomy } from '../support/fixtures.js';

const NOW = new Date('2026-07-21T09:16:30Z');

describe('smoke', () => {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    await insertTaxonomy(db.db);
    await insertContracts(db.db, [{ contractId: 101, items: [{ typeId: 587 }] }], NOW);
    t = await buildTestApp({ databaseUrl: db.url, now: () => NOW });
  });
  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('lists a contract', async () => {
    const response = await t.app.inject({ url: '/contracts/' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.total).toBe(1);
    expect(body.items[0].primary_label).toBe('Rifter');
    expect(body.items[0].date_issued).toBe('2026-07-20T09:16:30Z');
  });
});
