/**
 * `npm run demo`: the offline fake ESI plus the service pointed at it, on an embedded database of
 * its own (./.data/demo-postgres), so contracts appear at http://127.0.0.1:8000/contracts/ within a
 * minute with no network and no configuration. It syncs every known-space region
 * (`AGGREGATION_REGION_IDS=all`): The Forge with 2,000 contracts, the other 68 with a handful each.
 * Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../db/embedded.js';
import { nodeCommandOf } from './npm-script.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PORT = process.env.PORT ?? '8000';

const children: ChildProcess[] = [];
function stopAll(code: number): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 12_000).unref();
  Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))))).then(
    () => process.exit(code),
  );
}
process.once('SIGINT', () => stopAll(0));
process.once('SIGTERM', () => stopAll(0));

const esiPort = await freePort();
// Realistic latency (80 ± 40 ms) so the demo behaves like the real ESI, only smaller.
const fakeEsi = spawn(
  process.execPath,
  ['--import', 'tsx', 'test/fake-esi/cli.ts', '--port', String(esiPort), '--regions', 'all', '--contracts', '5', '--first-region-contracts', '2000', '--latency', '80', '--jitter', '40'],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
);
children.push(fakeEsi);
const esiUrl = await new Promise<string>((resolve, reject) => {
  let buffered = '';
  fakeEsi.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const url = /https?:\/\/\S+/.exec(buffered)?.[0];
    if (url) resolve(url);
  });
  fakeEsi.once('exit', (code) => reject(new Error(`fake ESI exited with ${code}`)));
});
fakeEsi.stdout!.resume();
console.log(`demo: fake ESI at ${esiUrl}`);

// The compiled service, as `npm start` runs it (npm run demo builds it first).
const start = nodeCommandOf('start');
const service = spawn(process.execPath, [...start.nodeArgs, start.entry], {
  cwd: ROOT,
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT,
    ESI_BASE_URL: esiUrl,
    ESI_USER_AGENT: 'HangarBayDemo/{version} (demo; +http://127.0.0.1)',
    ESI_DOWNTIME_WINDOW: 'off',
    ESI_MAX_RPS: '100',
    AGGREGATION_REGION_IDS: 'all',
    AGGREGATION_INTERVAL_SECONDS: '60',
    EMBEDDED_DB_DIR: process.env.EMBEDDED_DB_DIR ?? './.data/demo-postgres',
    ENVIRONMENT: 'development',
  },
});
children.push(service);
service.once('exit', (code) => stopAll(code ?? 1));
fakeEsi.once('exit', (code) => stopAll(code ?? 1));
console.log(`demo: service starting on http://127.0.0.1:${PORT}/contracts/ (Ctrl-C to stop)`);
