// The ESI client and governor against the project's fake ESI over real loopback HTTP (real time,
// real sockets): the pacing, concurrency and retry rules of docs/sync.md §3 as ESI would see them,
// beside the MockAgent tests that check them on a fake clock.
import { describe, expect, it, type TestContext } from 'vitest';
import { createEsiClient, createEsiDispatcher } from '../../../src/esi/esi-client.js';
import { createGovernor, type PauseEvent } from '../../../src/esi/governor.js';
import { startFakeEsi, type FakeEsi, type FakeEsiOptions } from '../../fake-esi/index.js';
import { USER_AGENT } from './esi-test-support.js';

const FORGE = 10000002;
/** A fake ESI and a client of the test's own (the tests run side by side), closed when it ends. */
async function setup(context: TestContext, options: { esi?: FakeEsiOptions; concurrency?: number; rps?: number } = {}) {
  const esi: FakeEsi = await startFakeEsi({ regions: 1, firstRegionContracts: 40, contracts: 0, seed: 5, ...options.esi });
  const config = { esiBaseUrl: esi.url, esiUserAgent: USER_AGENT, esiCompatibilityDate: '2026-07-21', esiTimeoutMs: 3000, esiMaxConcurrency: options.concurrency ?? 8 };
  let inflight = 0;
  let maxInflight = 0;
  const pauses: PauseEvent[] = [];
  const governor = createGovernor({
    maxConcurrency: options.concurrency ?? 8,
    maxRps: options.rps ?? 100,
    downtimeWindow: null,
    onPause: (event) => pauses.push(event),
    onInflightChange: (count) => {
      inflight = count;
      maxInflight = Math.max(maxInflight, inflight);
    },
  });
  const client = createEsiClient({ config, dispatcher: createEsiDispatcher(config), governor, random: () => 0 });
  context.onTestFinished(async () => {
    await client.close();
    await esi.close();
  });
  const listing = () => client.request({ route: 'contracts_public', path: `/contracts/public/${FORGE}`, query: { page: 1 } });
  const items = (contractId: number) => client.request({ route: 'contracts_items', path: `/contracts/public/items/${contractId}`, query: { page: 1 } });
  const itemContracts = esi.control.universe.contractIds(FORGE).filter((id) => esi.control.universe.items(id) !== undefined);
  return { esi, client, listing, items, itemContracts, pauses, maxInflight: () => maxInflight };
}

// Concurrent: each test waits out real pauses of a few seconds on its own server.
describe.concurrent('the ESI client against the fake ESI over loopback HTTP', () => {
  it('every request carries the User-Agent with the package version, X-Compatibility-Date and its page (case 76)', async (context) => {
    const { esi, listing, items, itemContracts } = await setup(context);
    expect(await listing()).toMatchObject({ kind: 'ok' });
    for (const id of itemContracts.slice(0, 3)) expect(await items(id)).toMatchObject({ kind: 'ok' });
    const requests = esi.control.requests();
    expect(requests).toHaveLength(4);
    for (const request of requests) {
      expect(request.headers['user-agent']).toBe(USER_AGENT);
      expect(request.headers['x-compatibility-date']).toBe('2026-07-21');
      expect(request.query.page).toBe('1');
    }
    expect(esi.control.stats().manners_violations).toBe(0);
  });

  it('a 420 with X-ESI-Error-Limit-Reset: 2 pauses every request until the window resets (case 82)', async (context) => {
    const { esi, listing, items, itemContracts, pauses } = await setup(context);
    esi.control.addFault({ kind: 'error-limit', reset: 2, route: 'E1', times: 1 });
    const started = performance.now();
    await listing();
    const after420 = await items(itemContracts[0]!);
    expect(after420).toMatchObject({ kind: 'ok' });
    expect(pauses.some((pause) => pause.reason === '420')).toBe(true);
    // The item request waited for the reset: nothing was sent in the meantime.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
  });

  it('a 429 with Retry-After: 2 pauses its group for 2 s, then the request is sent again and succeeds (case 83)', async (context) => {
    const { esi, listing, pauses } = await setup(context);
    esi.control.addFault({ kind: 'rate-limit', retryAfter: 2, route: 'E1', times: 1 });
    const started = performance.now();
    expect(await listing()).toMatchObject({ kind: 'ok' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2000);
    expect(pauses).toMatchObject([{ reason: '429', seconds: 2 }]);
    expect(esi.control.requests({ route: 'E1' })).toHaveLength(2);
  });

  it('ESI_MAX_CONCURRENCY=4 never has more than 4 in flight; ESI_MAX_RPS=5 sends 15 requests over at least 2 s, a burst of 5 then 5 a second (case 84)', async (context) => {
    const concurrent = await setup(context, { concurrency: 4, esi: { latency: { E2: 150 } } });
    const ids = concurrent.itemContracts.slice(0, 12);
    const started = performance.now();
    await Promise.all(ids.map((id) => concurrent.items(id)));
    expect(concurrent.maxInflight()).toBe(4);
    // 12 requests, 4 at a time, 150 ms each: at least three waves.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);

    const paced = await setup(context, { rps: 5 });
    const pacedStarted = performance.now();
    await Promise.all(paced.itemContracts.slice(0, 15).map((id) => paced.items(id)));
    expect(performance.now() - pacedStarted).toBeGreaterThanOrEqual(2000);
  });

  it('503, 503, 200 → success on the third attempt after backoffs of at least 0.5 s and 1 s; 500 three times → transient, exactly 3 sent (case 85)', async (context) => {
    const { esi, listing } = await setup(context);
    esi.control.addFault({ kind: 'status', status: 503, route: 'E1', times: 2 });
    const started = performance.now();
    expect(await listing()).toMatchObject({ kind: 'ok' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1500);
    expect(esi.control.requests({ route: 'E1' })).toHaveLength(3);

    esi.control.addFault({ kind: 'status', status: 500, route: 'E1', times: 3 });
    const failed = await listing();
    expect(failed).toMatchObject({ kind: 'transient' });
    expect(esi.control.requests({ route: 'E1' })).toHaveLength(6);
  });
});
