import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createEsiClient, createEsiDispatcher } from '../../../src/esi/esi-client.js';
import { createGovernor } from '../../../src/esi/governor.js';
import { USER_AGENT } from './esi-test-support.js';

type Fault = 'hang' | 'reset' | 'truncate' | 'ok';

/**
 * A real loopback server (real time, real sockets): the MockAgent cannot show that a timed-out
 * attempt's socket is destroyed, or what undici does with a connection cut mid-body.
 */
async function startServer(faults: Fault[]) {
  const closedAfterMs: number[] = [];
  const server = http.createServer((req, res) => {
    const fault = faults.shift() ?? 'ok';
    const socket: Socket = req.socket;
    const startedAt = Date.now();
    if (fault === 'hang') {
      socket.once('close', () => closedAfterMs.push(Date.now() - startedAt));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('[{"contract_id":1');
    } else if (fault === 'reset') {
      socket.destroy();
    } else if (fault === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('[{"contract_id":1', () => socket.destroy());
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[9]');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/esi`, closedAfterMs, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup) await step();
  cleanup = [];
});

async function clientFor(faults: Fault[]) {
  const server = await startServer(faults);
  const config = { esiBaseUrl: server.url, esiUserAgent: USER_AGENT, esiCompatibilityDate: '2026-07-21', esiTimeoutMs: 1000, esiMaxConcurrency: 2 };
  const client = createEsiClient({
    config,
    dispatcher: createEsiDispatcher(config),
    governor: createGovernor({ maxConcurrency: 2, maxRps: 50, downtimeWindow: null }),
    random: () => 0,
  });
  cleanup.push(() => client.close(), server.close);
  return { client, server };
}

describe('transport faults over a real socket (case 85)', () => {
  it('a hang past ESI_TIMEOUT_MS=1000 destroys the socket after ~1 s and the retry succeeds', async () => {
    const { client, server } = await clientFor(['hang', 'ok']);
    const started = Date.now();
    const result = await client.request({ route: 'contracts_public', path: '/contracts/public/10000002', query: { page: 1 } });
    expect(result).toMatchObject({ kind: 'ok', json: [9] });
    expect(client.requestCount()).toBe(2);
    expect(server.closedAfterMs).toHaveLength(1);
    expect(server.closedAfterMs[0]).toBeGreaterThanOrEqual(900);
    expect(server.closedAfterMs[0]).toBeLessThan(5000);
    // 1 s timeout + 0.5 s backoff (random 0), well under the 20 s default.
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it.each([['reset' as const], ['truncate' as const]])('a connection %s is retried and never parsed', async (fault) => {
    const { client } = await clientFor([fault, 'ok']);
    const result = await client.request({ route: 'contracts_public', path: '/contracts/public/10000002', query: { page: 1 } });
    expect(result).toMatchObject({ kind: 'ok', json: [9] });
    expect(client.requestCount()).toBe(2);
  });
});
