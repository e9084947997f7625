/**
 * The fake ESI (test/fake-esi) in a process of its own, driven by bench/run.ts over the IPC
 * channel: the control operations the HTTP control API lacks (addContracts, removeContracts) and
 * a request log larger than the default 50,000 entries. Options arrive as JSON in FAKE_ESI_OPTIONS.
 */
import { startFakeEsi, type FakeEsiOptions } from '../test/fake-esi/index.js';

interface Command {
  readonly id: number;
  readonly cmd: string;
  readonly args: unknown[];
}

if (!process.send) throw new Error('fake-esi-child must be started with an IPC channel');
const send = process.send.bind(process);

const options = JSON.parse(process.env.FAKE_ESI_OPTIONS ?? '{}') as FakeEsiOptions;
const esi = await startFakeEsi(options);
const { control } = esi;

const handlers: Record<string, (...args: never[]) => unknown> = {
  state: () => control.state(),
  stats: () => control.stats(),
  total: () => control.stats().total,
  routeTotal: (route: string) => control.stats().routes[route]?.total ?? 0,
  requests: () => control.requests(),
  resetStats: () => control.resetStats(),
  regionIds: () => control.universe.regionIds(),
  contractIds: (regionId: number) => control.universe.contractIds(regionId),
  addContracts: (regionId: number, count: number) => control.addContracts(regionId, count),
  removeContracts: (ids: number[]) => control.removeContracts(ids),
  regenerate: (regionId: number, churn: boolean) => control.regenerate(regionId, { churn }),
  advance: (seconds: number) => control.advance(seconds).toISOString(),
};

process.on('message', (message: Command) => {
  try {
    const handler = handlers[message.cmd];
    if (!handler) throw new Error(`unknown command ${message.cmd}`);
    send({ id: message.id, ok: true, result: handler(...(message.args as never[])) ?? null });
  } catch (error) {
    send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});

const shutdown = () => void esi.close().then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
process.on('disconnect', shutdown);

send({ id: 0, ok: true, result: { url: esi.url } });
