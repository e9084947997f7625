import { MockAgent } from 'undici';
import { vi } from 'vitest';
import { createEsiClient, type EsiClientConfig, type EsiResponseEvent } from '../../../src/esi/esi-client.js';
import { createGovernor, type GovernorOptions, type PauseEvent } from '../../../src/esi/governor.js';

export const ORIGIN = 'http://127.0.0.1:8700';
/** A base URL with a path prefix, as ESI_BASE_URL allows. */
export const BASE_URL = `${ORIGIN}/esi`;
export const USER_AGENT = 'HangarBay/0.1.0 (ops@example.com; +https://github.com/example/hangar-bay)';
/** A Tuesday, well outside the default downtime window. */
export const START = Date.parse('2026-07-21T08:00:00Z');

export const clientConfig: EsiClientConfig = {
  esiBaseUrl: BASE_URL,
  esiUserAgent: USER_AGENT,
  esiCompatibilityDate: '2026-07-21',
  esiTimeoutMs: 20_000,
};

/**
 * Fake Date and timeouts only: undici's mock and stream plumbing runs on nextTick/setImmediate,
 * which must stay real for responses to flow while fake time stands still.
 */
export function useFakeTime(now = START): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now });
}

export function mockEsi(): { agent: MockAgent; pool: ReturnType<MockAgent['get']> } {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return { agent, pool: agent.get(ORIGIN) };
}

async function realTicks(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs fake time forward, one timer at a time, until `promise` settles: real I/O (mock replies,
 * zlib) gets a few real event-loop turns between jumps, so nothing is skipped over.
 */
export async function drive<T>(promise: Promise<T>, maxFakeMs = 24 * 3600_000): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  const deadline = Date.now() + maxFakeMs;
  let idleTurns = 0;
  while (!settled) {
    await realTicks(5);
    if (settled) break;
    if (vi.getTimerCount() === 0) {
      // Waiting on real work only (zlib on the thread pool); give up if nothing ever comes.
      idleTurns += 1;
      if (idleTurns > 2000) throw new Error('drive: no timers and the promise never settled');
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    idleTurns = 0;
    if (Date.now() > deadline) throw new Error('drive: fake time limit exceeded');
    await vi.advanceTimersToNextTimerAsync();
  }
  return promise;
}

export interface TestClientOptions {
  readonly config?: Partial<EsiClientConfig>;
  readonly governor?: Partial<GovernorOptions>;
  readonly random?: () => number;
}

/** A client on a MockAgent with its own governor, recording pauses and per-attempt responses. */
export function testClient(agent: MockAgent, options: TestClientOptions = {}) {
  const pauses: PauseEvent[] = [];
  const responses: EsiResponseEvent[] = [];
  const governor = createGovernor({
    maxConcurrency: 8,
    maxRps: 100,
    downtimeWindow: null,
    onPause: (event) => pauses.push(event),
    ...options.governor,
  });
  const client = createEsiClient({
    config: { ...clientConfig, ...options.config },
    dispatcher: agent,
    governor,
    random: options.random ?? (() => 0.5),
    onResponse: (event) => responses.push(event),
  });
  return { client, governor, pauses, responses };
}

export function json(value: unknown): string {
  return JSON.stringify(value);
}
