// The operator's /status page in a real browser (Debian's chromium, driven by playwright-core),
// after a real sync run against the fake ESI: what an operator opening the page sees.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeEsi, type FakeEsi } from '../fake-esi/index.js';
import { buildTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { buildTestSync, type TestSync } from '../support/sync.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (missing) console.warn(`status page browser test SKIPPED: ${missing}`);

describe.skipIf(missing !== null)('GET /status in Chromium, JavaScript off', () => {
  let db: TestDatabase;
  let esi: FakeEsi;
  let sync: TestSync;
  let api: TestApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    esi = await startFakeEsi({ regions: 2, firstRegionContracts: 60, contracts: 20, seed: 77, alignPhase: true });
    sync = buildTestSync({ databaseUrl: db.url, esiUrl: esi.url, env: { AGGREGATION_REGION_IDS: '10000002,10000043' } });
    const result = await sync.sync.runner.run({ trigger: 'cli', itemsBudgetMs: null });
    expect(result).toMatchObject({ kind: 'finished', outcome: 'success' });
    await sync.close();
    api = await buildTestApp({ databaseUrl: db.url, env: { AGGREGATION_REGION_IDS: '10000002,10000043' } });
    base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await esi?.close();
    await db?.drop();
  });

  it('shows every configured region by name with its live contracts and outcome, and the run that filled them', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const response = await page.goto(`${base}/status`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Hangar Bay status');

    const regionRows = await page.locator('table#regions tbody tr').allInnerTexts();
    expect(regionRows).toHaveLength(2);
    const forge = regionRows.find((row) => row.startsWith('The Forge'));
    const domain = regionRows.find((row) => row.startsWith('Domain'));
    expect(forge).toContain(String(esi.control.universe.contractIds(10000002).length));
    expect(forge).toContain('success');
    expect(domain).toContain(String(esi.control.universe.contractIds(10000043).length));

    const runRows = await page.locator('table#runs tbody tr').allInnerTexts();
    expect(runRows).toHaveLength(1);
    expect(runRows[0]).toMatch(/\bcli\b/);
    expect(runRows[0]).toContain('success');
    expect(await page.locator('#items-queue').innerText()).toMatch(/^0 due, 0 backing off/);
    expect(await page.locator('#esi-error-limit').innerText()).toMatch(/\d+ errors left in the window/);
    expect(await page.locator('#read-model').innerText()).toContain('ready');

    if (!process.env.CI) {
      const dir = path.resolve('bench/results');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, 'status-page.png'), fullPage: true });
    }
    await context.close();
  });
});
