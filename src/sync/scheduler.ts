import fastifySchedule from '@fastify/schedule';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AsyncTask, SimpleIntervalJob } from 'toad-scheduler';
import type { SyncRunner } from './sync-runner.js';
import { loggableError } from '../logger.js';

export interface SyncScheduleOptions {
  readonly runner: Pick<SyncRunner, 'run' | 'requestStop'>;
  readonly intervalSeconds: number;
  /**
   * The light bids job between runs (docs/extensions.md §2.2): `poll` is the runner's `pollBids`,
   * which takes the run lock and is stopped by a run of this process, so it never holds one up.
   */
  readonly bids?: { readonly poll: () => Promise<unknown>; readonly intervalSeconds: number };
}

/**
 * Longest a shutdown waits for a running sync to reach its next safe point: the process must be
 * gone within 10 s (docs/sync.md §5.7), and Fastify gives a close hook no more than 10 s either.
 */
const STOP_GRACE_MS = 9_000;

/**
 * The in-process sync schedule (docs/sync.md §5.7): one job `sync` every AGGREGATION_INTERVAL_SECONDS,
 * also at startup, never overlapping itself. Closing the app stops the schedule and asks a running
 * sync to stop at its next safe point.
 */
export const syncSchedule = fp(
  async (app: FastifyInstance, options: SyncScheduleOptions) => {
    await app.register(fastifySchedule);
    let current: Promise<unknown> | null = null;
    let polling: Promise<unknown> | null = null;
    let started = false;
    const task = new AsyncTask(
      'sync',
      async () => {
        const trigger = started ? 'schedule' : 'startup';
        started = true;
        current = options.runner.run({ trigger });
        try {
          await current;
        } finally {
          current = null;
        }
      },
      (error) => app.log.error({ err: loggableError(error) }, 'scheduled sync failed'),
    );
    const bids = options.bids;
    const bidsTask = bids
      ? new AsyncTask(
          'bids',
          async () => {
            // The sync run polls bids itself; a tick during it has nothing to add.
            if (current !== null) return;
            polling = bids.poll();
            try {
              await polling;
            } finally {
              polling = null;
            }
          },
          (error) => app.log.error({ err: loggableError(error) }, 'scheduled bids poll failed'),
        )
      : null;
    app.addHook('onReady', async () => {
      app.scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob({ seconds: options.intervalSeconds, runImmediately: true }, task, { id: 'sync', preventOverrun: true }),
      );
      if (bids && bidsTask) {
        app.scheduler.addSimpleIntervalJob(new SimpleIntervalJob({ seconds: bids.intervalSeconds }, bidsTask, { id: 'bids', preventOverrun: true }));
      }
    });
    app.addHook('preClose', async () => {
      app.scheduler.stop();
      const running = [current, polling].filter((work): work is Promise<unknown> => work !== null);
      if (running.length === 0) return;
      options.runner.requestStop();
      await Promise.race([
        Promise.all(running.map((work) => work.catch(() => {}))),
        new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref()),
      ]);
    });
  },
  { name: 'sync-schedule' },
);
