/**
 * Child processes, ports and cleanup for the benchmark. Every process the harness starts is
 * registered here and killed (its whole process group) on normal exit, on error and on signals.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommandOf } from '../../src/cli/npm-script.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Cleanup = () => Promise<void> | void;

const cleanups: { name: string; run: Cleanup }[] = [];
const syncKillers = new Set<() => void>();

/** Registers an async cleanup, run in reverse order by `runCleanups`; returns an unregister function. */
export function onCleanup(name: string, run: Cleanup): () => void {
  const entry = { name, run };
  cleanups.push(entry);
  return () => {
    const index = cleanups.indexOf(entry);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

/** A last-resort synchronous kill, run from the `exit` event when async cleanups never ran. */
export function onExitKill(kill: () => void): () => void {
  syncKillers.add(kill);
  return () => syncKillers.delete(kill);
}

let cleaning: Promise<void> | null = null;

export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const entry = cleanups.pop()!;
      try {
        await entry.run();
      } catch (error) {
        console.error(`bench: cleanup ${entry.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

let handlersInstalled = false;

/** SIGINT/SIGTERM/SIGHUP run every cleanup, then exit 130/143; `exit` kills what is left. */
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      console.error(`bench: ${signal}: stopping every child process`);
      const force = setTimeout(() => process.exit(code), 20_000);
      force.unref();
      void runCleanups().finally(() => process.exit(code));
    });
  }
  process.on('exit', () => {
    for (const kill of syncKillers) {
      try {
        kill();
      } catch {
        // already gone
      }
    }
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines written to stdout and stderr, for error messages. */
  output(): string;
  stdoutLines(): string[];
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly env?: Record<string, string | undefined>;
  readonly ipc?: boolean;
  /** Extra node flags before the script. */
  readonly nodeArgs?: readonly string[];
  /** Working directory; default the repository root. */
  readonly cwd?: string;
  /** Keep every stdout line (the sync CLI's JSON lines); default: only the tail. */
  readonly keepStdout?: boolean;
}

/**
 * Runs `script` (a TypeScript file, relative to the repository root) with this Node and the tsx
 * loader in a process group of its own: `node --import tsx script` is what `npx tsx script` runs,
 * minus the wrapper process, so the pid is the program's own (for RSS) and signals reach it.
 */
export function spawnTs(name: string, script: string, args: readonly string[], options: SpawnOptions = {}): Child {
  return spawnChild(name, process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], options);
}

/**
 * Runs what an npm script runs (`npm start`, `npm run sync`: the compiled program with its Node
 * flags, built by the bench's prebench step), directly, so the pid is the program's own.
 */
export function spawnNpmScript(name: string, script: 'start' | 'sync', args: readonly string[], options: SpawnOptions = {}): Child {
  const command = nodeCommandOf(script);
  return spawnChild(name, process.execPath, [...command.nodeArgs, command.entry, ...args], options);
}

const TAIL_LINES = 60;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** Starts `command` in a process group of its own, registered for cleanup. */
export function spawnChild(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): Child {
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
    stdio,
    detached: true,
    // Structured clone over IPC: the fake ESI's request log is tens of megabytes.
    ...(options.ipc ? { serialization: 'advanced' as const } : {}),
  });
  let spawnError: Error | null = null;
  child.on('error', (error) => (spawnError = error));
  if (child.pid === undefined) throw new Error(`bench: could not start ${name}${spawnError ? `: ${(spawnError as Error).message}` : ''}`);
  const pid = child.pid;
  const tail: string[] = [];
  const stdoutAll: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null, label: string, keep: boolean) => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(`[${name} ${label}] ${line}`);
        if (tail.length > TAIL_LINES) tail.shift();
        if (keep) stdoutAll.push(line);
      }
    });
  };
  collect(child.stdout, 'out', true);
  collect(child.stderr, 'err', false);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let stopped = false;
  const unregisterSync = onExitKill(() => {
    if (child.exitCode === null && child.signalCode === null) killGroup(pid, 'SIGKILL');
  });
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      // The leader exited; anything it left in its group goes too.
      killGroup(pid, 'SIGKILL');
      return;
    }
    if (!stopped) {
      stopped = true;
      killGroup(pid, 'SIGTERM');
    }
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(pid, 'SIGKILL');
  };
  const unregister = onCleanup(`stop ${name}`, () => stop());
  void exited.then(() => {
    unregister();
    unregisterSync();
  });
  return {
    name,
    pid,
    process: child,
    exited,
    output: () => tail.join('\n'),
    stdoutLines: () => (options.keepStdout ? [...stdoutAll] : []),
    stop,
  };
}

/** Polls `url` until it answers (any status), the child exits or the timeout passes. */
export async function waitForHttp(url: string, child: Child | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child?.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`bench: ${child?.name} exited before answering on ${url}\n${child?.output()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`bench: ${url} did not answer within ${timeoutMs} ms\n${child?.output() ?? ''}`);
      await sleep(100);
    }
  }
}

export interface MemoryProbe {
  /** Highest VmHWM (peak resident set) seen, in bytes; null when /proc is unavailable. */
  peakBytes(): number | null;
  stop(): void;
}

function readHwm(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The resident set of a process right now (VmRSS), in bytes; null when /proc is unavailable. */
export function currentRss(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Samples /proc/<pid>/status VmHWM (the kernel's own high-water mark) every `intervalMs`. */
export function watchPeakRss(pid: number, intervalMs = 50): MemoryProbe {
  let peak: number | null = readHwm(pid);
  const timer = setInterval(() => {
    const value = readHwm(pid);
    if (value !== null && (peak === null || value > peak)) peak = value;
  }, intervalMs);
  return {
    peakBytes: () => {
      const value = readHwm(pid);
      if (value !== null && (peak === null || value > peak)) peak = value;
      return peak;
    },
    stop: () => clearInterval(timer),
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system, all threads) a process has used so far; null without /proc. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

