import { nodeCommandOf } from '../../src/cli/npm-script.js';
import type { DatabaseServer } from './db.js';
import { percentile } from './load.js';
import { currentRss, sleep, spawnChild, spawnTs, waitForHttp } from './procs.js';
import { freePort } from '../../src/db/embedded.js';

export interface StartupMeasurement {
  /** `compiled`: what `npm start` runs (node dist/server.js); `tsx`: the TypeScript source through tsx. */
  readonly runtime: 'compiled' | 'tsx';
  /** Spawn to the first 200 from /health, ms, one figure per start. */
  readonly listeningMs: number[];
  readonly medianListeningMs: number;
  /** Resident set 5 s after listening, with nothing asked of it, bytes (median). */
  readonly idleRssBytes: number | null;
}

const IDLE_MS = 5_000;

const median = (values: readonly number[]) => percentile(Float64Array.from(values).sort(), 0.5);

/**
 * Start-up to listening and idle memory of one API process (ROLE=api, no read model, so only the
 * runtime differs), compiled against tsx, `starts` times each, alternating.
 */
export async function measureStartup(server: DatabaseServer, log: (line: string) => void, starts = 3): Promise<StartupMeasurement[]> {
  const database = await server.createDatabase('startup');
  const compiled = nodeCommandOf('start');
  const figures = { compiled: { ms: [] as number[], rss: [] as number[] }, tsx: { ms: [] as number[], rss: [] as number[] } };
  try {
    for (let round = 0; round < starts; round += 1) {
      for (const runtime of ['compiled', 'tsx'] as const) {
        const port = await freePort();
        const options = {
          env: { DATABASE_URL: database.url, ROLE: 'api', READ_MODEL: 'off', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ENVIRONMENT: 'production' },
        };
        const started = performance.now();
        const child = runtime === 'compiled'
          ? spawnChild('api-compiled', process.execPath, [...compiled.nodeArgs, compiled.entry], options)
          : spawnTs('api-tsx', 'src/server.ts', [], { ...options, nodeArgs: compiled.nodeArgs });
        try {
          await waitForHttp(`http://127.0.0.1:${port}/health`, child, 60_000);
          figures[runtime].ms.push(performance.now() - started);
          await sleep(IDLE_MS);
          const rss = currentRss(child.pid);
          if (rss !== null) figures[runtime].rss.push(rss);
        } finally {
          await child.stop();
        }
      }
    }
  } finally {
    await database.drop();
  }
  return (['compiled', 'tsx'] as const).map((runtime) => {
    const result: StartupMeasurement = {
      runtime,
      listeningMs: figures[runtime].ms.map((ms) => Math.round(ms)),
      medianListeningMs: Math.round(median(figures[runtime].ms)),
      idleRssBytes: figures[runtime].rss.length > 0 ? median(figures[runtime].rss) : null,
    };
    log(`start-up, ${runtime}: ${result.medianListeningMs} ms to listening (${result.listeningMs.join(', ')}), idle RSS ${result.idleRssBytes === null ? '–' : `${Math.round(result.idleRssBytes / 1048576)} MB`}`);
    return result;
  });
}
